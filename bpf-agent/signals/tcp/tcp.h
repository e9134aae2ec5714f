/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The tcp signal's defaults and the per-socket state its BPF program keeps. */
#ifndef STALLSCOPE_TCP_H
#define STALLSCOPE_TCP_H

/* (tgid, kind, port class) counters and (tgid, port class, bucket) keys. */
#define TCP_COUNT_ENTRIES 16384
#define TCP_HIST_ENTRIES 16384
#define TCP_RINGBUF_BYTES (256 * 1024)
/* Notable connections sent per second, host-wide; the rest are counted as dropped. */
#define TCP_EVENTS_PER_SEC 100
/* One bit per port: set for the configured ports that are their own class. */
#define TCP_PORT_BITMAP_BYTES (65536 / 8)

/* What is known of one socket, keyed by its struct sock pointer. */
struct tcp_sock_info {
	__u64 syn_sent_ns; /* 0: not an outgoing connect */
	__u64 connect_ns;
	__u32 tgid;        /* the owner, seen in its own context (connect, listen, send) */
	__u32 flags;       /* TCP_CONN_* */
	__u32 retransmits;
	__u32 port_class;
	/* Taken while bound: at the close of a failed connect the port is released already. */
	__u16 local_port;
	__u16 pad;
	char comm[TASK_COMM_LEN];
};

#endif /* STALLSCOPE_TCP_H */
