/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The memory signal's per-process slots (memory.h) and its counting of mmap,
 * munmap and brk, for two objects: the memory signal's own program on raw
 * sys_exit, or, when the syscalls signal runs too, that signal's sys_exit
 * program (the loader makes both objects use the same maps). A second program
 * on a syscall tracepoint is not free: every syscall of the host then calls
 * each through the tracepoint's iterator (~100 ns a call on
 * bench/syscall-overhead.mjs's getppid storm), while three compares in a
 * program that runs anyway cost nothing measurable. The calls' own tracepoints
 * (syscalls:sys_enter_mmap...) cost as much: enabling any of them puts the
 * kernel's per-syscall check on the entry and exit of every syscall.
 */
#ifndef STALLSCOPE_MEMORY_CALLS_BPF_H
#define STALLSCOPE_MEMORY_CALLS_BPF_H

#include "memory.h"

#define MEMORY_MAX_ERRNO 4095
#define TS_COMPAT 0x0002 /* x86: a 32-bit syscall is running */
#define PSR_MODE32_BIT 0x00000010 /* arm64: the task runs AArch32 */

/* Set by the loader before load: this architecture's numbers of the three calls (-1: not counted here). */
const volatile long mmap_nr = -1;
const volatile long munmap_nr = -1;
const volatile long brk_nr = -1;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MEMORY_SAMPLE_ENTRIES);
	__type(key, struct memory_sample_key);
	__type(value, struct memory_sample_value);
} memory_samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MEMORY_BRK_ENTRIES);
	__type(key, __u32); /* tgid */
	__type(value, struct memory_brk_state);
} last_brk SEC(".maps");

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

static __always_inline int is_memory_call(long nr)
{
	return nr == mmap_nr || nr == munmap_nr || nr == brk_nr;
}

/* A 32-bit call of a 64-bit kernel: its numbers are another table's. */
static __always_inline int is_compat_call(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return bpf_get_current_task_btf()->thread_info.status & TS_COMPAT;
#elif defined(__TARGET_ARCH_arm64)
	return regs->pstate & PSR_MODE32_BIT;
#else
	return 1;
#endif
}

/* brk returns the break as it is after the call; growth is its change since the last call. */
static __always_inline void count_brk(long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct memory_brk_state now = { .mm = (__u64)task->mm, .brk = ret };
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct memory_brk_state *before = bpf_map_lookup_elem(&last_brk, &tgid);
	struct memory_sample_value *v;

	if (before && before->mm == now.mm && before->brk != now.brk && (v = current_sample())) {
		__sync_fetch_and_add(&v->brk_bytes, (__s64)(now.brk - before->brk));
		__sync_fetch_and_add(&v->brk_calls, 1);
	}
	bpf_map_update_elem(&last_brk, &tgid, &now, BPF_ANY);
}

/* One mmap, munmap or brk (is_memory_call) at its exit: the length asked is still in the saved registers. */
static __always_inline void count_memory_call(struct pt_regs *regs, long nr, long ret)
{
	struct memory_sample_value *v;
	__u64 len;

	if (is_compat_call(regs))
		return;
	if (nr == brk_nr) {
		count_brk(ret);
		return;
	}
	if (ret < 0 && ret >= -MEMORY_MAX_ERRNO)
		return;
	len = PT_REGS_PARM2_SYSCALL(regs);
	if (!len || !(v = current_sample()))
		return;
	if (nr == mmap_nr) {
		__sync_fetch_and_add(&v->mmap_bytes, len);
		__sync_fetch_and_add(&v->mmap_calls, 1);
	} else {
		__sync_fetch_and_add(&v->munmap_bytes, len);
		__sync_fetch_and_add(&v->munmap_calls, 1);
	}
}

#endif
