import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry, createLogger } from '@stallscope/common';
import { Topics } from '@stallscope/schemas';
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
});
