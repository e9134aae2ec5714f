import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLEET_HOUR_ROLLUP, FLEET_MINUTE_ROLLUP, HOUR_ROLLUP, MINUTE_ROLLUP, rollupForWindow } from '../../store/rollup.js';
import { topSyscallsSql } from './top-query.js';

const base = { windowSeconds: 900, by: 'service', includeIdle: false, limit: 10 } as const;
const sql = (filter: Parameters<typeof topSyscallsSql>[0]) => topSyscallsSql(filter, 'all', MINUTE_ROLLUP);

describe('topSyscallsSql', () => {
  it('binds every user value as a parameter, never as SQL text', () => {
    const hostile = "x'; DROP TABLE otel_traces; --";
    const { query, params } = sql({ ...base, service: hostile, host: hostile, container: hostile, syscall: hostile, waitClass: 'disk' });
    assert.ok(!query.includes('DROP'));
    assert.deepEqual(params, { windowSeconds: 900, limit: 10, service: hostile, host: hostile, container: hostile, syscall: hostile, waitClass: 'disk' });
    assert.match(query, /ServiceName = \{service:String\} AND HostName = \{host:String\} AND ContainerId = \{container:String\} AND Syscall = \{syscall:String\} AND WaitClass = \{waitClass:String\}/);
  });

  it('excludes idle waits unless included or asked for by class', () => {
    assert.match(sql(base).query, /WaitClass != \{idleWaitClass:String\}/);
    assert.doesNotMatch(sql({ ...base, includeIdle: true }).query, /WaitClass !=/);
    assert.doesNotMatch(sql({ ...base, waitClass: 'idle' }).query, /WaitClass !=/);
  });

  it('groups by the columns of the dimension', () => {
    assert.match(sql({ ...base, by: 'host' }).query, /HostName AS host, Syscall AS syscall, WaitClass AS waitClass[\s\S]*GROUP BY host, syscall, waitClass/);
    assert.match(sql({ ...base, by: 'container' }).query, /GROUP BY container, syscall, waitClass/);
    assert.match(sql({ ...base, by: 'syscall' }).query, /GROUP BY syscall, waitClass\n/);
    assert.match(sql({ ...base, by: 'waitClass' }).query, /GROUP BY waitClass\n/);
  });

  it("restricts a scoped key's rows to its service prefixes with bound conditions", () => {
    const { query, params } = topSyscallsSql(base, { servicePrefixes: ['pay', "x' OR 1"] }, MINUTE_ROLLUP);
    assert.match(query, /\(startsWith\(ServiceName, \{scopePrefix0:String\}\) OR startsWith\(ServiceName, \{scopePrefix1:String\}\)\)/);
    assert.equal(params.scopePrefix1, "x' OR 1");
    assert.throws(() => topSyscallsSql({ ...base, service: 'billing' }, { servicePrefixes: ['pay'] }, MINUTE_ROLLUP), /outside this key's scope/);
  });

  it('reads the per-minute rollup up to 6h and the per-hour rollup beyond', () => {
    assert.equal(rollupForWindow(6 * 3600, true), MINUTE_ROLLUP);
    assert.equal(rollupForWindow(6 * 3600 + 60, true), HOUR_ROLLUP);
    assert.equal(rollupForWindow(6 * 3600, false), FLEET_MINUTE_ROLLUP);
    assert.equal(rollupForWindow(6 * 3600 + 60, false), FLEET_HOUR_ROLLUP);
    const hourly = topSyscallsSql({ ...base, windowSeconds: 86_400 }, 'all', HOUR_ROLLUP).query;
    assert.match(hourly, /FROM kernel_syscall_rollup_1h\s+WHERE Hour >= toStartOfHour\(now\(\) - toIntervalSecond\(\{windowSeconds:UInt32\}\)\)/);
  });

  it('counts hosts from the fleet rollup by merging its host sets', () => {
    const fleet = topSyscallsSql({ ...base, windowSeconds: 86_400 }, 'all', FLEET_HOUR_ROLLUP).query;
    assert.match(fleet, /uniqExactMerge\(Hosts\) AS hosts\s+FROM kernel_syscall_fleet_1h\s+WHERE Hour >= /);
    assert.doesNotMatch(fleet, /HostName/);
  });
});
