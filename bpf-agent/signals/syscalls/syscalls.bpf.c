// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Syscall latency by wait class: per (tgid, syscall, log2 bucket, class) counters
 * kept in the kernel and read by the loader every interval, plus one ring buffer
 * event for each syscall slower than slow_threshold_ns.
 *
 * A call's time is, with every-call timing, from its entry to its exit (two
 * clock reads per call). With off_cpu_timing (the agent's default) it is only
 * the time the call spent off the CPU, asleep or waiting on a run queue: sched_switch
 * notes when a thread inside a syscall leaves the CPU and adds the time until
 * it runs again, and sys_exit takes the call's number and arguments from its
 * registers. No program runs at sys_enter, and a call that stays on the CPU
 * reads no clock. The sync calls (fsync and its kin) are the exception: they
 * write dirty pages out on the caller's CPU while the caller waits for its
 * disk, so each has a program on its own syscall tracepoint that notes its
 * entry, and it is timed whole. A tracepoint of one syscall costs every other
 * call the kernel's test of its bit (~10-15 ns on a getppid storm).
 *
 * The class of a call comes from its context, not its name alone: the kind of
 * its fd's target for fd-taking calls, the user stack for calls such as futex
 * whose meaning depends on the caller (a Go runtime's idle M and a contended
 * pthread mutex both sleep in futex). A stack is classed once, in user space;
 * its verdict comes back through stack_verdicts and every later call with that
 * stack is counted under its class directly.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "hist.bpf.h"
#include "syscalls.h"
#include "thread-state.bpf.h"
#include "memory-calls.bpf.h"

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFIFO 0010000
#define S_IFCHR 0020000
/* Anonymous inodes (eventfd, timerfd, epoll) are told by their file system:
 * newer kernels give them S_IFREG. */
#define ANON_INODE_FS_MAGIC 0x09041934
#define SIGNAL_GROUP_EXIT 0x00000004
#define ENOSYS 38

/* Set by the loader before load. */
const volatile __u32 exclude_tgid = 0;
const volatile __u64 slow_threshold_ns = SLOW_THRESHOLD_NS;
const volatile __u64 stack_min_ns = STACK_MIN_NS;
const volatile __u64 fd_class_min_ns = FD_CLASS_MIN_NS;
/* Per syscall: a wait_class_code, optionally | CLASSIFY_BY_FD or CLASSIFY_BY_STACK. */
const volatile __u8 syscall_classify[MAX_SYSCALL_NR] = {};
/* Idle waits are slow by design: slow events for them only on request. */
const volatile __u8 slow_events_for_idle = 0;
/* Time only what calls spend off the CPU (x86-64 only: see in_syscall). */
const volatile __u8 off_cpu_timing = 0;
/* The kernel's tick rate, read by libbpf from the kernel's config; 0 where there is none to read. */
extern int CONFIG_HZ __kconfig __weak;
/* Set by the loader while the memory signal runs and takes this object's counts of mmap, munmap and brk. */
volatile __u32 memory_calls_on = 0;

static __always_inline __u32 fd_kind_class(__u32 kind)
{
	switch (kind) {
	case FD_KIND_SOCKET:
		return WAIT_NETWORK;
	case FD_KIND_FILE:
		return WAIT_DISK;
	case FD_KIND_PIPE:
	case FD_KIND_CHAR:
	case FD_KIND_ANON:
		return WAIT_IPC;
	default:
		return WAIT_OTHER;
	}
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HIST_MAP_ENTRIES);
	__type(key, struct syscall_hist_key);
	__type(value, struct syscall_hist_value);
} syscall_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ERROR_MAP_ENTRIES);
	__type(key, struct syscall_error_key);
	__type(value, __u64);
} syscall_errors SEC(".maps");

/* A user stack's return addresses, leaf first, zero past its last frame. */
struct user_stack {
	__u64 ips[CLASSIFY_STACK_DEPTH];
};

