// A workload that blocks on purpose in known syscalls and measures, itself,
// how long it spent in each, so the end-to-end suites can compare stallscope's
// figures with the truth:
//   futex            LOCK_THREADS threads contending on one mutex
//   read             a reader sleeping on a pipe that is fed every FEED_MS
//   clock_nanosleep  the lock holders' hold time, the feeder's pauses, main's polling
// usage: blocker DURATION_MS   -> one JSON line of measured nanoseconds on stdout
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define LOCK_THREADS 3
#define HOLD_MS 8
#define FEED_MS 50
#define POLL_MS 20

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static int pipe_fds[2];
static int64_t deadline_ns;
static atomic_int running_threads;
static _Atomic int64_t futex_ns, read_ns, nanosleep_ns;
static _Atomic int64_t lock_waits, reads, sleeps;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	int64_t start = now_ns();
	nanosleep(&ts, NULL);
	nanosleep_ns += now_ns() - start;
	sleeps++;
}

static void *contend(void *arg)
{
	(void)arg;
	while (now_ns() < deadline_ns) {
		int64_t start = now_ns();
		pthread_mutex_lock(&shared_lock);
		futex_ns += now_ns() - start;
		lock_waits++;
		if (now_ns() < deadline_ns)
			sleep_ms(HOLD_MS);
		pthread_mutex_unlock(&shared_lock);
	}
	running_threads--;
	return NULL;
}

static void *feed(void *arg)
{
	(void)arg;
	while (now_ns() < deadline_ns) {
		sleep_ms(FEED_MS);
		if (write(pipe_fds[1], "x", 1) != 1)
			break;
	}
	close(pipe_fds[1]);
	running_threads--;
	return NULL;
}

static void *drain(void *arg)
{
	(void)arg;
	char byte;
	for (;;) {
		int64_t start = now_ns();
		ssize_t n = read(pipe_fds[0], &byte, 1);
		read_ns += now_ns() - start;
		reads++;
		if (n <= 0)
			break;
	}
	running_threads--;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: %s DURATION_MS\n", argv[0]);
		return 2;
	}
	if (pipe(pipe_fds) != 0) {
		perror("pipe");
		return 1;
	}
	deadline_ns = now_ns() + (int64_t)atoi(argv[1]) * 1000000;
	pthread_t threads[LOCK_THREADS + 2];
	void *(*bodies[LOCK_THREADS + 2])(void *) = { contend, contend, contend, feed, drain };
	running_threads = LOCK_THREADS + 2;
	for (int i = 0; i < LOCK_THREADS + 2; i++) {
		if (pthread_create(&threads[i], NULL, bodies[i], NULL) != 0) {
			perror("pthread_create");
			return 1;
		}
		pthread_detach(threads[i]);
	}
	// Polling instead of pthread_join keeps main's waiting in clock_nanosleep,
	// where it is measured, rather than in an unmeasured futex.
	while (running_threads > 0)
		sleep_ms(POLL_MS);
	printf("{\"pid\":%d,\"futexNs\":%lld,\"readNs\":%lld,\"clockNanosleepNs\":%lld,"
	       "\"lockWaits\":%lld,\"reads\":%lld,\"sleeps\":%lld}\n",
	       getpid(), (long long)futex_ns, (long long)read_ns, (long long)nanosleep_ns,
	       (long long)lock_waits, (long long)reads, (long long)sleeps);
	fflush(stdout);
	return 0;
}
