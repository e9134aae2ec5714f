/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* log2 latency buckets and drop counters shared by the signals' BPF programs. */
#ifndef STALLSCOPE_HIST_BPF_H
#define STALLSCOPE_HIST_BPF_H

/* No errno.h for BPF programs. */
#define EEXIST 17

/* Per-CPU drop counters; every signal's object has its own, the loader sums them. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROP_REASON_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drop(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &reason);

	if (n)
		*n += 1; /* per-CPU slot: no atomics needed */
}

/* floor(log2(v)) with shifts, as libbpf-tools' bits.bpf.h. */
static __always_inline __u64 log2_32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 log2_64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_32(hi) + 32 : log2_32(v);
}

/* Bucket 0: 0..1 ns; bucket b >= 1: (2^(b-1), 2^b] ns (see records.h). */
static __always_inline __u32 hist_bucket(__u64 dur)
{
	__u64 b;

	if (dur <= 1)
		return 0;
	b = log2_64(dur - 1) + 1;
	return b > MAX_HIST_BUCKET ? MAX_HIST_BUCKET : b;
}

/* The value of key in a histogram map, inserted as zero when new. */
static __always_inline struct syscall_hist_value *hist_value(void *map, void *key)
{
	static const struct syscall_hist_value zero;
	struct syscall_hist_value *v;
	long err;

	v = bpf_map_lookup_elem(map, key);
	if (v)
		return v;
	/* Another CPU may insert the same key first: then use its entry. */
	err = bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return NULL;
	return bpf_map_lookup_elem(map, key);
}

static __always_inline void hist_add_n(struct syscall_hist_value *v, __u64 count, __u64 sum_ns, __u64 max_ns)
{
	__sync_fetch_and_add(&v->count, count);
	__sync_fetch_and_add(&v->sum_ns, sum_ns);
	if (max_ns > v->max_ns)
		v->max_ns = max_ns; /* racy: a concurrent larger value may be lost */
}

static __always_inline void hist_add(struct syscall_hist_value *v, __u64 dur)
{
	hist_add_n(v, 1, dur, dur);
}

#endif /* STALLSCOPE_HIST_BPF_H */
