/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The offcpu signal's defaults. */
#ifndef STALLSCOPE_OFFCPU_H
#define STALLSCOPE_OFFCPU_H

/* (tgid, state, bucket) keys; the loader resizes with --max-hist-entries. */
#define OFFCPU_MAP_ENTRIES 16384
/* Distinct off-CPU stacks kept (kernel and user) in each of the two stack
 * maps; the loader resets both when three quarters full, or when a stack
 * found its bucket taken in both. */
#define OFFCPU_STACK_ENTRIES 16384
/* Frames kept per off-CPU stack (kernel or user): enough for a flame graph's
 * useful depth; each frame walked costs at every sampled switch. */
#define OFFCPU_STACK_DEPTH 64
/* (tgid, state, stacks) keys of one interval. */
#define OFFCPU_STACK_KEYS 16384
/* A sleep this long or longer is long; a shorter one, short. */
#define LONG_SLEEP_NS 10000000ULL
/* A thread gets a stack for every sleep until its last this many sleeps were
 * all short: a lone short sleep (a mutex taken on the way into a long wait)
 * must not get the next long wait sampled, where one sample counting 16 long
 * waits over makes the estimate swing by whole intervals. At most
 * 100 * (1 + SHORT_SLEEPS_BEFORE_SAMPLING) walks a second per thread. */
#define SHORT_SLEEPS_BEFORE_SAMPLING 3
/* Sleeps after that many short ones: one in this many gets stacks (and counts
 * this many times). */
#define STACK_SAMPLE_EVERY 16

#endif /* STALLSCOPE_OFFCPU_H */