/* The walk's buffer: a stack is too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct user_stack);
} stack_scratch SEC(".maps");

/*
 * stack id -> the hash of the addresses it stands for. A stack's id is its
 * hash's low 31 bits, or the next id free of another stack: no two stacks
 * share one, however many the host has made, and a stack evicted here gets its
 * id back. (A stack-trace map's ids are its hash buckets: a second stack in a
 * taken bucket got no id, so its calls fell back to the syscall's own class,
 * more often the longer the agent ran.) Least recently used entries go first.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, STACK_MAP_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} stack_owners SEC(".maps");

/* stack id -> its addresses, while it has no verdict: the loader sends them. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, STACK_MAP_ENTRIES);
	__type(key, __u32);
	__type(value, struct user_stack);
} user_stacks SEC(".maps");

/* stack id -> class_key, written by the loader on the agent's word. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, STACK_MAP_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} stack_verdicts SEC(".maps");

/* stack id -> the word at the user stack pointer (x86-64) when the stack was
 * taken and had no verdict yet: sent with the stack (records.h, leaf_return). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, STACK_MAP_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} leaf_returns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_BYTES);
} slow_events SEC(".maps");

/*
 * task is a BTF pointer: its part of the walk is direct loads (a faulting
 * load reads zero), not one bpf_probe_read_kernel call each. The file read
 * from the fd array is a plain value, so its fields still take the helper
 * (a cast back to a BTF pointer needs a 6.2+ kfunc).
 */
static __always_inline __u32 fd_kind(struct task_struct *task, __u64 fd)
{
	struct files_struct *files = task->files;
	struct fdtable *fdt = files ? files->fdt : NULL;
	struct file **fds;
	struct file *f = NULL;
	struct inode *inode;
	umode_t mode;

	if (!fdt || fd >= fdt->max_fds)
		return FD_KIND_OTHER;
	fds = fdt->fd;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return FD_KIND_OTHER;
	inode = BPF_CORE_READ(f, f_inode);
	mode = BPF_CORE_READ(inode, i_mode);
	switch (mode & S_IFMT) {
	case S_IFSOCK:
		return FD_KIND_SOCKET;
	case S_IFREG:
		/* Only a regular file can be an anonymous inode: the others need not read the superblock. */
		return BPF_CORE_READ(inode, i_sb, s_magic) == ANON_INODE_FS_MAGIC ? FD_KIND_ANON : FD_KIND_FILE;
	case S_IFBLK:
		return FD_KIND_FILE;
	case S_IFIFO:
		return FD_KIND_PIPE;
	case S_IFCHR:
		return FD_KIND_CHAR;
	case 0:
		return FD_KIND_ANON;
	default:
		return FD_KIND_OTHER;
	}
}

/* The call's class_key (records.h); *stack_id is set when a stack was taken. */
static __always_inline __u32 fd_class_key(struct task_struct *task, long fd)
{
	__u32 kind = fd_kind(task, fd);

	return fd_kind_class(kind) | ((FD_RULE_BASE + kind) << CLASS_RULE_SHIFT);
}

/* The word at the user stack pointer: under a leaf without a frame pointer, the
 * return address into its caller (the frame-pointer walk skips that frame). */
static __always_inline void note_leaf_return(struct pt_regs *regs, __u32 sid)
{
#if defined(__TARGET_ARCH_x86)
	__u64 word = 0;

	if (!bpf_probe_read_user(&word, sizeof(word), (void *)regs->sp))
		bpf_map_update_elem(&leaf_returns, &sid, &word, BPF_ANY);
#endif
}

