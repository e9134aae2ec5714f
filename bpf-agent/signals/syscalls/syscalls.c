// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The syscalls signal's loader part: configure, load, snapshot, stack verdicts. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "syscalls.h"
#include "syscalls.skel.h"

static struct syscalls_bpf *skel;
static struct syscall_hist_key *keys; /* opt.max_hist_entries slots */
static struct syscall_error_key *error_keys; /* ERROR_MAP_ENTRIES slots */
/* Stacks sent in this snapshot, so each pending stack goes out once per snapshot. */
static __u32 sent_stacks[1024];

static int on_slow_event(void *ctx, void *data, size_t size)
{
	struct slow_syscall_record rec;

	/* Copy out of the ring before the slot is released. */
	memcpy(&rec.event, data, sizeof(rec.event));
	emit(&rec, RECORD_SLOW_SYSCALL, sizeof(rec));
	return 0;
}

/* libbpf finds a tracepoint's id in tracefs: where it shows none, the program cannot attach. */
static bool tracepoint_found(const char *section)
{
	char id_path[256];

	snprintf(id_path, sizeof(id_path), "%s/id", section + strlen("tracepoint/"));
	return tracefs_has(id_path);
}

/* The sync calls' entry programs: under off-CPU timing, where their tracepoints are found. */
static void choose_sync_entries(void)
{
	struct bpf_program *prog;
	int missing = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		if (strncmp(bpf_program__section_name(prog), "tracepoint/syscalls/", strlen("tracepoint/syscalls/")))
			continue;
		if (opt.off_cpu_timing && tracepoint_found(bpf_program__section_name(prog)))
			continue;
		bpf_program__set_autoload(prog, false);
		missing += opt.off_cpu_timing;
	}
	if (missing)
		LOG("fsync and the other sync calls are timed off the CPU only: %d of their syscall tracepoints "
		    "are not in tracefs (not mounted, or a kernel without CONFIG_FTRACE_SYSCALLS)", missing);
}

static int start(struct ring_buffer **rb)
{
	keys = calloc(opt.max_hist_entries, sizeof(*keys));
	error_keys = calloc(ERROR_MAP_ENTRIES, sizeof(*error_keys));
	skel = syscalls_bpf__open();
	if (!keys || !error_keys || !skel) {
		LOG("cannot open the syscalls BPF object: %s", strerror(errno));
		return -1;
	}
	skel->rodata->exclude_tgid = getpid();
	skel->rodata->slow_threshold_ns = opt.slow_threshold_ns;
	skel->rodata->stack_min_ns = opt.stack_min_ns;
	skel->rodata->fd_class_min_ns = opt.fd_class_min_ns;
	skel->rodata->slow_events_for_idle = opt.slow_events_for_idle;
	skel->rodata->off_cpu_timing = opt.off_cpu_timing;
	/* One way of timing runs: a program at every call's entry, or one at every switch. */
	bpf_program__set_autoload(opt.off_cpu_timing ? skel->progs.handle_sys_enter : skel->progs.handle_syscall_switch, false);
	choose_sync_entries();
	memcpy((void *)skel->rodata->syscall_classify, opt.syscall_classify, sizeof(opt.syscall_classify));
	bpf_map__set_max_entries(skel->maps.syscall_hist, opt.max_hist_entries);
	bpf_map__set_max_entries(skel->maps.slow_events, opt.ringbuf_bytes);
	if (wanted_signals & SIGNAL_MEMORY) {
		skel->rodata->mmap_nr = SYS_mmap;
		skel->rodata->munmap_nr = SYS_munmap;
		skel->rodata->brk_nr = SYS_brk;
	} else {
		/* Not counted here: the maps stay (the object declares them) but take no room. */
		bpf_map__set_max_entries(skel->maps.memory_samples, 1);
		bpf_map__set_max_entries(skel->maps.last_brk, 1);
	}
	if (share_thread_state(skel->maps.thread_state))
		return -1;
	if (syscalls_bpf__load(skel)) {
		LOG("cannot load the syscalls BPF programs: %s", strerror(errno));
		return -1;
	}
	publish_thread_state(skel->maps.thread_state);
	if (attach_all(skel->skeleton))
		return -1;
	if (add_ring_buffer(rb, skel->maps.slow_events, on_slow_event))
		return -1;
	if (wanted_signals & SIGNAL_MEMORY)
		offer_memory_calls(skel->maps.memory_samples, skel->maps.last_brk, &skel->bss->memory_calls_on);
	return 0;
}

static int by_tgid(const void *a, const void *b)
{
	__u32 x = ((const struct syscall_hist_key *)a)->tgid;
	__u32 y = ((const struct syscall_hist_key *)b)->tgid;

	return (x > y) - (x < y);
}

/* A pending entry whose stack has its verdict now: later calls go to the class's entry. */
static int answered(const struct syscall_hist_key *key)
{
	__u32 id = key->class_key & ~CLASS_KEY_PENDING_STACK, verdict;

	return (key->class_key & CLASS_KEY_PENDING_STACK) &&
	       !bpf_map__lookup_elem(skel->maps.stack_verdicts, &id, sizeof(id), &verdict, sizeof(verdict), 0);
}

