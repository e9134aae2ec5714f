// A fleet's back end under faults: three Kafka brokers (KRaft, replication
// factor 3, min.insync.replicas 2, topics of 6 partitions made by the
// transport's own topic set-up), two ingest replicas in one consumer group and
// one query API, under steady load from the Kafka transport's producer
// (acks=all). Faults, one after the other on the same cluster: kill -9 of an
// ingest replica (restarted after 10 s), kill -9 of a broker (restarted after
// 30 s), an ingest replica cut off from the brokers for 30 s, and a rolling
// restart of every broker, ingest replica and the query API. Each ends in a
// reconciliation of its own run: every accepted span and point stored once,
// rollups equal to the raw table, and the query API answering the same calls.
// Prints the publish and store rates before/during/after and the recovery time.
// Starts: a 3-node Kafka cluster (infra/kafka start-cluster); one chDB engine
// serving ClickHouse's HTTP interface (fixtures/chdb-http-server) as the one
// store the replicas share — chDB is embedded, one process per store
// directory, and the exactly-once effect needs the replicas' deduplication
// tokens in one store, so both replicas and the query API reach it through
// the project's real HTTP store path (STALLSCOPE_STORE_URL); `--target
// ingest` twice and `--target query-api` as their own processes. The cut-off
// replica is born in its own cgroup; an nftables rule drops its packets to
// the brokers' ports (fixtures/network-cut).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { Kafka, logLevel, type Admin } from 'kafkajs';
import { createLogger, Registry } from '@stallscope/common';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { Topics } from '@stallscope/schemas';
import { createKafkaTransport, kafkaTransportConfigDefaults, type TransportProducer } from '@stallscope/transport';
import { startChdbHttpServer, type ChdbHttpServer } from './fixtures/chdb-http-server.js';
import { servicePrefix, startLoad, type RunningLoad } from './fixtures/countable-load.js';
import { caughtUp, counterValue, drained, INGEST_TOPICS, ingestKafkaEnv } from './fixtures/ingest-faults.js';
import { fullyReplicated, startKafkaCluster, type KafkaCluster } from './fixtures/kafka-cluster.js';
import { kafkaSkipReason } from './fixtures/kafka-script.js';
import { createNetworkCut, networkCutSkipReason, type NetworkCut } from './fixtures/network-cut.js';
import { fetchTop } from './fixtures/query-api-client.js';
import { repeatedMessages, topicEnds } from './fixtures/topic-repeats.js';
import { sampleEvery } from './fixtures/rate-timeline.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';
import { assertIntervalsStored, assertReconciled, reconcileStoreAt } from './fixtures/store-reconciliation.js';

const skipReason = kafkaSkipReason() ?? networkCutSkipReason();
if (skipReason) console.log(`skipping fleet faults: ${skipReason}`);

const BROKERS = 3;
const PARTITIONS = 6;
const REPLICATION = 3;
const MIN_INSYNC = 2;
/** Windows of steady load before the fault and after it clears, for the rates. */
const STEADY_MS = 5_000;
const RECOVERY_TIMEOUT_MS = 180_000;

const runOfSuite = randomUUID().slice(0, 8);
const groupId = `fleet-faults-${runOfSuite}`;
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-fleet-faults-'));
let cluster: KafkaCluster | undefined;
let storeServer: ChdbHttpServer | undefined;
let store: Store | undefined;
let admin: Admin | undefined;
let producer: TransportProducer | undefined;
let cut: NetworkCut | undefined;
/** Replica 1 is born in the cut's cgroup. */
const ingests: (StallscopeProcess | undefined)[] = [undefined, undefined];
let queryApi: StallscopeProcess | undefined;

const topicEnv = () => ({
  STALLSCOPE_TRANSPORT_KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
  STALLSCOPE_TRANSPORT_KAFKA_TOPIC_REPLICATION_FACTOR: String(REPLICATION),
});

