// Off-CPU stacks end to end through the all-in-one process: a workload's
// threads sleeping on a pipe and a socket show up as folded stacks (user frames
// down to the kernel's read path) stored in ClickHouse with their off-CPU time.
// Starts: one stallscope process and the readers workload; afterwards opens the
// stopped process's embedded ClickHouse data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@stallscope/common';
import { LogAttr, OFFCPU_STACK_EVENT } from '@stallscope/schemas';
import { createStore, storeConfigDefaults } from '@stallscope/store';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { regularFile, runWorkload } from './fixtures/class-workloads.js';
import { settledTop } from './fixtures/query-api-client.js';
import { startStallscope } from './fixtures/stallscope-process.js';

const skipReason = bpfSkipReason();
if (skipReason) console.log(`skipping off-CPU stacks e2e: ${skipReason}`);

test('threads sleeping on a pipe: their folded off-CPU stacks are stored with the time they slept', { skip: skipReason, timeout: 180_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-offcpu-'));
  try {
    const stallscope = await startStallscope('all', { STALLSCOPE_AGENT_INTERVAL_MS: '1000' }, dataDir);
    const serviceName = `e2e-offcpu-${randomUUID().slice(0, 8)}`;
    let measured: { socketNs: number; pipeNs: number; eventfdNs: number };
    try {
      measured = await runWorkload('readers.c', ['4000', regularFile()], serviceName);
      // Its last intervals are in once the syscall figures are (its pipe and eventfd reads are both ipc).
      await settledTop(
        stallscope.url,
        stallscope.token,
        { window: '15m', by: 'syscall', service: serviceName, limit: '50' },
        (rows) => rows.some((row) => row.syscall === 'read' && row.waitClass === 'ipc' && row.blockedSeconds >= 0.9 * ((measured.pipeNs + measured.eventfdNs) / 1e9)),
        90_000,
      );
    } finally {
      assert.equal(await stallscope.stop(), 0);
    }

    const store = createStore({ ...storeConfigDefaults, chdbPath: join(dataDir, 'chdb') }, { logger: createLogger('warn') });
    await store.start();
    try {
      const result = await store.client.query({
        query: `SELECT Body AS folded, sum(toUInt64(LogAttributes[{offCpuNs:String}])) AS ns
                FROM otel_logs WHERE ServiceName = {service:String} AND EventName = {event:String}
                GROUP BY Body ORDER BY ns DESC`,
        query_params: { service: serviceName, event: OFFCPU_STACK_EVENT, offCpuNs: LogAttr.offCpuNs },
        format: 'JSONEachRow',
      });
      const stacks = (await result.json()) as { folded: string; ns: string }[];
      if (stacks.length === 0) {
        const any = await store.client.query({ query: 'SELECT ServiceName, EventName, LogAttributes, substring(Body, 1, 120) AS body FROM otel_logs LIMIT 3', format: 'JSONEachRow' });
        t.diagnostic(`otel_logs holds: ${JSON.stringify(await any.json())}`);
      }
      for (const stack of stacks.slice(0, 4)) t.diagnostic(`${stack.ns} ns ${stack.folded}`);
      const pipeNs = stacks.filter((stack) => /\[k\] [a-z_]*pipe_read;/.test(stack.folded)).reduce((sum, stack) => sum + Number(stack.ns), 0);
      t.diagnostic(`off-CPU in the kernel's pipe read: ${pipeNs} ns; the pipe reader measured ${measured.pipeNs} ns`);
      assert.ok(pipeNs > 0, 'a stored stack goes through the pipe read');
      assert.ok(Math.abs(pipeNs / measured.pipeNs - 1) <= 0.25, `pipe-read off-CPU ${pipeNs} ns within 25% of ${measured.pipeNs} ns`);
      assert.ok(stacks.some((stack) => /^.*;\[k\] .*__schedule$/.test(stack.folded)), 'kernel frames end in the scheduler');
    } finally {
      await store.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
