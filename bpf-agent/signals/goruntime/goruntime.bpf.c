// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Go runtime through uprobes on function entries only: uretprobes rewrite
 * the return address on the stack, which Go moves when it grows a goroutine's
 * stack. A span is timed by pairing two entries:
 *   - stop-the-world pauses: stopTheWorldWithSema(reason) -> startTheWorldWithSema,
 *     one at a time per process;
 *   - goroutine parks: gopark(..., reason, ...) -> execute(gp), the scheduler
 *     running that goroutine again, whatever woke it (channel, lock, timer,
 *     netpoller, GC): the time includes its wait for a P after the wake-up,
 *     as a program timing its own Lock() sees it.
 * Goroutines are counted at newproc1 and goexit1. Arguments follow Go's
 * register ABI (amd64: AX, BX, CX, ...; arm64: R0, R1, ...), and the current
 * goroutine is in R14 (amd64) or R28 (arm64).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "hist.bpf.h"
#include "goruntime.h"

#if defined(__TARGET_ARCH_x86)
#define GO_ARG1(ctx) ((ctx)->ax)
#define GO_ARG3(ctx) ((ctx)->cx)
#define GO_CURRENT_G(ctx) ((ctx)->r14)
#elif defined(__TARGET_ARCH_arm64)
#define GO_ARG1(ctx) (((struct user_pt_regs *)(ctx))->regs[0])
#define GO_ARG3(ctx) (((struct user_pt_regs *)(ctx))->regs[2])
#define GO_CURRENT_G(ctx) (((struct user_pt_regs *)(ctx))->regs[28])
#else
#error "Go's register ABI is known here for x86 and arm64 only"
#endif

const volatile __u32 park_stack_every = GO_PARK_STACK_EVERY;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GO_HIST_ENTRIES);
	__type(key, struct go_hist_key);
	__type(value, struct syscall_hist_value);
} go_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GO_COUNT_ENTRIES);
	__type(key, __u32);
	__type(value, struct go_counts_value);
} go_counts SEC(".maps");

/* tgid -> the stop-the-world in progress. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, GO_COUNT_ENTRIES);
	__type(key, __u32);
	__type(value, struct go_stw);
} go_stw_started SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, GO_PARKED_ENTRIES);
	__type(key, struct go_parked_key);
	__type(value, struct go_parked);
} go_parked SEC(".maps");

/* A stack found its bucket of go_stacks taken: the loader empties the map at the next snapshot (see offcpu.bpf.c). */
volatile __u32 stack_collided = 0;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, GO_STACK_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, GO_STACK_DEPTH * sizeof(__u64));
} go_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GO_PARK_STACK_KEYS);
	__type(key, struct go_park_stack_key);
	__type(value, struct go_park_stack_value);
} go_park_stack_time SEC(".maps");

