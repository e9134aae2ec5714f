/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The offcpu signal's defaults and the per-thread state it shares with syscalls. */
#ifndef STALLSCOPE_OFFCPU_H
#define STALLSCOPE_OFFCPU_H

/* (tgid, state, bucket) keys; the loader resizes with --max-hist-entries. */
#define OFFCPU_MAP_ENTRIES 16384

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
	__u32 pad;
};

#endif /* STALLSCOPE_OFFCPU_H */
