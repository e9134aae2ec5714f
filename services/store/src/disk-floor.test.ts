import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@stallscope/common';
import { StoreDiskFloorError, checkDiskFloor, freeBytes } from './disk-floor.js';
import { storeConfigDefaults } from './config.js';
import { createStore } from './store.js';

test('below the floor the check throws, naming the path, the free bytes and the floor; at the floor it passes', () => {
  const free = () => 100;
  assert.throws(
    () => checkDiskFloor('/data/chdb', 101, free),
    (err: unknown) =>
      err instanceof StoreDiskFloorError &&
      err.freeBytes === 100 &&
      err.minFreeBytes === 101 &&
      /100 bytes free under \/data\/chdb, store\.minFreeBytes is 101/.test(err.message),
  );
  assert.doesNotThrow(() => checkDiskFloor('/data/chdb', 100, free));
});

test('a floor of 0 never looks at the disk', () => {
  assert.doesNotThrow(() =>
    checkDiskFloor('/data/chdb', 0, () => {
      throw new Error('statfs called');
    }),
  );
});

test("the free bytes are the filesystem's, as statfs gives them to a writer", () => {
  const free = freeBytes(tmpdir());
  assert.ok(Number.isSafeInteger(free) && free > 0, `${free} free bytes`);
});

test('an embedded store checks its own directory against store.minFreeBytes; a server store never refuses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-floor-'));
  try {
    const logger = createLogger('silent');
    const chdbPath = join(dir, 'chdb');
    // As after start, which makes the directory.
    mkdirSync(chdbPath);
    const above = freeBytes(dir) + 1024 ** 4;
    assert.throws(() => createStore({ ...storeConfigDefaults, chdbPath, minFreeBytes: above }, { logger }).checkWritable(), StoreDiskFloorError);
    assert.doesNotThrow(() => createStore({ ...storeConfigDefaults, chdbPath, minFreeBytes: 0 }, { logger }).checkWritable());
    assert.doesNotThrow(() => createStore({ ...storeConfigDefaults, chdbPath }, { logger }).checkWritable(), 'the default floor on a roomy disk');
    const server = createStore({ ...storeConfigDefaults, url: 'http://127.0.0.1:8123', minFreeBytes: above }, { logger });
    assert.doesNotThrow(() => server.checkWritable());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
