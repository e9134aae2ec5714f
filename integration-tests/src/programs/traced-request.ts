// An application instrumented as users instrument theirs: the OpenTelemetry
// Node SDK (@opentelemetry/sdk-node) exporting through its OTLP gRPC trace
// exporter (@opentelemetry/exporter-trace-otlp-grpc), configured only by the
// standard OTEL_* environment, to stallscope's collector. It handles one
// "request": inside its span "wait for feeder" the main thread blocks in
// read() on a pipe (a FIFO) that a child process feeds after FEED_DELAY_S.
// Usage: traced-request <OTLP gRPC endpoint, e.g. http://127.0.0.1:4317> <service name>
// Prints {pid, traceId, requestSpanId, waitSpanId, readNs} as JSON on stdout.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';

const FEED_DELAY_S = '0.1';
/** CPU-only time inside the wait span around the read, so clock skew between the SDK and the kernel cannot push the call past the span. */
const MARGIN_MS = 15;

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

async function main(): Promise<void> {
  const [endpoint = '', serviceName = ''] = process.argv.slice(2);
  // The standard variables a deployment sets; the SDK reads them at start.
  Object.assign(process.env, {
    OTEL_SERVICE_NAME: serviceName,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_NODE_RESOURCE_DETECTORS: 'env,host,process',
  });
  const sdk = new NodeSDK();
  sdk.start();
  const tracer = trace.getTracer('traced-request', '1.0.0');

  const dir = mkdtempSync(join(tmpdir(), 'traced-request-'));
  const fifo = join(dir, 'feed');
  execFileSync('mkfifo', [fifo]);
  // Read-write: opening never waits for a writer, and read() blocks until data comes.
  const fd = openSync(fifo, constants.O_RDWR);
  const feeder = spawn('sh', ['-c', `sleep ${FEED_DELAY_S}; printf fed > "$1"`, 'sh', fifo], { stdio: 'ignore' });
  const fed = new Promise((resolve) => feeder.once('exit', resolve));

  const request = tracer.startSpan('handle request');
  const wait = tracer.startSpan('wait for feeder', {}, trace.setSpan(context.active(), request));
  spin(MARGIN_MS);
  const readStart = process.hrtime.bigint();
  readSync(fd, Buffer.alloc(16));
  const readNs = process.hrtime.bigint() - readStart;
  spin(MARGIN_MS);
  wait.end();
  spin(MARGIN_MS);
  request.end();

  await fed;
  closeSync(fd);
  // Flushes the batch of spans to the collector before the program exits.
  await sdk.shutdown();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    JSON.stringify({
      pid: process.pid,
      traceId: request.spanContext().traceId,
      requestSpanId: request.spanContext().spanId,
      waitSpanId: wait.spanContext().spanId,
      readNs: Number(readNs),
    }),
  );
}

await main();
