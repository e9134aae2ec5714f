import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanStatusCode } from '@opentelemetry/api';
import { ResourceAttr, SpanAttr } from '@stallscope/schemas';
import { hrTimeOfNs, processResource, slowSyscallSpan } from './slow-syscall-spans.js';
import type { SlowSyscallRecord } from '../loader/records.js';

const record: SlowSyscallRecord = {
  type: 'slow-syscall',
  tgid: 4242,
  tid: 4250,
  syscallNr: 202,
  args: [0x7ffd1000n, 0n, 1n],
  returnValue: -110n,
  startNs: 5_000_000_000n,
  durationNs: 25_000_000n,
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
    { hostName: 'host-a', syscallName: 'futex', waitClass: 'lock', process: info, startUnixNs: 1_700_000_000_123_456_789n },
    resource,
  );
  assert.equal(span.name, 'futex');
  assert.deepEqual(span.startTime, [1_700_000_000, 123_456_789]);
  assert.deepEqual(span.endTime, [1_700_000_000, 148_456_789]);
  assert.deepEqual(span.duration, hrTimeOfNs(25_000_000n));
  assert.equal(span.status.code, SpanStatusCode.ERROR, '-ETIMEDOUT marks the span as an error');
  assert.equal(span.attributes[SpanAttr.threadId], 4250);
  assert.equal(span.attributes[SpanAttr.waitClass], 'lock');
  assert.deepEqual(span.attributes[SpanAttr.syscallArgs], ['0x7ffd1000', '0x0', '0x1']);
  assert.equal(span.resource.attributes[ResourceAttr.processPid], 4242);
  assert.equal(span.resource.attributes[ResourceAttr.serviceName], 'checkout');
  assert.equal(span.resource.attributes[ResourceAttr.processCommandLine], 'checkout-bin --db-password REDACTED');
  assert.equal(span.resource.attributes[ResourceAttr.containerId], undefined, 'absent values are left out');
  assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
});
