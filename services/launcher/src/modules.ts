import { join } from 'node:path';
import type { Component, Logger, Registry } from '@stallscope/common';
import type { Collector } from '@stallscope/collector';
import type { Store } from '@stallscope/store';
import { createInProcessTransport, createKafkaTransport, type Transport } from '@stallscope/transport';
import { resolveAuthToken } from './auth-token.js';
import type { LauncherConfig } from './config.js';
import { createServer, type Server } from './server.js';

/** Module names: the only place that knows every component. */
export const ModuleName = {
  server: 'server',
  store: 'store',
  transport: 'transport',
  agent: 'agent',
  ingest: 'ingest',
  queryApi: 'query-api',
  collector: 'collector',
  all: 'all',
} as const;
export type ModuleName = (typeof ModuleName)[keyof typeof ModuleName];

/** What each module needs started before it; `all` is only a node over the user-facing targets. */
export const moduleDependencies: Record<ModuleName, readonly ModuleName[]> = {
  server: [],
  store: [],
  transport: [],
  agent: ['server', 'transport'],
  ingest: ['server', 'transport', 'store'],
  'query-api': ['server', 'store'],
  collector: ['server', 'transport'],
  all: ['agent', 'ingest', 'query-api', 'collector'],
};

/** Targets a user may name (the rest are internal). */
export const userTargets: readonly ModuleName[] = ['all', 'agent', 'ingest', 'query-api', 'collector'];

/** Built modules, filled in dependency order; each init reads what its dependencies built. */
export interface Built {
  server?: Server;
  store?: Store;
  transport?: Transport;
  collector?: Collector;
}

export interface ModuleContext {
  config: LauncherConfig;
  logger: Logger;
  metrics: Registry;
  built: Built;
  /** Stops the whole process: a module that can no longer work calls it. */
  fail: (error: Error) => void;
}

function need<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`module ${name} used before it was built`);
  return value;
}

/** Runs components in order and stops them in reverse. */
function sequence(components: Component[]): Component {
  return {
    async start() {
      for (const component of components) await component.start();
    },
    async stop() {
      for (const component of [...components].reverse()) await component.stop();
    },
  };
}

/**
 * Each init imports its component's package itself, so a target loads only the
 * modules it runs: the agent never loads the store's embedded engine (chdb).
 */
type ModuleInit = (context: ModuleContext) => Promise<Component | undefined>;

export const moduleInits: Record<ModuleName, ModuleInit> = {
  async server({ config, logger, metrics, built }) {
    const authToken = resolveAuthToken(config.server.authToken, join(config.dataDir, 'auth-token'));
    built.server = createServer(config.server, { logger, metrics, authToken });
    return built.server;
  },
  async store({ config, logger, built }) {
    const { createStore } = await import('@stallscope/store');
    const chdbPath = config.store.chdbPath || join(config.dataDir, 'chdb');
    built.store = createStore({ ...config.store, chdbPath }, { logger });
    return built.store;
  },
  async transport({ config, logger, metrics, built }) {
    built.transport =
      config.transport.kind === 'kafka'
        ? createKafkaTransport(config.transport.kafka, { logger, metrics })
        : createInProcessTransport(config.transport.inProcess, { logger, metrics });
    return undefined;
  },
  async agent({ config, logger, metrics, built, fail }) {
    const { createAgent } = await import('@stallscope/bpf-agent');
    const producer = need(built.transport, 'transport').createProducer();
    return sequence([producer, createAgent(config.agent, { logger, metrics, producer, onFatal: fail })]);
  },
  async ingest({ config, logger, metrics, built }) {
    const { createIngest } = await import('@stallscope/ingest');
    const transport = need(built.transport, 'transport');
    // In-process, nobody reads a dead-letter topic: the store's table is their sink.
    const deadLetter = transport.kind === 'kafka' ? transport.createProducer() : undefined;
    const consumer = transport.createConsumer(config.ingest.consumerGroup);
    const ingest = createIngest(config.ingest, {
      logger,
      metrics,
      store: need(built.store, 'store'),
      consumer,
      deadLetter,
    });
    return deadLetter ? sequence([deadLetter, ingest]) : ingest;
  },
  async 'query-api'({ config, logger, built }) {
    const { createSloCatalog, createSloEvaluator, queryApiPlugin } = await import('@stallscope/query-api');
    const server = need(built.server, 'server');
    const store = need(built.store, 'store');
    const sloCatalog = createSloCatalog({ files: config.slo.files }, { store, logger });
    void server.app.register(queryApiPlugin, { store, logger, limits: config.queryApi, sloCatalog });
    return createSloEvaluator(config.slo, { store, catalog: sloCatalog, logger });
  },
  async collector({ config, logger, metrics, built }) {
    const { createCollector } = await import('@stallscope/collector');
    const producer = need(built.transport, 'transport').createProducer();
    built.collector = createCollector(config.collector, { logger, metrics, producer });
    return sequence([producer, built.collector]);
  },
  async all() {
    return undefined;
  },
};
