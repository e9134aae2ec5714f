// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The two clock reads that timing a syscall takes, and nothing else: the
 * monotonic clock at sys_enter and at sys_exit, each kept in a global so the
 * read is not optimized away. No storage per thread, no bucket, no count. What
 * a traced syscall costs with these attached, above the empty programs, is the
 * least any tracer that measures every call's duration can add.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

volatile __u64 last_read_ns;

SEC("tp_btf/sys_enter")
int clock_sys_enter(void *ctx)
{
	last_read_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int clock_sys_exit(void *ctx)
{
	last_read_ns = bpf_ktime_get_ns();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
