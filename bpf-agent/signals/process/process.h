/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Defaults of the process signal. */
#ifndef STALLSCOPE_PROCESS_H
#define STALLSCOPE_PROCESS_H

#define PROCESS_RINGBUF_BYTES (1U << 20)

#endif /* STALLSCOPE_PROCESS_H */
