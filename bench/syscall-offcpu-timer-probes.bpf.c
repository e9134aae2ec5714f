// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A per-call histogram of the time each syscall spent off the CPU, the way
 * stallscope could keep it if it timed only what blocks: sched_switch adds
 * each thread's time between its switch-out and its next switch-in (sleep and
 * run-queue wait) to a total in task-local storage; sys_exit takes what the
 * total grew since the thread's last exit as the call's blocked time and
 * counts its log2 bucket (the syscalls signal's bucket function) in a per-CPU
 * array. No program on sys_enter and no clock read on a call that did not
 * leave the CPU. What it does not measure: a call's time on the CPU, and it
 * gives a wait in user mode (a page fault's) to the thread's next call.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "hist.bpf.h"

struct off_cpu {
	__u64 switched_out_ns; /* 0 = on a CPU */
	__u64 total_ns;        /* all its time off the CPU so far */
	__u64 total_at_exit_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct off_cpu);
} off_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_HIST_BUCKET + 1);
	__type(key, __u32);
	__type(value, __u64);
} blocked_log2 SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(offcpu_timer_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	struct off_cpu *t;

	t = bpf_task_storage_get(&off_cpu, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (t)
		t->switched_out_ns = now;
	t = bpf_task_storage_get(&off_cpu, next, 0, 0);
	if (t && t->switched_out_ns) {
		t->total_ns += now - t->switched_out_ns;
		t->switched_out_ns = 0;
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int offcpu_timer_sys_exit(void *ctx)
{
	struct off_cpu *t = bpf_task_storage_get(&off_cpu, bpf_get_current_task_btf(), 0, 0);
	__u64 blocked = 0;
	__u32 bucket;
	__u64 *n;

	if (t) {
		blocked = t->total_ns - t->total_at_exit_ns;
		t->total_at_exit_ns = t->total_ns;
	}
	bucket = hist_bucket(blocked);
	n = bpf_map_lookup_elem(&blocked_log2, &bucket);
	if (n)
		*n += 1;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
