// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The memory signal's loader part: ended sample slots each snapshot, OOM kills as they happen. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "memory.h"
#include "memory.skel.h"

static struct memory_bpf *skel;
static struct memory_sample_key *keys; /* MEMORY_SAMPLE_ENTRIES slots */

static int on_event(void *ctx, void *data, size_t size)
{
	struct oom_victim_record rec;

	memcpy(&rec.event, data, sizeof(rec.event));
	emit(&rec, RECORD_OOM_VICTIM, sizeof(rec));
	return 0;
}

static int start(struct ring_buffer **rb)
{
	keys = calloc(MEMORY_SAMPLE_ENTRIES, sizeof(*keys));
	skel = memory_bpf__open();
	if (!keys || !skel) {
		LOG("cannot open the memory BPF object: %s", strerror(errno));
		return -1;
	}
	skel->rodata->mmap_nr = SYS_mmap;
	skel->rodata->munmap_nr = SYS_munmap;
	skel->rodata->brk_nr = SYS_brk;
	if (memory_calls_offer.on) {
		/* The syscalls signal counts mmap, munmap and brk into these maps (memory-calls.bpf.h). */
		if (bpf_map__reuse_fd(skel->maps.memory_samples, memory_calls_offer.samples_fd) ||
		    bpf_map__reuse_fd(skel->maps.last_brk, memory_calls_offer.brk_fd)) {
			LOG("cannot share the syscalls signal's memory maps: %s", strerror(errno));
			return -1;
		}
		bpf_program__set_autoload(skel->progs.memory_sys_exit, false);
	}
	if (memory_bpf__load(skel)) {
		LOG("cannot load the memory BPF programs: %s", strerror(errno));
		return -1;
	}
	if (attach_all(skel->skeleton))
		return -1;
	if (add_ring_buffer(rb, skel->maps.oom_events, on_event))
		return -1;
	if (memory_calls_offer.on)
		*memory_calls_offer.on = 1;
	return 0;
}

/* Sends and deletes every slot that has ended; the current one is still being counted. */
static void snapshot(void)
{
	int fd = bpf_map__fd(skel->maps.memory_samples);
	struct memory_sample_record rec = {};
	struct timespec ts;
	__u64 current_slot;
	size_t n = 0, i;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns's clock */
	current_slot = (ts.tv_sec * 1000000000ULL + ts.tv_nsec) / MEMORY_SLOT_NS;
	while (n < MEMORY_SAMPLE_ENTRIES && !bpf_map_get_next_key(fd, n ? &keys[n - 1] : NULL, &keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		if (keys[i].slot >= current_slot || bpf_map_lookup_elem(fd, &keys[i], &rec.value))
			continue;
		rec.key = keys[i];
		emit(&rec, RECORD_MEMORY_SAMPLE, sizeof(rec));
		bpf_map_delete_elem(fd, &keys[i]);
	}
}

static void add_signal_drops(__u64 drops[DROP_REASON_COUNT])
{
	add_drops(skel->maps.drops, drops);
}

static void destroy(void)
{
	memory_bpf__destroy(skel);
	skel = NULL;
	free(keys);
	keys = NULL;
}

const struct signal memory_signal = {
	.name = "memory",
	.bit = SIGNAL_MEMORY,
	.start = start,
	.snapshot = snapshot,
	.add_drops = add_signal_drops,
	.destroy = destroy,
};