/* Over the frames walked only: the rest are zero, and most stacks are far shorter than the buffer. */
static __always_inline __u64 stack_hash(const struct user_stack *stack, long bytes)
{
	__u64 h = 0x9e3779b97f4a7c15ULL ^ bytes;
	int i;

	for (i = 0; i < CLASSIFY_STACK_DEPTH && i < bytes / 8; i++) {
		h ^= stack->ips[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 33;
	}
	return h;
}

/* The id of the stack with this hash (see stack_owners), or -1 when the ids probed are all another's. */
static __always_inline long stack_id_of(__u64 hash)
{
	__u32 id = hash & ~CLASS_KEY_PENDING_STACK;
	__u64 *owner;
	int i;

	for (i = 0; i < STACK_ID_PROBES; i++, id = (id + 1) & ~CLASS_KEY_PENDING_STACK) {
		owner = bpf_map_lookup_elem(&stack_owners, &id);
		if (!owner && !bpf_map_update_elem(&stack_owners, &id, &hash, BPF_NOEXIST)) {
			/* A verdict left behind by an earlier owner of the id may not be this stack's. */
			bpf_map_delete_elem(&stack_verdicts, &id);
			return id;
		}
		/* Claimed meanwhile by another CPU, maybe for this very stack. */
		if (!owner)
			owner = bpf_map_lookup_elem(&stack_owners, &id);
		if (owner && *owner == hash)
			return id;
	}
	return -1;
}

static __always_inline __u32 class_key_of(void *ctx, struct pt_regs *regs, struct task_struct *task,
					  struct syscall_start *start, long ret, __u64 dur, __s32 *stack_id)
{
	__u8 rule = start->syscall_nr < MAX_SYSCALL_NR ? syscall_classify[start->syscall_nr] : WAIT_OTHER;
	struct user_stack *stack;
	__u32 sid, zero = 0, *verdict;
	long id, bytes;

	if ((rule & CLASSIFY_BY_FD) && dur >= fd_class_min_ns)
		return fd_class_key(task, start->args[0]);
	/* A failed open made no fd: its name's class stands. */
	if ((rule & CLASSIFY_BY_OPENED_FD) && ret >= 0 && dur >= fd_class_min_ns)
		return fd_class_key(task, ret);
	if ((rule & CLASSIFY_BY_STACK) && (task->signal->flags & SIGNAL_GROUP_EXIT))
		return WAIT_IDLE | (PROCESS_EXIT_RULE << CLASS_RULE_SHIFT);
	if ((rule & CLASSIFY_BY_STACK) && dur >= stack_min_ns) {
		stack = bpf_map_lookup_elem(&stack_scratch, &zero);
		/* bpf_get_stack zeroes what the walk left of the buffer: the addresses sent are only this stack's. */
		if (stack && (bytes = bpf_get_stack(ctx, stack->ips, sizeof(stack->ips), BPF_F_USER_STACK)) > 0 &&
		    (id = stack_id_of(stack_hash(stack, bytes))) >= 0) {
			sid = id;
			*stack_id = id;
			verdict = bpf_map_lookup_elem(&stack_verdicts, &sid);
			if (verdict)
				return *verdict;
			/* Put back if the map let them go, so the loader can send them. */
			if (!bpf_map_lookup_elem(&user_stacks, &sid))
				bpf_map_update_elem(&user_stacks, &sid, stack, BPF_ANY);
			note_leaf_return(regs, sid);
			return CLASS_KEY_PENDING_STACK | sid;
		}
		count_drop(DROP_STACK_MAP_FULL);
	}
	return rule & 0x0f;
}

static __always_inline void count_error(__u32 tgid, __u32 syscall_nr, __u32 errno_value)
{
	struct syscall_error_key key = { .tgid = tgid, .syscall_nr = syscall_nr, .errno_value = errno_value };
	static const __u64 zero;
	__u64 *n;
	long err;

	n = bpf_map_lookup_elem(&syscall_errors, &key);
	if (!n) {
		/* Another CPU may insert the same key first: then use its entry. */
		err = bpf_map_update_elem(&syscall_errors, &key, &zero, BPF_NOEXIST);
		n = err && err != -EEXIST ? NULL : bpf_map_lookup_elem(&syscall_errors, &key);
	}
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		count_drop(DROP_ERROR_MAP_FULL);
}

static __always_inline void count_call(struct syscall_hist_key *key, __u64 count, __u64 sum_ns, __u64 max_ns)
{
	struct syscall_hist_value *v = hist_value(&syscall_hist, key);

	if (!v) {
		count_drop(DROP_HIST_MAP_FULL);
		return;
	}
	hist_add_n(v, count, sum_ns, max_ns);
}

/* The thread's run of fast calls into the histogram map; the run is then empty. */
static __always_inline void flush_run(struct syscall_run *run, __u32 tgid)
{
	struct syscall_hist_key key = { .tgid = tgid, .syscall_nr = run->syscall_nr, .class_key = run->class_key };
	__u32 b;

	for (b = 0; b < FAST_BUCKETS; b++) {
		if (!run->count[b])
			continue;
		key.bucket = b;
		count_call(&key, run->count[b], run->sum_ns[b], run->max_ns[b]);
		run->count[b] = 0;
		run->sum_ns[b] = 0;
		run->max_ns[b] = 0;
	}
	run->syscall_nr = NO_SYSCALL;
}

/* The thread's calls that took no time into the histogram map; the slots are then free. */
static __always_inline void flush_zero_time_calls(struct zero_time_calls *z, __u32 tgid)
{
	struct syscall_hist_key key = { .tgid = tgid };
	int i;

	for (i = 0; i < ZERO_TIME_SLOTS; i++) {
		if (!z->count[i])
			continue;
		key.syscall_nr = z->syscall_nr[i];
		key.class_key = z->class_key[i];
		count_call(&key, z->count[i], 0, 0);
		z->count[i] = 0;
	}
	z->held = 0;
}

/* A call that took no time (bucket 0), counted in the thread's slots (see struct zero_time_calls). */
static __always_inline void count_zero_time_call(struct zero_time_calls *z, struct syscall_hist_key *key, __u64 now,
						 __u64 max_age)
{
	int i, free_slot = -1;

	if (z->held && now - z->since >= max_age)
		flush_zero_time_calls(z, key->tgid);
	for (i = 0; i < ZERO_TIME_SLOTS; i++) {
		if (!z->count[i]) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (z->syscall_nr[i] == key->syscall_nr && z->class_key[i] == key->class_key) {
			z->count[i] += 1;
			return;
		}
	}
	if (free_slot < 0) {
		count_call(key, 1, 0, 0);
		return;
	}
	if (!z->held)
		z->since = now;
	z->held += 1;
	z->syscall_nr[free_slot & (ZERO_TIME_SLOTS - 1)] = key->syscall_nr;
	z->class_key[free_slot & (ZERO_TIME_SLOTS - 1)] = key->class_key;
	z->count[free_slot & (ZERO_TIME_SLOTS - 1)] = 1;
}

/*
 * Whether the task is inside a syscall that has not returned yet. The entry
 * code keeps the syscall's number in orig_ax (-1 for an interrupt or an
 * exception, so a thread preempted in user mode is not inside one) and
 * -ENOSYS in ax until the call returns (a switch on the way back to user
 * mode, after sys_exit, is no longer the call's).
 */
static __always_inline bool in_syscall(struct task_struct *task)
{
#if defined(__TARGET_ARCH_x86)
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	return regs && (long)regs->orig_ax >= 0 && (long)regs->ax == -ENOSYS;
#else
	return false;
#endif
}

/* The number of the call returning, as the entry code saved it; -1 for none (rt_sigreturn restores it from the signal frame). */
static __always_inline long saved_syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return regs->orig_ax;
#else
	return -1;
#endif
}

