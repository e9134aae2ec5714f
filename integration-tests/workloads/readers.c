// Four threads block in read(2) on four kinds of fd for the given time: a
// socket, a pipe and an eventfd (an anonymous inode), each fed every FEED_MS by
// a writer thread, and a regular file read from its disk again and again (its
// cached pages dropped before each read, so that the read waits). Each
// reader times its own reads; one JSON line of measured nanoseconds goes to
// stdout.
// usage: readers DURATION_MS FILE
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FEED_MS 50

static int64_t deadline_ns;
static int sock[2], pipe_fds[2], event_fd, file_fd;
static _Atomic int64_t socket_ns, pipe_ns, eventfd_ns, file_ns;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *reader(void *arg)
{
	int fd = *(int *)arg;
	_Atomic int64_t *total = fd == sock[0] ? &socket_ns : fd == event_fd ? &eventfd_ns : &pipe_ns;
	/* An eventfd is read 8 bytes at a time. */
	size_t size = fd == event_fd ? sizeof(uint64_t) : 1;
	uint64_t value;

	for (;;) {
		int64_t start = now_ns();
		ssize_t n = read(fd, &value, size);
		int64_t end = now_ns();

		if (n != (ssize_t)size || (fd == event_fd && value == UINT64_MAX - 1))
			return NULL; /* the writer closed, or said so: done */
		*total += end - start;
	}
}

static void *feeder(void *arg)
{
	struct timespec pause = { 0, FEED_MS * 1000000L };
	uint64_t one = 1, done = UINT64_MAX - 1;

	while (now_ns() < deadline_ns) {
		nanosleep(&pause, NULL);
		if (write(sock[1], "x", 1) != 1 || write(pipe_fds[1], "x", 1) != 1 ||
		    write(event_fd, &one, sizeof(one)) != sizeof(one))
			exit(1);
	}
	close(sock[1]);
	close(pipe_fds[1]);
	/* An eventfd has no writer end to close: the largest count it holds says done. */
	while (write(event_fd, &done, sizeof(done)) != sizeof(done))
		nanosleep(&pause, NULL);
	return NULL;
}

static void *file_reader(void *arg)
{
	char buf[65536];

	while (now_ns() < deadline_ns) {
		posix_fadvise(file_fd, 0, 0, POSIX_FADV_DONTNEED);
		int64_t start = now_ns();
		ssize_t n = pread(file_fd, buf, sizeof(buf), 0);

		file_ns += now_ns() - start;
		if (n < 0)
			exit(1);
		/* read(2), not only pread: both are classed by the fd's target. */
		lseek(file_fd, 0, SEEK_SET);
		posix_fadvise(file_fd, 0, 0, POSIX_FADV_DONTNEED);
		start = now_ns();
		if (read(file_fd, buf, sizeof(buf)) < 0)
			exit(1);
		file_ns += now_ns() - start;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t threads[5];
	int i;

	if (argc != 3)
		return 2;
	deadline_ns = now_ns() + atoll(argv[1]) * 1000000LL;
	event_fd = eventfd(0, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sock) || pipe(pipe_fds) || event_fd < 0)
		return 1;
	file_fd = open(argv[2], O_RDONLY);
	if (file_fd < 0)
		return 1;
	pthread_create(&threads[0], NULL, reader, &sock[0]);
	pthread_create(&threads[1], NULL, reader, &pipe_fds[0]);
	pthread_create(&threads[2], NULL, reader, &event_fd);
	pthread_create(&threads[3], NULL, feeder, NULL);
	pthread_create(&threads[4], NULL, file_reader, NULL);
	for (i = 0; i < 5; i++)
		pthread_join(threads[i], NULL);
	printf("{\"pid\":%d,\"socketNs\":%lld,\"pipeNs\":%lld,\"eventfdNs\":%lld,\"fileNs\":%lld}\n", getpid(),
	       (long long)socket_ns, (long long)pipe_ns, (long long)eventfd_ns, (long long)file_ns);
	return 0;
}
