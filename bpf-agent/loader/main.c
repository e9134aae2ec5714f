// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stallscope-loader: loads and attaches the enabled signals' BPF programs, then
 * forwards what they collect as length-framed records (schemas/loader/records.h)
 * on stdout; reads the agent's answers (stack verdicts) as lines on stdin.
 * Decoding and everything after it happen in the TypeScript agent.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "syscalls/syscalls.h"
#include "offcpu/offcpu.h"
#include "profile/profile.h"

struct loader_options opt = {
	.interval_ms = 1000,
	.slow_threshold_ns = SLOW_THRESHOLD_NS,
	.stack_min_ns = STACK_MIN_NS,
	.fd_class_min_ns = FD_CLASS_MIN_NS,
	.offcpu_stack_every = STACK_SAMPLE_EVERY,
	.max_hist_entries = HIST_MAP_ENTRIES,
	.ringbuf_bytes = RINGBUF_BYTES,
	.tcp_events_per_sec = TCP_EVENTS_PER_SEC,
	.go_park_stack_every = GO_PARK_STACK_EVERY,
	.profile_hz = PROFILE_SAMPLE_HZ,
#if defined(__x86_64__)
	/* Off-CPU timing reads x86-64's saved registers; elsewhere every call is timed. */
	.off_cpu_timing = 1,
#endif
};

/* Started, and their rings read, in this order: process events first, so a
 * process is named before its other records are handled; offcpu before
 * syscalls, which shares its per-thread map. */
static const struct signal *const signals[] = { &process_signal, &offcpu_signal, &syscalls_signal, &tcp_signal, &goruntime_signal, &profile_signal, &memory_signal };
#define SIGNAL_COUNT (sizeof(signals) / sizeof(signals[0]))

__u32 wanted_signals = SIGNAL_SYSCALLS | SIGNAL_OFFCPU | SIGNAL_PROCESS | SIGNAL_TCP | SIGNAL_GORUNTIME | SIGNAL_PROFILE | SIGNAL_MEMORY;
static __u32 running;
static volatile sig_atomic_t exiting;
static int ncpus;

static const char usage[] =
	"Usage: stallscope-loader [options]\n"
	"Loads the stallscope BPF programs and writes binary records to stdout.\n"
	"  --signals NAME,...       signals to load: syscalls, offcpu, process, tcp, goruntime, profile, memory (default all)\n"
	"  --interval-ms N          snapshot interval (default 1000)\n"
	"  --slow-threshold-ns N    send syscalls at least this slow as events (default 10000000)\n"
	"  --slow-events-for-idle   also send slow events for idle waits\n"
	"  --syscall-timing MODE    off-cpu (time off the CPU, sync calls whole; default on x86-64) or every-call\n"
	"  --stack-min-ns N         class stack-dependent calls by stack from this duration (default 10000)\n"
	"  --offcpu-stack-every N   off-CPU stacks for 1 in N short sleeps (default 16)\n"
	"  --fd-class-min-ns N      class fd-taking calls by their fd from this duration (default 2000)\n"
	"  --syscall-classes NR=C,. per-syscall class code | 16 (by fd) | 32 (by stack)\n"
	"  --max-hist-entries N     size of the histogram map (default 65536)\n"
	"  --ringbuf-bytes N        slow-event ring buffer, a power of 2 (default 4194304)\n"
	"  --tcp-ports PORT,...     peer ports >= 1024 counted as their own class (others: one class)\n"
	"  --tcp-events-per-sec N   notable TCP connections sent per second (default 100)\n"
	"  --go-park-stack-every N  Go park stacks for 1 in N parks (default 16)\n"
	"  --profile-hz N           CPU samples per second on each CPU (default 19)\n"
	"  --help                   show this text\n"
	"Commands on stdin, one a line: syscalls verdict STACK_ID CLASS_KEY\n"
	"  goruntime attach ID PATH STW_STOP STW_START NEWPROC1 GOEXIT1 GOPARK EXECUTE (file offsets, 0: none)\n"
	"  goruntime detach ID\n";

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

static int parse_signals(char *list)
{
	char *name, *save;
	size_t i;

	wanted_signals = 0;
	for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < SIGNAL_COUNT && strcmp(name, signals[i]->name); i++)
			;
		if (i == SIGNAL_COUNT) {
			LOG("unknown signal for --signals: %s", name);
			return -1;
		}
		wanted_signals |= signals[i]->bit;
	}
	return 0;
}

