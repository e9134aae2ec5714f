// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The least a tracer that counts every syscall attaches: one tp_btf program on
 * sys_exit, returning at once. What a traced service loses with it is the
 * syscall tracepoint's slow path plus one program trampoline per call.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tp_btf/sys_exit")
int empty_sys_exit(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