function startIngest(replica: 0 | 1): Promise<StallscopeProcess> {
  const env = { ...ingestKafkaEnv(cluster!.brokers, groupId), ...topicEnv(), STALLSCOPE_STORE_URL: storeServer!.url };
  return startStallscope('ingest', env, join(dataDir, `ingest-${replica}`), replica === 1 ? { cgroupProcs: cut!.cgroupProcs } : {});
}

function startQueryApi(): Promise<StallscopeProcess> {
  return startStallscope('query-api', { STALLSCOPE_STORE_URL: storeServer!.url, STALLSCOPE_STORE_MIGRATE: 'false' }, join(dataDir, 'query-api'));
}

before(
  async () => {
    if (skipReason) return;
    let stepAt = Date.now();
    const took = (step: string) => {
      console.log(`${step} in ${Date.now() - stepAt} ms`);
      stepAt = Date.now();
    };
    cluster = await startKafkaCluster(BROKERS);
    took(`${BROKERS}-node Kafka cluster up`);
    storeServer = await startChdbHttpServer();
    admin = new Kafka({ clientId: 'fleet-faults', brokers: cluster.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    // The agent's side: the transport's producer creates the topics as it starts.
    const transport = createKafkaTransport(
      { ...kafkaTransportConfigDefaults, brokers: cluster.brokers, clientId: 'fleet-faults-agent', topicPartitions: PARTITIONS, topicReplicationFactor: REPLICATION },
      { logger: createLogger('silent'), metrics: new Registry() },
    );
    producer = transport.createProducer();
    await producer.start();
    took('store up, topics created');
    const brokerPorts = cluster.brokers.map((broker) => Number(broker.split(':')[1]));
    cut = await createNetworkCut(`stallscope-fleet-${runOfSuite}`, brokerPorts);
    // One after the other: the first applies the migrations to the shared store.
    ingests[0] = await startIngest(0);
    ingests[1] = await startIngest(1);
    took('ingest replicas up');
    queryApi = await startQueryApi();
    store = createStore({ ...storeConfigDefaults, url: storeServer.url, migrate: false }, { logger: createLogger('silent') });
    await store.start();
    took('query API up');
  },
  { timeout: 300_000 },
);

after(async () => {
  for (const running of [...ingests, queryApi]) await running?.kill();
  await cut?.remove();
  await producer?.stop();
  await admin?.disconnect();
  await store?.stop();
  await storeServer?.stop();
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The figures of one fault, printed as a row of docs/benchmarks.md's table. */
const figures: string[] = [];

/** Spans and points of a run in the store, read while it runs (for the store rate). */
async function storedItems(prefix: string): Promise<number> {
  const result = await store!.client.query({
    query: `SELECT (SELECT count() FROM otel_traces WHERE ServiceName LIKE {prefix:String})
      + (SELECT count() FROM otel_metrics_exponential_histogram WHERE ServiceName LIKE {prefix:String}) AS items`,
    query_params: { prefix: `${prefix}%` },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ items: string | number }>();
  return Number(row?.items ?? 0);
}

const topicOf = { traces: Topics.spans, metrics: Topics.metrics } as const;
const LOAD_TOPICS = Object.values(topicOf);

/**
 * Runs `fault` under load between two steady windows: it injects the fault
 * and resolves once the fault is cleared (the component back). Then waits
 * until the group has caught up, drains, and reconciles the run.
 */
async function underFault(name: string, fault: () => Promise<void>): Promise<void> {
  const runId = randomUUID().slice(0, 8);
  const prefix = servicePrefix(runId);
  const topicsBefore = await topicEnds(admin!, LOAD_TOPICS);
  let acceptedMessages = 0;
  const load: RunningLoad = startLoad(
    runId,
    {
      async send(signal, messages) {
        await producer!.send(topicOf[signal], messages.map((value) => ({ value })));
        acceptedMessages += messages.length;
      },
    },
    50,
  );
  const published = sampleEvery(() => load.sent.spans + load.sent.points, 500);
  const stored = sampleEvery(() => storedItems(prefix), 1000);
  let faultAt = 0;
  let clearedAt = 0;
  let recoveryMs = 0;
  try {
    await sleep(STEADY_MS);
    faultAt = Date.now();
    await fault();
    clearedAt = Date.now();
    [recoveryMs] = await Promise.all([caughtUp(admin!, groupId, `the group to catch up after ${name}`, RECOVERY_TIMEOUT_MS), sleep(STEADY_MS)]);
  } finally {
    await load.stop();
    published.stop();
  }
  await drained(admin!, groupId, `the replicas to commit every message after ${name}`, RECOVERY_TIMEOUT_MS, ingests.filter((replica) => replica !== undefined));
  stored.stop();
  const endAt = Date.now();

  // Kafka's side first, so that a duplicate is put down to the producer or the ingest.
  const onTopics = await repeatedMessages(cluster!.brokers, admin!, LOAD_TOPICS, topicsBefore);
  console.log(`${name}: ${acceptedMessages} messages accepted by the producer, ${onTopics.messages} on the topics, ${onTopics.repeated} of them repeated`);
  assert.equal(onTopics.repeated, 0, `${name}: the producer wrote no message twice`);
  if (load.refused.spans + load.refused.points === 0) assert.equal(onTopics.messages, acceptedMessages, `${name}: the topics hold each accepted message once`);

  const reconciliation = await reconcileStoreAt(storeServer!.url, prefix);
  const refusedKeys = new Set([...load.outcomes].filter(([, { accepted }]) => !accepted).map(([key]) => key));
  // A send the producer gave up on may have reached some partitions' leaders: its fate is unknown.
  const refusedButStored = assertIntervalsStored(name, load, reconciliation, refusedKeys);
  if (refusedKeys.size === 0) assertReconciled(name, load, reconciliation);
  assert.equal(reconciliation.deadLetterRows, 0, `${name}: no dead letters`);

  // What an SRE sees: the query API answers the calls that were produced.
  const hostCalls = (await fetchTop(queryApi!.url, queryApi!.token, { window: '1h', by: 'host', limit: '1000' }))
    .filter((row) => row.host === `fault-host-${runId}`)
    .reduce((calls, row) => calls + row.calls, 0);
  assert.equal(hostCalls, reconciliation.rawCalls, `${name}: the query API's calls for the run's host`);

  const rate = (timeline: typeof published, from: number, to: number) => Math.round(timeline.rate(from, to));
  const row = {
    produced: load.sent.spans + load.sent.points,
    stored: reconciliation.spanIds + reconciliation.pointKeys,
    duplicates: reconciliation.spanRows - reconciliation.spanIds + (reconciliation.pointRows - reconciliation.pointKeys),
    refused: load.refused.spans + load.refused.points,
    /** Accepted and not stored; assertIntervalsStored has already failed the test unless 0. */
    lost: load.sent.spans + load.sent.points + refusedButStored - (reconciliation.spanIds + reconciliation.pointKeys),
    publishedPerSecond: [rate(published, faultAt - STEADY_MS, faultAt), rate(published, faultAt, clearedAt), rate(published, clearedAt, clearedAt + STEADY_MS)],
    storedPerSecond: [rate(stored, faultAt - STEADY_MS, faultAt), rate(stored, faultAt, clearedAt), rate(stored, clearedAt, endAt)],
    faultMs: clearedAt - faultAt,
    recoveryMs,
  };
  console.log(`${name}: ${JSON.stringify(row)}`);
  figures.push(
    `| ${name} | ${row.produced} | ${row.stored} | ${row.duplicates} | ${row.refused} | ${row.publishedPerSecond.join(' / ')} | ` +
      `${row.storedPerSecond.join(' / ')} | ${(row.faultMs / 1000).toFixed(1)} s | ${(recoveryMs / 1000).toFixed(1)} s | ${row.lost} |`,
  );
}

after(() => {
  if (figures.length > 0) {
    console.log('| fault | produced | stored | duplicates | refused | published/s before / during / after | stored/s before / during / after | fault | recovery | loss |');
    for (const line of figures) console.log(line);
  }
});

test('the topics: 6 partitions, each on 3 brokers, min.insync.replicas 2', { skip: skipReason }, async () => {
  const { topics } = await admin!.fetchTopicMetadata({ topics: INGEST_TOPICS });
  for (const { name, partitions } of topics) {
    assert.equal(partitions.length, PARTITIONS, `${name}: partitions`);
    for (const { partitionId, replicas } of partitions) assert.equal(new Set(replicas).size, REPLICATION, `${name}/${partitionId}: replicas`);
  }
  const configs = await admin!.describeConfigs({
    includeSynonyms: false,
    resources: INGEST_TOPICS.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
  });
  for (const { resourceName, configEntries } of configs.resources) {
    assert.equal(configEntries[0]?.configValue, String(MIN_INSYNC), `${resourceName}: min.insync.replicas`);
  }
});

test('kill -9 of one ingest replica under load, restarted after 10 s: every span and point stored once', { skip: skipReason, timeout: 300_000 }, async () => {
  await underFault('kill -9 of an ingest replica, restart after 10 s', async () => {
    assert.equal(await ingests[0]!.kill(), 'SIGKILL');
    ingests[0] = undefined;
    await sleep(10_000);
    ingests[0] = await startIngest(0);
  });
});

test('kill -9 of one broker under load, restarted after 30 s: the producer goes on with 2 of 3, nothing lost', { skip: skipReason, timeout: 300_000 }, async () => {
  await underFault('kill -9 of a broker, restart after 30 s', async () => {
    await cluster!.killNode(2);
    await sleep(30_000);
    await cluster!.startNode(2);
  });
  await fullyReplicated(admin!, [...INGEST_TOPICS, '__consumer_offsets'], RECOVERY_TIMEOUT_MS);
});

test('one ingest replica cut off from the brokers for 30 s: the other takes its partitions, nothing twice', { skip: skipReason, timeout: 300_000 }, async () => {
  const cutOff = ingests[1]!;
  let ingestedAtHeal = 0;
  await underFault('an ingest replica cut off from the brokers for 30 s', async () => {
    await cut!.cut();
    await sleep(30_000);
    await cut!.heal();
    ingestedAtHeal = await counterValue(cutOff, 'stallscope_ingest_messages_total', { outcome: 'ingested' });
  });
  assert.equal(cutOff.child.exitCode, null, 'the cut-off replica survived the cut');
  assert.ok(
    (await counterValue(cutOff, 'stallscope_ingest_messages_total', { outcome: 'ingested' })) > ingestedAtHeal,
    'the healed replica rejoined the group and ingested again',
  );
});

test('a rolling restart of every broker, ingest replica and the query API under load: nothing lost, nothing twice', { skip: skipReason, timeout: 600_000 }, async () => {
  await underFault('rolling restart of 3 brokers, 2 ingest replicas, the query API', async () => {
    for (let node = 1; node <= BROKERS; node++) {
      await cluster!.stopNode(node);
      await cluster!.startNode(node);
      // The next one goes only when this one is back in every ISR, or min.insync.replicas could not be met.
      await fullyReplicated(admin!, [...INGEST_TOPICS, '__consumer_offsets'], RECOVERY_TIMEOUT_MS);
    }
    for (const replica of [0, 1] as const) {
      assert.equal(await ingests[replica]!.stop(), 0, `ingest replica ${replica} exits cleanly on SIGTERM`);
      ingests[replica] = await startIngest(replica);
    }
    assert.equal(await queryApi!.stop(), 0, 'the query API exits cleanly on SIGTERM');
    queryApi = await startQueryApi();
  });
});
