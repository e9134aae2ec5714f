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

#define RECORD_ABI_VERSION 8

#define TASK_COMM_LEN 16
/* Of an exec'd program's path: enough to name it when /proc is gone already. */
#define PROCESS_FILENAME_LEN 256
/*
 * Of an exec'd program's arguments: its command line when /proc is gone
 * already. Longer argument lists are cut at this many bytes (a JVM's classpath
 * alone runs to kilobytes); the program and its first options fit, and a
 * process record stays small in the ring buffer.
 */
#define PROCESS_ARGS_LEN 512
#define SLOW_SYSCALL_ARGS 4
/* Syscall numbers below this bound can be excluded from slow events. */
#define MAX_SYSCALL_NR 512
/* Largest log2 bucket: durations above 2^62 ns land here. */
#define MAX_HIST_BUCKET 63
/* User stack depth kept for wait-class verdicts (the stack map's value size). */
#define MAX_STACK_DEPTH 127

/*
 * Wait classes as the kernel counts them (schemas/src/wait-class.ts names them).
 * A histogram key's class_key holds the class in its low byte and, above it, the
 * rule that decided it, so every figure can say why it is classed as it is:
 * rule 0 is the syscall's own class, FD_RULE_BASE + fd kind the fd's target,
 * STACK_RULE_BASE + n the agent's n-th stack rule. A key whose top bit is set is
 * a pending verdict: the low 31 bits are a stack id the agent has not classed yet.
 */
enum wait_class_code {
	WAIT_OTHER = 0,
	WAIT_IDLE = 1,
	WAIT_LOCK = 2,
	WAIT_DISK = 3,
	WAIT_NETWORK = 4,
	WAIT_IPC = 5,
	WAIT_RUN_QUEUE = 6,
};
#define CLASS_RULE_SHIFT 8
#define CLASS_KEY_PENDING_STACK 0x80000000U
enum fd_kind {
	FD_KIND_SOCKET = 0,
	FD_KIND_FILE = 1,   /* regular file or block device */
	FD_KIND_PIPE = 2,
	FD_KIND_CHAR = 3,   /* tty, /dev/... */
	FD_KIND_ANON = 4,   /* eventfd, timerfd, signalfd, epoll: anon inodes */
	FD_KIND_OTHER = 5,  /* directory, symlink, or the fd was already closed */
	FD_KIND_COUNT = 6,
};
#define FD_RULE_BASE 1
/* A stack-classed wait cut short by its own process's exit: its stack cannot
 * be symbolized any more (the process is gone), and nothing waited on it. */
#define PROCESS_EXIT_RULE (FD_RULE_BASE + FD_KIND_COUNT)
#define STACK_RULE_BASE (PROCESS_EXIT_RULE + 1)

/*
 * Per-syscall classification, set by the agent before load: the low nibble is
 * the class (or the fallback class), the flags say what decides it instead.
 */
#define CLASSIFY_BY_FD 0x10    /* args[0] is an fd: its target's kind */
#define CLASSIFY_BY_STACK 0x20 /* the user stack, for calls over stack_min_ns */
#define CLASSIFY_BY_OPENED_FD 0x40 /* the returned fd's target's kind (opening a FIFO waits for its other end) */

/* Signals the loader can load, as bits of hello_record.signals. */
enum signal_bit {
	SIGNAL_SYSCALLS = 1 << 0,
	SIGNAL_OFFCPU = 1 << 1,
	SIGNAL_PROCESS = 1 << 2,
	SIGNAL_TCP = 1 << 3,
	SIGNAL_GORUNTIME = 1 << 4,
	SIGNAL_PROFILE = 1 << 5,
	SIGNAL_MEMORY = 1 << 6,
};

/* Thread states of off-CPU time (offcpu_hist_key.state). */
enum offcpu_state {
	OFFCPU_RUN_QUEUE = 0,       /* runnable, waiting for a CPU */
	OFFCPU_SLEEP = 1,           /* interruptible sleep (S) */
	OFFCPU_UNINTERRUPTIBLE = 2, /* uninterruptible sleep (D) */
};

