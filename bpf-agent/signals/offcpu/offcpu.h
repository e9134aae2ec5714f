/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The offcpu signal's defaults and the per-thread state it shares with syscalls. */
#ifndef STALLSCOPE_OFFCPU_H
#define STALLSCOPE_OFFCPU_H

/* (tgid, state, bucket) keys; the loader resizes with --max-hist-entries. */
#define OFFCPU_MAP_ENTRIES 16384
/* Distinct off-CPU stacks kept (kernel and user); the loader resets the map
 * when it is three quarters full. */
#define OFFCPU_STACK_ENTRIES 16384
/* Frames kept per off-CPU stack (kernel or user): enough for a flame graph's
 * useful depth; each frame walked costs at every sampled switch. */
#define OFFCPU_STACK_DEPTH 64
/* (tgid, state, stacks) keys of one interval. */
#define OFFCPU_STACK_KEYS 16384
/* A thread whose last sleep lasted this long (or that never slept) gets a
 * stack for every sleep: at most 100 walks a second per such thread. */
#define LONG_SLEEP_NS 10000000ULL
/* Other sleeps: one in this many gets stacks (and counts this many times). */
#define STACK_SAMPLE_EVERY 16

/*
 * Per-thread scheduler state in task-local storage. The syscalls program reads
 * run_queue_total_ns at a syscall's entry and exit (the loader makes both
 * objects share the map) to tell how much of a slow call was spent runnable.
 */
struct thread_sched {
	__u64 off_ns;             /* when it went to sleep; 0 = not sleeping */
	__u64 runnable_since_ns;  /* when it became runnable; 0 = not waiting */
	__u64 run_queue_total_ns; /* all run-queue time of the thread so far */
	__u32 off_state;          /* enum offcpu_state of the current sleep */
	__u32 stack_weight;       /* the current sleep's stacks count this often; 0 = none taken */
	__s32 kernel_stack;
	__s32 user_stack;
	__u32 last_sleep_short;   /* 0 for a thread's first sleep: unknown counts as long */
	__u32 pad;
};

#endif /* STALLSCOPE_OFFCPU_H */
