/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Defaults of the syscalls tool, shared by syscalls.bpf.c and the loader. */
#ifndef STALLSCOPE_SYSCALLS_H
#define STALLSCOPE_SYSCALLS_H

/* (tgid, syscall, bucket) keys; the loader resizes with --max-hist-entries. */
#define HIST_MAP_ENTRIES 65536
/* Slow-event ring buffer; the loader resizes with --ringbuf-bytes. */
#define RINGBUF_BYTES (4U << 20)
#define SLOW_THRESHOLD_NS 10000000ULL

#endif /* STALLSCOPE_SYSCALLS_H */
