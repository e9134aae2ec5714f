// A process that lives about 40 ms: one read on a pipe that a thread feeds
// after 30 ms (a slow, non-idle call), then exit. Its arguments are ignored;
// tests pass secrets in them that must never leave the host.
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static int fds[2];

static void *feed(void *arg)
{
	struct timespec pause = { 0, 30 * 1000000L };

	nanosleep(&pause, NULL);
	return write(fds[1], "x", 1) == 1 ? NULL : (void *)1;
}

int main(void)
{
	pthread_t feeder;
	char c;

	if (pipe(fds) || pthread_create(&feeder, NULL, feed, NULL))
		return 1;
	if (read(fds[0], &c, 1) != 1)
		return 1;
	pthread_join(feeder, NULL);
	return 0;
}
