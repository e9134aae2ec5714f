// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Off-CPU time by thread state, as runqlat and offcputime measure it: from a
 * thread's switch-out to its wake-up it sleeps (interruptible or D state), from
 * its wake-up (or preemption) to its switch-in it waits on a run queue. Both go
 * into per (tgid, state, log2 bucket) counters read by the loader every
 * interval; each thread's run-queue total is kept for the syscalls signal.
 * Kernel threads are left out.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "hist.bpf.h"
#include "offcpu.h"

#define TASK_RUNNING 0
#define TASK_UNINTERRUPTIBLE 0x2
#define PF_KTHREAD 0x00200000

const volatile __u32 exclude_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_sched);
} thread_sched SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAP_ENTRIES);
	__type(key, struct offcpu_hist_key);
	__type(value, struct syscall_hist_value);
} offcpu_hist SEC(".maps");

/* task_struct::state was renamed __state in 5.14. */
struct task_struct___pre_5_14 {
	long state;
};

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre_5_14 *)t, state);
}

static __always_inline bool traced(struct task_struct *t)
{
	return t->pid != 0 && !(t->flags & PF_KTHREAD) && t->tgid != exclude_tgid;
}

static __always_inline void count(struct task_struct *t, __u32 state, __u64 dur)
{
	struct offcpu_hist_key key = { .tgid = t->tgid, .state = state, .bucket = hist_bucket(dur) };
	struct syscall_hist_value *v = hist_value(&offcpu_hist, &key);

	if (v)
		hist_add(v, dur);
	else
		count_drop(DROP_OFFCPU_MAP_FULL);
}

static __always_inline void wake(struct task_struct *p, __u64 now)
{
	struct thread_sched *ts;

	if (!traced(p))
		return;
	ts = bpf_task_storage_get(&thread_sched, p, 0, 0);
	if (!ts || !ts->off_ns)
		return;
	count(p, ts->off_state, now - ts->off_ns);
	ts->off_ns = 0;
	ts->runnable_since_ns = now;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(handle_sched_wakeup, struct task_struct *p)
{
	wake(p, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(handle_sched_wakeup_new, struct task_struct *p)
{
	struct thread_sched *ts;

	if (!traced(p))
		return 0;
	ts = bpf_task_storage_get(&thread_sched, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts)
		ts->runnable_since_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(handle_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	struct thread_sched *ts;
	long state;

	if (traced(prev)) {
		ts = bpf_task_storage_get(&thread_sched, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (ts) {
			state = task_state(prev);
			if (preempt || state == TASK_RUNNING) {
				/* Still runnable: it waits on the run queue from now. */
				ts->off_ns = 0;
				ts->runnable_since_ns = now;
			} else {
				ts->off_ns = now;
				ts->off_state = (state & TASK_UNINTERRUPTIBLE) ? OFFCPU_UNINTERRUPTIBLE : OFFCPU_SLEEP;
				ts->runnable_since_ns = 0;
			}
		} else {
			count_drop(DROP_OFFCPU_MAP_FULL);
		}
	}
	if (traced(next)) {
		ts = bpf_task_storage_get(&thread_sched, next, 0, 0);
		if (ts && ts->runnable_since_ns) {
			__u64 waited = now - ts->runnable_since_ns;

			count(next, OFFCPU_RUN_QUEUE, waited);
			ts->run_queue_total_ns += waited;
			ts->runnable_since_ns = 0;
		}
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
