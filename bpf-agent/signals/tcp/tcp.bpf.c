// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TCP trouble per process, as tcpconnlat, tcpretrans and tcpdrop look at it:
 * connect latency (SYN_SENT -> ESTABLISHED) into per (tgid, peer port class,
 * log2 bucket) counters; retransmitted segments, resets and failed connects
 * into per (tgid, kind, peer port class) counters; and, through a ring buffer
 * bounded per second, one event per notable connection at its close.
 *
 * Retransmits, resets and most state changes run in softirq context, where the
 * current task is anyone. So a socket's owner is taken where it surely runs:
 * connect() (-> SYN_SENT), listen() (-> LISTEN) and sendmsg (accepted sockets),
 * and kept in the socket's own storage: sendmsg runs on every send, and a
 * socket-local lookup costs a fraction of a hash lookup by address; it is freed
 * with the socket, so no entry outlives its socket or needs an LRU bound.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "hist.bpf.h"
#include "tcp.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define NS_PER_SEC 1000000000ULL

const volatile __u64 max_events_per_sec = TCP_EVENTS_PER_SEC;
/* Set by the loader: ports of 1024 and above that are their own class. */
const volatile __u8 classed_ports[TCP_PORT_BITMAP_BYTES] = {};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tcp_sock_info);
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCP_COUNT_ENTRIES);
	__type(key, struct tcp_count_key);
	__type(value, __u64);
} tcp_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCP_HIST_ENTRIES);
	__type(key, struct tcp_connect_hist_key);
	__type(value, struct syscall_hist_value);
} tcp_connect_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TCP_RINGBUF_BYTES);
} tcp_events SEC(".maps");

/* Events sent in the current one-second window, host-wide. */
struct event_window {
	__u64 start_ns;
	__u64 sent;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event_window);
} event_window SEC(".maps");

static __always_inline __u32 port_class(__u16 port)
{
	if (port < 1024 || (classed_ports[port >> 3] & (1 << (port & 7))))
		return port;
	return TCP_PORT_CLASS_OTHER;
}

static __always_inline __u32 peer_port_class(const struct sock *sk)
{
	return port_class(bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)));
}

static __always_inline struct tcp_sock_info *sock_info(const struct sock *sk)
{
	return bpf_sk_storage_get(&socks, (void *)sk, NULL, 0);
}

static __always_inline void count(__u32 tgid, __u32 kind, __u32 port_class, __u64 n)
{
	struct tcp_count_key key = { .tgid = tgid, .kind = kind, .port_class = port_class };
	static const __u64 zero;
	__u64 *v;
	long err;

	v = bpf_map_lookup_elem(&tcp_counts, &key);
	if (!v) {
		err = bpf_map_update_elem(&tcp_counts, &key, &zero, BPF_NOEXIST);
		v = err && err != -EEXIST ? NULL : bpf_map_lookup_elem(&tcp_counts, &key);
	}
	if (v)
		__sync_fetch_and_add(v, n);
	else
		count_drop(DROP_TCP_MAP_FULL);
}

/* Remembers the current task as the socket's owner; keeps an owner already known. */
static __always_inline struct tcp_sock_info *own(const struct sock *sk, __u64 syn_sent_ns)
{
	struct tcp_sock_info info = {
		.syn_sent_ns = syn_sent_ns,
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.port_class = peer_port_class(sk),
	};
	struct tcp_sock_info *stored;

	bpf_get_current_comm(&info.comm, sizeof(info.comm));
	/* Made with info when new; connect() and listen() start the socket's life here: they replace it. */
	stored = bpf_sk_storage_get(&socks, (void *)sk, &info, BPF_SK_STORAGE_GET_F_CREATE);
	if (stored && syn_sent_ns)
		*stored = info;
	return stored;
}

/* One more event in this second's window, or a drop. */
static __always_inline bool event_allowed(__u64 now)
{
	__u32 zero = 0;
	struct event_window *w = bpf_map_lookup_elem(&event_window, &zero);

	if (!w)
		return false;
	/* Racy across CPUs: a window may admit a few extra events, never many. */
	if (now - w->start_ns >= NS_PER_SEC) {
		w->start_ns = now;
		w->sent = 0;
	}
	if (__sync_fetch_and_add(&w->sent, 1) < max_events_per_sec)
		return true;
	count_drop(DROP_TCP_EVENT_RATE);
	return false;
}

