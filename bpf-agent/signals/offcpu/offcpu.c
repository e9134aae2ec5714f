// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The offcpu signal's loader part: load, share the per-thread map, snapshot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "offcpu.h"
#include "offcpu.skel.h"

int thread_sched_map_fd = -1;

static struct offcpu_bpf *skel;
static struct offcpu_hist_key *keys; /* OFFCPU_MAP_ENTRIES slots */

static int start(struct ring_buffer **rb)
{
	keys = calloc(OFFCPU_MAP_ENTRIES, sizeof(*keys));
	skel = offcpu_bpf__open();
	if (!keys || !skel) {
		LOG("cannot open the offcpu BPF object: %s", strerror(errno));
		return -1;
	}
	skel->rodata->exclude_tgid = getpid();
	if (offcpu_bpf__load(skel)) {
		LOG("cannot load the offcpu BPF programs: %s", strerror(errno));
		return -1;
	}
	if (attach_all(skel->skeleton))
		return -1;
	thread_sched_map_fd = bpf_map__fd(skel->maps.thread_sched);
	return 0;
}

/* One OFFCPU_HIST record per entry (cumulative); exited processes' entries go after. */
static void snapshot(void)
{
	int fd = bpf_map__fd(skel->maps.offcpu_hist);
	struct offcpu_hist_record rec = {};
	size_t n = 0, i;

	while (n < OFFCPU_MAP_ENTRIES && !bpf_map_get_next_key(fd, n ? &keys[n - 1] : NULL, &keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		int dead = process_gone(keys[i].tgid);

		if (bpf_map_lookup_elem(fd, &keys[i], &rec.value))
			continue;
		rec.key = keys[i];
		emit(&rec, RECORD_OFFCPU_HIST, sizeof(rec));
		if (dead)
			bpf_map_delete_elem(fd, &keys[i]);
	}
}

static void add_signal_drops(__u64 drops[DROP_REASON_COUNT])
{
	add_drops(skel->maps.drops, drops);
}

static void destroy(void)
{
	offcpu_bpf__destroy(skel);
	skel = NULL;
	free(keys);
	keys = NULL;
	thread_sched_map_fd = -1;
}

const struct signal offcpu_signal = {
	.name = "offcpu",
	.bit = SIGNAL_OFFCPU,
	.start = start,
	.snapshot = snapshot,
	.add_drops = add_signal_drops,
	.destroy = destroy,
};
