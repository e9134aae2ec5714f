import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceResponse } from '@stallscope/query-api';
import { createStyle } from './style.js';
import { renderTrace, traceForest } from './trace-tree.js';

type Span = TraceResponse['resourceSpans'][number]['scopeSpans'][number]['spans'][number];

const traceId = '0af7651916cd43dd8448eb211c80319c';
const baseNs = 1_700_000_000_000_000_000n;

function span(spanId: string, parentSpanId: string, name: string, startMs: number, endMs: number, kernel = false): Span {
  return {
    traceId,
    spanId: spanId.padStart(16, '0'),
    traceState: '',
    parentSpanId: parentSpanId === '' ? '' : parentSpanId.padStart(16, '0'),
    name,
    kind: kernel ? 1 : 2,
    startTimeUnixNano: String(baseNs + BigInt(startMs * 1e6)),
    endTimeUnixNano: String(baseNs + BigInt(endMs * 1e6)),
    attributes: kernel ? [{ key: 'stallscope.kernel', value: { boolValue: true } }] : [],
    events: [],
    links: [],
    status: { code: 0, message: '' },
  };
}

const trace: TraceResponse = {
  traceId,
  warnings: [],
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
      scopeSpans: [
        {
          scope: { name: 'app', version: '' },
          spans: [
            span('1', '', 'POST /orders', 0, 100),
            span('3', '1', 'SELECT orders', 60, 90),
            span('2', '1', 'write ledger', 10, 50),
            span('4', '2', 'fsync', 20, 45, true),
          ],
        },
      ],
    },
  ],
};

test('spans nest under their parents in start order', () => {
  const [root] = traceForest(trace);
  assert.equal(root?.span.name, 'POST /orders');
  assert.deepEqual(root?.children.map((child) => child.span.name), ['write ledger', 'SELECT orders']);
  assert.equal(root?.children[0]?.children[0]?.kernel, true);
});

test('a trace reads as a waterfall with kernel children indented and marked', () => {
  const text = renderTrace(trace, { width: undefined, style: createStyle(false) });
  assert.equal(
    text,
    [
      `trace ${traceId}: 4 spans (1 kernel), 100 ms`,
      'SPAN                  SERVICE    START  DURATION  WATERFALL',
      'POST /orders          checkout      +0    100 ms  ██████████████████████████████',
      '├─ write ledger       checkout  +10 ms     40 ms     ████████████',
      '│  └─ [kernel] fsync  checkout  +20 ms     25 ms        ▒▒▒▒▒▒▒▒',
      '└─ SELECT orders      checkout  +60 ms     30 ms                    █████████',
    ].join('\n'),
  );
});
