// Waits of known length for the off-CPU timing suite; each mode prints what
// it measured itself:
//   sleeps N MS   N sleeps of MS ms (clock_nanosleep): their total ms
//   pipe MS       a read of a pipe that a second thread writes after MS ms:
//                 the read's ms
//   spin MS       MS ms of wall time spinning in user mode, with a getppid
//                 every 1 ms of it: the number of getppid calls and the ms
//                 it had a CPU (less than MS when it shared one)
//   fsync N KIB FILE  N writes of KIB KiB to FILE, each followed by an fsync:
//                 the ms in fsync, and the ms of them the thread was on a CPU
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(double ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1e3), .tv_nsec = (long)((ms - (time_t)(ms / 1e3) * 1e3) * 1e6) };

	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

static double thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int pipe_fds[2];
static double write_after_ms;

static void *writer(void *arg)
{
	(void)arg;
	sleep_ms(write_after_ms);
	if (write(pipe_fds[1], "x", 1) != 1)
		exit(3);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "sleeps") == 0) {
		int n = atoi(argv[2]);
		double total = 0;

		for (int i = 0; i < n; i++) {
			double start = now_ms();

			sleep_ms(atof(argv[3]));
			total += now_ms() - start;
		}
		printf("%.3f\n", total);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "pipe") == 0) {
		pthread_t thread;
		char c;
		double start;

		write_after_ms = atof(argv[2]);
		if (pipe(pipe_fds) || pthread_create(&thread, NULL, writer, NULL))
			return 2;
		start = now_ms();
		if (read(pipe_fds[0], &c, 1) != 1)
			return 2;
		printf("%.3f\n", now_ms() - start);
		pthread_join(thread, NULL);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "spin") == 0) {
		double end = now_ms() + atof(argv[2]), next = 0;
		long calls = 0;

		/* clock_gettime goes through the vDSO: no syscall but the getppid calls. */
		for (double t = now_ms(); t < end; t = now_ms()) {
			if (t >= next) {
				syscall(SYS_getppid);
				calls++;
				next = t + 1;
			}
		}
		struct timespec cpu;

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
		printf("%ld %.3f\n", calls, cpu.tv_sec * 1e3 + cpu.tv_nsec / 1e6);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "fsync") == 0) {
		int n = atoi(argv[2]), fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		size_t size = (size_t)atoi(argv[3]) * 1024;
		char *block = malloc(size);
		double wall = 0, cpu = 0;

		if (fd < 0 || !block)
			return 2;
		memset(block, 'x', size);
		for (int i = 0; i < n; i++) {
			if (write(fd, block, size) != (ssize_t)size)
				return 2;
			double cpu_start = thread_cpu_ms(), start = now_ms();

			if (fsync(fd))
				return 2;
			wall += now_ms() - start;
			cpu += thread_cpu_ms() - cpu_start;
		}
		printf("%.3f %.3f\n", wall, cpu);
		return 0;
	}
	fprintf(stderr, "usage: %s sleeps N MS | pipe MS | spin MS | fsync N KIB FILE\n", argv[0]);
	return 2;
}
