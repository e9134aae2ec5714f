// The embedded store's insert files: beside its data (on the filesystem the
// free-space floor watches), and what a killed process left there is gone once
// the store starts again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLogger } from '@stallscope/common';
import { storeConfigDefaults } from './config.js';
import { createStore } from './store.js';

test("an embedded store's insert-file directory sits beside its data; start empties it of what a killed process left", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-store-insert-files-'));
  try {
    const chdbPath = join(dir, 'chdb');
    const store = createStore({ ...storeConfigDefaults, chdbPath, migrate: false }, { logger: createLogger('silent') });
    const insertFileDir = store.insertFileDir;
    assert.ok(insertFileDir !== undefined);
    assert.equal(dirname(insertFileDir), dir, 'beside the data directory, on its filesystem');
    assert.ok(!insertFileDir.startsWith(chdbPath + '/'), "not inside the engine's own data directory");
    mkdirSync(join(insertFileDir, 'nested'), { recursive: true });
    writeFileSync(join(insertFileDir, 'left-by-a-killed-ingest.rowbinary'), Buffer.alloc(4096));
    writeFileSync(join(insertFileDir, 'nested', 'partial'), 'x');
    await store.start();
    try {
      assert.deepEqual(readdirSync(insertFileDir), []);
    } finally {
      await store.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a fresh embedded store makes its insert-file directory on start; a server store has none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-store-insert-files-'));
  try {
    assert.equal(createStore({ ...storeConfigDefaults, url: 'http://127.0.0.1:8123' }, { logger: createLogger('silent') }).insertFileDir, undefined);
    const store = createStore({ ...storeConfigDefaults, chdbPath: join(dir, 'chdb'), migrate: false }, { logger: createLogger('silent') });
    assert.ok(store.insertFileDir !== undefined && !existsSync(store.insertFileDir));
    await store.start();
    try {
      assert.deepEqual(readdirSync(store.insertFileDir), []);
    } finally {
      await store.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
