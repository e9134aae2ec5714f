// Many distinct user stacks, each waiting once in futex: for path in
// 0..2^LEVELS-1, a chain of LEVELS calls, each through level_a or level_b as
// the path's bits say, ends in a FUTEX_WAIT that times out after 100 us.
// With a number N, goes through every path N times (default once). Prints
// the number of waits when done; with "hold", then stays until its stdin
// closes. Built with frame pointers, no inlining.
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LEVELS 13

static int futex_word;

static void level_a(unsigned path, int level);
static void level_b(unsigned path, int level);
static void (*const next_level[2])(unsigned, int) = { level_a, level_b };

static void wait_briefly(void)
{
	struct timespec timeout = { 0, 100000 };

	syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &timeout, NULL, 0);
}

static void level_a(unsigned path, int level)
{
	if (level == LEVELS)
		wait_briefly();
	else
		next_level[(path >> level) & 1](path, level + 1);
}

static void level_b(unsigned path, int level)
{
	if (level == LEVELS)
		wait_briefly();
	else
		next_level[(path >> level) & 1](path, level + 1);
}

int main(int argc, char **argv)
{
	unsigned path, pass, passes = 1;
	int hold = 0, i;
	char byte;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "hold") == 0)
			hold = 1;
		else
			passes = (unsigned)atoi(argv[i]);
	}
	for (pass = 0; pass < passes; pass++)
		for (path = 0; path < 1U << LEVELS; path++)
			next_level[path & 1](path, 1);
	printf("%u\n", passes << LEVELS);
	fflush(stdout);
	if (hold)
		while (read(0, &byte, 1) > 0)
			;
	return 0;
}
