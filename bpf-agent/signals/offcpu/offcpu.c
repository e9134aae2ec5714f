// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The offcpu signal's loader part: load, share the per-thread map, snapshot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "offcpu.h"
#include "offcpu.skel.h"

static struct offcpu_bpf *skel;
static struct offcpu_hist_key *keys; /* OFFCPU_MAP_ENTRIES slots */
static struct offcpu_stack_key *stack_keys; /* OFFCPU_STACK_KEYS slots */
/* Stack ids (of both stack maps) whose addresses the agent has; reset with the maps. */
static __u8 stack_sent[2 * OFFCPU_STACK_ENTRIES];
static size_t stacks_sent;

static int start(struct ring_buffer **rb)
{
	keys = calloc(OFFCPU_MAP_ENTRIES, sizeof(*keys));
	stack_keys = calloc(OFFCPU_STACK_KEYS, sizeof(*stack_keys));
	skel = offcpu_bpf__open();
	if (!keys || !stack_keys || !skel) {
		LOG("cannot open the offcpu BPF object: %s", strerror(errno));
		return -1;
	}
	skel->rodata->exclude_tgid = getpid();
	skel->rodata->stack_sample_every = opt.offcpu_stack_every;
	if (share_thread_state(skel->maps.thread_state))
		return -1;
	if (offcpu_bpf__load(skel)) {
		LOG("cannot load the offcpu BPF programs: %s", strerror(errno));
		return -1;
	}
	if (attach_all(skel->skeleton))
		return -1;
	publish_thread_state(skel->maps.thread_state);
	return 0;
}

static void send_stack(__s32 id)
{
	struct stack_trace_record rec = {};
	/* Ids from OFFCPU_STACK_ENTRIES up are the second map's (see offcpu.bpf.c). */
	struct bpf_map *map = id < OFFCPU_STACK_ENTRIES ? skel->maps.offcpu_stacks : skel->maps.offcpu_stacks_second;
	__u32 key = id % OFFCPU_STACK_ENTRIES;

	if (id < 0 || id >= 2 * OFFCPU_STACK_ENTRIES || stack_sent[id])
		return;
	/* The map keeps fewer frames than the record holds: the rest stay zero. */
	if (bpf_map__lookup_elem(map, &key, sizeof(key), rec.ips, bpf_map__value_size(map), 0))
		return;
	for (rec.depth = 0; rec.depth < MAX_STACK_DEPTH && rec.ips[rec.depth]; rec.depth++)
		;
	rec.stack_id = id;
	emit(&rec, RECORD_STACK_TRACE, sizeof(rec));
	stack_sent[id] = 1;
	stacks_sent++;
}

/* Empties a stack map. */
static void empty_stacks(struct bpf_map *map)
{
	int fd = bpf_map__fd(map);
	__u32 next;

	while (!bpf_map_get_next_key(fd, NULL, &next))
		bpf_map_delete_elem(fd, &next);
}

/*
 * The interval's OFFCPU_STACK records (each taken out of the map: the counts
 * are per interval), each after the addresses of stacks not sent before. The
 * stack maps, once three quarters full or once a stack found its bucket taken
 * in both, are emptied, and the agent told, so new stacks keep finding room
 * (a stack whose bucket is taken would otherwise go without its frames for as
 * long as the maps live); a sleep that spans the reset may name a reused id.
 */
static void snapshot_stacks(void)
{
	int fd = bpf_map__fd(skel->maps.offcpu_stack_time);
	struct offcpu_stack_record rec = {};
	struct stacks_reset_record reset = {};
	size_t n = 0, i;

	while (n < OFFCPU_STACK_KEYS && !bpf_map_get_next_key(fd, n ? &stack_keys[n - 1] : NULL, &stack_keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		/* Taken out at once, so a sleep ending meanwhile goes to the next interval. */
		if (bpf_map_lookup_and_delete_elem(fd, &stack_keys[i], &rec.value))
			continue;
		rec.key = stack_keys[i];
		send_stack(rec.key.kernel_stack);
		send_stack(rec.key.user_stack);
		emit(&rec, RECORD_OFFCPU_STACK, sizeof(rec));
	}
	if (stacks_sent * 4 < 2 * OFFCPU_STACK_ENTRIES * 3 && !skel->bss->stack_collided)
		return;
	skel->bss->stack_collided = 0;
	empty_stacks(skel->maps.offcpu_stacks);
	empty_stacks(skel->maps.offcpu_stacks_second);
	memset(stack_sent, 0, sizeof(stack_sent));
	stacks_sent = 0;
	emit(&reset, RECORD_STACKS_RESET, sizeof(reset));
}

/* One OFFCPU_HIST record per entry (cumulative); exited processes' entries go after. */
static void snapshot(void)
{
	int fd = bpf_map__fd(skel->maps.offcpu_hist);
	struct offcpu_hist_record rec = {};
	size_t n = 0, i;

	while (n < OFFCPU_MAP_ENTRIES && !bpf_map_get_next_key(fd, n ? &keys[n - 1] : NULL, &keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		int dead = process_gone(keys[i].tgid);

		if (bpf_map_lookup_elem(fd, &keys[i], &rec.value))
			continue;
		rec.key = keys[i];
		emit(&rec, RECORD_OFFCPU_HIST, sizeof(rec));
		if (dead)
			bpf_map_delete_elem(fd, &keys[i]);
	}
	snapshot_stacks();
}

static void add_signal_drops(__u64 drops[DROP_REASON_COUNT])
{
	add_drops(skel->maps.drops, drops);
}

static void destroy(void)
{
	offcpu_bpf__destroy(skel);
	skel = NULL;
	free(keys);
	keys = NULL;
	free(stack_keys);
	stack_keys = NULL;
}

const struct signal offcpu_signal = {
	.name = "offcpu",
	.bit = SIGNAL_OFFCPU,
	.start = start,
	.snapshot = snapshot,
	.add_drops = add_signal_drops,
	.destroy = destroy,
};