enum process_event_kind {
	PROCESS_EXEC = 1,
	PROCESS_FORK = 2,
	PROCESS_EXIT = 3,
};

enum record_type {
	RECORD_HELLO = 1,
	RECORD_SYSCALL_HIST = 2,
	RECORD_SNAPSHOT_END = 3,
	RECORD_SLOW_SYSCALL = 4,
	RECORD_USER_STACK = 5,
	RECORD_OFFCPU_HIST = 6,
	RECORD_PROCESS_EVENT = 7,
	RECORD_SYSCALL_ERRORS = 8,
	RECORD_STACK_TRACE = 9,
	RECORD_OFFCPU_STACK = 10,
	RECORD_STACKS_RESET = 11,
	RECORD_TCP_COUNT = 12,
	RECORD_TCP_CONNECT_HIST = 13,
	RECORD_TCP_CONNECTION = 14,
	RECORD_GO_HIST = 15,
	RECORD_GO_COUNTS = 16,
	RECORD_GO_PARK_STACK = 17,
	RECORD_GO_STACK_TRACE = 18,
	RECORD_GO_STACKS_RESET = 19,
	RECORD_CPU_STACK = 20,
	RECORD_CPU_STACK_TRACE = 21,
	RECORD_CPU_STACKS_RESET = 22,
	RECORD_MEMORY_SAMPLE = 23,
	RECORD_OOM_VICTIM = 24,
};

/* Indexes of the per-CPU drop counters the BPF side keeps. */
enum drop_reason {
	DROP_HIST_MAP_FULL = 0,
	DROP_START_MAP_FULL = 1,
	DROP_RINGBUF_FULL = 2,
	DROP_STACK_MAP_FULL = 3,
	DROP_OFFCPU_MAP_FULL = 4,
	DROP_PROCESS_RINGBUF_FULL = 5,
	DROP_ERROR_MAP_FULL = 6,
	DROP_OFFCPU_STACK_FULL = 7,
	DROP_TCP_MAP_FULL = 8,       /* a tcp counter, histogram or socket entry found no room */
	DROP_TCP_EVENT_RATE = 9,     /* notable connections over the per-second bound */
	DROP_TCP_RINGBUF_FULL = 10,
	DROP_GO_MAP_FULL = 11,       /* a Go runtime histogram, counter or park entry found no room */
	DROP_GO_STACK_FULL = 12,     /* a park stack found no room in the stack or stack-time map */
	DROP_PROFILE_FULL = 13,       /* a CPU sample found no room for its stack or its counter */
	DROP_MEMORY_MAP_FULL = 14,    /* a memory sample or a pending mmap/munmap found no room */
	DROP_MEMORY_RINGBUF_FULL = 15, /* an OOM kill found no room in the ring buffer */
	DROP_REASON_COUNT = 16,
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
	__u32 signals; /* enum signal_bit: the signals that loaded and attached */
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
	__u32 class_key; /* wait class and rule, or a pending stack id (see above) */
};

/* Cumulative since the key was created; max_ns is the largest duration ever
 * seen in this bucket. Shared by every histogram the kernel keeps. */
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
	/* Read as the snapshot began: what ended before them is in it or an earlier one. */
	__u64 monotonic_ns;
	__u64 realtime_ns;
	__u64 drops[DROP_REASON_COUNT];
};

/* A syscall slower than the loader's threshold, sent through the ring buffer. */
struct slow_syscall_event {
	__u32 tgid;
	__u32 tid;
	__u32 syscall_nr;
	__u32 class_key;
	__u64 args[SLOW_SYSCALL_ARGS];
	__s64 ret;
	__u64 start_ns;
	__u64 duration_ns;
	/* Time the thread spent runnable but not running during the call (0 when
	 * the offcpu signal is off). */
	__u64 run_queue_ns;
	__s32 stack_id; /* user stack in the stack map, or < 0 when none was taken */
	__u32 pad;
	char comm[TASK_COMM_LEN];
};

