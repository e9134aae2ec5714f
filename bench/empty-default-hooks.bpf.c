// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The hooks the agent's default signals run on every syscall, context switch,
 * wake-up and TCP send (syscalls, offcpu, tcp), each one empty program
 * returning at once: what any tracer keeping those signals pays before doing
 * any work of its own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tp_btf/sys_exit")
int empty_sys_exit(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int empty_sched_switch(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_wakeup")
int empty_sched_wakeup(void *ctx)
{
	return 0;
}

SEC("tp_btf/tcp_sendmsg_locked")
int empty_tcp_sendmsg_locked(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
