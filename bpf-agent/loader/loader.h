/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the loader's core offers each signal's user-space part, and the one
 * small interface every signal implements (signals/<name>/<name>.c).
 */
#ifndef STALLSCOPE_LOADER_H
#define STALLSCOPE_LOADER_H

#include <stdio.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "records.h"
#include "tcp/tcp.h"
#include "goruntime/goruntime.h"

#define LOG(fmt, ...) fprintf(stderr, "stallscope-loader: " fmt "\n", ##__VA_ARGS__)

struct loader_options {
	__u64 interval_ms;
	__u64 slow_threshold_ns;
	__u64 stack_min_ns;
	__u64 fd_class_min_ns;
	__u64 offcpu_stack_every;
	__u64 max_hist_entries;
	__u64 ringbuf_bytes;
	__u8 slow_events_for_idle;
	/* Time only what syscalls spend off the CPU (x86-64; elsewhere every call is timed). */
	__u8 off_cpu_timing;
	__u8 syscall_classify[MAX_SYSCALL_NR];
	__u64 tcp_events_per_sec;
	/* Peer ports of 1024 and above that are their own class, one bit each. */
	__u8 tcp_classed_ports[TCP_PORT_BITMAP_BYTES];
	__u64 go_park_stack_every;
	__u64 profile_hz;
};

extern struct loader_options opt;

/* Writes one record to stdout; write errors show at the cycle's fflush. */
void emit(void *record, __u16 type, __u32 size);
/* Adds the per-CPU counters of a signal's `drops` map into drops[]. */
void add_drops(struct bpf_map *map, __u64 drops[DROP_REASON_COUNT]);
/* Attaches every program of a skeleton; a failure names its hook. */
int attach_all(struct bpf_object_skeleton *s);
/* Polls `map`'s events with the loader's one ring buffer, made by the first signal that has events. */
int add_ring_buffer(struct ring_buffer **rb, struct bpf_map *map, ring_buffer_sample_fn on_event);
/* 1 when tracefs, mounted at either of its places, has this path under events/ ("syscalls/sys_enter_fsync/id"). */
int tracefs_has(const char *event_path);
/* 1 when no process has this pid any more. */
int process_gone(__u32 tgid);

struct signal {
	const char *name;
	__u32 bit; /* enum signal_bit */
	/* Opens, configures, loads and attaches; non-zero leaves the signal off. */
	int (*start)(struct ring_buffer **rb);
	/* Emits the signal's records of one snapshot (before SNAPSHOT_END); optional. */
	void (*snapshot)(void);
	void (*add_drops)(__u64 drops[DROP_REASON_COUNT]);
	/* A command line from the agent for this signal; non-zero if malformed. */
	int (*command)(const char *line);
	void (*destroy)(void);
};

extern const struct signal offcpu_signal, syscalls_signal, process_signal, tcp_signal, goruntime_signal, profile_signal, memory_signal;

/* The per-thread state map (thread-state.bpf.h) every signal's object shares:
 * the first object loaded creates it, the others reuse it. */
extern int thread_state_map_fd;
int share_thread_state(struct bpf_map *map);
void publish_thread_state(struct bpf_map *map);

/* The signals the agent asked for (SIGNAL_* bits). */
extern __u32 wanted_signals;

/*
 * mmap, munmap and brk counted for the memory signal by the syscalls signal's
 * sys_exit program (memory-calls.bpf.h). The syscalls signal starts first and
 * offers its maps once it runs; the memory signal then uses them, loads no
 * sys_exit program of its own, and sets *on once it runs.
 */
struct memory_calls_offer {
	int samples_fd;
	int brk_fd;
	volatile __u32 *on; /* NULL: no offer */
};
extern struct memory_calls_offer memory_calls_offer;
void offer_memory_calls(struct bpf_map *samples, struct bpf_map *brk, volatile __u32 *on);

#endif /* STALLSCOPE_LOADER_H */
