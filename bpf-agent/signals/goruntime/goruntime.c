// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The goruntime signal's loader part: loads the uprobe programs without
 * attaching them; the agent, which finds Go binaries and their runtime
 * functions, asks for each binary's probes by command ("attach ID PATH OFFSET..."
 * with one file offset per enum go_probe, 0 for none; "detach ID").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "goruntime.h"
#include "goruntime.skel.h"

static struct goruntime_bpf *skel;
static struct bpf_link *links[GO_MAX_BINARIES][GO_PROBE_COUNT];
static struct go_hist_key *hist_keys; /* GO_HIST_ENTRIES slots */
static __u32 *count_keys; /* GO_COUNT_ENTRIES slots */
static struct go_park_stack_key *stack_keys; /* GO_PARK_STACK_KEYS slots */
/* Stack ids whose addresses the agent has; reset with the stack map. */
static __u8 stack_sent[GO_STACK_ENTRIES];
static size_t stacks_sent;

static int start(struct ring_buffer **rb)
{
	hist_keys = calloc(GO_HIST_ENTRIES, sizeof(*hist_keys));
	count_keys = calloc(GO_COUNT_ENTRIES, sizeof(*count_keys));
	stack_keys = calloc(GO_PARK_STACK_KEYS, sizeof(*stack_keys));
	skel = goruntime_bpf__open();
	if (!hist_keys || !count_keys || !stack_keys || !skel) {
		LOG("cannot open the goruntime BPF object: %s", strerror(errno));
		return -1;
	}
	skel->rodata->park_stack_every = opt.go_park_stack_every;
	if (goruntime_bpf__load(skel)) {
		LOG("cannot load the goruntime BPF programs: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static struct bpf_program *program_of(enum go_probe probe)
{
	switch (probe) {
	case GO_PROBE_STW_STOP: return skel->progs.go_stw_stop;
	case GO_PROBE_STW_START: return skel->progs.go_stw_start;
	case GO_PROBE_NEWPROC: return skel->progs.go_newproc;
	case GO_PROBE_GOEXIT: return skel->progs.go_goexit;
	case GO_PROBE_PARK: return skel->progs.go_park;
	case GO_PROBE_EXECUTE: return skel->progs.go_execute;
	default: return NULL;
	}
}

static void detach(unsigned id)
{
	int p;

	for (p = 0; p < GO_PROBE_COUNT; p++) {
		bpf_link__destroy(links[id][p]);
		links[id][p] = NULL;
	}
}

/* "attach ID PATH OFF0 ... OFF5": every probe or none (a half-probed binary would mislead). */
static int attach(const char *args)
{
	char path[4096];
	unsigned long long off[GO_PROBE_COUNT];
	unsigned id;
	int p;

	if (sscanf(args, "%u %4095s %llu %llu %llu %llu %llu %llu", &id, path, &off[0], &off[1], &off[2], &off[3],
		   &off[4], &off[5]) != 2 + GO_PROBE_COUNT || id >= GO_MAX_BINARIES)
		return -1;
	detach(id);
	/* A short-lived process (a go command, a test binary) may be gone already: nothing to probe, nothing to say. */
	if (access(path, F_OK))
		return 0;
	for (p = 0; p < GO_PROBE_COUNT; p++) {
		if (!off[p])
			continue;
		/* pid -1: every process running this file, now and later. */
		links[id][p] = bpf_program__attach_uprobe(program_of(p), false, -1, path, off[p]);
		if (!links[id][p]) {
			LOG("cannot attach the Go runtime probe %s to %s at offset %llu: %s",
			    bpf_program__name(program_of(p)), path, off[p], strerror(errno));
			detach(id);
			return 0;
		}
	}
	return 0;
}

static int command(const char *line)
{
	unsigned id;

	if (!strncmp(line, "attach ", 7))
		return attach(line + 7);
	if (sscanf(line, "detach %u", &id) == 1 && id < GO_MAX_BINARIES) {
		detach(id);
		return 0;
	}
	return -1;
}

static void send_stack(__s32 id)
{
	struct stack_trace_record rec = {};

	if (id < 0 || id >= GO_STACK_ENTRIES || stack_sent[id])
		return;
	if (bpf_map__lookup_elem(skel->maps.go_stacks, &id, sizeof(id), rec.ips,
				 bpf_map__value_size(skel->maps.go_stacks), 0))
		return;
	for (rec.depth = 0; rec.depth < MAX_STACK_DEPTH && rec.ips[rec.depth]; rec.depth++)
		;
	rec.stack_id = id;
	emit(&rec, RECORD_GO_STACK_TRACE, sizeof(rec));
	stack_sent[id] = 1;
	stacks_sent++;
}

/*
 * The interval's park stacks (taken out of the map), each after its addresses
 * if new; the stack map is emptied as the offcpu signal's is.
 */
static void snapshot_stacks(void)
{
	int fd = bpf_map__fd(skel->maps.go_park_stack_time);
	struct go_park_stack_record rec = {};
	struct stacks_reset_record reset = {};
	size_t n = 0, i;
	__u32 next;

	while (n < GO_PARK_STACK_KEYS && !bpf_map_get_next_key(fd, n ? &stack_keys[n - 1] : NULL, &stack_keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_and_delete_elem(fd, &stack_keys[i], &rec.value))
			continue;
		rec.key = stack_keys[i];
		send_stack(rec.key.user_stack);
		emit(&rec, RECORD_GO_PARK_STACK, sizeof(rec));
	}
	if (stacks_sent * 4 < GO_STACK_ENTRIES * 3 && !skel->bss->stack_collided)
		return;
	skel->bss->stack_collided = 0;
	fd = bpf_map__fd(skel->maps.go_stacks);
	while (!bpf_map_get_next_key(fd, NULL, &next))
		bpf_map_delete_elem(fd, &next);
	memset(stack_sent, 0, sizeof(stack_sent));
	stacks_sent = 0;
	emit(&reset, RECORD_GO_STACKS_RESET, sizeof(reset));
}

/* Cumulative histograms and counts, one record per entry; exited processes' entries go after. */
static void snapshot(void)
{
	int fd = bpf_map__fd(skel->maps.go_hist);
	struct go_hist_record hist = {};
	struct go_counts_record counts = {};
	size_t n = 0, i;

	while (n < GO_HIST_ENTRIES && !bpf_map_get_next_key(fd, n ? &hist_keys[n - 1] : NULL, &hist_keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		int dead = process_gone(hist_keys[i].tgid);

		if (bpf_map_lookup_elem(fd, &hist_keys[i], &hist.value))
			continue;
		hist.key = hist_keys[i];
		emit(&hist, RECORD_GO_HIST, sizeof(hist));
		if (dead)
			bpf_map_delete_elem(fd, &hist_keys[i]);
	}
	fd = bpf_map__fd(skel->maps.go_counts);
	n = 0;
	while (n < GO_COUNT_ENTRIES && !bpf_map_get_next_key(fd, n ? &count_keys[n - 1] : NULL, &count_keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		int dead = process_gone(count_keys[i]);

		if (bpf_map_lookup_elem(fd, &count_keys[i], &counts.value))
			continue;
		counts.tgid = count_keys[i];
		emit(&counts, RECORD_GO_COUNTS, sizeof(counts));
		if (dead)
			bpf_map_delete_elem(fd, &count_keys[i]);
	}
	snapshot_stacks();
}

static void add_signal_drops(__u64 drops[DROP_REASON_COUNT])
{
	add_drops(skel->maps.drops, drops);
}

static void destroy(void)
{
	unsigned id;

	for (id = 0; id < GO_MAX_BINARIES; id++)
		detach(id);
	goruntime_bpf__destroy(skel);
	skel = NULL;
	free(hist_keys);
	hist_keys = NULL;
	free(count_keys);
	count_keys = NULL;
	free(stack_keys);
	stack_keys = NULL;
}

const struct signal goruntime_signal = {
	.name = "goruntime",
	.bit = SIGNAL_GORUNTIME,
	.start = start,
	.snapshot = snapshot,
	.add_drops = add_signal_drops,
	.command = command,
	.destroy = destroy,
};
