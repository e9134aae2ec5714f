#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { Collector } from '@stallscope/collector';
import { ConfigError, createLogger, createMetricsRegistry, loadConfig } from '@stallscope/common';
import { heapRestart, restartWith } from './process-heap.js';
import { lowerPriority } from './process-priority.js';
import { logProcessWarnings } from './process-warnings.js';
import { launcherConfigDefaults, launcherConfigSchema, type LauncherConfig } from './config.js';
import { parseTargets, resolveModules, startModules } from './module-manager.js';
import { startSelfTracingIfOn } from './self-tracing-switch.js';
import { moduleDependencies, userTargets, type Built } from './modules.js';

/**
 * STALLSCOPE_* variables that are not settings: the config file, the test
 * suites' own, and the command line's API URL and key (a shell that exports
 * them for `stallscope top` must still be able to start the modules).
 */
const LAUNCHER_ENV_NAMES = ['STALLSCOPE_CONFIG', 'STALLSCOPE_TEST_LOG_LEVEL', 'STALLSCOPE_API_URL', 'STALLSCOPE_API_KEY'];

const USAGE = `usage: stallscope [--target all|agent|ingest|query-api|collector[,...]] [--config file.yaml] [--list-targets]

Runs the chosen stallscope modules in one process. Configuration comes from
defaults, then the YAML file (--config or STALLSCOPE_CONFIG), then environment
variables STALLSCOPE_<SECTION>_<KEY> (e.g. STALLSCOPE_SERVER_PORT=8470).

stallscope <top|errors|trace|series|diagnose|slo|profile> [options] queries a running query API
instead; stallscope help lists those commands.`;

function exampleLine(url: string, config: LauncherConfig): string {
  const token = config.server.authToken !== '' ? '$STALLSCOPE_SERVER_AUTH_TOKEN' : `$(cat ${config.dataDir}/auth-token)`;
  return `curl -H "Authorization: Bearer ${token}" '${url}/v1/syscalls/top?window=15m&by=service&limit=10'`;
}

/** Where applications point their OTLP exporters. */
function collectorEndpoints(config: LauncherConfig, collector: Collector): { otlpGrpc: string; otlpHttp: string } {
  const host = config.collector.host.includes(':') ? `[${config.collector.host}]` : config.collector.host;
  return { otlpGrpc: `http://${host}:${collector.grpcPort}`, otlpHttp: `http://${host}:${collector.httpPort}` };
}

async function main(): Promise<number> {
  // A first word that is not a flag is a command for a running query API;
  // the command line module is loaded only then, the modules only otherwise.
  const [first] = process.argv.slice(2);
  if (first !== undefined && !first.startsWith('-')) {
    const { runCli } = await import('@stallscope/cli');
    return runCli(process.argv.slice(2));
  }
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      config: { type: 'string' },
      'list-targets': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values['list-targets']) {
    for (const target of userTargets) console.log(`${target}\t-> ${moduleDependencies[target].join(', ')}`);
    return 0;
  }
  let config: LauncherConfig;
  try {
    config = loadConfig({
      schema: launcherConfigSchema,
      defaults: launcherConfigDefaults,
      file: values.config ?? process.env.STALLSCOPE_CONFIG,
      overrides: values.target ? { target: values.target } : {},
      rejectUnknownEnv: { except: LAUNCHER_ENV_NAMES },
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`stallscope: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  logProcessWarnings(logger);
  const modules = resolveModules(parseTargets(config.target));
  const producesData = modules.includes('agent') || modules.includes('collector');
  if (config.transport.kind === 'in-process' && producesData !== modules.includes('ingest')) {
    console.error(
      'stallscope: the in-process transport only connects producers (agent, collector) and an ingest in the same process; ' +
        'run them together (--target all) or set STALLSCOPE_TRANSPORT_KIND=kafka',
    );
    return 2;
  }
  const restart = heapRestart(modules, process.execArgv, { lite: config.agent.liteRuntime });
  if (restart) restartWith(restart);
  // Before the loader starts: it inherits the value.
  if (modules.includes('agent') && config.agent.niceness > 0) {
    logger.info({ niceness: config.agent.niceness, threads: lowerPriority(config.agent.niceness) }, 'the agent yields the CPU to the services it watches (agent.niceness)');
  }

  // Before the modules, so their first spans have a provider.
  const selfTracing = await startSelfTracingIfOn(config, logger);
  const built: Built = {};
  let running: Awaited<ReturnType<typeof startModules>> | undefined;
  let exitCode = 0;
  let stopping: Promise<void> | undefined;
  let markStopped = (): void => {};
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const shutdown = (code: number): void => {
    exitCode = Math.max(exitCode, code);
    stopping ??= (running?.stop() ?? Promise.resolve()).then(async () => {
      // After the modules, so the spans of their last batches go out too.
      await selfTracing?.stop();
      logger.info('stopped');
      markStopped();
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => shutdown(0));

  const metrics = createMetricsRegistry();
  const fail = (error: Error): void => {
    logger.error({ err: error }, 'a module failed; stopping');
    shutdown(1);
  };
  running = await startModules(modules, { config, logger, metrics, built, fail });
  const otlp = built.collector && collectorEndpoints(config, built.collector);
  logger.info({ modules, url: built.server?.url, ...otlp }, 'stallscope ready');
  if (otlp) console.log(`stallscope OTLP endpoints: gRPC ${otlp.otlpGrpc}, HTTP ${otlp.otlpHttp}/v1/traces (/v1/metrics, /v1/logs)`);
  if (modules.includes('query-api') && built.server) {
    console.log(`stallscope query API: ${built.server.url}\n  try: ${exampleLine(built.server.url, config)}`);
    console.log(`stallscope web UI: ${built.server.url}/ui/ (sign in with the same key)`);
  }
  await stopped;
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`stallscope: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
