import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderConfigurationDoc } from './config-doc.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

test('docs/configuration.md is the page the config schemas render (node services/launcher/scripts/gen-config-doc.mjs)', () => {
  assert.equal(readFileSync(join(repoRoot, 'docs', 'configuration.md'), 'utf8'), renderConfigurationDoc(repoRoot));
});

test('the page names every setting with its env variable, bounds, default and doc comment', () => {
  const page = renderConfigurationDoc(repoRoot);
  assert.match(page, /^\| `slowSyscallThresholdMs` \| `STALLSCOPE_AGENT_SLOW_SYSCALL_THRESHOLD_MS` \| number, > 0 \| `\d+(\.\d+)?` \| Syscalls at least this slow become spans/m);
  assert.match(page, /^\| `kind` \| `STALLSCOPE_TRANSPORT_KIND` \| `in-process` \\\| `kafka` \| `in-process` \| in-process: agent and ingest in one process; kafka: anything else\. \|$/m);
  assert.match(page, /^\| `port` \| `STALLSCOPE_SERVER_PORT` \| integer, ≥ 0, ≤ 65535 \| `8470` \|/m);
  assert.match(page, /^## `transport\.kafka`$/m);
  assert.match(page, /^\| `mechanism` \| `STALLSCOPE_TRANSPORT_KAFKA_SASL_MECHANISM` \| `plain` \\\| `scram-sha-256` \\\| `scram-sha-512` \| \(unset\) \| — \|$/m);
});
