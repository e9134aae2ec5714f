// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stallscope-loader: loads and attaches the BPF programs, then forwards what
 * they collect as length-framed records (schemas/loader/records.h) on stdout.
 * Decoding and everything after it happen in the TypeScript agent.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "records.h"
#include "syscalls.h"
#include "syscalls.skel.h"

#define LOG(fmt, ...) fprintf(stderr, "stallscope-loader: " fmt "\n", ##__VA_ARGS__)

static struct {
	__u64 interval_ms;
	__u64 slow_threshold_ns;
	__u64 max_hist_entries;
	__u64 ringbuf_bytes;
	__u8 slow_ignore[MAX_SYSCALL_NR];
} opt = {
	.interval_ms = 1000,
	.slow_threshold_ns = SLOW_THRESHOLD_NS,
	.max_hist_entries = HIST_MAP_ENTRIES,
	.ringbuf_bytes = RINGBUF_BYTES,
};

static volatile sig_atomic_t exiting;
static struct syscall_hist_key *hist_keys; /* max_hist_entries slots */
static int ncpus;

static const char usage[] =
	"Usage: stallscope-loader [options]\n"
	"Loads the stallscope BPF programs and writes binary records to stdout.\n"
	"  --interval-ms N         histogram snapshot interval (default 1000)\n"
	"  --slow-threshold-ns N   send syscalls at least this slow as events (default 10000000)\n"
	"  --max-hist-entries N    size of the histogram map (default 65536)\n"
	"  --ringbuf-bytes N       slow-event ring buffer, a power of 2 (default 4194304)\n"
	"  --slow-ignore NR,...    syscall numbers never sent as slow events\n"
	"  --help                  show this text\n";

/* libbpf's messages, the verifier log included, become one prefixed line each. */
static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char *msg, *line, *save;

	if (level == LIBBPF_DEBUG || vasprintf(&msg, fmt, args) < 0)
		return 0;
	for (line = strtok_r(msg, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		LOG("%s", line);
	free(msg);
	return 0;
}

static int parse_u64(const char *s, __u64 min, __u64 max, __u64 *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "slow-threshold-ns", required_argument, NULL, 't' },
		{ "max-hist-entries", required_argument, NULL, 'm' },
		{ "ringbuf-bytes", required_argument, NULL, 'r' },
		{ "slow-ignore", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	long page = sysconf(_SC_PAGESIZE);
	const struct option *o;
	char *nr, *save;
	__u64 v;
	int c;

	opterr = 0; /* report bad options through LOG */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_u64(optarg, 1, UINT32_MAX, &opt.interval_ms))
				goto bad;
			break;
		case 't':
			if (parse_u64(optarg, 0, UINT64_MAX, &opt.slow_threshold_ns))
				goto bad;
			break;
		case 'm':
			if (parse_u64(optarg, 1, UINT32_MAX, &opt.max_hist_entries))
				goto bad;
			break;
		case 'r':
			/* The kernel wants a power of 2 that is a multiple of the page size. */
			if (parse_u64(optarg, page, 1U << 31, &opt.ringbuf_bytes) ||
			    (opt.ringbuf_bytes & (opt.ringbuf_bytes - 1)))
				goto bad;
			break;
		case 's':
			for (nr = strtok_r(optarg, ",", &save); nr; nr = strtok_r(NULL, ",", &save)) {
				if (parse_u64(nr, 0, MAX_SYSCALL_NR - 1, &v)) {
					LOG("invalid syscall number for --slow-ignore: %s", nr);
					return -1;
				}
				opt.slow_ignore[v] = 1;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			LOG("unknown option or missing value: %s (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		LOG("unexpected argument: %s", argv[optind]);
		return -1;
	}
	return 0;
bad:
	for (o = longopts; o->name; o++)
		if (o->val == c)
			LOG("invalid value for --%s: %s", o->name, optarg);
	return -1;
}

static __u64 now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Write errors are noticed at the fflush that ends each cycle. */
static void emit(void *record, __u16 type, __u32 size)
{
	struct record_header *hdr = record;

	hdr->type = type;
	hdr->version = RECORD_ABI_VERSION;
	hdr->size = size;
	fwrite(record, size, 1, stdout);
}

static int on_slow_event(void *ctx, void *data, size_t size)
{
	struct slow_syscall_record rec;

	/* Copy out of the ring before the slot is released. */
	memcpy(&rec.event, data, sizeof(rec.event));
	emit(&rec, RECORD_SLOW_SYSCALL, sizeof(rec));
	return 0;
}

static void read_drops(int fd, __u64 drops[DROP_REASON_COUNT])
{
	__u64 per_cpu[ncpus];
	__u32 reason;
	int cpu;

	for (reason = 0; reason < DROP_REASON_COUNT; reason++) {
		drops[reason] = 0;
		if (bpf_map_lookup_elem(fd, &reason, per_cpu))
			continue;
		for (cpu = 0; cpu < ncpus; cpu++)
			drops[reason] += per_cpu[cpu];
	}
}

static int by_tgid(const void *a, const void *b)
{
	__u32 x = ((const struct syscall_hist_key *)a)->tgid;
	__u32 y = ((const struct syscall_hist_key *)b)->tgid;

	return (x > y) - (x < y);
}

/*
 * One SYSCALL_HIST record per map entry (values are cumulative, never reset),
 * then SNAPSHOT_END. Entries of exited processes are deleted afterwards; their
 * exit is checked before their values are read, so those values were final.
 */
static void snapshot(struct syscalls_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.syscall_hist);
	struct snapshot_end_record end = {};
	struct syscall_hist_record rec = {};
	size_t n = 0, ndead = 0, i;
	__u32 tgid = 0;
	int dead = 0;

	while (n < opt.max_hist_entries &&
	       !bpf_map_get_next_key(fd, n ? &hist_keys[n - 1] : NULL, &hist_keys[n]))
		n++;
	qsort(hist_keys, n, sizeof(*hist_keys), by_tgid);

	for (i = 0; i < n; i++) {
		if (i == 0 || hist_keys[i].tgid != tgid) {
			tgid = hist_keys[i].tgid;
			dead = kill(tgid, 0) == -1 && errno == ESRCH;
		}
		if (bpf_map_lookup_elem(fd, &hist_keys[i], &rec.value))
			continue;
		rec.key = hist_keys[i];
		emit(&rec, RECORD_SYSCALL_HIST, sizeof(rec));
		end.entries++;
		if (dead)
			hist_keys[ndead++] = hist_keys[i];
	}

	end.monotonic_ns = now_ns(CLOCK_MONOTONIC);
	end.realtime_ns = now_ns(CLOCK_REALTIME);
	read_drops(bpf_map__fd(skel->maps.drops), end.drops);
	emit(&end, RECORD_SNAPSHOT_END, sizeof(end));

	for (i = 0; i < ndead; i++)
		bpf_map_delete_elem(fd, &hist_keys[i]);
}

