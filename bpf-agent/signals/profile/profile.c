// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The profile signal's loader part: a cpu-clock perf event per CPU, snapshot of the stack counts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "profile.h"
#include "profile.skel.h"

static struct profile_bpf *skel;
static struct cpu_stack_key *keys; /* PROFILE_STACK_KEYS slots */
static struct bpf_link **links;    /* one per possible CPU; NULL where offline */
static int *event_fds;
static int cpu_count;
/* Stack ids of the set being read whose addresses were sent this snapshot. */
static __u8 stack_sent[PROFILE_STACK_ENTRIES];

static int open_cpu_clock(int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.size = sizeof(attr),
		.freq = 1,
		.sample_freq = opt.profile_hz,
	};

	return syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int start(struct ring_buffer **rb)
{
	int cpu, attached = 0;

	cpu_count = libbpf_num_possible_cpus();
	keys = calloc(PROFILE_STACK_KEYS, sizeof(*keys));
	links = calloc(cpu_count, sizeof(*links));
	event_fds = malloc(cpu_count * sizeof(*event_fds));
	/* Before anything can fail: destroy closes every fd that is not -1. */
	for (cpu = 0; event_fds && cpu < cpu_count; cpu++)
		event_fds[cpu] = -1;
	skel = profile_bpf__open();
	if (!keys || !links || !event_fds || !skel) {
		LOG("cannot open the profile BPF object: %s", strerror(errno));
		return -1;
	}
	skel->rodata->exclude_tgid = getpid();
	if (profile_bpf__load(skel)) {
		LOG("cannot load the profile BPF program: %s", strerror(errno));
		return -1;
	}
	for (cpu = 0; cpu < cpu_count; cpu++) {
		event_fds[cpu] = open_cpu_clock(cpu);
		if (event_fds[cpu] < 0) {
			if (errno == ENODEV) /* a possible CPU that is not online */
				continue;
			LOG("cannot open a cpu-clock perf event on CPU %d: %s", cpu, strerror(errno));
			return -1;
		}
		links[cpu] = bpf_program__attach_perf_event(skel->progs.do_sample, event_fds[cpu]);
		if (!links[cpu]) {
			LOG("cannot attach the profile program to CPU %d's perf event: %s", cpu, strerror(errno));
			return -1;
		}
		attached++;
	}
	return attached ? 0 : -1;
}

static void send_stack(struct bpf_map *stacks, __s32 id)
{
	struct stack_trace_record rec = {};

	if (id < 0 || id >= PROFILE_STACK_ENTRIES || stack_sent[id])
		return;
	if (bpf_map__lookup_elem(stacks, &id, sizeof(id), rec.ips, sizeof(rec.ips), 0))
		return;
	for (rec.depth = 0; rec.depth < MAX_STACK_DEPTH && rec.ips[rec.depth]; rec.depth++)
		;
	rec.stack_id = id;
	emit(&rec, RECORD_CPU_STACK_TRACE, sizeof(rec));
	stack_sent[id] = 1;
}

/* `key` is room for one key of the map. */
static void empty_map(struct bpf_map *map, void *key)
{
	int fd = bpf_map__fd(map);

	while (!bpf_map_get_next_key(fd, NULL, key))
		bpf_map_delete_elem(fd, key);
}

/*
 * Points the samples at the other set of maps, waits out the programs still
 * running on the old one, then sends the old set -- CPU_STACKS_RESET (its ids
 * are new), each stack's addresses once, its CPU_STACK counts -- and empties it.
 */
static void snapshot(void)
{
	__u32 old = skel->bss->active_set;
	struct bpf_map *stacks = old ? skel->maps.cpu_stacks_b : skel->maps.cpu_stacks_a;
	struct bpf_map *samples = old ? skel->maps.cpu_stack_samples_b : skel->maps.cpu_stack_samples_a;
	struct timespec grace = { .tv_nsec = 1000000 };
	struct stacks_reset_record reset = {};
	struct cpu_stack_record rec = {};
	int fd = bpf_map__fd(samples);
	size_t n = 0, i;
	__u32 stack_id;

	__atomic_store_n(&skel->bss->active_set, !old, __ATOMIC_SEQ_CST);
	/* A perf_event program runs with preemption off, for microseconds: 1 ms outlasts it. */
	nanosleep(&grace, NULL);
	emit(&reset, RECORD_CPU_STACKS_RESET, sizeof(reset));
	memset(stack_sent, 0, sizeof(stack_sent));
	while (n < PROFILE_STACK_KEYS && !bpf_map_get_next_key(fd, n ? &keys[n - 1] : NULL, &keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &keys[i], &rec.samples))
			continue;
		rec.key = keys[i];
		send_stack(stacks, rec.key.kernel_stack);
		send_stack(stacks, rec.key.user_stack);
		emit(&rec, RECORD_CPU_STACK, sizeof(rec));
	}
	empty_map(samples, &keys[0]);
	empty_map(stacks, &stack_id);
}

static void add_signal_drops(__u64 drops[DROP_REASON_COUNT])
{
	add_drops(skel->maps.drops, drops);
}

static void destroy(void)
{
	int cpu;

	for (cpu = 0; links && cpu < cpu_count; cpu++)
		bpf_link__destroy(links[cpu]);
	for (cpu = 0; event_fds && cpu < cpu_count; cpu++)
		if (event_fds[cpu] >= 0)
			close(event_fds[cpu]);
	free(links);
	links = NULL;
	free(event_fds);
	event_fds = NULL;
	profile_bpf__destroy(skel);
	skel = NULL;
	free(keys);
	keys = NULL;
}

const struct signal profile_signal = {
	.name = "profile",
	.bit = SIGNAL_PROFILE,
	.start = start,
	.snapshot = snapshot,
	.add_drops = add_signal_drops,
	.destroy = destroy,
};
