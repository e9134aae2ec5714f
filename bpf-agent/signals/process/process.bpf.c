// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process lifecycle: exec, fork of a new process and exit of a thread group, so
 * the agent names a process while it is alive (one that lives 50 ms included)
 * and never hands a reused pid the name of the process that had it before.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "hist.bpf.h"
#include "process.h"

const volatile __u32 exclude_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PROCESS_RINGBUF_BYTES);
} process_events SEC(".maps");

/*
 * The exec'd program's argv, as /proc/PID/cmdline would show it, so that a
 * process gone before the agent reads /proc keeps its command line. At
 * sched_process_exec the kernel has just copied the arguments onto the new
 * stack, so their pages are present and a non-faulting read finds them.
 */
static __always_inline __u32 read_args(struct process_event *e, struct task_struct *t)
{
	unsigned long arg_start = BPF_CORE_READ(t, mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(t, mm, arg_end);
	__u64 len;

	if (arg_end <= arg_start)
		return 0;
	len = arg_end - arg_start;
	if (len > PROCESS_ARGS_LEN)
		len = PROCESS_ARGS_LEN;
	if (bpf_probe_read_user(e->args, len, (const void *)arg_start))
		return 0;
	return len;
}

static __always_inline void emit(__u32 kind, struct task_struct *t, __u32 parent_tgid, const char *filename)
{
	struct process_event *e;

	if (t->tgid == exclude_tgid)
		return;
	e = bpf_ringbuf_reserve(&process_events, sizeof(*e), 0);
	if (!e) {
		count_drop(DROP_PROCESS_RINGBUF_FULL);
		return;
	}
	e->kind = kind;
	e->tgid = t->tgid;
	e->parent_tgid = parent_tgid;
	e->time_ns = bpf_ktime_get_ns();
	BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
	/* Ring buffer space is not zeroed: an empty string where there is no file. */
	e->filename[0] = '\0';
	if (filename)
		bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
	e->args_size = kind == PROCESS_EXEC ? read_args(e, t) : 0;
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	emit(PROCESS_EXEC, p, 0, BPF_CORE_READ(bprm, filename));
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	/* A new thread of the same process is not a new process. */
	if (child->pid == child->tgid)
		emit(PROCESS_FORK, child, parent->tgid, NULL);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	/* Only the leader's exit ends the process as the agent sees it; the
	 * kernel counters of its last threads are read before its pid is dropped. */
	if (p->pid == p->tgid)
		emit(PROCESS_EXIT, p, 0, NULL);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
