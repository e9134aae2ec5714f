/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The per-thread state the signals share, in one task-local storage map: one
 * lookup per hook serves them all (the loader makes every object use the same
 * map). Task storage is freed with its task.
 */
#ifndef STALLSCOPE_THREAD_STATE_BPF_H
#define STALLSCOPE_THREAD_STATE_BPF_H

/* Buckets a thread's run of fast calls counts locally: bucket 11 ends at 2048 ns. */
#define FAST_BUCKETS 12
/* Slots for them: a power of two, so a masked index needs no bounds check. */
#define FAST_SLOTS 16
/* A run of fast calls goes to the histogram map at least this often. */
#define RUN_FLUSH_NS 20000000ULL
#define NO_SYSCALL 0xffffffffU

/* The syscall in flight (syscalls signal). */
struct syscall_start {
	__u64 start_ns;           /* 0 = none in flight (every-call timing; off-CPU timing: a sync call's entry) */
	__u64 run_queue_ns;       /* the thread's run-queue total at entry (off-CPU timing: at its first switch-out) */
	__u64 switched_out_ns;    /* off-CPU timing: when it left the CPU inside the call; 0 = on a CPU */
	__u64 off_cpu_ns;         /* off-CPU timing: the call's time off the CPU so far */
	__u64 args[SLOW_SYSCALL_ARGS];
	__u32 syscall_nr;
	__u32 last_nr;            /* the syscall before this one */
};

/*
 * Consecutive fast calls of one (syscall, class), counted in the thread's own
 * storage instead of the shared histogram map: a storm of cheap calls then
 * costs no hash lookup and no atomic per call. A run starts at a call that
 * repeats the thread's previous syscall (alternating calls go to the map
 * directly: a run of one would only add work), and goes to the map when the
 * thread enters another syscall, its class changes, it is RUN_FLUSH_NS old,
 * or the thread exits.
 */
struct syscall_run {
	__u64 started_ns;         /* jiffies under off-CPU timing */
	__u64 sum_ns[FAST_SLOTS];
	__u32 count[FAST_SLOTS];
	__u32 max_ns[FAST_SLOTS];
	__u32 syscall_nr; /* NO_SYSCALL = empty */
	__u32 class_key;
};

/* Distinct (syscall, class) pairs a thread's calls that took no time count locally. */
#define ZERO_TIME_SLOTS 4

/*
 * Off-CPU timing only: calls that never left the CPU (most of a server's)
 * counted in the thread's own storage, up to ZERO_TIME_SLOTS pairs, whatever
 * their order: a server alternates read, write, epoll and futex, which a run
 * cannot hold. They go to the histogram map when the thread leaves the CPU
 * inside a syscall (it may sleep long), when the oldest is RUN_FLUSH_NS old,
 * or when the thread exits; a pair that finds the slots taken by others goes
 * to the map directly.
 */
struct zero_time_calls {
	__u64 since;              /* jiffies of the first count held since the last flush */
	__u32 syscall_nr[ZERO_TIME_SLOTS];
	__u32 class_key[ZERO_TIME_SLOTS];
	__u32 count[ZERO_TIME_SLOTS]; /* 0 = a free slot */
	__u32 held;               /* slots in use */
	__u32 pad;
};

/* Scheduler state (offcpu signal); syscalls reads run_queue_total_ns. */
struct thread_sched {
	__u64 off_ns;             /* when it went to sleep; 0 = not sleeping */
	__u64 runnable_since_ns;  /* when it became runnable; 0 = not waiting */
	__u64 run_queue_total_ns; /* all run-queue time of the thread so far */
	__u32 off_state;          /* enum offcpu_state of the current sleep */
	__u32 stack_weight;       /* the current sleep's stacks count this often; 0 = none taken */
	__s32 kernel_stack;
	__s32 user_stack;
	__u32 short_sleeps;       /* short sleeps in a row just before this one (0 before the first) */
	__u32 pad;
};

struct thread_state {
	struct syscall_start sys;
	struct syscall_run run;
	struct zero_time_calls zero;
	struct thread_sched sched;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_state);
} thread_state SEC(".maps");

#define PF_KTHREAD 0x00200000

/* A thread whose state is kept: a user thread (not the idle task, not a kernel thread), not of the loader's own process. */
static __always_inline bool traced_thread(struct task_struct *t, __u32 exclude_tgid)
{
	return t->pid != 0 && !(t->flags & PF_KTHREAD) && t->tgid != exclude_tgid;
}

/* A new thread's state: task storage starts zeroed, and zero is a syscall number. */
static __always_inline struct thread_state *thread_state_of(struct task_struct *task)
{
	struct thread_state *t = bpf_task_storage_get(&thread_state, task, 0, 0);

	if (t)
		return t;
	t = bpf_task_storage_get(&thread_state, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (t)
		t->run.syscall_nr = NO_SYSCALL;
	return t;
}

#endif /* STALLSCOPE_THREAD_STATE_BPF_H */