/* Attach one by one so a failure names its hook. */
static int attach(struct bpf_object_skeleton *s)
{
	int i;

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;

		*s->progs[i].link = bpf_program__attach(prog);
		if (!*s->progs[i].link) {
			LOG("cannot attach %s to %s: %s", bpf_program__name(prog),
			    bpf_program__section_name(prog), strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void on_signal(int sig)
{
	exiting = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: poll returns */
	struct hello_record hello = {};
	struct ring_buffer *rb = NULL;
	struct syscalls_bpf *skel;
	__u64 interval_ns, next, now;
	int err = 1;

	if (parse_args(argc, argv))
		return 2;
	/* Die with the agent; see write errors as EPIPE instead of dying of SIGPIPE. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	libbpf_set_print(print_libbpf);

	ncpus = libbpf_num_possible_cpus();
	hist_keys = calloc(opt.max_hist_entries, sizeof(*hist_keys));
	if (ncpus <= 0 || !hist_keys) {
		LOG("cannot size per-CPU buffers or the key array");
		return 1;
	}

	skel = syscalls_bpf__open();
	if (!skel) {
		LOG("cannot open BPF object: %s", strerror(errno));
		return 1;
	}
	skel->rodata->exclude_tgid = getpid();
	skel->rodata->slow_threshold_ns = opt.slow_threshold_ns;
	memcpy((void *)skel->rodata->slow_ignore, opt.slow_ignore, sizeof(opt.slow_ignore));
	bpf_map__set_max_entries(skel->maps.syscall_hist, opt.max_hist_entries);
	bpf_map__set_max_entries(skel->maps.slow_events, opt.ringbuf_bytes);

	if (syscalls_bpf__load(skel)) {
		LOG("cannot load BPF programs: %s", strerror(errno));
		goto cleanup;
	}
	if (attach(skel->skeleton))
		goto cleanup;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.slow_events), on_slow_event, NULL, NULL);
	if (!rb) {
		LOG("cannot open ring buffer: %s", strerror(errno));
		goto cleanup;
	}

	hello.loader_pid = getpid();
	hello.interval_ms = opt.interval_ms;
	hello.monotonic_ns = now_ns(CLOCK_MONOTONIC);
	hello.realtime_ns = now_ns(CLOCK_REALTIME);
	hello.slow_threshold_ns = opt.slow_threshold_ns;
	hello.max_hist_entries = opt.max_hist_entries;
	emit(&hello, RECORD_HELLO, sizeof(hello));

	interval_ns = opt.interval_ms * 1000000ULL;
	next = hello.monotonic_ns + interval_ns;
	err = 0;
	while (!exiting) {
		now = now_ns(CLOCK_MONOTONIC);
		if (now >= next) {
			snapshot(skel);
			next += interval_ns;
			if (next <= now) /* fell behind: skip the missed ticks */
				next = now + interval_ns;
		} else {
			/* Round up so the tick is not missed by a sub-millisecond poll. */
			int ret = ring_buffer__poll(rb, (next - now + 999999) / 1000000);

			if (ret < 0 && ret != -EINTR) {
				LOG("ring buffer poll failed: %s", strerror(-ret));
				err = 1;
				break;
			}
		}
		/* A write cut short by SIGTERM is the expected end, not an error. */
		if ((fflush(stdout) || ferror(stdout)) && !(exiting && errno == EINTR)) {
			LOG("cannot write to stdout: %s", strerror(errno));
			err = 1;
			break;
		}
	}

cleanup:
	ring_buffer__free(rb);
	syscalls_bpf__destroy(skel);
	free(hist_keys);
	return err;
}
