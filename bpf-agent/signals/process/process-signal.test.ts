// Starts (real-kernel test): the stallscope-loader with the process signal, and
// a copy of /bin/true run under its own name with secrets on its command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoaderRecord } from '../../src/loader/records.js';
import { ProcessRegistry } from '../../src/process/process-registry.js';
import { createProcessSignal } from './process-signal.js';
import { loaderSkipReason, spawnTestLoader } from '../../src/loader/fixtures/test-loader.js';

const skipReason = loaderSkipReason();

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

test('a process gone before its exec event is handled is named with its command line, secrets redacted', { skip: skipReason, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-exec-args-'));
  const exe = join(dir, 'nightly-etl');
  copyFileSync('/bin/true', exe);
  const records: LoaderRecord[] = [];
  const loader = spawnTestLoader({
    signals: ['process'],
    maxHistEntries: 1024,
    // Held, not handled: the events reach the agent only after the process is gone, as on a loaded host.
    onRecord: (record) => records.push(record),
  });
  try {
    await waitFor('the hello record', () => records.some((r) => r.type === 'hello'), 10_000);
    const child = spawn(exe, ['--password=hunter2', '--token', 'tok-9', '--table', 'orders'], { stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
    const pid = child.pid!;
    await waitFor(`the exit record of ${pid}`, () => records.some((r) => r.type === 'process-event' && r.tgid === pid && r.kind === 'exit'), 10_000);
    assert.ok(!existsSync(`/proc/${pid}`), 'the process is gone: /proc cannot name it');

    const processes = new ProcessRegistry(1000);
    const signal = createProcessSignal({ hostName: 'test', processes, toUnixNs: (ns) => ns, command: () => {} });
    for (const record of records) signal.onRecord(record);

    const info = processes.lookup(pid);
    assert.equal(info.serviceName, 'nightly-etl');
    assert.equal(info.executablePath, exe);
    assert.equal(info.commandLine, `${exe} --password=REDACTED --token REDACTED --table orders`);
  } finally {
    await loader.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
