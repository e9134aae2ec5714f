/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The goruntime signal's defaults, probes and per-goroutine state. */
#ifndef STALLSCOPE_GORUNTIME_H
#define STALLSCOPE_GORUNTIME_H

/* (tgid, kind, reason, bucket) keys of pause and park histograms. */
#define GO_HIST_ENTRIES 16384
/* Processes whose goroutine counts are kept. */
#define GO_COUNT_ENTRIES 4096
/* Goroutines parked at once, host-wide; the least recently parked go first
 * when full (a goroutine parked for good must not hold its slot forever). */
#define GO_PARKED_ENTRIES 131072
/* Distinct park stacks kept; reset by the loader at three quarters full. */
#define GO_STACK_ENTRIES 8192
#define GO_STACK_DEPTH 64
/* (tgid, reason, stack) keys of one interval. */
#define GO_PARK_STACK_KEYS 8192
/* One park in this many takes its user stack (and counts this many times). */
#define GO_PARK_STACK_EVERY 16

struct go_stw {
	__u64 start_ns;
	__u32 reason;
	__u32 pad;
};

/* A goroutine of a process, by its g pointer. */
struct go_parked_key {
	__u32 tgid;
	__u32 pad;
	__u64 g;
};

struct go_parked {
	__u64 start_ns;
	__u32 reason;
	__s32 user_stack;   /* < 0: none taken */
	__u32 stack_weight; /* parks the stack stands for; 0 = none */
	__u32 pad;
};

#endif /* STALLSCOPE_GORUNTIME_H */
