// Ingest fault: the Kafka broker stopped for 30 s under load — its process
// frozen (SIGSTOP), so it answers nothing, as a hung broker. Applications
// keep exporting to the collector; it holds what fits its in-flight bound and
// refuses the rest (retryable 503, counted by reason). Once the broker is
// back, every accepted item is stored once, nothing refused at the bound is
// stored, and produced == stored + refused-and-not-stored.
// Starts: one Kafka broker (frozen and thawed);
// `--target collector` and `--target ingest` (embedded chDB) as their own
// processes; the load over the collector's OTLP/HTTP, 8 requests at a time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { servicePrefix, startLoad, type LoadSink } from './fixtures/countable-load.js';
import { counterValue, drained, ingestEnv, until } from './fixtures/ingest-faults.js';
import { kafkaSkipReason, startKafkaBroker, type KafkaBroker } from './fixtures/kafka-broker.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';
import { assertIntervalsStored, reconcileStore } from './fixtures/store-reconciliation.js';

type RefusalReason = 'in_flight_limit' | 'transport_error';

const OUTAGE_MS = 30_000;
/** Small, so the requests of a 30 s outage overflow it. */
const COLLECTOR_IN_FLIGHT_BYTES = 16 * 1024;

const skipReason = kafkaSkipReason();
if (skipReason) console.log(`skipping ingest broker faults: ${skipReason}`);

let broker: KafkaBroker | undefined;
let admin: Admin | undefined;
const processes: StallscopeProcess[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-faults-broker-'));

before(
  async () => {
    if (skipReason) return;
    broker = await startKafkaBroker();
    admin = new Kafka({ clientId: 'faults-broker', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  },
  { timeout: 240_000 },
);

after(async () => {
  for (const running of processes) await running.kill();
  await admin?.disconnect();
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the broker stopped for 30 s under load: the collector buffers to its bound, counts what it refuses, and the rest is stored once', { skip: skipReason, timeout: 600_000 }, async () => {
  const runId = randomUUID().slice(0, 8);
  const groupId = `faults-broker-${runId}`;
  const env = ingestEnv(broker!.brokers, groupId, join(dataDir, 'ingest', 'chdb'));
  const ingest = await startStallscope('ingest', env, join(dataDir, 'ingest'));
  processes.push(ingest);
  const collector = await startStallscope(
    'collector',
    {
      STALLSCOPE_TRANSPORT_KIND: 'kafka',
      STALLSCOPE_TRANSPORT_KAFKA_BROKERS: broker!.brokers.join(','),
      STALLSCOPE_COLLECTOR_MAX_IN_FLIGHT_BYTES: String(COLLECTOR_IN_FLIGHT_BYTES),
      // Longer than the outage: a request is answered once its fate is known.
      // Answered 503 on a timeout, a send still on its way lands after all.
      STALLSCOPE_COLLECTOR_SEND_TIMEOUT_MS: String(3 * OUTAGE_MS),
    },
    join(dataDir, 'collector'),
  );
  processes.push(collector);

  /** Refused requests by the collector's reason, read from the answer's message. */
  const refusals = new Map<string, RefusalReason>();
  let accepted = 0;
  const sink: LoadSink = {
    async send(signal, messages, key) {
      for (const body of messages) {
        const response = await fetch(`${collector.otlpHttp}/v1/${signal}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        });
        const answer = Buffer.from(await response.arrayBuffer()).toString('latin1');
        if (response.status === 200) {
          accepted += 1;
          continue;
        }
        assert.equal(response.status, 503, `a refusal is retryable: ${answer}`);
        refusals.set(key, answer.includes('in-flight bound') ? 'in_flight_limit' : 'transport_error');
        throw new Error(`collector answered ${response.status}`);
      }
    },
  };
  const load = startLoad(runId, sink, 20, 8);
  let outageMs = 0;
  try {
    await until(async () => (await counterValue(ingest, 'stallscope_ingest_rows_inserted_total')) > 0, 'the ingest to insert', 60_000);
    const frozenAt = Date.now();
    broker!.freeze();
    await sleep(OUTAGE_MS);
    broker!.thaw();
    outageMs = Date.now() - frozenAt;
    await sleep(5_000);
  } finally {
    await load.stop();
  }

  await drained(admin!, groupId, 'the ingest to commit every message after the broker came back', 300_000, [ingest]);
  const refusedBy = (reason: RefusalReason) => [...refusals.values()].filter((refusal) => refusal === reason).length;
  const counted = {
    in_flight_limit: await counterValue(collector, 'stallscope_collector_refused_total', { reason: 'in_flight_limit' }),
    transport_error: await counterValue(collector, 'stallscope_collector_refused_total', { reason: 'transport_error' }),
  };
  console.log(
    `broker frozen ${outageMs} ms: ${accepted} requests accepted, refused ${JSON.stringify(counted)} ` +
      `(answers: ${refusedBy('in_flight_limit')} at the bound, ${refusedBy('transport_error')} on transport errors); ` +
      `items sent ${JSON.stringify(load.sent)}, refused ${JSON.stringify(load.refused)}`,
  );
  assert.ok(refusedBy('in_flight_limit') > 0, 'the outage outlasted what the collector could hold');
  assert.deepEqual(counted, { in_flight_limit: refusedBy('in_flight_limit'), transport_error: refusedBy('transport_error') }, 'every refusal is counted by reason');
  assert.equal(await counterValue(collector, 'stallscope_collector_refused_total'), refusals.size, 'no refusal of another reason');
  assert.equal(
    await counterValue(collector, 'stallscope_collector_accepted_items_total'),
    load.sent.spans + load.sent.points,
    'the collector accepted what it answered 200 for',
  );
  assert.equal(await ingest.stop(), 0);
  assert.equal(await collector.stop(), 0);

  const stored = await reconcileStore(env.STALLSCOPE_STORE_CHDB_PATH!, servicePrefix(runId));
  // A request refused on a transport error may have reached the broker in
  // part (its messages go to several partitions): its outcome is unknown, as
  // the retryable answer says. A request refused at the bound was never sent.
  const uncertain = new Set([...refusals].filter(([, reason]) => reason === 'transport_error').map(([key]) => key));
  const landed = assertIntervalsStored('broker frozen 30 s', load, stored, uncertain);
  const produced = load.sent.spans + load.sent.points + load.refused.spans + load.refused.points;
  console.log(
    `broker frozen 30 s: produced ${produced} items = stored ${stored.spanIds + stored.pointKeys} ` +
      `(${load.sent.spans + load.sent.points} accepted + ${landed} of requests refused on transport errors) + ` +
      `${load.refused.spans + load.refused.points - landed} refused and not stored`,
  );
});
