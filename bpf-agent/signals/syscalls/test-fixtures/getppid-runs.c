// Runs of one cheap syscall, for the kernel's per-thread run counting:
// N getppid calls, a line on stdout, a pause in clock_nanosleep (alive, in
// another syscall), then N more and a crash (SIGSEGV: the thread ends without
// entering another syscall); or, with "steady MS", getppid
// without a pause for MS milliseconds (the clock is read through the vDSO, no
// syscall), then the count on stdout; or, with "alternating THREADS N",
// THREADS threads each making N getppid and N getpid calls in turn (never
// two alike in a row), spread over the CPUs, then "done" on stdout.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long alternating_calls;

static void *alternate(void *arg)
{
	(void)arg;
	for (long i = 0; i < alternating_calls; i++) {
		syscall(SYS_getppid);
		syscall(SYS_getpid);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "alternating") == 0) {
		int threads = atoi(argv[2]);
		pthread_t tids[64];

		alternating_calls = atol(argv[3]);
		if (threads < 1 || threads > 64)
			return 2;
		for (int i = 0; i < threads; i++)
			pthread_create(&tids[i], NULL, alternate, NULL);
		for (int i = 0; i < threads; i++)
			pthread_join(tids[i], NULL);
		printf("done\n");
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "steady") == 0) {
		double end = now_ms() + atof(argv[2]);
		long n = 0;

		while (now_ms() < end) {
			syscall(SYS_getppid);
			n++;
		}
		printf("%ld\n", n);
		return 0;
	}
	long n = argc > 1 ? atol(argv[1]) : 100000;
	struct timespec pause = { .tv_sec = 1 };
	struct rlimit no_core = { 0, 0 };

	setrlimit(RLIMIT_CORE, &no_core);

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	printf("first\n");
	fflush(stdout);
	clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, NULL);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	*(volatile int *)0 = 0;
	return 0;
}