/* Parks seen per CPU, for 1-in-N stack sampling without atomics. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} parks_seen SEC(".maps");

static __always_inline __u32 current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

static __always_inline void count_hist(__u32 tgid, __u32 kind, __u32 reason, __u64 dur)
{
	struct go_hist_key key = { .tgid = tgid, .kind = kind, .reason = reason, .bucket = hist_bucket(dur) };
	struct syscall_hist_value *v = hist_value(&go_hist, &key);

	if (v)
		hist_add(v, dur);
	else
		count_drop(DROP_GO_MAP_FULL);
}

static __always_inline struct go_counts_value *counts_of(__u32 tgid)
{
	static const struct go_counts_value zero;
	struct go_counts_value *v;
	long err;

	v = bpf_map_lookup_elem(&go_counts, &tgid);
	if (v)
		return v;
	err = bpf_map_update_elem(&go_counts, &tgid, &zero, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		count_drop(DROP_GO_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&go_counts, &tgid);
}

SEC("uprobe")
int go_stw_stop(struct pt_regs *ctx)
{
	struct go_stw stw = { .start_ns = bpf_ktime_get_ns(), .reason = (__u8)GO_ARG1(ctx) };
	__u32 tgid = current_tgid();

	bpf_map_update_elem(&go_stw_started, &tgid, &stw, BPF_ANY);
	return 0;
}

SEC("uprobe")
int go_stw_start(struct pt_regs *ctx)
{
	__u32 tgid = current_tgid();
	struct go_stw *stw = bpf_map_lookup_elem(&go_stw_started, &tgid);

	if (!stw)
		return 0;
	count_hist(tgid, GO_HIST_STW_PAUSE, stw->reason, bpf_ktime_get_ns() - stw->start_ns);
	bpf_map_delete_elem(&go_stw_started, &tgid);
	return 0;
}

SEC("uprobe")
int go_newproc(struct pt_regs *ctx)
{
	struct go_counts_value *v = counts_of(current_tgid());

	if (v)
		__sync_fetch_and_add(&v->created, 1);
	return 0;
}

SEC("uprobe")
int go_goexit(struct pt_regs *ctx)
{
	struct go_counts_value *v = counts_of(current_tgid());

	if (v)
		__sync_fetch_and_add(&v->exited, 1);
	return 0;
}

/* 1 in park_stack_every parks takes its stack, standing for that many. */
static __always_inline __u32 stack_weight(void)
{
	__u32 zero = 0, *seen = bpf_map_lookup_elem(&parks_seen, &zero);

	if (!seen)
		return 0;
	*seen += 1;
	return *seen % park_stack_every == 0 ? park_stack_every : 0;
}

SEC("uprobe")
int go_park(struct pt_regs *ctx)
{
	struct go_parked_key key = { .tgid = current_tgid(), .g = GO_CURRENT_G(ctx) };
	struct go_parked parked = {
		.start_ns = bpf_ktime_get_ns(),
		.reason = (__u8)GO_ARG3(ctx),
		.user_stack = -1,
		.stack_weight = stack_weight(),
	};

	if (parked.stack_weight) {
		/* Go keeps frame pointers: the walk names the goroutine's own callers. */
		parked.user_stack = bpf_get_stackid(ctx, &go_stacks, BPF_F_USER_STACK);
		if (parked.user_stack == -EEXIST)
			stack_collided = 1;
		if (parked.user_stack < 0) {
			parked.stack_weight = 0;
			count_drop(DROP_GO_STACK_FULL);
		}
	}
	bpf_map_update_elem(&go_parked, &key, &parked, BPF_ANY);
	return 0;
}

static __always_inline void count_park_stack(__u32 tgid, struct go_parked *p, __u64 dur)
{
	struct go_park_stack_key key = { .tgid = tgid, .reason = p->reason, .user_stack = p->user_stack };
	static const struct go_park_stack_value zero;
	struct go_park_stack_value *v;
	long err;

	v = bpf_map_lookup_elem(&go_park_stack_time, &key);
	if (!v) {
		err = bpf_map_update_elem(&go_park_stack_time, &key, &zero, BPF_NOEXIST);
		v = err && err != -EEXIST ? NULL : bpf_map_lookup_elem(&go_park_stack_time, &key);
	}
	if (!v) {
		count_drop(DROP_GO_STACK_FULL);
		return;
	}
	__sync_fetch_and_add(&v->parked_ns, dur * p->stack_weight);
	__sync_fetch_and_add(&v->count, p->stack_weight);
}

SEC("uprobe")
int go_execute(struct pt_regs *ctx)
{
	struct go_parked_key key = { .tgid = current_tgid(), .g = GO_ARG1(ctx) };
	struct go_parked *p = bpf_map_lookup_elem(&go_parked, &key);
	__u64 dur;

	if (!p)
		return 0;
	dur = bpf_ktime_get_ns() - p->start_ns;
	count_hist(key.tgid, GO_HIST_PARK, p->reason, dur);
	if (p->stack_weight)
		count_park_stack(key.tgid, p, dur);
	bpf_map_delete_elem(&go_parked, &key);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
