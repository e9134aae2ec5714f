// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The profile signal's loader part: a cpu-clock perf event per CPU, snapshot of the stack counts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
/* Stack ids whose addresses the agent has; reset with the stack map. */
static __u8 stack_sent[PROFILE_STACK_ENTRIES];
static size_t stacks_sent;

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
	skel = profile_bpf__open();
	if (!keys || !links || !event_fds || !skel) {
		LOG("cannot open the profile BPF object: %s", strerror(errno));
		return -1;
	}
	for (cpu = 0; cpu < cpu_count; cpu++)
		event_fds[cpu] = -1;
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

static void send_stack(__s32 id)
{
	struct stack_trace_record rec = {};

	if (id < 0 || id >= PROFILE_STACK_ENTRIES || stack_sent[id])
		return;
	if (bpf_map__lookup_elem(skel->maps.cpu_stacks, &id, sizeof(id), rec.ips, sizeof(rec.ips), 0))
		return;
	for (rec.depth = 0; rec.depth < MAX_STACK_DEPTH && rec.ips[rec.depth]; rec.depth++)
		;
	rec.stack_id = id;
	emit(&rec, RECORD_CPU_STACK_TRACE, sizeof(rec));
	stack_sent[id] = 1;
	stacks_sent++;
}

/*
 * The interval's CPU_STACK records (each taken out of the map: the counts are
 * per interval), each after the addresses of stacks not sent before. A stack
 * map three quarters full is emptied, and the agent told, so new stacks keep
 * finding room.
 */
static void snapshot(void)
{
	int fd = bpf_map__fd(skel->maps.cpu_stack_samples);
	struct cpu_stack_record rec = {};
	struct stacks_reset_record reset = {};
	size_t n = 0, i;
	__u32 next;

	while (n < PROFILE_STACK_KEYS && !bpf_map_get_next_key(fd, n ? &keys[n - 1] : NULL, &keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		/* Taken out at once, so a sample landing meanwhile goes to the next interval. */
		if (bpf_map_lookup_and_delete_elem(fd, &keys[i], &rec.samples))
			continue;
		rec.key = keys[i];
		send_stack(rec.key.kernel_stack);
		send_stack(rec.key.user_stack);
		emit(&rec, RECORD_CPU_STACK, sizeof(rec));
	}
	if (stacks_sent * 4 < PROFILE_STACK_ENTRIES * 3)
		return;
	fd = bpf_map__fd(skel->maps.cpu_stacks);
	while (!bpf_map_get_next_key(fd, NULL, &next))
		bpf_map_delete_elem(fd, &next);
	memset(stack_sent, 0, sizeof(stack_sent));
	stacks_sent = 0;
	emit(&reset, RECORD_CPU_STACKS_RESET, sizeof(reset));
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
