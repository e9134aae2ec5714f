// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Memory per process, in slots of MEMORY_SLOT_NS: user page faults
 * (exceptions:page_fault_user), bytes mapped and unmapped (syscalls:
 * sys_enter/exit_mmap, _munmap) and the heap break's growth (sys_exit_brk).
 * The dedicated syscall tracepoints fire for these three calls only, where
 * raw_syscalls would add a check to every syscall of the host. OOM kills
 * (oom:mark_victim) go through a ring buffer as they happen.
 *
 * Whether a fault was major is not known when the tracepoint fires (before the
 * fault is handled): the agent splits the count with the kernel's own majflt
 * counter of /proc/PID/stat.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "hist.bpf.h"
#include "memory.h"

#define MAX_ERRNO 4095

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MEMORY_SAMPLE_ENTRIES);
	__type(key, struct memory_sample_key);
	__type(value, struct memory_sample_value);
} memory_samples SEC(".maps");

/* pid_tgid -> the length asked of the mmap or munmap in progress. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MEMORY_PENDING_ENTRIES);
	__type(key, __u64);
	__type(value, __u64);
} pending_len SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MEMORY_BRK_ENTRIES);
	__type(key, __u32); /* tgid */
	__type(value, struct memory_brk_state);
} last_brk SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MEMORY_RINGBUF_BYTES);
} oom_events SEC(".maps");

/* A process's sample of the current slot, inserted as zero when new. */
static __always_inline struct memory_sample_value *sample_of(__u32 tgid, __u64 now_ns)
{
	static const struct memory_sample_value zero;
	struct memory_sample_key key = {
		.tgid = tgid,
		.slot = now_ns / MEMORY_SLOT_NS,
	};
	struct memory_sample_value *v;
	long err;

	v = bpf_map_lookup_elem(&memory_samples, &key);
	if (v)
		return v;
	err = bpf_map_update_elem(&memory_samples, &key, &zero, BPF_NOEXIST);
	v = err && err != -EEXIST ? NULL : bpf_map_lookup_elem(&memory_samples, &key);
	if (!v)
		count_drop(DROP_MEMORY_MAP_FULL);
	return v;
}

static __always_inline struct memory_sample_value *current_sample(void)
{
	return sample_of(bpf_get_current_pid_tgid() >> 32, bpf_ktime_get_ns());
}

SEC("tracepoint/exceptions/page_fault_user")
int page_fault_user(void *ctx)
{
	struct memory_sample_value *v = current_sample();

	if (v)
		__sync_fetch_and_add(&v->faults, 1);
	return 0;
}

static __always_inline void remember_len(__u64 len)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (bpf_map_update_elem(&pending_len, &id, &len, BPF_ANY))
		count_drop(DROP_MEMORY_MAP_FULL);
}

/* The length remembered at entry if the call succeeded, else 0. */
static __always_inline __u64 take_len(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *len = bpf_map_lookup_elem(&pending_len, &id);
	__u64 n = len ? *len : 0;

	if (len)
		bpf_map_delete_elem(&pending_len, &id);
	return ret < 0 && ret >= -MAX_ERRNO ? 0 : n;
}

SEC("tracepoint/syscalls/sys_enter_mmap")
int enter_mmap(struct trace_event_raw_sys_enter *ctx)
{
	remember_len(ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int exit_mmap(struct trace_event_raw_sys_exit *ctx)
{
	__u64 len = take_len(ctx->ret);
	struct memory_sample_value *v;

	if (!len || !(v = current_sample()))
		return 0;
	__sync_fetch_and_add(&v->mmap_bytes, len);
	__sync_fetch_and_add(&v->mmap_calls, 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_munmap")
int enter_munmap(struct trace_event_raw_sys_enter *ctx)
{
	remember_len(ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_munmap")
int exit_munmap(struct trace_event_raw_sys_exit *ctx)
{
	__u64 len = take_len(ctx->ret);
	struct memory_sample_value *v;

	if (!len || !(v = current_sample()))
		return 0;
	__sync_fetch_and_add(&v->munmap_bytes, len);
	__sync_fetch_and_add(&v->munmap_calls, 1);
	return 0;
}

/* brk returns the break as it is after the call; growth is its change since the last call. */
SEC("tracepoint/syscalls/sys_exit_brk")
int exit_brk(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct memory_brk_state now = { .mm = (__u64)BPF_CORE_READ(task, mm), .brk = ctx->ret };
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct memory_brk_state *before = bpf_map_lookup_elem(&last_brk, &tgid);
	struct memory_sample_value *v;

	if (before && before->mm == now.mm && before->brk != now.brk && (v = current_sample())) {
		__sync_fetch_and_add(&v->brk_bytes, (__s64)(now.brk - before->brk));
		__sync_fetch_and_add(&v->brk_calls, 1);
	}
	bpf_map_update_elem(&last_brk, &tgid, &now, BPF_ANY);
	return 0;
}

SEC("tracepoint/oom/mark_victim")
int mark_victim(struct trace_event_raw_mark_victim *ctx)
{
	struct oom_victim_event *e = bpf_ringbuf_reserve(&oom_events, sizeof(*e), 0);
	__u64 now_ns = bpf_ktime_get_ns();
	__u32 comm_at;

	/*
	 * The victim's flight recorder reaches the kill: its slot is in even when
	 * the victim did nothing in it (an idle process killed for another's
	 * allocation, or reclaim that outlasted the slot of the fault that began it).
	 */
	sample_of(ctx->pid, now_ns);
	if (!e) {
		count_drop(DROP_MEMORY_RINGBUF_FULL);
		return 0;
	}
	e->tgid = ctx->pid;
	e->trigger_tgid = bpf_get_current_pid_tgid() >> 32;
	e->time_ns = now_ns;
	e->total_vm_kib = ctx->total_vm;
	e->anon_rss_kib = ctx->anon_rss;
	e->file_rss_kib = ctx->file_rss;
	e->shmem_rss_kib = ctx->shmem_rss;
	e->pgtables_kib = ctx->pgtables;
	e->uid = ctx->uid;
	e->oom_score_adj = ctx->oom_score_adj;
	e->pad = 0;
	/* __data_loc: the low 16 bits are the string's offset in the record. */
	comm_at = ctx->__data_loc_comm & 0xffff;
	if (bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), (void *)ctx + comm_at) < 0)
		e->comm[0] = '\0';
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
