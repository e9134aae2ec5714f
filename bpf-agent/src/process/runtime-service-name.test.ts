import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeServiceName } from './runtime-service-name.js';

const named = (exe: string, argv: string[], cwd?: string) => runtimeServiceName(exe, argv, cwd);

test('node: the script, after node options and their values', () => {
  assert.deepEqual(named('node', ['node', '--enable-source-maps', 'dist/server.js']), { runtimeName: 'nodejs', serviceName: 'server' });
  assert.equal(named('node', ['node', '--enable-source-maps', 'dist/server.js'], '/srv/checkout')?.serviceName, 'checkout');
  assert.equal(named('node', ['node', '-r', 'dotenv/config', '--import', './otel.mjs', '/srv/billing/dist/index.js'])?.serviceName, 'billing');
  assert.equal(named('node', ['node', '--max-old-space-size=4096', 'bin/www-worker.mjs'])?.serviceName, 'www-worker');
  assert.equal(named('nodejs', ['nodejs', '--inspect=0.0.0.0:9229', '--', 'queue-consumer.js'])?.serviceName, 'queue-consumer');
  assert.equal(named('node', ['node', '-e', 'setInterval(()=>{},1000)'])?.serviceName, undefined);
  assert.equal(named('node', ['node'])?.serviceName, undefined, 'a REPL runs no script');
});

test('bun and deno: the script after the run subcommand', () => {
  assert.deepEqual(named('bun', ['bun', 'run', '--hot', 'src/api-gateway.ts']), { runtimeName: 'bun', serviceName: 'api-gateway' });
  assert.equal(named('deno', ['deno', 'run', '--allow-net', '--config', 'deno.json', '/srv/chat/main.ts'])?.serviceName, 'chat');
});

test('python: the script or the -m module', () => {
  assert.deepEqual(named('python3.12', ['python3', '-m', 'http.server', '8000']), { runtimeName: 'python', serviceName: 'http.server' });
  assert.equal(named('python3', ['python3', 'app.py'])?.serviceName, 'app');
  assert.equal(named('python3', ['python3', 'app.py'], '/srv/inventory')?.serviceName, 'inventory');
  assert.equal(named('python3', ['/usr/bin/python3', '-u', '-W', 'ignore', '-X', 'dev', 'etl_loader.py', '--since', '1d'])?.serviceName, 'etl_loader');
  assert.equal(named('python', ['python', '-um', 'celery', '-A', 'tasks', 'worker'])?.serviceName, 'celery');
  assert.equal(named('python3', ['python3', '/srv/venv/bin/gunicorn', 'shop.wsgi:application'])?.serviceName, 'gunicorn');
  assert.equal(named('python3', ['python3', '-c', 'import time; time.sleep(9)'])?.serviceName, undefined);
});

test('shells: the script; inline commands name nothing', () => {
  assert.deepEqual(named('bash', ['bash', './run.sh']), { runtimeName: 'bash', serviceName: 'run' });
  assert.equal(named('bash', ['bash', './run.sh'], '/opt/backup-agent')?.serviceName, 'backup-agent');
  assert.equal(named('dash', ['/bin/sh', '-e', '-o', 'nounset', '/usr/local/bin/rotate-logs.sh'])?.serviceName, 'rotate-logs');
  assert.equal(named('bash', ['bash', '-c', 'sleep 10'])?.serviceName, undefined);
  assert.equal(named('busybox', ['sh', '/entry/poller.sh'])?.serviceName, 'poller', 'a busybox shell is known by argv[0]');
});

test('ruby, perl and php: the script', () => {
  assert.equal(named('ruby', ['ruby', '-I', 'lib', '-r', 'bundler/setup', 'bin/sidekiq'])?.serviceName, 'sidekiq');
  assert.equal(named('perl', ['perl', '-Ilib', '-MData::Dumper', '-w', 'mailer.pl'])?.serviceName, 'mailer');
  assert.equal(named('php8.2', ['php', '-d', 'memory_limit=1G', 'artisan', 'queue:work'])?.serviceName, 'artisan');
  assert.equal(named('php', ['php', '-f', '/srv/cron/cleanup.php'])?.serviceName, 'cleanup');
  assert.equal(named('php', ['php', '-r', 'echo 1;'])?.serviceName, undefined);
});

test('a program that is no runtime is left to the executable name', () => {
  assert.equal(named('postgres', ['postgres', '-D', '/var/lib/postgresql/data']), undefined);
  assert.equal(named('node-exporter', ['node-exporter']), undefined);
});
