// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Off-CPU time by thread state, as runqlat and offcputime measure it: from a
 * thread's switch-out to its wake-up it sleeps (interruptible or D state), from
 * its wake-up (or preemption) to its switch-in it waits on a run queue. Both go
 * into per (tgid, state, log2 bucket) counters read by the loader every
 * interval; each thread's run-queue total is kept for the syscalls signal.
 * The heaviest sleeps get their kernel and user stacks (see offcpu_stack_key
 * in records.h for the sampling), counted per interval in the kernel.
 * Kernel threads are left out.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "hist.bpf.h"
#include "offcpu.h"
#include "thread-state.bpf.h"

#define TASK_RUNNING 0
#define TASK_UNINTERRUPTIBLE 0x2

const volatile __u32 exclude_tgid = 0;
const volatile __u32 stack_sample_every = STACK_SAMPLE_EVERY;
const volatile __u64 long_sleep_ns = LONG_SLEEP_NS;
/*
 * Set when a stack found its bucket held by other stacks in both stack maps
 * (-EEXIST): it gets no id until the maps are emptied, so the loader empties
 * them at the next snapshot instead of waiting for them to fill.
 */
volatile __u32 stack_collided = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAP_ENTRIES);
	__type(key, struct offcpu_hist_key);
	__type(value, struct syscall_hist_value);
} offcpu_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, OFFCPU_STACK_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, OFFCPU_STACK_DEPTH * sizeof(__u64));
} offcpu_stacks SEC(".maps");

/*
 * The second way of a two-way set: a stack map hashes a stack to a bucket by
 * its addresses alone, so two stacks that share a bucket in offcpu_stacks
 * share it at every reset, and the one that sleeps second would never get its
 * frames. Of the same size, this map puts a stack in the same bucket: the one
 * that found it taken in offcpu_stacks finds it free here unless a third
 * stack of that bucket came first. Its ids are OFFCPU_STACK_ENTRIES higher.
 */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, OFFCPU_STACK_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, OFFCPU_STACK_DEPTH * sizeof(__u64));
} offcpu_stacks_second SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_STACK_KEYS);
	__type(key, struct offcpu_stack_key);
	__type(value, struct offcpu_stack_value);
} offcpu_stack_time SEC(".maps");

/* Sleeps seen per CPU, for 1-in-N sampling without atomics. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sleeps_seen SEC(".maps");

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

static __always_inline void count(struct task_struct *t, __u32 state, __u64 dur)
{
	struct offcpu_hist_key key = { .tgid = t->tgid, .state = state, .bucket = hist_bucket(dur) };
	struct syscall_hist_value *v = hist_value(&offcpu_hist, &key);

	if (v)
		hist_add(v, dur);
	else
		count_drop(DROP_OFFCPU_MAP_FULL);
}

/* How often this sleep's stacks count: every time unless a run of short sleeps came just before, else 1 in N. */
static __always_inline __u32 stack_weight(struct thread_sched *ts)
{
	__u32 zero = 0, *seen;

	if (ts->short_sleeps < SHORT_SLEEPS_BEFORE_SAMPLING)
		return 1;
	seen = bpf_map_lookup_elem(&sleeps_seen, &zero);
	if (!seen)
		return 0;
	*seen += 1;
	return *seen % stack_sample_every == 0 ? stack_sample_every : 0;
}

/* The stack's id in offcpu_stacks, else in offcpu_stacks_second (offset by OFFCPU_STACK_ENTRIES), else an error. */
static __always_inline long stack_id(void *ctx, __u64 flags)
{
	long id = bpf_get_stackid(ctx, &offcpu_stacks, flags);

	if (id != -EEXIST)
		return id;
	id = bpf_get_stackid(ctx, &offcpu_stacks_second, flags);
	return id < 0 ? id : id + OFFCPU_STACK_ENTRIES;
}

static __always_inline void take_stacks(void *ctx, struct thread_sched *ts)
{
	ts->stack_weight = stack_weight(ts);
	if (!ts->stack_weight)
		return;
	/* prev is current in sched_switch: its kernel stack is the way into schedule(). */
	ts->kernel_stack = stack_id(ctx, 0);
	ts->user_stack = stack_id(ctx, BPF_F_USER_STACK);
	if (ts->kernel_stack == -EEXIST || ts->user_stack == -EEXIST)
		stack_collided = 1;
	if (ts->kernel_stack < 0 && ts->user_stack < 0) {
		ts->stack_weight = 0;
		count_drop(DROP_OFFCPU_STACK_FULL);
	}
}

static __always_inline void count_stacks(struct task_struct *p, struct thread_sched *ts, __u64 dur)
{
	struct offcpu_stack_key key = {
		.tgid = p->tgid,
		.state = ts->off_state,
		.kernel_stack = ts->kernel_stack,
		.user_stack = ts->user_stack,
	};
	static const struct offcpu_stack_value zero;
	struct offcpu_stack_value *v;
	long err;

	v = bpf_map_lookup_elem(&offcpu_stack_time, &key);
	if (!v) {
		err = bpf_map_update_elem(&offcpu_stack_time, &key, &zero, BPF_NOEXIST);
		v = err && err != -EEXIST ? NULL : bpf_map_lookup_elem(&offcpu_stack_time, &key);
	}
	if (!v) {
		count_drop(DROP_OFFCPU_STACK_FULL);
		return;
	}
	__sync_fetch_and_add(&v->off_cpu_ns, dur * ts->stack_weight);
	__sync_fetch_and_add(&v->count, ts->stack_weight);
}

static __always_inline void wake(struct task_struct *p, __u64 now)
{
	struct thread_state *t;
	struct thread_sched *ts;
	__u64 dur;

	if (!traced_thread(p, exclude_tgid))
		return;
	t = bpf_task_storage_get(&thread_state, p, 0, 0);
	if (!t || !t->sched.off_ns)
		return;
	ts = &t->sched;
	dur = now - ts->off_ns;
	count(p, ts->off_state, dur);
	if (ts->stack_weight)
		count_stacks(p, ts, dur);
	if (dur >= long_sleep_ns)
		ts->short_sleeps = 0;
	else if (ts->short_sleeps < SHORT_SLEEPS_BEFORE_SAMPLING)
		ts->short_sleeps++;
	ts->stack_weight = 0;
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
	struct thread_state *t;

	if (!traced_thread(p, exclude_tgid))
		return 0;
	t = thread_state_of(p);
	if (t)
		t->sched.runnable_since_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(handle_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	struct thread_state *t;
	struct thread_sched *ts;
	long state;

	if (traced_thread(prev, exclude_tgid)) {
		t = thread_state_of(prev);
		if (t) {
			ts = &t->sched;
			state = task_state(prev);
			if (preempt || state == TASK_RUNNING) {
				/* Still runnable: it waits on the run queue from now. */
				ts->off_ns = 0;
				ts->runnable_since_ns = now;
			} else {
				ts->off_ns = now;
				ts->off_state = (state & TASK_UNINTERRUPTIBLE) ? OFFCPU_UNINTERRUPTIBLE : OFFCPU_SLEEP;
				ts->runnable_since_ns = 0;
				take_stacks(ctx, ts);
			}
		} else {
			count_drop(DROP_OFFCPU_MAP_FULL);
		}
	}
	if (traced_thread(next, exclude_tgid)) {
		t = bpf_task_storage_get(&thread_state, next, 0, 0);
		ts = t ? &t->sched : NULL;
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
