/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The profile signal's defaults. */
#ifndef STALLSCOPE_PROFILE_H
#define STALLSCOPE_PROFILE_H

/* Samples per second on each CPU: a prime, so sampling does not beat with
 * work that runs at round periods (timers of 10, 100, 1000 Hz). */
#define PROFILE_SAMPLE_HZ 19
/* Distinct stacks (kernel and user) one interval may hold; the map is emptied
 * every interval, and kept far larger than an interval's stacks so that few
 * collide in its hash buckets. */
#define PROFILE_STACK_ENTRIES 16384
/* (tgid, kernel stack, user stack) keys of one interval. */
#define PROFILE_STACK_KEYS 16384

#endif /* STALLSCOPE_PROFILE_H */