struct slow_syscall_record {
	struct record_header hdr;
	struct slow_syscall_event event;
};

/* A user stack whose wait-class verdict the agent has not given yet; the
 * agent answers on the loader's stdin ("verdict <stack_id> <class_key>"). */
struct user_stack_record {
	struct record_header hdr;
	__u32 stack_id;
	__u32 tgid; /* a process the stack was seen in: its maps symbolize it */
	__u32 syscall_nr;
	__u32 depth;
	__u64 ips[MAX_STACK_DEPTH];
	/* x86-64: the word at the user stack pointer when the call was made, 0 if
	 * unread. Under a leaf that keeps no frame pointer (glibc's syscall()) it is
	 * the return address into the leaf's caller, a frame the walk misses. */
	__u64 leaf_return;
};

/* Off-CPU time per (process, thread state), log2 buckets as syscall_hist_key. */
struct offcpu_hist_key {
	__u32 tgid;
	__u32 state; /* enum offcpu_state */
	__u32 bucket;
	__u32 pad;
};

struct offcpu_hist_record {
	struct record_header hdr;
	struct offcpu_hist_key key;
	struct syscall_hist_value value;
};

/* Failed calls per (process, syscall, errno), cumulative: retry storms of
 * EAGAIN/EINTR are fast calls that never become slow events. */
struct syscall_error_key {
	__u32 tgid;
	__u32 syscall_nr;
	__u32 errno_value;
	__u32 pad;
};

struct syscall_errors_record {
	struct record_header hdr;
	struct syscall_error_key key;
	__u64 count;
};

/* The addresses behind an off-CPU stack id, sent once per id (until a reset). */
struct stack_trace_record {
	struct record_header hdr;
	__u32 stack_id;
	__u32 depth;
	__u64 ips[MAX_STACK_DEPTH];
};

/*
 * Off-CPU time of one (process, state, kernel stack, user stack) in one
 * interval (not cumulative). Stacks are taken at switch-out for every sleep
 * of a thread whose last sleep was long (or that never slept), and for 1 in N others; each sampled
 * sleep counts N times, so the figures estimate all sleeps without bias.
 */
struct offcpu_stack_key {
	__u32 tgid;
	__u32 state;        /* enum offcpu_state: sleep or uninterruptible */
	__s32 kernel_stack; /* < 0: none */
	__s32 user_stack;   /* < 0: none */
};

struct offcpu_stack_value {
	__u64 off_cpu_ns;
	__u64 count;
};

struct offcpu_stack_record {
	struct record_header hdr;
	struct offcpu_stack_key key;
	struct offcpu_stack_value value;
};

/* Stack ids sent before this record may be reused from now on. */
struct stacks_reset_record {
	struct record_header hdr;
};

/*
 * CPU samples of one (process, kernel stack, user stack) in one interval (not
 * cumulative), from perf_event cpu-clock sampling on every CPU. Each snapshot
 * of the profile signal starts with RECORD_CPU_STACKS_RESET (a
 * stacks_reset_record: stack ids of earlier snapshots are void), then sends
 * the addresses behind its stack ids as RECORD_CPU_STACK_TRACE (a
 * stack_trace_record; the profile signal's stack maps are its own, so are its
 * ids) before the CPU_STACK records naming them.
 */
struct cpu_stack_key {
	__u32 tgid;
	__s32 kernel_stack; /* < 0: none (the sample hit user mode) */
	__s32 user_stack;   /* < 0: none (a kernel-mode sample with no user context) */
	__u32 pad;
};

struct cpu_stack_record {
	struct record_header hdr;
	struct cpu_stack_key key;
	__u64 samples;
};

