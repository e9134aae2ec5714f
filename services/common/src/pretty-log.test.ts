import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { formatLogLine, prettyDestination } from './pretty-log.js';

test('a record reads as time, level, component, message and its other fields', () => {
  const line = JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 2, 3, 4, 5, 678), pid: 1, name: 'stallscope', component: 'server', msg: 'stallscope ready', url: 'http://127.0.0.1:8470', modules: ['agent', 'ingest'] });
  assert.equal(formatLogLine(line), '03:04:05.678 INFO  server: stallscope ready url=http://127.0.0.1:8470 modules=["agent","ingest"]');
});

test('an error brings its stack, indented under the line', () => {
  const line = JSON.stringify({ level: 50, time: 0, msg: 'a module failed; stopping', err: { message: 'boom', stack: 'Error: boom\n    at x' } });
  assert.equal(formatLogLine(line), '00:00:00.000 ERROR a module failed; stopping\n    Error: boom\n        at x');
});

test('pino writes through the pretty destination one formatted line per record', () => {
  let written = '';
  const logger = pino({ level: 'info' }, prettyDestination({ write: (text: string) => (written += text) }));
  logger.child({ component: 'ingest' }).warn({ lagMessages: 3 }, 'behind');
  assert.match(written, /^\d\d:\d\d:\d\d\.\d{3} WARN  ingest: behind lagMessages=3\n$/);
});
