// N futex waits from one call site, each timing out after 1 us (timer slack
// 1 ns, so each takes some 20-30 us: over the agent's stack threshold), then
// the microseconds per wait on stdout.
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int word;

int main(int argc, char **argv)
{
	long waits = argc > 1 ? atol(argv[1]) : 100000;
	struct timespec timeout = { 0, 1000 }, start, end;

	prctl(PR_SET_TIMERSLACK, 1UL);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < waits; i++)
		syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &timeout, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("%.2f\n", ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / waits / 1e3);
	return 0;
}
