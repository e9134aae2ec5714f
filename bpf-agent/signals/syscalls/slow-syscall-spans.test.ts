import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanStatusCode } from '@opentelemetry/api';
import { ResourceAttr, SpanAttr } from '@stallscope/schemas';
import { hrTimeOfNs } from '../../src/export/hr-time.js';
import { processResource, slowSyscallSpan } from './slow-syscall-spans.js';
import type { SlowSyscallRecord } from '../../src/loader/records.js';

const record: SlowSyscallRecord = {
  type: 'slow-syscall',
  tgid: 4242,
  tid: 4250,
  syscallNr: 202,
  classKey: 2,
  args: [0x7ffd1000n, 0n, 1n],
  returnValue: -110n,
  startNs: 5_000_000_000n,
  durationNs: 25_000_000n,
  runQueueNs: 3_000_000n,
  stackId: 7,
  comm: 'worker',
};

test('a slow syscall becomes a span with the process resource and its timing', () => {
  const info = {
    serviceName: 'checkout',
    executableName: 'checkout-bin',
    containerId: undefined,
    commandLine: 'checkout-bin --db-password REDACTED',
  };
  const resource = processResource('host-a', record.tgid, info);
  const span = slowSyscallSpan(
    record,
    {
      syscallName: 'futex',
      waitClass: 'lock',
      waitClassRule: 'glibc-mutex',
      userStack: ['__lll_lock_wait_private', 'pthread_mutex_lock', 'worker'],
      callAttributes: { [SpanAttr.futexOp]: 'FUTEX_WAIT_PRIVATE' },
      startUnixNs: 1_700_000_000_123_456_789n,
    },
    resource,
  );
  assert.equal(span.name, 'futex');
  assert.deepEqual(span.startTime, [1_700_000_000, 123_456_789]);
  assert.deepEqual(span.endTime, [1_700_000_000, 148_456_789]);
  assert.deepEqual(span.duration, hrTimeOfNs(25_000_000n));
  assert.equal(span.status.code, SpanStatusCode.ERROR, '-ETIMEDOUT marks the span as an error');
  assert.equal(span.attributes[SpanAttr.threadId], 4250);
  assert.equal(span.attributes[SpanAttr.waitClass], 'lock');
  assert.equal(span.attributes[SpanAttr.waitClassRule], 'glibc-mutex', 'the span says why it is classed so');
  assert.equal(span.attributes[SpanAttr.runQueueNs], 3_000_000);
  assert.equal(span.attributes[SpanAttr.errnoName], 'ETIMEDOUT');
  assert.equal(span.attributes[SpanAttr.errorType], 'ETIMEDOUT');
  assert.equal(span.status.message, 'ETIMEDOUT');
  assert.equal(span.attributes[SpanAttr.futexOp], 'FUTEX_WAIT_PRIVATE');
  assert.deepEqual(span.attributes[SpanAttr.userStack], ['__lll_lock_wait_private', 'pthread_mutex_lock', 'worker']);
  assert.deepEqual(span.attributes[SpanAttr.syscallArgs], ['0x7ffd1000', '0x0', '0x1']);
  assert.equal(span.resource.attributes[ResourceAttr.processPid], 4242);
  assert.equal(span.resource.attributes[ResourceAttr.serviceName], 'checkout');
  assert.equal(span.resource.attributes[ResourceAttr.processCommandLine], 'checkout-bin --db-password REDACTED');
  assert.equal(span.resource.attributes[ResourceAttr.containerId], undefined, 'absent values are left out');
  assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
  // In the order otel_traces keeps them (the ingest then only checks it): the call's own attributes come first when built.
  const keys = Object.keys(span.attributes);
  assert.deepEqual(keys, [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))), 'attributes sorted by key bytes');
});
