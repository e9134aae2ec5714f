// Burns CPU in two functions with a 3:1 work ratio: burn_heavy runs three
// units of the same loop burn_light runs once, again and again, for the given
// time, so their CPU time is near 3:1 (a loaded VM shifts it: a unit's CPU time
// varies with what shares the host). Each runs its loop itself: the sampled
// leaf is the function, whose name the IP gives.
// One JSON line at the end: the thread CPU time each took, as the kernel
// accounts it (the ratio a profile should show).
// usage: cpu-burner DURATION_MS
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITERATIONS_PER_UNIT 10000000

static volatile uint64_t sink;

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The same loop in both functions, so a unit costs the same in each. */
#define SPIN(units)                                                             \
	do {                                                                    \
		uint64_t x = 1;                                                 \
		for (long i = 0; i < (long)(units) * ITERATIONS_PER_UNIT; i++)  \
			x = x * 6364136223846793005ULL + 1442695040888963407ULL; \
		sink += x;                                                      \
	} while (0)

__attribute__((noinline)) void burn_heavy(void)
{
	SPIN(3);
}

__attribute__((noinline)) void burn_light(void)
{
	SPIN(1);
}

int main(int argc, char **argv)
{
	int64_t deadline = now_ns(CLOCK_MONOTONIC) + atoll(argv[1]) * 1000000LL;
	int64_t heavy_ns = 0, light_ns = 0, t0, t1, t2;

	while (now_ns(CLOCK_MONOTONIC) < deadline) {
		t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		burn_heavy();
		t1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		burn_light();
		t2 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		heavy_ns += t1 - t0;
		light_ns += t2 - t1;
	}
	printf("{\"heavyCpuNs\":%lld,\"lightCpuNs\":%lld}\n", (long long)heavy_ns, (long long)light_ns);
	return 0;
}