static int parse_classes(char *list)
{
	char *item, *eq, *save;
	__u64 nr, code;

	for (item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		eq = strchr(item, '=');
		if (!eq)
			goto bad;
		*eq = '\0';
		if (parse_u64(item, 0, MAX_SYSCALL_NR - 1, &nr) || parse_u64(eq + 1, 0, 0xff, &code))
			goto bad;
		opt.syscall_classify[nr] = code;
	}
	return 0;
bad:
	LOG("invalid --syscall-classes entry: %s (want NR=CODE)", item);
	return -1;
}

static int parse_tcp_ports(char *list)
{
	char *item, *save;
	__u64 port;

	for (item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (parse_u64(item, 1, 65535, &port)) {
			LOG("invalid --tcp-ports entry: %s (want a port number)", item);
			return -1;
		}
		opt.tcp_classed_ports[port >> 3] |= 1 << (port & 7);
	}
	return 0;
}

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "signals", required_argument, NULL, 'S' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "slow-threshold-ns", required_argument, NULL, 't' },
		{ "slow-events-for-idle", no_argument, NULL, 'I' },
		{ "syscall-timing", required_argument, NULL, 'T' },
		{ "stack-min-ns", required_argument, NULL, 'k' },
		{ "offcpu-stack-every", required_argument, NULL, 'o' },
		{ "fd-class-min-ns", required_argument, NULL, 'f' },
		{ "syscall-classes", required_argument, NULL, 'c' },
		{ "max-hist-entries", required_argument, NULL, 'm' },
		{ "ringbuf-bytes", required_argument, NULL, 'r' },
		{ "tcp-ports", required_argument, NULL, 'p' },
		{ "tcp-events-per-sec", required_argument, NULL, 'e' },
		{ "go-park-stack-every", required_argument, NULL, 'g' },
		{ "profile-hz", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	long page = sysconf(_SC_PAGESIZE);
	const struct option *o;
	int c;

	opterr = 0; /* report bad options through LOG */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			if (parse_signals(optarg))
				return -1;
			break;
		case 'i':
			if (parse_u64(optarg, 1, UINT32_MAX, &opt.interval_ms))
				goto bad;
			break;
		case 't':
			if (parse_u64(optarg, 0, UINT64_MAX, &opt.slow_threshold_ns))
				goto bad;
			break;
		case 'I':
			opt.slow_events_for_idle = 1;
			break;
		case 'T':
			if (strcmp(optarg, "off-cpu") && strcmp(optarg, "every-call"))
				goto bad;
			opt.off_cpu_timing = !strcmp(optarg, "off-cpu");
#if !defined(__x86_64__)
			if (opt.off_cpu_timing) {
				LOG("off-CPU syscall timing reads x86-64 registers: timing every call instead");
				opt.off_cpu_timing = 0;
			}
#endif
			break;
		case 'k':
			if (parse_u64(optarg, 0, UINT64_MAX, &opt.stack_min_ns))
				goto bad;
			break;
		case 'f':
			if (parse_u64(optarg, 0, UINT64_MAX, &opt.fd_class_min_ns))
				goto bad;
			break;
		case 'o':
			if (parse_u64(optarg, 1, 65536, &opt.offcpu_stack_every))
				goto bad;
			break;
		case 'c':
			if (parse_classes(optarg))
				return -1;
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
		case 'p':
			if (parse_tcp_ports(optarg))
				return -1;
			break;
		case 'e':
			if (parse_u64(optarg, 0, UINT32_MAX, &opt.tcp_events_per_sec))
				goto bad;
			break;
		case 'g':
			if (parse_u64(optarg, 1, 65536, &opt.go_park_stack_every))
				goto bad;
			break;
		case 'z':
			if (parse_u64(optarg, 1, 10000, &opt.profile_hz))
				goto bad;
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

void emit(void *record, __u16 type, __u32 size)
{
	struct record_header *hdr = record;

	hdr->type = type;
	hdr->version = RECORD_ABI_VERSION;
	hdr->size = size;
	fwrite(record, size, 1, stdout);
}

void add_drops(struct bpf_map *map, __u64 drops[DROP_REASON_COUNT])
{
	__u64 per_cpu[ncpus];
	__u32 reason;
	int cpu;

	for (reason = 0; reason < DROP_REASON_COUNT; reason++) {
		if (bpf_map__lookup_elem(map, &reason, sizeof(reason), per_cpu, sizeof(per_cpu), 0))
			continue;
		for (cpu = 0; cpu < ncpus; cpu++)
			drops[reason] += per_cpu[cpu];
	}
}

int attach_all(struct bpf_object_skeleton *s)
{
	int i;

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;

		if (!bpf_program__autoload(prog))
			continue;
		*s->progs[i].link = bpf_program__attach(prog);
		if (!*s->progs[i].link) {
			LOG("cannot attach %s to %s: %s", bpf_program__name(prog),
			    bpf_program__section_name(prog), strerror(errno));
			return -1;
		}
	}
	return 0;
}

