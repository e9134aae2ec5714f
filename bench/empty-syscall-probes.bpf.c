// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor of raw_syscalls tracing: the same two tp_btf hooks as the syscalls
 * signal, returning at once. What a traced syscall costs with these attached
 * is the tracepoint slow path plus the program trampolines, which any
 * raw_syscalls tracer pays; stallscope's own work is what it costs above this.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tp_btf/sys_enter")
int empty_sys_enter(void *ctx)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int empty_sys_exit(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
