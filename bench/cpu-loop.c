// Runs N iterations of a CPU-bound loop (no syscalls, no memory traffic) and
// prints the thread's CPU nanoseconds per 1000 iterations: what CPU sampling
// takes from a busy process (the sampling interrupt and its BPF program, which
// the kernel charges to the interrupted thread) shows up here, while time the
// thread waited for a CPU on a busy machine does not.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? atol(argv[1]) : 500000000;
	struct timespec start, end;
	uint64_t x = 1;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
	for (long i = 0; i < iterations; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = x;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
	double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
	printf("%.3f\n", ns / (iterations / 1e3));
	return 0;
}
