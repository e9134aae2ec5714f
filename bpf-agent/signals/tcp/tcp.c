// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tcp signal's loader part: counters and connect latency each snapshot, notable connections as they close. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "tcp.h"
#include "tcp.skel.h"

static struct tcp_bpf *skel;
static struct tcp_count_key *count_keys; /* TCP_COUNT_ENTRIES slots */
static struct tcp_connect_hist_key *hist_keys; /* TCP_HIST_ENTRIES slots */

static int on_event(void *ctx, void *data, size_t size)
{
	struct tcp_connection_record rec;

	memcpy(&rec.event, data, sizeof(rec.event));
	emit(&rec, RECORD_TCP_CONNECTION, sizeof(rec));
	return 0;
}

static int start(struct ring_buffer **rb)
{
	count_keys = calloc(TCP_COUNT_ENTRIES, sizeof(*count_keys));
	hist_keys = calloc(TCP_HIST_ENTRIES, sizeof(*hist_keys));
	skel = tcp_bpf__open();
	if (!count_keys || !hist_keys || !skel) {
		LOG("cannot open the tcp BPF object: %s", strerror(errno));
		return -1;
	}
	skel->rodata->max_events_per_sec = opt.tcp_events_per_sec;
	memcpy((void *)skel->rodata->classed_ports, opt.tcp_classed_ports, sizeof(opt.tcp_classed_ports));
	if (tcp_bpf__load(skel)) {
		LOG("cannot load the tcp BPF programs: %s", strerror(errno));
		return -1;
	}
	if (attach_all(skel->skeleton))
		return -1;
	return add_ring_buffer(rb, skel->maps.tcp_events, on_event);
}

/* Cumulative counters, one record per entry; exited processes' entries go after. */
static void snapshot_counts(void)
{
	int fd = bpf_map__fd(skel->maps.tcp_counts);
	struct tcp_count_record rec = {};
	size_t n = 0, i;

	while (n < TCP_COUNT_ENTRIES && !bpf_map_get_next_key(fd, n ? &count_keys[n - 1] : NULL, &count_keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		/* tgid 0 holds the sockets of no known owner: never gone. */
		int dead = count_keys[i].tgid && process_gone(count_keys[i].tgid);

		if (bpf_map_lookup_elem(fd, &count_keys[i], &rec.count))
			continue;
		rec.key = count_keys[i];
		emit(&rec, RECORD_TCP_COUNT, sizeof(rec));
		if (dead)
			bpf_map_delete_elem(fd, &count_keys[i]);
	}
}

static void snapshot(void)
{
	int fd = bpf_map__fd(skel->maps.tcp_connect_hist);
	struct tcp_connect_hist_record rec = {};
	size_t n = 0, i;

	while (n < TCP_HIST_ENTRIES && !bpf_map_get_next_key(fd, n ? &hist_keys[n - 1] : NULL, &hist_keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		int dead = process_gone(hist_keys[i].tgid);

		if (bpf_map_lookup_elem(fd, &hist_keys[i], &rec.value))
			continue;
		rec.key = hist_keys[i];
		emit(&rec, RECORD_TCP_CONNECT_HIST, sizeof(rec));
		if (dead)
			bpf_map_delete_elem(fd, &hist_keys[i]);
	}
	snapshot_counts();
}

static void add_signal_drops(__u64 drops[DROP_REASON_COUNT])
{
	add_drops(skel->maps.drops, drops);
}

static void destroy(void)
{
	tcp_bpf__destroy(skel);
	skel = NULL;
	free(count_keys);
	count_keys = NULL;
	free(hist_keys);
	hist_keys = NULL;
}

const struct signal tcp_signal = {
	.name = "tcp",
	.bit = SIGNAL_TCP,
	.start = start,
	.snapshot = snapshot,
	.add_drops = add_signal_drops,
	.destroy = destroy,
};
