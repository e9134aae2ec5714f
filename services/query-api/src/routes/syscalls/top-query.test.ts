import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topSyscallsSql } from './top-query.js';

const base = { windowSeconds: 900, by: 'service', includeIdle: false, limit: 10 } as const;

describe('topSyscallsSql', () => {
  it('binds every user value as a parameter, never as SQL text', () => {
    const hostile = "x'; DROP TABLE otel_traces; --";
    const { query, params } = topSyscallsSql({ ...base, service: hostile, host: hostile, waitClass: 'disk' });
    assert.ok(!query.includes('DROP'));
    assert.deepEqual(params, { windowSeconds: 900, limit: 10, service: hostile, host: hostile, waitClass: 'disk' });
    assert.match(query, /ServiceName = \{service:String\} AND HostName = \{host:String\} AND WaitClass = \{waitClass:String\}/);
  });

  it('excludes idle waits unless included or asked for by class', () => {
    assert.match(topSyscallsSql(base).query, /WaitClass != \{idleWaitClass:String\}/);
    assert.doesNotMatch(topSyscallsSql({ ...base, includeIdle: true }).query, /WaitClass !=/);
    assert.doesNotMatch(topSyscallsSql({ ...base, waitClass: 'idle' }).query, /WaitClass !=/);
  });

  it('groups by the column of the dimension, or by syscall alone', () => {
    assert.match(topSyscallsSql({ ...base, by: 'host' }).query, /HostName AS dimension[\s\S]*GROUP BY dimension, syscall, waitClass/);
    const bySyscall = topSyscallsSql({ ...base, by: 'syscall' }).query;
    assert.doesNotMatch(bySyscall, /dimension/);
    assert.match(bySyscall, /GROUP BY syscall, waitClass/);
  });
});
