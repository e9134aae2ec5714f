import type { Store } from '@stallscope/store';
import { quantileFromScale0Buckets } from '../histogram/quantile.js';
import type { SliceCounts } from './slice-counts.js';
import type { LatencyStatistic, SloDefinition, ThresholdIndicator } from './slo-definition.js';
import { queryBlockedSlices, queryLatencySlices, type LatencySlice } from './sources/rollup-slices.js';
import { meets, type SliceRange } from './sources/slice-range.js';
import { querySpanMatchSlices, querySpanStatisticSlices } from './sources/span-slices.js';

const NS_PER_MS = 1e6;
const NS_PER_SECOND = 1e9;

const QUANTILE_OF: Readonly<Record<Exclude<LatencyStatistic, 'max'>, number>> = {
  p50: 0.5,
  p90: 0.9,
  p95: 0.95,
  p99: 0.99,
  p999: 0.999,
};

/** A slice's latency statistic in ms; quantiles interpolated inside a bucket never exceed the slice's max. */
function latencyMs(slice: LatencySlice, statistic: LatencyStatistic): number {
  if (statistic === 'max') return slice.maxNs / NS_PER_MS;
  const ns = quantileFromScale0Buckets(slice.histogram, QUANTILE_OF[statistic]);
  return (slice.maxNs > 0 ? Math.min(ns, slice.maxNs) : ns) / NS_PER_MS;
}

/** One slice as an event: good when its value meets the objective. */
function sliceEvent(startSeconds: number, value: number, indicator: ThresholdIndicator): SliceCounts {
  return { startSeconds, good: meets(value, indicator.op, indicator.value) ? 1 : 0, total: 1 };
}

async function thresholdSlices(client: Store['client'], indicator: ThresholdIndicator, slo: SloDefinition, range: SliceRange): Promise<SliceCounts[]> {
  const { source } = indicator;
  switch (source.signal) {
    case 'syscall.duration': {
      const slices = await queryLatencySlices(client, source, range);
      return slices.filter((slice) => slice.calls > 0).map((slice) => sliceEvent(slice.startSeconds, latencyMs(slice, source.statistic), indicator));
    }
    case 'wait.share': {
      const slices = await queryBlockedSlices(client, source.service, range);
      return slices.map((slice) =>
        sliceEvent(slice.startSeconds, slice.blockedNs / (range.sliceSeconds * NS_PER_SECOND * slice.hosts), indicator),
      );
    }
    case 'spans': {
      if (slo.budgetingMethod === 'Occurrences') {
        const slices = await querySpanMatchSlices(client, source.spans, { kind: 'duration', op: indicator.op, valueMs: indicator.value }, range);
        return slices.map((slice) => ({ startSeconds: slice.startSeconds, good: slice.matched, total: slice.total }));
      }
      const slices = await querySpanStatisticSlices(client, source.spans, source.statistic, range);
      return slices.map((slice) => sliceEvent(slice.startSeconds, slice.valueMs, indicator));
    }
  }
}

/**
 * The SLO's events per slice over [fromSeconds, toSeconds): per minute for
 * Occurrences, per timeSliceWindow for Timeslices.
 */
export async function indicatorSlices(
  client: Store['client'],
  slo: SloDefinition,
  fromSeconds: number,
  toSeconds: number,
): Promise<SliceCounts[]> {
  const range: SliceRange = { fromSeconds, toSeconds, sliceSeconds: slo.sliceSeconds };
  const { indicator } = slo;
  if (indicator.kind === 'threshold') return thresholdSlices(client, indicator, slo, range);
  const slices = await querySpanMatchSlices(client, indicator.total, { kind: 'filter', filter: indicator.filter }, range);
  return slices.map((slice) => {
    const good = indicator.counted === 'good' ? slice.matched : slice.total - slice.matched;
    if (slo.budgetingMethod === 'Occurrences') return { startSeconds: slice.startSeconds, good, total: slice.total };
    return { startSeconds: slice.startSeconds, good: good / slice.total >= (slo.timeSliceTarget ?? 1) ? 1 : 0, total: 1 };
  });
}
