/* SPDX-License-Identifier: Apache-2.0 */
/* Prints the layout of loader/records.h as one JSON object for loader-records.test.ts. */
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "records.h"

static int first = 1;

static void put(const char *name, long long value)
{
	printf("%s\"%s\":%lld", first ? "{" : ",", name, value);
	first = 0;
}

#define SIZE(s) put(#s, sizeof(struct s))
#define OFF(s, f) put(#s "." #f, offsetof(struct s, f))
#define VAL(c) put(#c, c)

int main(void)
{
	SIZE(record_header);
	OFF(record_header, type);
	OFF(record_header, version);
	OFF(record_header, size);

	SIZE(hello_record);
	OFF(hello_record, loader_pid);
	OFF(hello_record, interval_ms);
	OFF(hello_record, monotonic_ns);
	OFF(hello_record, realtime_ns);
	OFF(hello_record, slow_threshold_ns);
	OFF(hello_record, max_hist_entries);
	OFF(hello_record, signals);

	SIZE(syscall_hist_record);
	OFF(syscall_hist_record, key.tgid);
	OFF(syscall_hist_record, key.syscall_nr);
	OFF(syscall_hist_record, key.bucket);
	OFF(syscall_hist_record, key.class_key);
	OFF(syscall_hist_record, value.count);
	OFF(syscall_hist_record, value.sum_ns);
	OFF(syscall_hist_record, value.max_ns);

	SIZE(snapshot_end_record);
	OFF(snapshot_end_record, monotonic_ns);
	OFF(snapshot_end_record, realtime_ns);
	OFF(snapshot_end_record, drops);

	SIZE(slow_syscall_record);
	OFF(slow_syscall_record, event.tgid);
	OFF(slow_syscall_record, event.tid);
	OFF(slow_syscall_record, event.syscall_nr);
	OFF(slow_syscall_record, event.class_key);
	OFF(slow_syscall_record, event.args);
	OFF(slow_syscall_record, event.ret);
	OFF(slow_syscall_record, event.start_ns);
	OFF(slow_syscall_record, event.duration_ns);
	OFF(slow_syscall_record, event.run_queue_ns);
	OFF(slow_syscall_record, event.stack_id);
	OFF(slow_syscall_record, event.comm);

	SIZE(syscall_errors_record);
	OFF(syscall_errors_record, key.tgid);
	OFF(syscall_errors_record, key.syscall_nr);
	OFF(syscall_errors_record, key.errno_value);
	OFF(syscall_errors_record, count);

	SIZE(stack_trace_record);
	OFF(stack_trace_record, stack_id);
	OFF(stack_trace_record, depth);
	OFF(stack_trace_record, ips);

	SIZE(offcpu_stack_record);
	OFF(offcpu_stack_record, key.tgid);
	OFF(offcpu_stack_record, key.state);
	OFF(offcpu_stack_record, key.kernel_stack);
	OFF(offcpu_stack_record, key.user_stack);
	OFF(offcpu_stack_record, value.off_cpu_ns);
	OFF(offcpu_stack_record, value.count);

	SIZE(stacks_reset_record);

	SIZE(cpu_stack_record);
	OFF(cpu_stack_record, key.tgid);
	OFF(cpu_stack_record, key.kernel_stack);
	OFF(cpu_stack_record, key.user_stack);
	OFF(cpu_stack_record, samples);

	SIZE(user_stack_record);
	OFF(user_stack_record, stack_id);
	OFF(user_stack_record, tgid);
	OFF(user_stack_record, syscall_nr);
	OFF(user_stack_record, depth);
	OFF(user_stack_record, ips);
	OFF(user_stack_record, leaf_return);

	SIZE(offcpu_hist_record);
	OFF(offcpu_hist_record, key.tgid);
	OFF(offcpu_hist_record, key.state);
	OFF(offcpu_hist_record, key.bucket);
	OFF(offcpu_hist_record, value.count);
	OFF(offcpu_hist_record, value.sum_ns);
	OFF(offcpu_hist_record, value.max_ns);

	SIZE(process_event_record);
	OFF(process_event_record, event.kind);
	OFF(process_event_record, event.tgid);
	OFF(process_event_record, event.parent_tgid);
	OFF(process_event_record, event.args_size);
	OFF(process_event_record, event.time_ns);
	OFF(process_event_record, event.comm);
	OFF(process_event_record, event.filename);
	OFF(process_event_record, event.args);

	SIZE(tcp_count_record);
	OFF(tcp_count_record, key.tgid);
	OFF(tcp_count_record, key.kind);
	OFF(tcp_count_record, key.port_class);
	OFF(tcp_count_record, count);

	SIZE(tcp_connect_hist_record);
	OFF(tcp_connect_hist_record, key.tgid);
	OFF(tcp_connect_hist_record, key.port_class);
	OFF(tcp_connect_hist_record, key.bucket);
	OFF(tcp_connect_hist_record, value.count);
	OFF(tcp_connect_hist_record, value.sum_ns);
	OFF(tcp_connect_hist_record, value.max_ns);

	SIZE(tcp_connection_record);
	OFF(tcp_connection_record, event.tgid);
	OFF(tcp_connection_record, event.flags);
	OFF(tcp_connection_record, event.close_ns);
	OFF(tcp_connection_record, event.connect_ns);
	OFF(tcp_connection_record, event.retransmits);
	OFF(tcp_connection_record, event.family);
	OFF(tcp_connection_record, event.local_port);
	OFF(tcp_connection_record, event.peer_port);
	OFF(tcp_connection_record, event.last_state);
	OFF(tcp_connection_record, event.local_addr);
	OFF(tcp_connection_record, event.peer_addr);
	OFF(tcp_connection_record, event.comm);

	VAL(RECORD_ABI_VERSION);
	VAL(TASK_COMM_LEN);
	VAL(SLOW_SYSCALL_ARGS);
	VAL(MAX_SYSCALL_NR);
	VAL(MAX_HIST_BUCKET);
	VAL(MAX_STACK_DEPTH);
	VAL(PROCESS_FILENAME_LEN);
	VAL(PROCESS_ARGS_LEN);
	VAL(CLASS_RULE_SHIFT);
	VAL(CLASS_KEY_PENDING_STACK);
	VAL(FD_RULE_BASE);
	VAL(PROCESS_EXIT_RULE);
	VAL(STACK_RULE_BASE);
	VAL(CLASSIFY_BY_FD);
	VAL(CLASSIFY_BY_STACK);
	VAL(CLASSIFY_BY_OPENED_FD);
	VAL(WAIT_OTHER);
	VAL(WAIT_IDLE);
	VAL(WAIT_LOCK);
	VAL(WAIT_DISK);
	VAL(WAIT_NETWORK);
	VAL(WAIT_IPC);
	VAL(WAIT_RUN_QUEUE);
	VAL(FD_KIND_SOCKET);
	VAL(FD_KIND_FILE);
	VAL(FD_KIND_PIPE);
	VAL(FD_KIND_CHAR);
	VAL(FD_KIND_ANON);
	VAL(FD_KIND_OTHER);
	VAL(FD_KIND_COUNT);
	VAL(OFFCPU_RUN_QUEUE);
	VAL(OFFCPU_SLEEP);
	VAL(OFFCPU_UNINTERRUPTIBLE);
	VAL(SIGNAL_SYSCALLS);
	VAL(SIGNAL_OFFCPU);
	VAL(SIGNAL_PROCESS);
	VAL(SIGNAL_TCP);
	VAL(SIGNAL_PROFILE);
	VAL(RECORD_CPU_STACK);
	VAL(RECORD_CPU_STACK_TRACE);
	VAL(RECORD_CPU_STACKS_RESET);
	VAL(TCP_RETRANSMIT);
	VAL(TCP_RESET_RECEIVED);
	VAL(TCP_RESET_SENT);
	VAL(TCP_CONNECT_REFUSED);
	VAL(TCP_CONNECT_UNANSWERED);
	VAL(TCP_PORT_CLASS_OTHER);
	VAL(TCP_CONN_CONNECT_FAILED);
	VAL(TCP_CONN_REFUSED);
	VAL(TCP_CONN_RESET_RECEIVED);
	VAL(TCP_CONN_RESET_SENT);
	VAL(TCP_CONN_RETRANSMITS);
	VAL(RECORD_TCP_COUNT);
	VAL(RECORD_TCP_CONNECT_HIST);
	VAL(RECORD_TCP_CONNECTION);
	VAL(PROCESS_EXEC);
	VAL(PROCESS_FORK);
	VAL(PROCESS_EXIT);
	VAL(RECORD_USER_STACK);
	VAL(RECORD_OFFCPU_HIST);
	VAL(RECORD_PROCESS_EVENT);
	VAL(RECORD_SYSCALL_ERRORS);
	VAL(RECORD_STACK_TRACE);
	VAL(RECORD_OFFCPU_STACK);
	VAL(RECORD_STACKS_RESET);
	VAL(RECORD_HELLO);
	VAL(RECORD_SYSCALL_HIST);
	VAL(RECORD_SNAPSHOT_END);
	VAL(RECORD_SLOW_SYSCALL);
	VAL(DROP_HIST_MAP_FULL);
	VAL(DROP_START_MAP_FULL);
	VAL(DROP_RINGBUF_FULL);
	VAL(DROP_STACK_MAP_FULL);
	VAL(DROP_OFFCPU_MAP_FULL);
	VAL(DROP_PROCESS_RINGBUF_FULL);
	VAL(DROP_ERROR_MAP_FULL);
	VAL(DROP_OFFCPU_STACK_FULL);
	VAL(DROP_TCP_MAP_FULL);
	VAL(DROP_TCP_EVENT_RATE);
	VAL(DROP_TCP_RINGBUF_FULL);
	VAL(DROP_PROFILE_FULL);
	VAL(DROP_REASON_COUNT);
	SIZE(go_hist_record);
	OFF(go_hist_record, key.tgid);
	OFF(go_hist_record, key.kind);
	OFF(go_hist_record, key.reason);
	OFF(go_hist_record, key.bucket);
	OFF(go_hist_record, value.count);
	OFF(go_hist_record, value.sum_ns);
	OFF(go_hist_record, value.max_ns);
	SIZE(go_counts_record);
	OFF(go_counts_record, tgid);
	OFF(go_counts_record, value.created);
	OFF(go_counts_record, value.exited);
	SIZE(go_park_stack_record);
	OFF(go_park_stack_record, key.tgid);
	OFF(go_park_stack_record, key.reason);
	OFF(go_park_stack_record, key.user_stack);
	OFF(go_park_stack_record, value.parked_ns);
	OFF(go_park_stack_record, value.count);
	VAL(GO_HIST_STW_PAUSE);
	VAL(GO_HIST_PARK);
	VAL(GO_PROBE_STW_STOP);
	VAL(GO_PROBE_STW_START);
	VAL(GO_PROBE_NEWPROC);
	VAL(GO_PROBE_GOEXIT);
	VAL(GO_PROBE_PARK);
	VAL(GO_PROBE_EXECUTE);
	VAL(GO_PROBE_COUNT);
	VAL(RECORD_GO_HIST);
	VAL(RECORD_GO_COUNTS);
	VAL(RECORD_GO_PARK_STACK);
	VAL(RECORD_GO_STACK_TRACE);
	VAL(RECORD_GO_STACKS_RESET);
	VAL(DROP_GO_MAP_FULL);
	VAL(DROP_GO_STACK_FULL);
	VAL(SIGNAL_GORUNTIME);
	VAL(GO_MAX_BINARIES);
	SIZE(memory_sample_record);
	OFF(memory_sample_record, key.tgid);
	OFF(memory_sample_record, key.slot);
	OFF(memory_sample_record, value.faults);
	OFF(memory_sample_record, value.mmap_bytes);
	OFF(memory_sample_record, value.munmap_bytes);
	OFF(memory_sample_record, value.brk_bytes);
	OFF(memory_sample_record, value.mmap_calls);
	OFF(memory_sample_record, value.munmap_calls);
	OFF(memory_sample_record, value.brk_calls);
	SIZE(oom_victim_record);
	OFF(oom_victim_record, event.tgid);
	OFF(oom_victim_record, event.trigger_tgid);
	OFF(oom_victim_record, event.time_ns);
	OFF(oom_victim_record, event.total_vm_kib);
	OFF(oom_victim_record, event.anon_rss_kib);
	OFF(oom_victim_record, event.file_rss_kib);
	OFF(oom_victim_record, event.shmem_rss_kib);
	OFF(oom_victim_record, event.pgtables_kib);
	OFF(oom_victim_record, event.uid);
	OFF(oom_victim_record, event.oom_score_adj);
	OFF(oom_victim_record, event.comm);
	VAL(RECORD_MEMORY_SAMPLE);
	VAL(RECORD_OOM_VICTIM);
	VAL(DROP_MEMORY_MAP_FULL);
	VAL(DROP_MEMORY_RINGBUF_FULL);
	VAL(SIGNAL_MEMORY);
	VAL(MEMORY_SLOT_NS);
	puts("}");
	return 0;
}