/* exec, fork (of a new process, not a thread) and exit of a thread group. */
struct process_event {
	__u32 kind; /* enum process_event_kind */
	__u32 tgid;
	__u32 parent_tgid; /* the forking process (fork), else 0 */
	__u32 args_size;   /* bytes of args that are valid: 0 but for exec */
	__u64 time_ns;
	char comm[TASK_COMM_LEN];
	char filename[PROCESS_FILENAME_LEN]; /* exec: the program run, else empty */
	/* exec: argv as the kernel laid it out (mm->arg_start..arg_end), each
	 * argument NUL-terminated; cut at PROCESS_ARGS_LEN bytes, so the last
	 * argument may lack its NUL. */
	char args[PROCESS_ARGS_LEN];
};

struct process_event_record {
	struct record_header hdr;
	struct process_event event;
};

/* What the tcp signal counts (tcp_count_key.kind). */
enum tcp_count_kind {
	TCP_RETRANSMIT = 0,         /* segments, as the kernel's RetransSegs counts them */
	TCP_RESET_RECEIVED = 1,
	TCP_RESET_SENT = 2,
	TCP_CONNECT_REFUSED = 3,    /* SYN_SENT -> CLOSE after a reset */
	TCP_CONNECT_UNANSWERED = 4, /* SYN_SENT -> CLOSE without one: timed out or given up */
};
/* Peer ports below 1024 and the configured ones are their own class; all
 * others (ephemeral ports included) share this one, so cardinality stays bounded. */
#define TCP_PORT_CLASS_OTHER 0

/* Per (process, kind, peer port class), cumulative. tgid 0: a socket whose
 * owner was never seen in process context (e.g. a reset for no socket). */
struct tcp_count_key {
	__u32 tgid;
	__u32 kind; /* enum tcp_count_kind */
	__u32 port_class;
	__u32 pad;
};

struct tcp_count_record {
	struct record_header hdr;
	struct tcp_count_key key;
	__u64 count;
};

/* Connect latency (SYN_SENT -> ESTABLISHED), log2 buckets as syscall_hist_key. */
struct tcp_connect_hist_key {
	__u32 tgid;
	__u32 port_class;
	__u32 bucket;
	__u32 pad;
};

struct tcp_connect_hist_record {
	struct record_header hdr;
	struct tcp_connect_hist_key key;
	struct syscall_hist_value value;
};

/* Why a connection is notable (tcp_connection_event.flags). */
#define TCP_CONN_CONNECT_FAILED 0x1
#define TCP_CONN_REFUSED 0x2
#define TCP_CONN_RESET_RECEIVED 0x4
#define TCP_CONN_RESET_SENT 0x8
#define TCP_CONN_RETRANSMITS 0x10

/* A notable connection at its close, sent through a rate-bounded ring buffer. */
struct tcp_connection_event {
	__u32 tgid;
	__u32 flags;
	__u64 close_ns;
	__u64 connect_ns; /* SYN_SENT -> ESTABLISHED, 0 if it never got there */
	__u32 retransmits; /* segments */
	__u16 family;      /* AF_INET or AF_INET6 */
	__u16 local_port;
	__u16 peer_port;
	__u16 last_state;  /* the TCP state it closed from */
	__u32 pad;
	__u8 local_addr[16]; /* IPv4: the first 4 bytes */
	__u8 peer_addr[16];
	char comm[TASK_COMM_LEN]; /* of the owner, when it was first seen */
};

struct tcp_connection_record {
	struct record_header hdr;
	struct tcp_connection_event event;
};

/*
 * The goruntime signal: what uprobes on each Go binary's runtime measure.
 * Reasons are the runtime's own codes (stwReason, waitReason); their names
 * differ between Go versions and are read by the agent from the binary
 * (runtime.stwReasonStrings, runtime.waitReasonStrings).
 */
/* The runtime functions the goruntime signal probes, in the order of the
 * agent's command to the loader: "goruntime attach ID PATH OFFSET...". */
