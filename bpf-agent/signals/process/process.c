// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The process signal's loader part: lifecycle events from a ring buffer. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "loader.h"
#include "process.h"
#include "process.skel.h"

static struct process_bpf *skel;

static int on_event(void *ctx, void *data, size_t size)
{
	struct process_event_record rec;

	memcpy(&rec.event, data, sizeof(rec.event));
	/* Ring buffer space is reused, not cleared: past args_size it holds an
	 * earlier record's bytes (another command line), which stay off the pipe. */
	if (rec.event.args_size > sizeof(rec.event.args))
		rec.event.args_size = sizeof(rec.event.args);
	memset(rec.event.args + rec.event.args_size, 0, sizeof(rec.event.args) - rec.event.args_size);
	emit(&rec, RECORD_PROCESS_EVENT, sizeof(rec));
	return 0;
}

static int start(struct ring_buffer **rb)
{
	skel = process_bpf__open();
	if (!skel) {
		LOG("cannot open the process BPF object: %s", strerror(errno));
		return -1;
	}
	skel->rodata->exclude_tgid = getpid();
	if (process_bpf__load(skel)) {
		LOG("cannot load the process BPF programs: %s", strerror(errno));
		return -1;
	}
	if (attach_all(skel->skeleton))
		return -1;
	return add_ring_buffer(rb, skel->maps.process_events, on_event);
}

static void add_signal_drops(__u64 drops[DROP_REASON_COUNT])
{
	add_drops(skel->maps.drops, drops);
}

static void destroy(void)
{
	process_bpf__destroy(skel);
	skel = NULL;
}

const struct signal process_signal = {
	.name = "process",
	.bit = SIGNAL_PROCESS,
	.start = start,
	.add_drops = add_signal_drops,
	.destroy = destroy,
};
