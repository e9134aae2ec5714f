// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CPU profile, as libbpf-tools' profile: a perf_event cpu-clock sample on
 * every CPU at a fixed frequency takes the running thread's kernel and user
 * stacks and counts them per (tgid, kernel stack, user stack) in the kernel.
 * The idle task, kernel threads and the loader itself are left out.
 *
 * Two sets of maps, A and B: samples go to the set `active_set` names while
 * the loader reads out and empties the other. Emptying the stack map every
 * interval keeps it sparse: a stack whose hash bucket is taken by another
 * stack is lost (-EEXIST), so a map left to fill up drops ever more of the
 * stacks seen late, which skews the profile.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "hist.bpf.h"
#include "profile.h"

#define PF_KTHREAD 0x00200000
#define ENOMEM 12

const volatile __u32 exclude_tgid = 0;
/* 0: set A takes samples, 1: set B; flipped by the loader at every snapshot. */
volatile __u32 active_set = 0;

#define STACK_MAP(name)                                              \
	struct {                                                     \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);              \
		__uint(max_entries, PROFILE_STACK_ENTRIES);          \
		__uint(key_size, sizeof(__u32));                     \
		__uint(value_size, MAX_STACK_DEPTH * sizeof(__u64)); \
	} name SEC(".maps")

#define SAMPLES_MAP(name)                                   \
	struct {                                            \
		__uint(type, BPF_MAP_TYPE_HASH);            \
		__uint(max_entries, PROFILE_STACK_KEYS);    \
		__type(key, struct cpu_stack_key);          \
		__type(value, __u64);                       \
	} name SEC(".maps")

STACK_MAP(cpu_stacks_a);
STACK_MAP(cpu_stacks_b);
SAMPLES_MAP(cpu_stack_samples_a);
SAMPLES_MAP(cpu_stack_samples_b);

/* The stack map had no room (or another stack holds the slot). */
static __always_inline bool stack_lost(long id)
{
	return id == -ENOMEM || id == -EEXIST;
}

static __always_inline void count_sample(struct bpf_perf_event_data *ctx, __u32 tgid, void *stacks, void *samples_map)
{
	struct cpu_stack_key key = { .tgid = tgid };
	static const __u64 zero;
	__u64 *samples;
	long err;

	/* A user-mode sample has no kernel stack (-EFAULT): that is the user's CPU time. */
	key.kernel_stack = bpf_get_stackid(ctx, stacks, 0);
	key.user_stack = bpf_get_stackid(ctx, stacks, BPF_F_USER_STACK);
	/* A sample whose stack found no room is counted as dropped, not as a stackless one. */
	if (stack_lost(key.kernel_stack) || stack_lost(key.user_stack)) {
		count_drop(DROP_PROFILE_FULL);
		return;
	}
	samples = bpf_map_lookup_elem(samples_map, &key);
	if (!samples) {
		err = bpf_map_update_elem(samples_map, &key, &zero, BPF_NOEXIST);
		samples = err && err != -EEXIST ? NULL : bpf_map_lookup_elem(samples_map, &key);
	}
	if (!samples) {
		count_drop(DROP_PROFILE_FULL);
		return;
	}
	__sync_fetch_and_add(samples, 1);
}

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (tgid == 0 || tgid == exclude_tgid || (task->flags & PF_KTHREAD))
		return 0;
	if (active_set)
		count_sample(ctx, tgid, &cpu_stacks_b, &cpu_stack_samples_b);
	else
		count_sample(ctx, tgid, &cpu_stacks_a, &cpu_stack_samples_a);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
