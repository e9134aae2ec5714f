// An application instrumented with the OpenTelemetry JS SDK that handles one
// "request": inside its span "wait for feeder" the main thread blocks in read()
// on a pipe (a FIFO) that a child process feeds after FEED_DELAY_S. Its spans
// leave as the Collector's kafka exporter would send them (one OTLP protobuf
// ExportTraceServiceRequest per message on the spans topic): stallscope's OTLP
// endpoint is not there yet, so this exporter stands in for the collector.
// Usage: traced-request <brokers, comma-separated> <service name>
// Prints {pid, traceId, requestSpanId, waitSpanId, readNs} as JSON on stdout.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { ResourceAttr, Topics } from '@stallscope/schemas';

const FEED_DELAY_S = '0.1';
/** CPU-only time inside the wait span around the read, so clock skew between the SDK and the kernel cannot push the call past the span. */
const MARGIN_MS = 15;

class KafkaOtlpSpanExporter implements SpanExporter {
  readonly #pending = new Set<Promise<void>>();
  constructor(private readonly producer: Producer) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const request = ProtobufTraceSerializer.serializeRequest(spans);
    if (!request) return resultCallback({ code: ExportResultCode.FAILED, error: new Error('serializer produced nothing') });
    const sent = this.producer
      .send({ topic: Topics.spans, messages: [{ value: Buffer.from(request) }] })
      .then(
        () => resultCallback({ code: ExportResultCode.SUCCESS }),
        (error: Error) => resultCallback({ code: ExportResultCode.FAILED, error }),
      )
      .finally(() => this.#pending.delete(sent));
    this.#pending.add(sent);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.#pending);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
  }
}

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

async function main(): Promise<void> {
  const [brokers = '', serviceName = ''] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'traced-request', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ResourceAttr.serviceName]: serviceName,
      [ResourceAttr.hostName]: hostname(),
      [ResourceAttr.processPid]: process.pid,
    }),
    spanProcessors: [new SimpleSpanProcessor(new KafkaOtlpSpanExporter(producer))],
  });
  const tracer = provider.getTracer('traced-request', '1.0.0');

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
  await provider.shutdown();
  await producer.disconnect();
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