/* A USER_STACK record for a pending stack id, unless sent already in this snapshot. */
static void send_stack(const struct syscall_hist_key *key, size_t *nsent)
{
	struct user_stack_record rec = {};
	__u32 id = key->class_key & ~CLASS_KEY_PENDING_STACK;
	size_t i;

	for (i = 0; i < *nsent; i++)
		if (sent_stacks[i] == id)
			return;
	/* Answered since the key was made: the agent classes it from the verdict. */
	if (answered(key))
		return;
	/* The map keeps fewer frames than the record holds: the rest stay zero. */
	if (bpf_map__lookup_elem(skel->maps.user_stacks, &id, sizeof(id), rec.ips,
				 bpf_map__value_size(skel->maps.user_stacks), 0))
		return;
	for (rec.depth = 0; rec.depth < MAX_STACK_DEPTH && rec.ips[rec.depth]; rec.depth++)
		;
	if (bpf_map__lookup_elem(skel->maps.leaf_returns, &id, sizeof(id), &rec.leaf_return, sizeof(rec.leaf_return), 0))
		rec.leaf_return = 0;
	rec.stack_id = id;
	rec.tgid = key->tgid;
	rec.syscall_nr = key->syscall_nr;
	emit(&rec, RECORD_USER_STACK, sizeof(rec));
	if (*nsent < sizeof(sent_stacks) / sizeof(sent_stacks[0]))
		sent_stacks[(*nsent)++] = id;
}

/* One SYSCALL_ERRORS record per (process, syscall, errno), cumulative; exited processes' go after. */
static void snapshot_errors(void)
{
	int fd = bpf_map__fd(skel->maps.syscall_errors);
	struct syscall_errors_record rec = {};
	size_t n = 0, i;

	while (n < ERROR_MAP_ENTRIES && !bpf_map_get_next_key(fd, n ? &error_keys[n - 1] : NULL, &error_keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		int dead = process_gone(error_keys[i].tgid);

		if (bpf_map_lookup_elem(fd, &error_keys[i], &rec.count))
			continue;
		rec.key = error_keys[i];
		emit(&rec, RECORD_SYSCALL_ERRORS, sizeof(rec));
		if (dead)
			bpf_map_delete_elem(fd, &error_keys[i]);
	}
}

/*
 * Pending stacks first (the agent has their verdicts when the histogram
 * records come), then one SYSCALL_HIST record per map entry (cumulative, never
 * reset). Entries of exited processes are deleted afterwards; their exit is
 * checked before their values are read, so those values were final. So are
 * the pending entries of stacks that have their verdict (the agent gave it
 * before this snapshot, so it can class them): no call counts under them any
 * more, and kept they would fill the map, as a long-lived process that makes
 * new stacks (JIT frames) adds one with each.
 */
static void snapshot(void)
{
	int fd = bpf_map__fd(skel->maps.syscall_hist);
	struct syscall_hist_record rec = {};
	size_t n = 0, ngone = 0, nsent = 0, i;
	__u32 tgid = 0;
	int dead = 0;

	while (n < opt.max_hist_entries && !bpf_map_get_next_key(fd, n ? &keys[n - 1] : NULL, &keys[n]))
		n++;
	qsort(keys, n, sizeof(*keys), by_tgid);

	for (i = 0; i < n; i++)
		if (keys[i].class_key & CLASS_KEY_PENDING_STACK)
			send_stack(&keys[i], &nsent);

	for (i = 0; i < n; i++) {
		if (i == 0 || keys[i].tgid != tgid) {
			tgid = keys[i].tgid;
			dead = process_gone(tgid);
		}
		if (bpf_map_lookup_elem(fd, &keys[i], &rec.value))
			continue;
		rec.key = keys[i];
		emit(&rec, RECORD_SYSCALL_HIST, sizeof(rec));
		if (dead || answered(&keys[i]))
			keys[ngone++] = keys[i];
	}
	for (i = 0; i < ngone; i++)
		bpf_map_delete_elem(fd, &keys[i]);
	snapshot_errors();
}

static void add_signal_drops(__u64 drops[DROP_REASON_COUNT])
{
	add_drops(skel->maps.drops, drops);
}

/* "verdict STACK_ID CLASS_KEY": the agent's class for a stack. */
static int command(const char *line)
{
	unsigned long long id, class_key;
	__u32 k, v;
	char tail;

	if (sscanf(line, "verdict %llu %llu %c", &id, &class_key, &tail) != 2 || id >= CLASS_KEY_PENDING_STACK ||
	    class_key >= CLASS_KEY_PENDING_STACK)
		return -1;
	k = id;
	v = class_key;
	if (bpf_map__update_elem(skel->maps.stack_verdicts, &k, sizeof(k), &v, sizeof(v), BPF_ANY))
		LOG("cannot store the verdict for stack %u: %s", k, strerror(errno));
	/* Answered: its addresses and leaf word are not needed again (and may be absent). */
	bpf_map__delete_elem(skel->maps.user_stacks, &k, sizeof(k), 0);
	bpf_map__delete_elem(skel->maps.leaf_returns, &k, sizeof(k), 0);
	return 0;
}

static void destroy(void)
{
	syscalls_bpf__destroy(skel);
	skel = NULL;
	free(keys);
	keys = NULL;
	free(error_keys);
	error_keys = NULL;
}

const struct signal syscalls_signal = {
	.name = "syscalls",
	.bit = SIGNAL_SYSCALLS,
	.start = start,
	.snapshot = snapshot,
	.add_drops = add_signal_drops,
	.command = command,
	.destroy = destroy,
};
