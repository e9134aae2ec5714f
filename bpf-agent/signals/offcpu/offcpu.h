/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The offcpu signal's defaults. */
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

#endif /* STALLSCOPE_OFFCPU_H */
