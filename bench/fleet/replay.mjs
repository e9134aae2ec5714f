// N hosts replaying the recorded agent output, each under its own identity,
// through the project's Kafka producer (@stallscope/transport, as the agent
// sends): every host exports once per interval at its own phase (hosts
// started at different times), its histograms and its slow spans, with the
// interval's real timestamps. Plus marker spans whose queryability the
// caller times.
import { createLogger, createMetricsRegistry } from '@stallscope/common';
import { Topics } from '@stallscope/schemas';
import { createKafkaTransport, kafkaTransportConfigDefaults } from '@stallscope/transport';
import { hostExport, probeMessage, RECORDED_INTERVAL_SECONDS } from '../lib/agent-output.mjs';

/**
 * Sends a producer may have unacknowledged; past it a host's export is
 * dropped and counted, as an agent whose sends fail. The client queues the
 * rest behind one request per broker and fails them (lock timeouts) when
 * hundreds wait.
 */
export const MAX_PENDING_SENDS_PER_PRODUCER = 40;
const TICK_MS = 100;

/**
 * A fleet of 1,000 agents holds 1,000 producers; one process here holds
 * `producers` (each its own connections and one request in flight per
 * broker, as the agent's), hosts spread over them.
 */
export async function startReplay({ brokers, partitions, replicationFactor, hosts, spansPerInterval, producers: producerCount }) {
  const transport = createKafkaTransport(
    { ...kafkaTransportConfigDefaults, brokers, clientId: 'bench-fleet', topicPartitions: partitions, topicReplicationFactor: replicationFactor },
    // The client's own retries log at error level on stdout, where the report goes; a send that fails in the end is counted, its first error kept.
    { logger: createLogger('silent'), metrics: createMetricsRegistry() },
  );
  const producers = Array.from({ length: producerCount }, () => ({ producer: transport.createProducer(), pending: 0 }));
  // Markers have a producer of their own: their latency is the pipeline's, not the wait behind the hosts' backlog.
  const markerProducer = transport.createProducer();
  for (const { producer } of [...producers, { producer: markerProducer }]) await producer.start();

  const intervalMs = RECORDED_INTERVAL_SECONDS * 1000;
  /** Host exports made and dropped; sends failed; spans, points and messages acknowledged. */
  const totals = { exports: 0, dropped: 0, failed: 0, firstFailure: undefined, spans: 0, points: 0, messages: 0 };
  const inFlight = new Set();
  let timer;
  let startedAtMs;

  function send(slot, topic, values) {
    slot.pending++;
    const sent = Promise.all(values.map((value) => slot.producer.send(topic, [{ value }])));
    inFlight.add(sent);
    return sent.finally(() => {
      slot.pending--;
      inFlight.delete(sent);
    });
  }

  function exportHost(host, intervalEndMs) {
    const slot = producers[host % producerCount];
    if (slot.pending >= MAX_PENDING_SENDS_PER_PRODUCER) {
      totals.dropped++;
      return;
    }
    const output = hostExport(host, spansPerInterval, BigInt(intervalEndMs) * 1_000_000n);
    // Each topic's part counts once acknowledged: what the fleet delivered.
    const failed = (error) => {
      totals.failed++;
      totals.firstFailure ??= error.message;
    };
    totals.exports++;
    send(slot, Topics.metrics, output.metricMessages).then(() => {
      totals.points += output.points;
      totals.messages += output.metricMessages.length;
    }, failed);
    send(slot, Topics.spans, output.traceMessages).then(() => {
      totals.spans += output.spans;
      totals.messages += output.traceMessages.length;
    }, failed);
  }

  // Host h exports at start + phase(h) + k * interval.
  const phaseMs = (host) => Math.floor((host / hosts) * intervalMs);
  const nextDue = new Float64Array(hosts);

  return {
    totals,
    start() {
      startedAtMs = Date.now();
      for (let host = 0; host < hosts; host++) nextDue[host] = startedAtMs + phaseMs(host);
      timer = setInterval(() => {
        const nowMs = Date.now();
        for (let host = 0; host < hosts; host++) {
          if (nextDue[host] > nowMs) continue;
          exportHost(host, nextDue[host]);
          nextDue[host] += intervalMs;
        }
      }, TICK_MS);
    },
    /** One span in a message of its own; resolves with its trace id and the time its send began. */
    async marker(host) {
      let traceId;
      const value = probeMessage(host, (id) => (traceId = id));
      const sentAtMs = Date.now();
      await markerProducer.send(Topics.spans, [{ value }]);
      return { traceId, sentAtMs };
    },
    /** Stops the schedule and waits for every export still in flight. */
    async stop() {
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
      for (const { producer } of [...producers, { producer: markerProducer }]) await producer.stop();
    },
  };
}