int add_ring_buffer(struct ring_buffer **rb, struct bpf_map *map, ring_buffer_sample_fn on_event)
{
	if (*rb)
		return ring_buffer__add(*rb, bpf_map__fd(map), on_event, NULL) ? -1 : 0;
	*rb = ring_buffer__new(bpf_map__fd(map), on_event, NULL, NULL);
	return *rb ? 0 : -1;
}

int thread_state_map_fd = -1;

int share_thread_state(struct bpf_map *map)
{
	if (thread_state_map_fd < 0 || !bpf_map__reuse_fd(map, thread_state_map_fd))
		return 0;
	LOG("cannot share the per-thread state map: %s", strerror(errno));
	return -1;
}

/* Our own reference: the map outlives a signal stopped after publishing it. */
void publish_thread_state(struct bpf_map *map)
{
	if (thread_state_map_fd < 0)
		thread_state_map_fd = dup(bpf_map__fd(map));
}

struct memory_calls_offer memory_calls_offer = { .samples_fd = -1, .brk_fd = -1 };

/* Our own references: the maps outlive a signal stopped after offering them. */
void offer_memory_calls(struct bpf_map *samples, struct bpf_map *brk, volatile __u32 *on)
{
	memory_calls_offer.samples_fd = dup(bpf_map__fd(samples));
	memory_calls_offer.brk_fd = dup(bpf_map__fd(brk));
	memory_calls_offer.on = on;
}

int process_gone(__u32 tgid)
{
	return kill(tgid, 0) == -1 && errno == ESRCH;
}

/*
 * Every running signal's records, then SNAPSHOT_END with the summed drops.
 * Its time is read first: whatever ended before it is in this snapshot or an
 * earlier one (the memory signal dumps a kill once its slot ended before a
 * snapshot's time), however long the signals then take or block on the pipe.
 */
static void snapshot(void)
{
	struct snapshot_end_record end = {};
	size_t i;

	end.monotonic_ns = now_ns(CLOCK_MONOTONIC);
	end.realtime_ns = now_ns(CLOCK_REALTIME);
	for (i = 0; i < SIGNAL_COUNT; i++) {
		if (!(running & signals[i]->bit))
			continue;
		if (signals[i]->snapshot)
			signals[i]->snapshot();
		signals[i]->add_drops(end.drops);
	}
	emit(&end, RECORD_SNAPSHOT_END, sizeof(end));
}

/* One command line from the agent: "<signal> <command...>". */
static void on_command(char *line)
{
	char *rest = strchr(line, ' ');
	size_t i;

	if (rest)
		*rest++ = '\0';
	for (i = 0; i < SIGNAL_COUNT; i++) {
		if (strcmp(line, signals[i]->name))
			continue;
		if (!(running & signals[i]->bit) || !signals[i]->command || !rest || signals[i]->command(rest))
			LOG("ignoring command for %s: %s", line, rest ? rest : "");
		return;
	}
	LOG("ignoring command for unknown signal: %s", line);
}

/* Reads what stdin has; complete lines become commands. 0 at end of input. */
static int read_commands(void)
{
	static char buf[4096];
	static size_t used;
	char *nl, *start;
	ssize_t n;

	n = read(STDIN_FILENO, buf + used, sizeof(buf) - 1 - used);
	if (n <= 0)
		return n < 0 && errno == EINTR;
	used += n;
	buf[used] = '\0';
	start = buf;
	while ((nl = strchr(start, '\n'))) {
		*nl = '\0';
		on_command(start);
		start = nl + 1;
	}
	used -= start - buf;
	memmove(buf, start, used);
	if (used == sizeof(buf) - 1) {
		LOG("dropping a command line longer than %zu bytes", sizeof(buf) - 1);
		used = 0;
	}
	return 1;
}

static void on_signal(int sig)
{
	exiting = 1;
}

int tracefs_has(const char *event_path)
{
	static const char *const events[] = { "/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", events[i], event_path);
		if (access(path, F_OK) == 0)
			return 1;
	}
	return 0;
}

