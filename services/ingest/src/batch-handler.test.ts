import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry, createLogger } from '@stallscope/common';
import { SelfSpan, SelfSpanAttr, Topics } from '@stallscope/schemas';
import type { DeliveredMessage } from '@stallscope/transport';
import { createBatchHandler, type DeadLetter } from './batch-handler.js';
import { createIngestMetrics } from './ingest-metrics.js';
import type { MessageToRows } from './message-rows.js';
import { OtlpDecodeError } from './otlp-decode.js';
import { Tables } from './rows.js';

const batch: DeliveredMessage[] = ['good', 'bad', 'good'].map((value, index) => ({
  topic: Topics.spans,
  partition: 2,
  offset: String(70 + index),
  value: Buffer.from(value),
}));

function handlerWith(toRows: MessageToRows) {
  const written: object[] = [];
  const deadLetters: DeadLetter[] = [];
  const handler = createBatchHandler({
    topic: Topics.spans,
    toRows,
    writeRows: async (_batch, rowsByTable) => void written.push(...(rowsByTable.get(Tables.traces) ?? [])),
    writeDeadLetters: async (letters) => void deadLetters.push(...letters),
    metrics: createIngestMetrics(new Registry()),
    logger: createLogger('silent'),
  });
  return { handler, written, deadLetters };
}

describe('batch handler', () => {
  it('dead-letters bad input and writes the rest', async () => {
    const { handler, written, deadLetters } = handlerWith((payload) => {
      if (payload.toString() === 'bad') throw new OtlpDecodeError('malformed ExportTraceServiceRequest: x');
      return { rowsByTable: new Map([[Tables.traces, [{ from: payload.toString() }]]]), metricsWithoutData: 0 };
    });
    await handler(batch);
    assert.deepEqual(written, [{ from: 'good' }, { from: 'good' }]);
    assert.deepEqual(
      deadLetters.map(({ message }) => message.offset),
      ['71'],
    );
  });

  it('fails the whole batch on any other exception, dead-lettering and writing nothing', async () => {
    const { handler, written, deadLetters } = handlerWith((payload) => {
      if (payload.toString() === 'bad') throw new TypeError("Cannot read properties of undefined (reading 'x')");
      return { rowsByTable: new Map([[Tables.traces, [{}]]]), metricsWithoutData: 0 };
    });
    await assert.rejects(handler(batch), TypeError);
    assert.deepEqual(written, []);
    assert.deepEqual(deadLetters, []);
  });

  for (const outcome of ['written', 'failed'] as const) {
    it(`releases the rows only once the writes and dead letters have settled (${outcome})`, async () => {
      const events: string[] = [];
      let finishWrite!: () => void;
      let finishDeadLetters!: () => void;
      const released: object[][] = [];
      const handler = createBatchHandler({
        topic: Topics.spans,
        toRows: (payload) => {
          if (payload.toString() === 'bad') throw new OtlpDecodeError('malformed ExportTraceServiceRequest: x');
          return { rowsByTable: new Map([[Tables.traces, [{ from: payload.toString() }]]]), metricsWithoutData: 0 };
        },
        writeRows: () =>
          new Promise<void>((resolve, reject) => {
            finishWrite = () => (events.push('write settled'), outcome === 'written' ? resolve() : reject(new Error('store down')));
          }),
        writeDeadLetters: () => new Promise<void>((resolve) => (finishDeadLetters = () => (events.push('dead letters settled'), resolve()))),
        releaseRows: (rowsByTable) => {
          events.push('released');
          released.push([...(rowsByTable.get(Tables.traces) ?? [])]);
        },
        metrics: createIngestMetrics(new Registry()),
        logger: createLogger('silent'),
      });
      const handled = handler(batch);
      await new Promise((resolve) => setTimeout(resolve, 10));
      finishWrite();
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(events, ['write settled'], 'released while the dead letters were still being written');
      finishDeadLetters();
      if (outcome === 'written') await handled;
      else await assert.rejects(handled, /store down/);
      assert.deepEqual(events, ['write settled', 'dead letters settled', 'released']);
      assert.deepEqual(released, [[{ from: 'good' }, { from: 'good' }]]);
    });
  }

  it('lets other work run while it decodes a long batch', async () => {
    const busyMsPerMessage = 5;
    const { handler, written } = handlerWith(() => {
      const until = performance.now() + busyMsPerMessage;
      while (performance.now() < until);
      return { rowsByTable: new Map([[Tables.traces, [{}]]]), metricsWithoutData: 0 };
    });
    const longBatch = Array.from({ length: 20 }, (_, index) => ({ ...batch[0]!, offset: String(100 + index) }));
    // Counts the turns other work got, through a chain of immediates, while the handler ran.
    let turns = 0;
    let handling = true;
    const tick = () => {
      if (!handling) return;
      turns += 1;
      setImmediate(tick);
    };
    setImmediate(tick);
    await handler(longBatch);
    handling = false;
    assert.equal(written.length, 20);
    // 100 ms of decoding yields at least every 10 ms; without yielding the chain would get a single turn.
    assert.ok(turns >= 5, `other work got ${turns} turns during 100 ms of decoding`);
  });
});

describe('batch handler with self-tracing on', () => {
  const selfSpans = new InMemorySpanExporter();
  before(() => trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(selfSpans)] })));
  after(() => trace.disable());
  const decodeGoodOnly: MessageToRows = (payload) => {
    if (payload.toString() === 'bad') throw new OtlpDecodeError('malformed ExportTraceServiceRequest: x');
    return { rowsByTable: new Map([[Tables.traces, [{}, {}]]]), metricsWithoutData: 0 };
  };

  it('makes one span per batch with where it came from, its rows per table, dead letters and outcome', async () => {
    selfSpans.reset();
    await handlerWith(decodeGoodOnly).handler(batch);
    const [span, ...more] = selfSpans.getFinishedSpans();
    assert.equal(more.length, 0, 'one span per batch, none per message');
    assert.equal(span!.name, SelfSpan.ingestBatch);
    assert.deepEqual(span!.attributes, {
      [SelfSpanAttr.messagingDestination]: Topics.spans,
      [SelfSpanAttr.messagingPartition]: '2',
      [SelfSpanAttr.firstOffset]: '70',
      [SelfSpanAttr.lastOffset]: '72',
      [SelfSpanAttr.messagingBatchCount]: 3,
      [`${SelfSpanAttr.rowsPrefix}${Tables.traces}`]: 4,
      [SelfSpanAttr.deadLetters]: 1,
      [SelfSpanAttr.outcome]: 'dead_lettered',
    });
  });

  it('marks a batch whose rows could not be written as failed', async () => {
    selfSpans.reset();
    const handler = createBatchHandler({
      topic: Topics.spans,
      toRows: decodeGoodOnly,
      writeRows: async () => {
        throw new Error('store down');
      },
      writeDeadLetters: async () => {},
      metrics: createIngestMetrics(new Registry()),
      logger: createLogger('silent'),
    });
    await assert.rejects(handler(batch), /store down/);
    const [span] = selfSpans.getFinishedSpans();
    assert.equal(span!.attributes[SelfSpanAttr.outcome], 'insert_failed');
    assert.equal(span!.status.code, SpanStatusCode.ERROR);
  });
});
