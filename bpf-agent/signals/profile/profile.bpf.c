// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CPU profile, as libbpf-tools' profile: a perf_event cpu-clock sample on
 * every CPU at a fixed frequency takes the running thread's kernel and user
 * stacks and counts them per (tgid, kernel stack, user stack) in the kernel;
 * the loader takes the counts out every interval. The idle task, kernel
 * threads and the loader itself are left out.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "hist.bpf.h"
#include "profile.h"

#define PF_KTHREAD 0x00200000
#define ENOMEM 12

/* The stack map had no room (or a colliding stack in the slot). */
static __always_inline bool stack_lost(long id)
{
	return id == -ENOMEM || id == -EEXIST;
}

const volatile __u32 exclude_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, PROFILE_STACK_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MAX_STACK_DEPTH * sizeof(__u64));
} cpu_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFILE_STACK_KEYS);
	__type(key, struct cpu_stack_key);
	__type(value, __u64);
} cpu_stack_samples SEC(".maps");

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct cpu_stack_key key = {};
	static const __u64 zero;
	__u64 *samples;
	long err;

	key.tgid = bpf_get_current_pid_tgid() >> 32;
	if (key.tgid == 0 || key.tgid == exclude_tgid || (task->flags & PF_KTHREAD))
		return 0;
	/* A user-mode sample has no kernel stack (-EFAULT): that is the user's CPU time. */
	key.kernel_stack = bpf_get_stackid(ctx, &cpu_stacks, 0);
	key.user_stack = bpf_get_stackid(ctx, &cpu_stacks, BPF_F_USER_STACK);
	/* A sample whose stack found no room is counted as dropped, not as a stackless one. */
	if (stack_lost(key.kernel_stack) || stack_lost(key.user_stack)) {
		count_drop(DROP_PROFILE_FULL);
		return 0;
	}

	samples = bpf_map_lookup_elem(&cpu_stack_samples, &key);
	if (!samples) {
		err = bpf_map_update_elem(&cpu_stack_samples, &key, &zero, BPF_NOEXIST);
		samples = err && err != -EEXIST ? NULL : bpf_map_lookup_elem(&cpu_stack_samples, &key);
	}
	if (!samples) {
		count_drop(DROP_PROFILE_FULL);
		return 0;
	}
	__sync_fetch_and_add(samples, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