/*
 * libbpf finds a tracepoint's id in tracefs. A host that mounts neither
 * tracefs nor debugfs at boot (no systemd mount unit, a minimal VM) would
 * leave every signal on a classic tracepoint off, so the loader mounts it.
 */
static void ensure_tracefs(void)
{
	if (tracefs_has(""))
		return;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		LOG("tracefs is not mounted and mounting it on /sys/kernel/tracing failed (%s): signals on tracepoints stay off",
		    strerror(errno));
	else
		LOG("tracefs was not mounted: mounted it on /sys/kernel/tracing");
}

int main(int argc, char **argv)
{
	/*
	 * SA_RESTART: a write to the agent's pipe that SIGTERM interrupts is
	 * resumed, not cut short mid-record (which left a hole in the stream);
	 * poll and nanosleep return EINTR whatever the flag (signal(7)).
	 */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	struct hello_record hello = {};
	struct ring_buffer *rb = NULL;
	struct pollfd fds[2];
	__u64 interval_ns, next, now;
	int stdin_open = 1, err = 1, ret;
	size_t i;

	if (parse_args(argc, argv))
		return 2;
	/* Die with the agent; see write errors as EPIPE instead of dying of SIGPIPE. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	libbpf_set_print(print_libbpf);

	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		LOG("cannot count possible CPUs");
		return 1;
	}

	ensure_tracefs();
	/* A signal whose hook the kernel lacks stays off, said in one line. */
	for (i = 0; i < SIGNAL_COUNT; i++) {
		if (!(wanted_signals & signals[i]->bit))
			continue;
		if (signals[i]->start(&rb)) {
			LOG("signal %s is off: it did not load or attach on this kernel (see above)", signals[i]->name);
			signals[i]->destroy();
			continue;
		}
		running |= signals[i]->bit;
	}
	if (!running) {
		LOG("no signal could start");
		goto cleanup;
	}

	hello.loader_pid = getpid();
	hello.interval_ms = opt.interval_ms;
	hello.monotonic_ns = now_ns(CLOCK_MONOTONIC);
	hello.realtime_ns = now_ns(CLOCK_REALTIME);
	hello.slow_threshold_ns = opt.slow_threshold_ns;
	hello.max_hist_entries = opt.max_hist_entries;
	hello.signals = running;
	emit(&hello, RECORD_HELLO, sizeof(hello));
	fflush(stdout);

	fds[0].fd = rb ? ring_buffer__epoll_fd(rb) : -1;
	fds[0].events = POLLIN;
	fds[1].fd = STDIN_FILENO;
	fds[1].events = POLLIN;
	interval_ns = opt.interval_ms * 1000000ULL;
	next = hello.monotonic_ns + interval_ns;
	err = 0;
	while (!exiting) {
		now = now_ns(CLOCK_MONOTONIC);
		if (now >= next) {
			snapshot();
			next += interval_ns;
			if (next <= now) /* fell behind: skip the missed ticks */
				next = now + interval_ns;
		} else {
			/* Round up so the tick is not missed by a sub-millisecond poll. */
			fds[1].fd = stdin_open ? STDIN_FILENO : -1;
			ret = poll(fds, 2, (next - now + 999999) / 1000000);
			if (ret < 0 && errno != EINTR) {
				LOG("poll failed: %s", strerror(errno));
				err = 1;
				break;
			}
			if (ret > 0 && (fds[1].revents & (POLLIN | POLLHUP)))
				stdin_open = read_commands();
		}
		/* Drain the rings every turn: a flood cannot hold back the snapshot. */
		if (rb && ring_buffer__consume(rb) < 0 && !exiting) {
			LOG("ring buffer read failed: %s", strerror(errno));
			err = 1;
			break;
		}
		/* A write cut short by SIGTERM is the expected end, not an error. */
		if ((fflush(stdout) || ferror(stdout)) && !(exiting && errno == EINTR)) {
			LOG("cannot write to stdout: %s", strerror(errno));
			err = 1;
			break;
		}
	}
	/* Stopped: the last partial interval goes out too, so a restart loses nothing. */
	if (exiting && !err) {
		if (rb)
			ring_buffer__consume(rb);
		snapshot();
		fflush(stdout);
	}

cleanup:
	ring_buffer__free(rb);
	for (i = 0; i < SIGNAL_COUNT; i++)
		signals[i]->destroy();
	return err;
}
