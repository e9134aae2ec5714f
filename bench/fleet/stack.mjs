// The fleet's back end, each part in its own process as in a distributed
// deployment: Kafka (a given broker list, or one local broker), one store
// shared by every reader and writer, two ingest processes in one consumer
// group, one query API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Topics } from '@stallscope/schemas';
import { startChdbHttpServer } from '../../integration-tests/dist/fixtures/chdb-http-server.js';
import { startStallscope } from '../../integration-tests/dist/fixtures/stallscope-process.js';
import { kafkaClusterSupported, startKafkaBroker, startKafkaCluster } from '../lib/kit.mjs';
import { pidListeningOn, pidsWithArgument } from '../lib/proc-stats.mjs';

export const PARTITIONS = 6;
const WANTED_REPLICATION = 3;
const INGEST_REPLICAS = 2;
const CLUSTER_NODES = 3;

/**
 * Kafka for the run: `brokers` (host:port,...) when given, else a local
 * three-node cluster where infra/kafka can run one, else one local broker.
 * Topics get PARTITIONS partitions and, where the cluster has three brokers or
 * more, replication factor 3 with min.insync.replicas 2.
 */
async function startKafka(brokers, note) {
  let local;
  if (!brokers && kafkaClusterSupported()) {
    note(`starting a local Kafka cluster of ${CLUSTER_NODES} nodes (no --brokers given)`);
    local = await startKafkaCluster(CLUSTER_NODES);
  } else if (!brokers) {
    note('starting one local Kafka broker (no --brokers given; infra/kafka has no start-cluster)');
    const broker = await startKafkaBroker();
    local = { brokers: broker.brokers, pids: [broker.pid], stop: () => broker.stop() };
  }
  const brokerList = (brokers ?? local.brokers).split(',');
  const admin = new Kafka({ clientId: 'bench-fleet-admin', brokers: brokerList, logLevel: logLevel.NOTHING }).admin();
  let members;
  let replicationFactor;
  try {
    await admin.connect();
    ({ brokers: members } = await admin.describeCluster());
    replicationFactor = Math.min(WANTED_REPLICATION, members.length);
    const configEntries = replicationFactor >= 3 ? [{ name: 'min.insync.replicas', value: '2' }] : [];
    await admin.createTopics({
      topics: Object.values(Topics).map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor, configEntries })),
      waitForLeaders: true,
    });
  } catch (error) {
    await admin.disconnect();
    await local?.stop();
    throw error;
  }
  return {
    brokers: brokerList,
    brokerCount: members.length,
    /** How the run got its Kafka, for the report. */
    origin: brokers ? 'given with --brokers' : local.pids.length > 1 ? 'a local cluster' : 'ONE local broker (infra/kafka has no start-cluster)',
    replicationFactor,
    minInsyncReplicas: replicationFactor >= 3 ? 2 : 1,
    /** Pids of the brokers on this machine (started here, or listening on a loopback port of --brokers). */
    pids: local?.pids ?? loopbackBrokerPids(brokerList),
    admin,
    async stop() {
      await admin.disconnect();
      await local?.stop();
    },
  };
}

/** The pids of the given brokers that listen on this machine's loopback; brokers elsewhere are not measured. */
function loopbackBrokerPids(brokerList) {
  return brokerList
    .map((broker) => /^(?:127\.0\.0\.1|localhost):(\d+)$/.exec(broker)?.[1])
    .map((port) => (port === undefined ? undefined : pidListeningOn(Number(port))))
    .filter((pid) => pid !== undefined);
}

/** Starts the whole back end, downstream first (store, ingest, query API); stop() ends it upstream first. */
export async function startStack({ brokers, note }) {
  const started = [];
  const dataDirs = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const kafka = await startKafka(brokers, note);
    started.push(kafka);
    note('starting the store (one chDB engine serving the ClickHouse HTTP interface)');
    const store = await startChdbHttpServer();
    started.push(store);
    const env = {
      STALLSCOPE_TRANSPORT_KIND: 'kafka',
      STALLSCOPE_TRANSPORT_KAFKA_BROKERS: kafka.brokers.join(','),
      STALLSCOPE_TRANSPORT_KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
      STALLSCOPE_TRANSPORT_KAFKA_TOPIC_REPLICATION_FACTOR: String(kafka.replicationFactor),
      STALLSCOPE_STORE_URL: store.url,
    };
    const launch = async (name, target, extra = {}) => {
      note(`starting ${name} (--target ${target})`);
      const dir = mkdtempSync(join(tmpdir(), 'stallscope-bench-fleet-'));
      dataDirs.push(dir);
      const process = await startStallscope(target, { ...env, ...extra }, dir);
      started.push({ stop: () => process.stop() });
      return { name, pid: process.child.pid, url: process.url, token: process.token };
    };
    // The first ingest migrates the store; the others and the query API find it ready.
    const ingests = [];
    for (let i = 1; i <= INGEST_REPLICAS; i++) ingests.push(await launch(`ingest-${i}`, 'ingest', i > 1 ? { STALLSCOPE_STORE_MIGRATE: 'false' } : {}));
    const queryApi = await launch('query-api', 'query-api', { STALLSCOPE_STORE_MIGRATE: 'false' });
    const [storePid] = pidsWithArgument(store.dir);
    return {
      kafka,
      store,
      ingests,
      queryApi,
      /** Every back-end process whose CPU and memory this run measures. */
      processes: [
        ...kafka.pids.map((pid, index) => ({ name: `kafka broker ${index + 1}`, pid })),
        { name: 'store (chDB HTTP)', pid: storePid },
        ...ingests.map(({ name, pid }) => ({ name, pid })),
        { name: 'query-api', pid: queryApi.pid },
      ],
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
