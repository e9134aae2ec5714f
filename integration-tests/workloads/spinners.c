// Two threads spin on one CPU (both pinned to CPU 0) for the given time, so
// each waits on the run queue while the other runs. At the end each reads its
// own run-queue delay from /proc/self/task/TID/schedstat (second field, ns, kept
// by the kernel's scheduler statistics); one JSON line gives their sum.
// usage: spinners DURATION_MS
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static int64_t deadline_ns;
static int64_t run_delay_ns[2];

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *spin(void *arg)
{
	int64_t *delay = arg;
	unsigned long long run, wait;
	volatile uint64_t counter = 0;
	char path[64];
	FILE *f;

	while (now_ns() < deadline_ns)
		counter++;
	snprintf(path, sizeof(path), "/proc/self/task/%ld/schedstat", (long)syscall(SYS_gettid));
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llu %llu", &run, &wait) != 2)
		exit(1);
	fclose(f);
	*delay = wait;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t threads[2];
	pthread_attr_t attr;
	cpu_set_t cpu0;
	int i;

	if (argc != 2)
		return 2;
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(cpu0), &cpu0);
	deadline_ns = now_ns() + atoll(argv[1]) * 1000000LL;
	for (i = 0; i < 2; i++)
		pthread_create(&threads[i], &attr, spin, &run_delay_ns[i]);
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	printf("{\"pid\":%d,\"runQueueNs\":%lld}\n", getpid(), (long long)(run_delay_ns[0] + run_delay_ns[1]));
	return 0;
}
