/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Defaults of the syscalls signal, shared by syscalls.bpf.c and its loader part. */
#ifndef STALLSCOPE_SYSCALLS_H
#define STALLSCOPE_SYSCALLS_H

/* (tgid, syscall, bucket, class) keys; the loader resizes with --max-hist-entries. */
#define HIST_MAP_ENTRIES 65536
/* Slow-event ring buffer; the loader resizes with --ringbuf-bytes. */
#define RINGBUF_BYTES (4U << 20)
#define SLOW_THRESHOLD_NS 10000000ULL
/* Calls classed by their stack take it only when they blocked this long. */
#define STACK_MIN_NS 10000ULL
/* Calls classed by their fd's target look it up only when they took this
 * long: the walk to the inode is most of a short call's tracing cost, and a
 * call this short carries next to no blocked time (it keeps the default). */
#define FD_CLASS_MIN_NS 2000ULL
/* Frames walked for a verdict: the runtime and libc frames that decide a
 * class sit next to the leaf, and a walk costs per frame (deep Go stacks). */
#define CLASSIFY_STACK_DEPTH 32
/* Distinct user stacks kept for verdicts, least recently used evicted first.
 * A stack the walk cannot read, or that finds none of its STACK_ID_PROBES ids
 * free, falls back to the syscall's own class (counted as DROP_STACK_MAP_FULL). */
#define STACK_MAP_ENTRIES 32768
#define STACK_ID_PROBES 4
/* (tgid, syscall, errno) keys of failed calls. */
#define ERROR_MAP_ENTRIES 16384

#endif /* STALLSCOPE_SYSCALLS_H */
