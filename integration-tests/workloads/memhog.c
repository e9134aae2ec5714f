/*
 * Allocates TOTAL_MIB in STEP_MIB pieces, each written through (every page
 * faulted in), one piece every STEP_MS: memory grows at a known rate until it
 * is done or, inside a memory cgroup with a lower limit, OOM-killed.
 * Prints {"pid":...} first, so a caller knows the victim before it dies, and
 * idles IDLE_MS before growing: a service lives a while before it runs out.
 * With HOLD_MS it keeps what it took that long before exiting: a large, idle
 * process for another one's allocation to push past the limit.
 * Usage: memhog TOTAL_MIB STEP_MIB STEP_MS IDLE_MS [HOLD_MS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long total, step, step_ms, done;
	char *piece;

	if (argc != 5 && argc != 6)
		return 2;
	total = atol(argv[1]) << 20;
	step = atol(argv[2]) << 20;
	step_ms = atol(argv[3]);
	printf("{\"pid\":%d}\n", getpid());
	fflush(stdout);
	usleep(atol(argv[4]) * 1000);
	for (done = 0; done < total; done += step) {
		piece = malloc(step);
		if (!piece)
			return 1;
		memset(piece, 1, step);
		usleep(step_ms * 1000);
	}
	if (argc == 6)
		usleep(atol(argv[5]) * 1000);
	return 0;
}
