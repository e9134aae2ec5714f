// Lifecycle of the collector, as every component's: stop before start, start
// and stop twice, and the ports picked for 0. Starts: collectors on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createLogger, createMetricsRegistry } from '@stallscope/common';
import { createInProcessTransport } from '@stallscope/transport';
import { createCollector } from './collector.js';
import { collectorConfigDefaults } from './config.js';

function build() {
  const logger = createLogger('warn');
  const metrics = createMetricsRegistry();
  const producer = createInProcessTransport({ maxQueuedMessages: 10 }, { logger, metrics }).createProducer();
  return createCollector({ ...collectorConfigDefaults, grpcPort: 0, httpPort: 0 }, { logger, metrics, producer });
}

test('collector: stop before start resolves, and start afterwards refuses', async () => {
  const collector = build();
  await collector.stop();
  await collector.stop();
  await assert.rejects(collector.start(), /stopped/);
});

test('collector: start twice, stop twice; the ports are released', async () => {
  const collector = build();
  await Promise.all([collector.start(), collector.start()]);
  assert.ok(collector.grpcPort > 0 && collector.httpPort > 0);
  assert.equal((await fetch(`http://127.0.0.1:${collector.httpPort}/v1/traces`)).status, 405);
  await collector.stop();
  await collector.stop();
  await assert.rejects(fetch(`http://127.0.0.1:${collector.httpPort}/v1/traces`));
  // The gRPC port can be bound again.
  const probe = new grpc.Server();
  const port = await new Promise<number>((resolve, reject) =>
    probe.bindAsync(`127.0.0.1:${collector.grpcPort}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  assert.equal(port, collector.grpcPort);
  probe.forceShutdown();
});

test('collector: a taken port fails the start and leaves nothing listening', async () => {
  const first = build();
  await first.start();
  const logger = createLogger('warn');
  const metrics = createMetricsRegistry();
  const producer = createInProcessTransport({ maxQueuedMessages: 10 }, { logger, metrics }).createProducer();
  const second = createCollector({ ...collectorConfigDefaults, grpcPort: 0, httpPort: first.httpPort }, { logger, metrics, producer });
  await assert.rejects(second.start(), /EADDRINUSE/);
  await second.stop();
  await first.stop();
});
