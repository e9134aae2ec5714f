// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The least a per-call syscall latency histogram does: the entry time in
 * task-local storage at sys_enter; at sys_exit the duration's log2 bucket
 * counted in a per-CPU array (the syscalls signal's bucket function). No key
 * per process, syscall or class, no fd, no stack, no error count. What a
 * traced syscall costs with these attached, above the empty programs, is the
 * price of timing every call, which any tracer that keeps latency histograms
 * of every call pays.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "records.h"
#include "hist.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} entry_ns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_HIST_BUCKET + 1);
	__type(key, __u32);
	__type(value, __u64);
} latency_log2 SEC(".maps");

SEC("tp_btf/sys_enter")
int timer_sys_enter(void *ctx)
{
	__u64 *start = bpf_task_storage_get(&entry_ns, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (start)
		*start = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int timer_sys_exit(void *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 *start = bpf_task_storage_get(&entry_ns, bpf_get_current_task_btf(), 0, 0);
	__u64 dur;
	__u32 bucket;
	__u64 *n;

	if (!start || !*start)
		return 0;
	dur = now - *start;
	*start = 0;
	bucket = hist_bucket(dur);
	n = bpf_map_lookup_elem(&latency_log2, &bucket);
	if (n)
		*n += 1;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
