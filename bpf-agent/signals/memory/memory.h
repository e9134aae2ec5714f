/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The memory signal's map sizes. */
#ifndef STALLSCOPE_MEMORY_H
#define STALLSCOPE_MEMORY_H

/* (tgid, slot) samples not yet sent: at 4 slots a second and a 5 s interval,
 * room for some 1600 processes busy with memory in every slot of it. */
#define MEMORY_SAMPLE_ENTRIES 32768
/* Processes whose last heap break is kept (least recently used goes first). */
#define MEMORY_BRK_ENTRIES 16384
#define MEMORY_RINGBUF_BYTES (64 * 1024)

/* A process's heap break after its last brk call, and the address space it
 * belongs to: an exec keeps the pid but starts a new heap. */
struct memory_brk_state {
	__u64 mm;
	__u64 brk;
};

#endif /* STALLSCOPE_MEMORY_H */