/* Off-CPU timing only: the thread's wait off the CPU inside its call ends at now, and its time goes to the call. */
static __always_inline void end_off_cpu_wait(struct syscall_start *s, __u64 now)
{
	s->off_cpu_ns += now - s->switched_out_ns;
	s->switched_out_ns = 0;
}

/* Off-CPU timing only: a thread inside a syscall leaves the CPU, another runs again. */
SEC("tp_btf/sched_switch")
int BPF_PROG(handle_syscall_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	struct thread_state *t;

	t = bpf_task_storage_get(&thread_state, next, 0, 0);
	if (t && t->sys.switched_out_ns)
		end_off_cpu_wait(&t->sys, now);
	if (!traced_thread(prev, exclude_tgid) || !in_syscall(prev))
		return 0;
	t = thread_state_of(prev);
	if (!t) {
		count_drop(DROP_START_MAP_FULL);
		return 0;
	}
	/*
	 * A switch-out with no switch-in seen since (see handle_sys_exit): that
	 * wait ends now. Else, at the call's first time off the CPU, its
	 * run-queue time starts to count.
	 */
	if (t->sys.switched_out_ns)
		end_off_cpu_wait(&t->sys, now);
	else if (!t->sys.off_cpu_ns)
		t->sys.run_queue_ns = t->sched.run_queue_total_ns;
	t->sys.switched_out_ns = now;
	/* It may sleep long: its counts go out now, not when it wakes. */
	if (t->zero.held)
		flush_zero_time_calls(&t->zero, prev->tgid);
	return 0;
}

