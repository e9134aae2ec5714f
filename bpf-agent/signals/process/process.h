/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Defaults of the process signal. */
#ifndef STALLSCOPE_PROCESS_H
#define STALLSCOPE_PROCESS_H

/* An event takes 816 bytes with its ring buffer header (exec arguments
 * included): ~5000 fit, no fewer than before events carried arguments, for an
 * exec burst while the loader waits on a full pipe. */
#define PROCESS_RINGBUF_BYTES (4U << 20)

#endif /* STALLSCOPE_PROCESS_H */
