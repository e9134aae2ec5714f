/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loader <-> agent contract: records the BPF programs keep or emit and the
 * loader forwards on its stdout. Included by the BPF programs (vmlinux.h types),
 * the C loader (linux/types.h) and checked against the TypeScript decoder in
 * schemas/src/loader-records.ts by a test that prints sizeof/offsetof.
 *
 * Every record on the stream starts with record_header; `size` counts the whole
 * record including the header, so a reader can skip types it does not know.
 * All fields are fixed width, little endian (the host's), explicitly padded.
 */
#ifndef STALLSCOPE_RECORDS_H
#define STALLSCOPE_RECORDS_H

#define RECORD_ABI_VERSION 1

#define TASK_COMM_LEN 16
#define SLOW_SYSCALL_ARGS 3
/* Syscall numbers below this bound can be excluded from slow events. */
#define MAX_SYSCALL_NR 512
/* Largest log2 bucket: durations above 2^62 ns land here. */
#define MAX_HIST_BUCKET 63

enum record_type {
	RECORD_HELLO = 1,
	RECORD_SYSCALL_HIST = 2,
	RECORD_SNAPSHOT_END = 3,
	RECORD_SLOW_SYSCALL = 4,
};

/* Indexes of the per-CPU drop counters the BPF side keeps. */
enum drop_reason {
	DROP_HIST_MAP_FULL = 0,
	DROP_START_MAP_FULL = 1,
	DROP_RINGBUF_FULL = 2,
	DROP_REASON_COUNT = 3,
};

struct record_header {
	__u16 type;
	__u16 version;
	__u32 size;
};

/* First record on the stream: the clocks let the agent turn BPF's monotonic
 * timestamps into wall-clock time. */
struct hello_record {
	struct record_header hdr;
	__u32 loader_pid;
	__u32 interval_ms;
	__u64 monotonic_ns;
	__u64 realtime_ns;
	__u64 slow_threshold_ns;
	__u32 max_hist_entries;
	__u32 pad;
};

/*
 * Key of the in-kernel syscall histogram. bucket 0 holds durations of 0..1 ns;
 * bucket b >= 1 holds durations in (2^(b-1), 2^b] ns, which is exactly the
 * OpenTelemetry exponential histogram bucket of index b-1 at scale 0.
 */
struct syscall_hist_key {
	__u32 tgid;
	__u32 syscall_nr;
	__u32 bucket;
	__u32 pad;
};

/* Cumulative since the key was created; max_ns is the largest duration ever
 * seen in this bucket. */
struct syscall_hist_value {
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
};

struct syscall_hist_record {
	struct record_header hdr;
	struct syscall_hist_key key;
	struct syscall_hist_value value;
};

/* Closes one snapshot of the histogram map; drop counters are cumulative. */
struct snapshot_end_record {
	struct record_header hdr;
	__u32 entries;
	__u32 pad;
	__u64 monotonic_ns;
	__u64 realtime_ns;
	__u64 drops[DROP_REASON_COUNT];
};

/* A syscall slower than the loader's threshold, sent through the ring buffer. */
struct slow_syscall_event {
	__u32 tgid;
	__u32 tid;
	__u32 syscall_nr;
	__u32 pad;
	__u64 args[SLOW_SYSCALL_ARGS];
	__s64 ret;
	__u64 start_ns;
	__u64 duration_ns;
	char comm[TASK_COMM_LEN];
};

struct slow_syscall_record {
	struct record_header hdr;
	struct slow_syscall_event event;
};

#endif /* STALLSCOPE_RECORDS_H */
