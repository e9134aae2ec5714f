// What the fleet run samples while it runs: rows the ingest processes
// inserted (their own Prometheus counters), the consumer group's lag (the
// brokers' offsets), and CPU time and memory of each process (/proc).
import { Topics } from '@stallscope/schemas';
import { processCpuSeconds, rssBytes } from '../lib/proc-stats.mjs';

const ROWS = /^stallscope_ingest_rows_inserted_total\{table="([^"]+)"\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/gm;

/** Spans and histogram points inserted so far by all the ingest processes together. */
export async function ingestedRows(ingests) {
  const total = { spans: 0, points: 0 };
  for (const { url, token } of ingests) {
    const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    for (const [, table, value] of text.matchAll(ROWS)) {
      if (table === 'otel_traces') total.spans += Number(value);
      if (table === 'otel_metrics_exponential_histogram') total.points += Number(value);
    }
  }
  return total;
}

/** Messages of the span and metric topics the group has not committed yet, over every partition. */
export async function consumerLag(admin, groupId) {
  const topics = [Topics.spans, Topics.metrics];
  const committed = new Map();
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
    for (const { partition, offset } of partitions) committed.set(`${topic}/${partition}`, Number(offset));
  }
  let lag = 0;
  for (const topic of topics) {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      const at = committed.get(`${topic}/${partition}`);
      // -1: nothing committed yet, so everything since the log's start is behind.
      lag += Number(high) - (at === undefined || at < 0 ? Number(low) : at);
    }
  }
  return lag;
}

/** CPU seconds and RSS of each process now; a process gone meanwhile reads as undefined. */
export function processSample(processes) {
  return processes.map(({ pid }) => {
    try {
      return { cpuSeconds: processCpuSeconds(pid), rssBytes: rssBytes(pid) };
    } catch {
      return undefined;
    }
  });
}

export function percentile(values, quantile) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)];
}
