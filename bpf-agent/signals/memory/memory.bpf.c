// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Memory per process, in slots of MEMORY_SLOT_NS: user page faults
 * (exceptions:page_fault_user), bytes mapped and unmapped by mmap and munmap
 * and the heap break's growth by brk (at raw sys_exit, memory-calls.bpf.h).
 * OOM kills (oom:mark_victim) go through a ring buffer as they happen.
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
#include "memory-calls.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MEMORY_RINGBUF_BYTES);
} oom_events SEC(".maps");

/* tp_btf, not the classic tracepoint: that one first copies the event's fields into a perf buffer. */
SEC("tp_btf/page_fault_user")
int BPF_PROG(page_fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	struct memory_sample_value *v = current_sample();

	if (v)
		__sync_fetch_and_add(&v->faults, 1);
	return 0;
}

/* Not loaded when the syscalls signal counts these calls in its own sys_exit program (memory-calls.bpf.h). */
SEC("tp_btf/sys_exit")
int BPF_PROG(memory_sys_exit, struct pt_regs *regs, long ret)
{
#if defined(__TARGET_ARCH_x86)
	long nr = regs->orig_ax;
#elif defined(__TARGET_ARCH_arm64)
	long nr = regs->syscallno;
#else
	long nr = -1;
#endif

	if (is_memory_call(nr))
		count_memory_call(regs, nr, ret);
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
