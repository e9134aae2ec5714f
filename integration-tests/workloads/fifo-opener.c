// One thread opens a FIFO for reading ROUNDS times; each open(2) waits for
// the writer thread, which opens the other end DELAY_MS later and closes it
// (the reader reads to end of file, so the next open waits for the next writer).
// Between rounds it opens a regular file, which does not wait. The opener
// times its own FIFO opens; one JSON line of measured nanoseconds goes to stdout.
// usage: fifo-opener ROUNDS DELAY_MS DIR
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char fifo[4096], file[4096];
static int rounds;
static long delay_ms;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *writer(void *arg)
{
	struct timespec pause = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };

	for (int i = 0; i < rounds; i++) {
		nanosleep(&pause, NULL);
		int fd = open(fifo, O_WRONLY);
		if (fd < 0)
			exit(1);
		close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;
	int64_t fifo_ns = 0;

	if (argc != 4)
		return 2;
	rounds = atoi(argv[1]);
	delay_ms = atol(argv[2]);
	snprintf(fifo, sizeof(fifo), "%s/fifo", argv[3]);
	snprintf(file, sizeof(file), "%s/file", argv[3]);
	if (mkfifo(fifo, 0600) || close(open(file, O_CREAT | O_WRONLY, 0600)))
		return 1;
	pthread_create(&thread, NULL, writer, NULL);
	for (int i = 0; i < rounds; i++) {
		int64_t start = now_ns();
		int fd = open(fifo, O_RDONLY);
		fifo_ns += now_ns() - start;
		if (fd < 0)
			return 1;
		/* Until the writer has closed its end: an open while it is still
		 * open would not wait, and the rounds would drift apart. */
		char c;
		while (read(fd, &c, 1) > 0)
			;
		close(fd);
		fd = open(file, O_RDONLY);
		if (fd < 0)
			return 1;
		close(fd);
	}
	pthread_join(thread, NULL);
	unlink(fifo);
	unlink(file);
	printf("{\"fifoOpenNs\":%lld,\"rounds\":%d}\n", (long long)fifo_ns, rounds);
	return 0;
}