static __always_inline void emit_connection(const struct sock *sk, struct tcp_sock_info *info, int state, __u64 now)
{
	struct tcp_connection_event *e;

	if (!event_allowed(now))
		return;
	e = bpf_ringbuf_reserve(&tcp_events, sizeof(*e), 0);
	if (!e) {
		count_drop(DROP_TCP_RINGBUF_FULL);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->tgid = info->tgid;
	e->flags = info->flags | (info->retransmits ? TCP_CONN_RETRANSMITS : 0);
	e->close_ns = now;
	e->connect_ns = info->connect_ns;
	e->retransmits = info->retransmits;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num) ?: info->local_port;
	e->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->last_state = state;
	if (e->family == AF_INET6) {
		BPF_CORE_READ_INTO(&e->local_addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->peer_addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		BPF_CORE_READ_INTO((__u32 *)e->local_addr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->peer_addr, sk, __sk_common.skc_daddr);
	}
	__builtin_memcpy(e->comm, info->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void connected(const struct sock *sk, struct tcp_sock_info *info, __u64 now)
{
	struct tcp_connect_hist_key key = { .tgid = info->tgid, .port_class = info->port_class };
	struct syscall_hist_value *v;

	info->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (!info->syn_sent_ns)
		return;
	info->connect_ns = now - info->syn_sent_ns;
	key.bucket = hist_bucket(info->connect_ns);
	v = hist_value(&tcp_connect_hist, &key);
	if (v)
		hist_add(v, info->connect_ns);
	else
		count_drop(DROP_TCP_MAP_FULL);
}

static __always_inline void closed(const struct sock *sk, struct tcp_sock_info *info, int oldstate, __u64 now)
{
	__u32 kind;

	if (oldstate == TCP_SYN_SENT) {
		kind = (info->flags & TCP_CONN_RESET_RECEIVED) ? TCP_CONNECT_REFUSED : TCP_CONNECT_UNANSWERED;
		info->flags |= TCP_CONN_CONNECT_FAILED | (kind == TCP_CONNECT_REFUSED ? TCP_CONN_REFUSED : 0);
		count(info->tgid, kind, info->port_class, 1);
	}
	if (info->flags || info->retransmits)
		emit_connection(sk, info, oldstate, now);
	/* A closed socket may connect again: it starts afresh. */
	bpf_sk_storage_delete(&socks, (void *)sk);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 now = bpf_ktime_get_ns();
	struct tcp_sock_info *info;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	/* connect() and listen() run in the owner's context. */
	if (newstate == TCP_SYN_SENT) {
		own(sk, now);
		return 0;
	}
	if (newstate == TCP_LISTEN) {
		own(sk, 0);
		return 0;
	}
	info = sock_info(sk);
	if (!info)
		return 0;
	if (oldstate == TCP_SYN_SENT && newstate == TCP_ESTABLISHED)
		connected(sk, info, now);
	else if (newstate == TCP_CLOSE)
		closed(sk, info, oldstate, now);
	return 0;
}

/* An accepted socket's owner is first seen when it sends. */
SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(handle_sendmsg, const struct sock *sk)
{
	if (!sock_info(sk))
		own(sk, 0);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(handle_retransmit, const struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_skb_cb *cb = (struct tcp_skb_cb *)&skb->cb[0];
	struct tcp_sock_info *info;
	__u32 segs;

	/* Since 6.13 failed attempts fire too, with err; RetransSegs counts only what went out. */
	if (bpf_core_field_exists(struct trace_event_raw_tcp_retransmit_skb, err) && ctx[2] != 0)
		return 0;
	segs = BPF_CORE_READ(cb, tcp_gso_segs);
	if (!segs)
		segs = 1;
	info = sock_info(sk);
	if (info)
		info->retransmits += segs;
	count(info ? info->tgid : 0, TCP_RETRANSMIT, peer_port_class(sk), segs);
	return 0;
}

/* A lost SYN-ACK: the listener's. */
SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(handle_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	struct tcp_sock_info *info = sock_info(sk);

	count(info ? info->tgid : 0, TCP_RETRANSMIT, port_class(bpf_ntohs(BPF_CORE_READ(req, __req_common.skc_dport))), 1);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(handle_receive_reset, struct sock *sk)
{
	struct tcp_sock_info *info = sock_info(sk);

	if (info) {
		info->flags |= TCP_CONN_RESET_RECEIVED;
		info->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	}
	count(info ? info->tgid : 0, TCP_RESET_RECEIVED, peer_port_class(sk), 1);
	return 0;
}

/*
 * sk may be NULL (a segment for no socket), a request or time-wait socket, or
 * a full one; skb is the segment answered, NULL for a reset the socket's side
 * decided (an abort). The peer's port is the segment's source, else the socket's.
 */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(handle_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock_info *info = sk ? sock_info(sk) : NULL;
	struct tcphdr th = {};
	__u16 peer_port = 0;

	if (skb) {
		bpf_probe_read_kernel(&th, sizeof(th), BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, transport_header));
		peer_port = bpf_ntohs(th.source);
	} else if (sk) {
		peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	}
	if (info)
		info->flags |= TCP_CONN_RESET_SENT;
	count(info ? info->tgid : 0, TCP_RESET_SENT, port_class(peer_port), 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
