// Distributed path: a real Kafka broker (KRaft, from Maven Central jars); the
// agent target in one process; ingest + query API in another over embedded
// chDB; real BPF on this kernel; the blocker workload as the traced service.
// Starts: one Kafka broker, two stallscope processes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { DeadLetterHeaders, Topics } from '@stallscope/schemas';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { kafkaSkipReason, startKafkaBroker } from './fixtures/kafka-broker.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';
import { runBlocker } from './fixtures/workload.js';
import { assertBlockerReported } from './fixtures/blocker-assertions.js';
import { settledTop } from './fixtures/query-api-client.js';

const skipReason = bpfSkipReason() ?? kafkaSkipReason();
if (skipReason) console.log(`skipping distributed e2e: ${skipReason}`);

let broker: Awaited<ReturnType<typeof startKafkaBroker>> | undefined;
let agent: StallscopeProcess | undefined;
let backend: StallscopeProcess | undefined;
const dataDirs: string[] = [];

function kafkaEnv(brokers: string[]): Record<string, string> {
  return {
    STALLSCOPE_TRANSPORT_KIND: 'kafka',
    STALLSCOPE_TRANSPORT_KAFKA_BROKERS: brokers.join(','),
  };
}

before(async () => {
  if (skipReason) return;
  broker = await startKafkaBroker();
  const [agentDir, backendDir] = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'stallscope-dist-')));
  dataDirs.push(agentDir!, backendDir!);
  backend = await startStallscope(
    'ingest,query-api',
    kafkaEnv(broker.brokers),
    backendDir!,
  );
  agent = await startStallscope('agent', { ...kafkaEnv(broker.brokers), STALLSCOPE_AGENT_INTERVAL_MS: '1000' }, agentDir!);
});

after(async () => {
  if (agent) assert.equal(await agent.stop(), 0, 'the agent exits cleanly on SIGTERM');
  if (backend) assert.equal(await backend.stop(), 0, 'ingest + query-api exit cleanly on SIGTERM');
  await broker?.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

test('distributed: a blocking workload shows up with its blocked seconds', { skip: skipReason, timeout: 150_000 }, async () => {
  const serviceName = `e2e-dist-${randomUUID().slice(0, 8)}`;
  const measured = await runBlocker(10_000, serviceName);
  await assertBlockerReported(backend!.url, backend!.token, serviceName, measured);
});

test('distributed: a malformed message goes to the dead-letter topic and the pipeline keeps going', { skip: skipReason, timeout: 120_000 }, async () => {
  const kafka = new Kafka({ clientId: 'e2e-dlq', brokers: broker!.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const garbage = Buffer.from('this is not an OTLP protobuf \xff\xff\xff\xff', 'latin1');
  await producer.send({ topic: Topics.spans, messages: [{ value: garbage, headers: { origin: 'e2e' } }] });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `e2e-dlq-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: Topics.deadLetter, fromBeginning: true });
  const deadLetter = await new Promise<{ value: Buffer; headers: Record<string, string> }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no dead letter within 60 s')), 60_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value?.equals(garbage)) return;
        clearTimeout(timer);
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([key, value]) => [key, String(value)]),
        );
        resolve({ value: message.value, headers });
      },
    });
  });
  await consumer.disconnect();
  assert.equal(deadLetter.headers[DeadLetterHeaders.sourceTopic], Topics.spans);
  assert.ok((deadLetter.headers[DeadLetterHeaders.error] ?? '').length > 0, 'the error is in a header');
  assert.equal(deadLetter.headers.origin, 'e2e', 'original headers are kept');

  // The topic and the table are written at once and the counter moves when both are: the topic can be first.
  const deadLettersCounted = new RegExp(`stallscope_ingest_dead_letters_total\\{topic="${Topics.spans}"\\} 1\n`);
  let metrics = '';
  for (const deadline = Date.now() + 30_000; !deadLettersCounted.test(metrics) && Date.now() < deadline; ) {
    if (metrics) await new Promise((resolve) => setTimeout(resolve, 200));
    metrics = await (await fetch(`${backend!.url}/metrics`, { headers: { authorization: `Bearer ${backend!.token}` } })).text();
  }
  assert.match(metrics, deadLettersCounted);

  // Data that arrives after the bad message is still ingested.
  const serviceName = `e2e-after-dlq-${randomUUID().slice(0, 8)}`;
  await new Promise<void>((resolve, reject) => {
    const sleeper = spawn('sleep', ['1.5'], { env: { ...process.env, OTEL_SERVICE_NAME: serviceName } });
    sleeper.on('exit', () => resolve());
    sleeper.on('error', reject);
  });
  const rows = await settledTop(
    backend!.url,
    backend!.token,
    { window: '15m', service: serviceName, includeIdle: 'true' },
    (candidate) => candidate.some((row) => row.syscall === 'clock_nanosleep'),
  );
  const sleepRow = rows.find((row) => row.syscall === 'clock_nanosleep');
  assert.ok(sleepRow, `no clock_nanosleep row for ${serviceName}: ${JSON.stringify(rows)}`);
  assert.ok(Math.abs(sleepRow.blockedSeconds - 1.5) < 0.3, `sleep 1.5 reported as ${sleepRow.blockedSeconds} s`);
});

test('distributed: each process writes only its log lines and banner, no text of Node\'s own (kafkajs\'s timer warned on every start)', { skip: skipReason }, () => {
  for (const [name, process] of [['agent', agent!], ['ingest + query-api', backend!]] as const) {
    // troubles() cuts long lines, so a log line is told by its start: pino's level first.
    const text = process.troubles().filter((line) => !process.banner.includes(line) && !line.startsWith('{"level":'));
    assert.deepEqual(text, [], `${name} wrote text that is not a log line`);
  }
});