/* Off-CPU timing only: a sync call's entry, so that its time on the CPU counts too. */
static __always_inline int note_sync_entry(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct thread_state *t;

	if (!traced_thread(task, exclude_tgid))
		return 0;
	t = thread_state_of(task);
	if (!t) {
		count_drop(DROP_START_MAP_FULL);
		return 0;
	}
	t->sys.start_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fsync")
int handle_fsync_entry(void *ctx) { return note_sync_entry(); }
SEC("tracepoint/syscalls/sys_enter_fdatasync")
int handle_fdatasync_entry(void *ctx) { return note_sync_entry(); }
SEC("tracepoint/syscalls/sys_enter_sync_file_range")
int handle_sync_file_range_entry(void *ctx) { return note_sync_entry(); }
SEC("tracepoint/syscalls/sys_enter_syncfs")
int handle_syncfs_entry(void *ctx) { return note_sync_entry(); }
SEC("tracepoint/syscalls/sys_enter_sync")
int handle_sync_entry(void *ctx) { return note_sync_entry(); }
SEC("tracepoint/syscalls/sys_enter_msync")
int handle_msync_entry(void *ctx) { return note_sync_entry(); }

SEC("tp_btf/sys_enter")
int BPF_PROG(handle_sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct thread_state *t;

	if (pid_tgid >> 32 == exclude_tgid)
		return 0;
	t = thread_state_of(bpf_get_current_task_btf());
	if (!t) {
		count_drop(DROP_START_MAP_FULL);
		return 0;
	}
	if (t->run.syscall_nr != id && t->run.syscall_nr != NO_SYSCALL)
		flush_run(&t->run, pid_tgid >> 32);
	t->sys.syscall_nr = id;
	t->sys.args[0] = PT_REGS_PARM1_SYSCALL(regs);
	t->sys.args[1] = PT_REGS_PARM2_SYSCALL(regs);
	t->sys.args[2] = PT_REGS_PARM3_SYSCALL(regs);
	t->sys.args[3] = PT_REGS_PARM4_SYSCALL(regs);
	t->sys.run_queue_ns = t->sched.run_queue_total_ns;
	t->sys.start_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit, struct pt_regs *regs, long ret)
{
	/*
	 * Off-CPU timing reads no clock for a call that stayed on the CPU: its
	 * runs age in jiffies (a tick rate unknown counts as 1000 a second, so a
	 * run goes out at most 20 ticks late).
	 */
	__u64 now = off_cpu_timing ? bpf_jiffies64() : bpf_ktime_get_ns();
	__u64 run_flush_age = off_cpu_timing ? ((CONFIG_HZ ?: 1000) * (RUN_FLUSH_NS / 1000000) / 1000 ?: 1) : RUN_FLUSH_NS;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct task_struct *task = bpf_get_current_task_btf();
	struct syscall_hist_key key = {};
	struct slow_syscall_event *e;
	struct syscall_start *s;
	struct syscall_run *run;
	struct thread_state *t;
	__s32 stack_id = -1;
	__u32 bucket;
	__u64 dur;
	long nr;

	if (off_cpu_timing) {
		if (pid_tgid >> 32 == exclude_tgid)
			return 0;
		/* A thread's first call makes its state: it may never have left the CPU in one. */
		t = thread_state_of(task);
		if (!t) {
			count_drop(DROP_START_MAP_FULL);
			return 0;
		}
		s = &t->sys;
		nr = saved_syscall_nr(regs);
		if (nr < 0) {
			s->start_ns = 0;
			s->switched_out_ns = 0;
			s->off_cpu_ns = 0;
			return 0;
		}
		/*
		 * A thread can run again with no sched_switch naming it as next:
		 * on this kernel 1 to 14 of a test's 8,192 futex sleeps had no
		 * matching switch-in, for bpftrace on the same tracepoint too.
		 * Such a wait ends here, at the latest.
		 */
		if (s->switched_out_ns)
			end_off_cpu_wait(s, bpf_ktime_get_ns());
		s->syscall_nr = nr;
		s->args[0] = PT_REGS_PARM1_SYSCALL(regs);
		s->args[1] = PT_REGS_PARM2_SYSCALL(regs);
		s->args[2] = PT_REGS_PARM3_SYSCALL(regs);
		s->args[3] = PT_REGS_PARM4_SYSCALL(regs);
		/* A sync call noted at its entry is timed whole; any other call by its time off the CPU. */
		dur = s->start_ns ? bpf_ktime_get_ns() - s->start_ns : s->off_cpu_ns;
		s->start_ns = 0;
		s->off_cpu_ns = 0;
	} else {
		t = bpf_task_storage_get(&thread_state, task, 0, 0);
		if (!t || !t->sys.start_ns)
			return 0;
		s = &t->sys;
		dur = now - s->start_ns;
		s->start_ns = 0;
	}
	run = &t->run;
	key.tgid = pid_tgid >> 32;
	key.syscall_nr = s->syscall_nr;
	key.bucket = hist_bucket(dur);
	key.class_key = class_key_of(ctx, regs, task, s, ret, dur, &stack_id);

	/* -4095..-1 is an errno; larger negative values are addresses (mmap). */
	if (ret < 0 && ret >= -4095)
		count_error(key.tgid, key.syscall_nr, -ret);
	if (is_memory_call(key.syscall_nr) && memory_calls_on)
		count_memory_call(regs, key.syscall_nr, ret);

	bucket = key.bucket;
	if (run->syscall_nr != NO_SYSCALL &&
	    (run->syscall_nr != key.syscall_nr || run->class_key != key.class_key || bucket >= FAST_BUCKETS ||
	     now - run->started_ns >= run_flush_age))
		flush_run(run, key.tgid);
	if (off_cpu_timing && !dur && !(key.class_key & CLASS_KEY_PENDING_STACK)) {
		count_zero_time_call(&t->zero, &key, now, run_flush_age);
	} else if (bucket < FAST_BUCKETS && !(key.class_key & CLASS_KEY_PENDING_STACK) &&
		   (run->syscall_nr != NO_SYSCALL || s->last_nr == key.syscall_nr)) {
		if (run->syscall_nr == NO_SYSCALL) {
			run->syscall_nr = key.syscall_nr;
			run->class_key = key.class_key;
			run->started_ns = now;
		}
		barrier_var(bucket); /* keep the mask: the verifier needs it */
		bucket &= FAST_SLOTS - 1;
		run->count[bucket] += 1;
		run->sum_ns[bucket] += dur;
		if (dur > run->max_ns[bucket])
			run->max_ns[bucket] = dur;
	} else {
		count_call(&key, 1, dur, dur);
	}
	s->last_nr = key.syscall_nr;

	if (dur < slow_threshold_ns)
		return 0;
	if (!slow_events_for_idle && !(key.class_key & CLASS_KEY_PENDING_STACK) &&
	    (key.class_key & 0xff) == WAIT_IDLE)
		return 0;
	e = bpf_ringbuf_reserve(&slow_events, sizeof(*e), 0);
	if (!e) {
		count_drop(DROP_RINGBUF_FULL);
		return 0;
	}
	e->tgid = key.tgid;
	e->tid = (__u32)pid_tgid;
	e->syscall_nr = key.syscall_nr;
	e->class_key = key.class_key;
	__builtin_memcpy(e->args, s->args, sizeof(e->args));
	e->ret = ret;
	e->start_ns = (off_cpu_timing ? bpf_ktime_get_ns() : now) - dur;
	e->duration_ns = dur;
	e->run_queue_ns = t->sched.run_queue_total_ns - s->run_queue_ns;
	e->stack_id = stack_id;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* A thread that exits mid-run (killed, or exit without a syscall of its own) flushes it, and its calls that took no time. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_thread_exit, struct task_struct *task)
{
	struct thread_state *t = bpf_task_storage_get(&thread_state, task, 0, 0);

	if (t && t->run.syscall_nr != NO_SYSCALL)
		flush_run(&t->run, task->tgid);
	if (t && t->zero.held)
		flush_zero_time_calls(&t->zero, task->tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
