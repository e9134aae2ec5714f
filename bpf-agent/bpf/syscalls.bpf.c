// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Syscall latency: per (tgid, syscall, log2 bucket) counters kept in the kernel
 * and read by the loader every interval, plus one ring buffer event for each
 * syscall slower than slow_threshold_ns.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "syscalls.h"

/* No errno.h for BPF programs. */
#define EEXIST 17

/* Set by the loader before load. */
const volatile __u32 exclude_tgid = 0;
const volatile __u64 slow_threshold_ns = SLOW_THRESHOLD_NS;
/* 1 = counted in the histograms but never sent as a slow event. */
const volatile __u8 slow_ignore[MAX_SYSCALL_NR] = {};

struct syscall_start {
	__u64 start_ns;
	__u64 args[SLOW_SYSCALL_ARGS];
	__u32 syscall_nr;
	__u32 pad;
};

/* Per-thread start of the syscall in flight: task-local storage costs a
 * fraction of a hash update+delete per syscall and is freed with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct syscall_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HIST_MAP_ENTRIES);
	__type(key, struct syscall_hist_key);
	__type(value, struct syscall_hist_value);
} syscall_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_BYTES);
} slow_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROP_REASON_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drop(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &reason);

	if (n)
		*n += 1; /* per-CPU slot: no atomics needed */
}

/* floor(log2(v)) with shifts, as libbpf-tools' bits.bpf.h. */
static __always_inline __u64 log2_32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 log2_64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_32(hi) + 32 : log2_32(v);
}

/* Bucket 0: 0..1 ns; bucket b >= 1: (2^(b-1), 2^b] ns (see records.h). */
static __always_inline __u32 hist_bucket(__u64 dur)
{
	__u64 b;

	if (dur <= 1)
		return 0;
	b = log2_64(dur - 1) + 1;
	return b > MAX_HIST_BUCKET ? MAX_HIST_BUCKET : b;
}

static __always_inline struct syscall_hist_value *hist_value(struct syscall_hist_key *key)
{
	static const struct syscall_hist_value zero;
	struct syscall_hist_value *v;
	long err;

	v = bpf_map_lookup_elem(&syscall_hist, key);
	if (v)
		return v;
	/* Another CPU may insert the same key first: then use its entry. */
	err = bpf_map_update_elem(&syscall_hist, key, &zero, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return NULL;
	return bpf_map_lookup_elem(&syscall_hist, key);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(handle_sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct syscall_start *s;

	if (pid_tgid >> 32 == exclude_tgid)
		return 0;
	s = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		count_drop(DROP_START_MAP_FULL);
		return 0;
	}
	s->syscall_nr = id;
	s->args[0] = PT_REGS_PARM1_SYSCALL(regs);
	s->args[1] = PT_REGS_PARM2_SYSCALL(regs);
	s->args[2] = PT_REGS_PARM3_SYSCALL(regs);
	s->start_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit, struct pt_regs *regs, long ret)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct syscall_hist_key key = {};
	struct syscall_hist_value *v;
	struct slow_syscall_event *e;
	struct syscall_start start, *s;
	__u64 dur;

	s = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), 0, 0);
	if (!s || !s->start_ns)
		return 0;
	start = *s;
	s->start_ns = 0;

	dur = now - start.start_ns;
	key.tgid = pid_tgid >> 32;
	key.syscall_nr = start.syscall_nr;
	key.bucket = hist_bucket(dur);
	v = hist_value(&key);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		__sync_fetch_and_add(&v->sum_ns, dur);
		if (dur > v->max_ns)
			v->max_ns = dur; /* racy: a concurrent larger value may be lost */
	} else {
		count_drop(DROP_HIST_MAP_FULL);
	}

	if (dur < slow_threshold_ns ||
	    (start.syscall_nr < MAX_SYSCALL_NR && slow_ignore[start.syscall_nr]))
		return 0;
	e = bpf_ringbuf_reserve(&slow_events, sizeof(*e), 0);
	if (!e) {
		count_drop(DROP_RINGBUF_FULL);
		return 0;
	}
	e->tgid = key.tgid;
	e->tid = tid;
	e->syscall_nr = start.syscall_nr;
	e->pad = 0;
	__builtin_memcpy(e->args, start.args, sizeof(e->args));
	e->ret = ret;
	e->start_ns = start.start_ns;
	e->duration_ns = dur;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
