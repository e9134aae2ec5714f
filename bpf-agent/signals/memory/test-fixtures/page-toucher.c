/*
 * Maps PAGES anonymous pages and touches each once, PAGES_PER_SEC a second
 * (paced in 10 ms steps against the clock), grows its heap by HEAP_BYTES with
 * sbrk, then unmaps and prints {"pid":..,"pages":..,"touchMs":..} as JSON.
 * Huge pages are refused for the mapping: each touch is one fault.
 * Usage: page-toucher PAGES PAGES_PER_SEC HEAP_BYTES
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	long pages, rate, heap, page = sysconf(_SC_PAGESIZE), touched = 0;
	double start, elapsed;
	char *map;

	if (argc != 4)
		return 2;
	pages = atol(argv[1]);
	rate = atol(argv[2]);
	heap = atol(argv[3]);
	map = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || madvise(map, pages * page, MADV_NOHUGEPAGE))
		return 1;
	start = now_ms();
	while (touched < pages) {
		long due = (long)((now_ms() - start) * rate / 1000) + rate / 100;

		for (; touched < pages && touched < due; touched++)
			map[touched * page] = 1;
		usleep(10000);
	}
	elapsed = now_ms() - start;
	if (heap > 0 && sbrk(heap) == (void *)-1)
		return 1;
	munmap(map, pages * page);
	printf("{\"pid\":%d,\"pages\":%ld,\"touchMs\":%.0f}\n", getpid(), pages, elapsed);
	return 0;
}
