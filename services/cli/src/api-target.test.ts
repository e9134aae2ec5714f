import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { configFilePath, resolveApiTarget, type TargetSources } from './api-target.js';
import { CliError } from './cli-error.js';

const dir = mkdtempSync(join(tmpdir(), 'stallscope-cli-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const home = join(dir, 'home');
const cwd = join(dir, 'work');
mkdirSync(cwd, { recursive: true });
const sources = (overrides: Partial<TargetSources> = {}): TargetSources => ({ flags: {}, env: {}, homeDir: home, cwd, ...overrides });

test('the all-in-one defaults: 127.0.0.1:8470 and, when it exists, ./data/auth-token', () => {
  assert.deepEqual(resolveApiTarget(sources()), { url: 'http://127.0.0.1:8470', key: undefined });
  mkdirSync(join(cwd, 'data'), { recursive: true });
  writeFileSync(join(cwd, 'data', 'auth-token'), 'admin-secret\n');
  assert.deepEqual(resolveApiTarget(sources()), { url: 'http://127.0.0.1:8470', key: 'admin-secret' });
});

test('flags win over the environment, which wins over the config file', () => {
  const configDir = join(home, '.config', 'stallscope');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'cli.yaml'), 'url: http://config:1/\nkeyFile: key.txt\n');
  writeFileSync(join(configDir, 'key.txt'), 'from-config-file\n');
  assert.deepEqual(resolveApiTarget(sources()), { url: 'http://config:1', key: 'from-config-file' });
  const env = { STALLSCOPE_API_URL: 'http://env:2', STALLSCOPE_API_KEY: 'from-env' };
  assert.deepEqual(resolveApiTarget(sources({ env })), { url: 'http://env:2', key: 'from-env' });
  assert.deepEqual(resolveApiTarget(sources({ env, flags: { url: 'http://flag:3', key: 'from-flag' } })), { url: 'http://flag:3', key: 'from-flag' });
  rmSync(configDir, { recursive: true });
});

test('XDG_CONFIG_HOME moves the config file', () => {
  assert.equal(configFilePath({ XDG_CONFIG_HOME: '/xdg' }, '/home/u'), join('/xdg', 'stallscope', 'cli.yaml'));
  assert.equal(configFilePath({ XDG_CONFIG_HOME: '' }, '/home/u'), join('/home/u', '.config', 'stallscope', 'cli.yaml'));
});

test('a bad config file, URL or key file is a usage error naming it', () => {
  const xdg = join(dir, 'xdg');
  mkdirSync(join(xdg, 'stallscope'), { recursive: true });
  writeFileSync(join(xdg, 'stallscope', 'cli.yaml'), 'url: http://x\ntoken: nope\n');
  assert.throws(() => resolveApiTarget(sources({ env: { XDG_CONFIG_HOME: xdg } })), (error: CliError) => error.exitCode === 2 && /unknown keys token/.test(error.message));
  assert.throws(() => resolveApiTarget(sources({ flags: { url: 'not a url' } })), /not a URL: not a url/);
  assert.throws(() => resolveApiTarget(sources({ flags: { keyFile: 'missing' } })), /cannot read the key file .*missing: ENOENT/);
  assert.throws(() => resolveApiTarget(sources({ flags: { key: 'a', keyFile: 'b' } })), /--key or --key-file, not both/);
});
