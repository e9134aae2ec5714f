// A thread that sleeps in read(2) on a pipe its feeder writes every 50 ms, for
// the given time, inside a function with a known name; built with frame
// pointers so the off-CPU stack reaches it. Prints the time it spent in read.
// With SHORT_SLEEP_US, it also naps that long after each read, elsewhere:
// every wait on the pipe then follows a short sleep.
// usage: pipe-sleeper DURATION_MS [SHORT_SLEEP_US]
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int fds[2];
static int64_t deadline_ns;
static long short_sleep_us;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *feed(void *arg)
{
	struct timespec pause = { 0, 50 * 1000000L };

	while (now_ns() < deadline_ns) {
		nanosleep(&pause, NULL);
		if (write(fds[1], "x", 1) != 1)
			exit(1);
	}
	close(fds[1]);
	return NULL;
}

/* Frame-pointer unwinding loses the caller of a libc function built without
 * them (Debian's): read_one is that frame, wait_for_feed the one above it. */
__attribute__((noinline)) ssize_t read_one(char *c)
{
	return read(fds[0], c, 1);
}

__attribute__((noinline)) void nap(void)
{
	struct timespec pause = { 0, short_sleep_us * 1000L };

	nanosleep(&pause, NULL);
}

__attribute__((noinline)) int64_t wait_for_feed(void)
{
	int64_t waited = 0;
	char c;

	for (;;) {
		int64_t start = now_ns();

		if (read_one(&c) != 1)
			return waited;
		waited += now_ns() - start;
		if (short_sleep_us > 0)
			nap();
	}
}

int main(int argc, char **argv)
{
	pthread_t feeder;

	if (argc < 2 || argc > 3 || pipe(fds))
		return 2;
	short_sleep_us = argc == 3 ? atol(argv[2]) : 0;
	deadline_ns = now_ns() + atoll(argv[1]) * 1000000LL;
	pthread_create(&feeder, NULL, feed, NULL);
	printf("{\"readNs\":%lld}\n", (long long)wait_for_feed());
	pthread_join(feeder, NULL);
	return 0;
}