enum go_probe {
	GO_PROBE_STW_STOP = 0,  /* runtime.stopTheWorldWithSema(reason) */
	GO_PROBE_STW_START = 1, /* runtime.startTheWorldWithSema */
	GO_PROBE_NEWPROC = 2,   /* runtime.newproc1 */
	GO_PROBE_GOEXIT = 3,    /* runtime.goexit1 */
	GO_PROBE_PARK = 4,      /* runtime.gopark(unlockf, lock, reason, ...) */
	GO_PROBE_EXECUTE = 5,   /* runtime.execute(gp, inheritTime) */
	GO_PROBE_COUNT = 6,
};

/* Go binaries probed at once: the attach command's ids are below this. */
#define GO_MAX_BINARIES 1024

enum go_hist_kind {
	GO_HIST_STW_PAUSE = 0, /* stopTheWorldWithSema -> startTheWorldWithSema; reason: stwReason */
	GO_HIST_PARK = 1,      /* gopark -> the goroutine runs again (execute); reason: waitReason */
};

/* log2 buckets as syscall_hist_key. */
struct go_hist_key {
	__u32 tgid;
	__u32 kind;   /* enum go_hist_kind */
	__u32 reason;
	__u32 bucket;
};

struct go_hist_record {
	struct record_header hdr;
	struct go_hist_key key;
	struct syscall_hist_value value;
};

/* Goroutines created (newproc1) and exited (goexit1) in one process since its
 * binary was probed, cumulative. */
struct go_counts_value {
	__u64 created;
	__u64 exited;
};

struct go_counts_record {
	struct record_header hdr;
	__u32 tgid;
	__u32 pad;
	struct go_counts_value value;
};

/*
 * Park time of one (process, wait reason, user stack at park) in one interval
 * (not cumulative). One park in N takes its stack and counts N times.
 */
struct go_park_stack_key {
	__u32 tgid;
	__u32 reason;
	__s32 user_stack;
	__u32 pad;
};

struct go_park_stack_value {
	__u64 parked_ns;
	__u64 count;
};

struct go_park_stack_record {
	struct record_header hdr;
	struct go_park_stack_key key;
	struct go_park_stack_value value;
};

/* RECORD_GO_STACK_TRACE carries a struct stack_trace_record of the goruntime
 * signal's own stack map; RECORD_GO_STACKS_RESET a struct stacks_reset_record. */

/*
 * The memory signal: per process, what it did to its memory in each slot of
 * MEMORY_SLOT_NS (bpf_ktime / MEMORY_SLOT_NS): user page faults, bytes mapped
 * and unmapped, the net growth of its heap break. Slots are not cumulative; the
 * loader sends each one once it has ended and deletes it from the map.
 */
#define MEMORY_SLOT_NS 250000000ULL

struct memory_sample_key {
	__u32 tgid;
	__u32 pad;
	__u64 slot;
};

struct memory_sample_value {
	__u64 faults;       /* exceptions:page_fault_user: minor and major alike */
	__u64 mmap_bytes;   /* lengths of successful mmap calls */
	__u64 munmap_bytes; /* lengths of successful munmap calls */
	__s64 brk_bytes;    /* net change of the heap break */
	__u32 mmap_calls;
	__u32 munmap_calls;
	__u32 brk_calls;
	__u32 pad;
};

struct memory_sample_record {
	struct record_header hdr;
	struct memory_sample_key key;
	struct memory_sample_value value;
};

/* oom:mark_victim, sizes in KiB as the tracepoint gives them. */
struct oom_victim_event {
	__u32 tgid;            /* the victim */
	__u32 trigger_tgid;    /* the process whose allocation ran out of memory */
	__u64 time_ns;
	__u64 total_vm_kib;
	__u64 anon_rss_kib;
	__u64 file_rss_kib;
	__u64 shmem_rss_kib;
	__u64 pgtables_kib;
	__u32 uid;
	__s16 oom_score_adj;
	__u16 pad;
	char comm[TASK_COMM_LEN];
};

struct oom_victim_record {
	struct record_header hdr;
	struct oom_victim_event event;
};

#endif /* STALLSCOPE_RECORDS_H */
