// OTLP/gRPC bad input: malformed protobuf gets INVALID_ARGUMENT with a
// message, is counted, and the server keeps serving. Starts: one collector.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { metricValue, startTestCollector, type TestCollector } from './test-collector.js';

let harness: TestCollector;
let client: grpc.Client;

before(async () => {
  harness = await startTestCollector();
  client = new grpc.Client(`127.0.0.1:${harness.collector.grpcPort}`, grpc.credentials.createInsecure());
});

after(async () => {
  client.close();
  await harness.stop();
});

/** One unary Export call with raw request bytes, answering the response bytes or the gRPC error. */
function exportRaw(service: string, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      `/${service}/Export`,
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      body,
      (err, response) => (err ? reject(err) : resolve(response!)),
    ),
  );
}

test('gRPC: malformed protobuf is INVALID_ARGUMENT naming the request type, counted; an empty request succeeds', async () => {
  await assert.rejects(
    exportRaw('opentelemetry.proto.collector.metrics.v1.MetricsService', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])),
    (err: grpc.ServiceError) => err.code === grpc.status.INVALID_ARGUMENT && /ExportMetricsServiceRequest/.test(err.details),
  );
  assert.equal(await metricValue(harness.registry, 'stallscope_collector_refused_total', { signal: 'metrics', reason: 'malformed' }), 1);
  const response = await exportRaw('opentelemetry.proto.collector.logs.v1.LogsService', Buffer.alloc(0));
  assert.equal(response.length, 0, 'an empty ExportLogsServiceResponse: full success');
});
