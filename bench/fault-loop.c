// Maps PAGES anonymous pages, touches each (one minor fault each, huge pages
// refused), unmaps them, ROUNDS times; prints the wall nanoseconds per fault,
// which include the mmap and munmap calls: the memory signal's worst case
// (every fault and every mapping call is a probe hit).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 200, pages = argc > 2 ? atol(argv[2]) : 256;
	long page = sysconf(_SC_PAGESIZE);
	struct timespec start, end;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
	for (long r = 0; r < rounds; r++) {
		char *map = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (map == MAP_FAILED || madvise(map, pages * page, MADV_NOHUGEPAGE))
			return 1;
		for (long i = 0; i < pages; i++)
			map[i * page] = 1;
		munmap(map, pages * page);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &end);
	printf("%.2f\n", ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / (rounds * pages));
	return 0;
}
