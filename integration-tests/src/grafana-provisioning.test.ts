// Real components: the chDB engine (embedded ClickHouse) with every migration
// applied, through createStore; the query API plugin behind the admin-key auth
// on a real listener (127.0.0.1, a free port). The Grafana provisioning files
// of infra/grafana are read as Grafana reads them; every SQL query of the
// dashboard runs against the store, its Grafana macros substituted as the
// ClickHouse data source plugin expands them, and the Jaeger data source's URL
// and header are used against the query API.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import { createLogger } from '@stallscope/common';
import { adminKey, apiKeyAuth, queryApiPlugin } from '@stallscope/query-api';
import { AGENT_SCOPE_NAME, LogAttr, MetricAttr, Metrics, OFFCPU_STACK_EVENT, ResourceAttr, SpanAttr } from '@stallscope/schemas';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { repoRoot } from './fixtures/repo.js';

const grafanaDir = join(repoRoot, 'infra', 'grafana');
const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-grafana-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const adminToken = 'grafana-test-admin-token';
let app: FastifyInstance;
let apiUrl = '';

interface DataSource {
  name: string;
  uid: string;
  type: string;
  url?: string;
  jsonData: Record<string, string | number>;
  secureJsonData: Record<string, string>;
}
interface Target {
  refId: string;
  datasource: { type: string; uid: string };
  rawSql: string;
  format: number;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; query: string; datasource: { uid: string } }[] };
}

const dataSources = (parse(readFileSync(join(grafanaDir, 'provisioning', 'datasources', 'stallscope.yaml'), 'utf8')) as { datasources: DataSource[] }).datasources;
const dashboardFiles = readdirSync(join(grafanaDir, 'dashboards')).filter((file) => file.endsWith('.json'));
const dashboards = dashboardFiles.map((file) => JSON.parse(readFileSync(join(grafanaDir, 'dashboards', file), 'utf8')) as Dashboard);
const clickHouse = dataSources.find((source) => source.type === 'grafana-clickhouse-datasource');
const jaeger = dataSources.find((source) => source.type === 'jaeger');

/** Grafana's provisioning expansion: $VAR, ${VAR} and ${VAR:-default} from the environment given. */
function expandEnv(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)/g, (_match, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    return env[name] ?? fallback ?? '';
  });
}

const FROM_SECONDS = Math.floor(Date.now() / 1000) - 3_600;
const TO_SECONDS = Math.floor(Date.now() / 1000) + 60;
const INTERVAL_SECONDS = 60;

/**
 * The macros of the ClickHouse data source plugin as it expands them, and the
 * dashboard's variable; anything else left starting with `$` fails the test,
 * so a query cannot use a macro this check does not know.
 */
function expandMacros(sql: string, service: string): string {
  const expanded = sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, `$1 >= toDateTime(${FROM_SECONDS}) AND $1 <= toDateTime(${TO_SECONDS})`)
    .replace(/\$__timeInterval\(([^)]+)\)/g, `toStartOfInterval(toDateTime($1), INTERVAL ${INTERVAL_SECONDS} second)`)
    .replace(/\$__interval_s\b/g, String(INTERVAL_SECONDS))
    .replace(/\$__fromTime\b/g, `toDateTime(${FROM_SECONDS})`)
    .replace(/\$__toTime\b/g, `toDateTime(${TO_SECONDS})`)
    .replaceAll('${service:singlequote}', `'${service.replaceAll("'", "\\'")}'`);
  assert.doesNotMatch(expanded, /\$/, `a macro or variable this check does not expand: ${expanded}`);
  return expanded;
}

const queries = dashboards.flatMap((dashboard) => [
  ...dashboard.templating.list.map((variable) => ({ title: `variable ${variable.name}`, uid: variable.datasource.uid, sql: variable.query })),
  ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ title: panel.title, uid: target.datasource.uid, sql: target.rawSql }))),
]);

async function run(sql: string): Promise<Record<string, unknown>[]> {
  const result = await store.client.query({ query: expandMacros(sql, 'checkout'), format: 'JSONEachRow' });
  return result.json<Record<string, unknown>>();
}

const secondsAgo = (seconds: number) => `${Math.floor(Date.now() / 1000) - seconds}.000000000`;

before(async () => {
  await store.start();
  const histogram = (service: string, syscall: string, waitClass: string, offset: number, count: number, sumNs: number, maxNs: number) => ({
    ResourceAttributes: { [ResourceAttr.serviceName]: service, [ResourceAttr.hostName]: 'host-a' },
    ServiceName: service,
    MetricName: Metrics.syscallDuration.name,
    Attributes: { [MetricAttr.syscallName]: syscall, [MetricAttr.waitClass]: waitClass, [MetricAttr.waitClassRule]: 'syscall' },
    TimeUnix: secondsAgo(300),
    Count: String(count),
    Sum: sumNs,
    Scale: 0,
    PositiveOffset: offset,
    PositiveBucketCounts: [String(count)],
    Max: maxNs,
    AggregationTemporality: 1,
  });
  await store.client.insert({
    table: 'otel_metrics_exponential_histogram',
    values: [
      histogram('checkout', 'flock', 'lock', 24, 400, 8e9, 3e7),
      histogram('checkout', 'fsync', 'disk', 20, 1200, 1.8e9, 2.05e6),
      histogram('checkout', 'futex', 'idle', 26, 100, 5e10, 1e8),
      histogram('search', 'read', 'network', 18, 30, 1.5e7, 6e5),
    ],
    format: 'JSONEachRow',
  });
  await store.client.insert({
    table: 'otel_metrics_sum',
    values: [
      {
        ResourceAttributes: { [ResourceAttr.hostName]: 'host-a' },
        ServiceName: 'checkout',
        MetricName: Metrics.syscallErrors.name,
        Attributes: { [MetricAttr.syscallName]: 'connect', [MetricAttr.errnoName]: 'ECONNREFUSED' },
        TimeUnix: secondsAgo(300),
        Value: 7,
        AggregationTemporality: 1,
        IsMonotonic: true,
      },
    ],
    format: 'JSONEachRow',
  });
  await store.client.insert({
    table: 'otel_traces',
    values: [
      {
        Timestamp: secondsAgo(300),
        TraceId: '0af7651916cd43dd8448eb211c80319c',
        SpanId: 'b7ad6b7169203331',
        SpanName: 'flock',
        ServiceName: 'checkout',
        ResourceAttributes: { [ResourceAttr.hostName]: 'host-a', [ResourceAttr.processPid]: '4242' },
        ScopeName: AGENT_SCOPE_NAME,
        SpanAttributes: { [SpanAttr.syscallName]: 'flock', [SpanAttr.waitClass]: 'lock', [SpanAttr.filePath]: '/var/lib/checkout/orders.lock' },
        Duration: 30_000_000,
      },
    ],
    format: 'JSONEachRow',
  });
  await store.client.insert({
    table: 'otel_logs',
    values: [
      {
        Timestamp: secondsAgo(300),
        ServiceName: 'checkout',
        Body: 'main;placeOrder;flock;__schedule',
        EventName: OFFCPU_STACK_EVENT,
        LogAttributes: { [LogAttr.threadState]: 'sleep', [LogAttr.offCpuNs]: '2500000000' },
      },
    ],
    format: 'JSONEachRow',
  });
  await store.client.insert({
    table: 'stallscope_dead_letters',
    values: [{ Timestamp: Date.now() - 300_000, SourceTopic: 'otlp_spans', SourcePartition: 0, SourceOffset: 1, Error: 'not OTLP', Headers: {}, PayloadBase64: '' }],
    format: 'JSONEachRow',
  });
  app = Fastify();
  await app.register(apiKeyAuth, { keys: new Map([adminKey(adminToken, 600)]), publicPaths: new Set(['/healthz']), anyKeyPathPrefixes: [] });
  await app.register(queryApiPlugin, { store, logger });
  apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await app?.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('infra/grafana provisioning', () => {
  it('provisions a ClickHouse and a Jaeger data source, and the dashboards use only them', () => {
    assert.ok(clickHouse, 'a grafana-clickhouse-datasource data source');
    assert.ok(jaeger, 'a jaeger data source');
    assert.equal(clickHouse.jsonData.protocol, 'http');
    assert.equal(jaeger.jsonData.httpHeaderName1, 'Authorization');
    const providers = (parse(readFileSync(join(grafanaDir, 'provisioning', 'dashboards', 'stallscope.yaml'), 'utf8')) as { providers: { type: string; options: { path: string } }[] }).providers;
    assert.deepEqual(providers.map((provider) => provider.type), ['file']);
    assert.ok(dashboards.length > 0);
    const uids = new Set(dataSources.map((source) => source.uid));
    for (const query of queries) assert.ok(uids.has(query.uid), `${query.title}: data source ${query.uid} is not provisioned`);
    const panelIds = dashboards.flatMap((dashboard) => dashboard.panels.map((panel) => panel.id));
    assert.equal(new Set(panelIds).size, panelIds.length, 'panel ids are unique');
  });

  it('every attribute key and constant in the queries is one of schemas/', () => {
    const known = new Set<string>([ResourceAttr, SpanAttr, MetricAttr, LogAttr].flatMap((names) => Object.values(names)));
    for (const query of queries) {
      for (const [, key] of query.sql.matchAll(/\['([^']+)'\]/g)) assert.ok(known.has(key!), `${query.title}: attribute ${key} is not in schemas/src/attributes.ts`);
      for (const [, column, value] of query.sql.matchAll(/\b(ScopeName|EventName|MetricName) = '([^']+)'/g)) {
        const expected: readonly string[] = { ScopeName: [AGENT_SCOPE_NAME], EventName: [OFFCPU_STACK_EVENT], MetricName: Object.values(Metrics).map((metric) => metric.name) }[column as 'ScopeName' | 'EventName' | 'MetricName'];
        assert.ok(expected.includes(value!), `${query.title}: ${column} = '${value}' is not a name of schemas/`);
      }
    }
  });

  it('every SQL query runs against the migrated tables, macros expanded', async () => {
    assert.ok(queries.length >= 10, `${queries.length} queries`);
    for (const query of queries) {
      await assert.doesNotReject(run(query.sql), query.title);
    }
  });

  it('the overview and per-service panels answer from the data', async () => {
    const sqlOf = (title: string) => {
      const found = queries.find((query) => query.title === title);
      assert.ok(found, `a panel titled ${title}`);
      return found.sql;
    };
    assert.deepEqual((await run(sqlOf('variable service'))).map((row) => row.ServiceName), ['checkout', 'search']);
    const top = await run(sqlOf('Top blocked syscalls'));
    assert.deepEqual(top.map((row) => [row.service, row.syscall, row.wait_class, row.blocked_s]), [
      ['checkout', 'flock', 'lock', 8],
      ['checkout', 'fsync', 'disk', 1.8],
      ['search', 'read', 'network', 0.015],
    ]);
    const byClass = await run(sqlOf('Non-idle blocked time by wait class'));
    assert.deepEqual(byClass.map((row) => row.WaitClass).sort(), ['disk', 'lock', 'network']);
    const lock = byClass.find((row) => row.WaitClass === 'lock');
    assert.equal(lock?.blocked_threads, 8 / INTERVAL_SECONDS);
    const perService = await run(sqlOf('Calls and worst latency by syscall: $service'));
    assert.deepEqual(perService.map((row) => [row.syscall, row.wait_class]), [['futex', 'idle'], ['flock', 'lock'], ['fsync', 'disk']]);
    const slowest = await run(sqlOf('Slowest syscalls: $service'));
    assert.deepEqual(slowest.map((row) => [row.duration_ms, row.syscall, row.file, row.trace_id]), [[30, 'flock', '/var/lib/checkout/orders.lock', '0af7651916cd43dd8448eb211c80319c']]);
    const stacks = await run(sqlOf('Off-CPU stacks: $service'));
    assert.deepEqual(stacks.map((row) => [row.stack, row.off_cpu_s]), [['main;placeOrder;flock;__schedule', 2.5]]);
    const errors = await run(sqlOf('Failed syscalls by errno'));
    assert.deepEqual(errors.map((row) => [row.service, row.syscall, row.errno, row.errors]), [['checkout', 'connect', 'ECONNREFUSED', 7]]);
    const deadLetters = await run(sqlOf('Dead letters'));
    assert.deepEqual(deadLetters.map((row) => [row.SourceTopic, Number(row.messages)]), [['otlp_spans', 1]]);
  });

  it('the Jaeger data source reaches the query API\'s Jaeger routes with its URL and header', async () => {
    assert.ok(jaeger?.url);
    const env = { STALLSCOPE_QUERY_API_URL: apiUrl, STALLSCOPE_SERVER_AUTH_TOKEN: adminToken };
    const base = expandEnv(jaeger.url, env);
    const header = { [String(jaeger.jsonData.httpHeaderName1)]: expandEnv(jaeger.secureJsonData.httpHeaderValue1!, env) };
    const services = await fetch(`${base}/api/services`, { headers: header });
    assert.equal(services.status, 200);
    assert.ok(((await services.json()) as { data: string[] }).data.includes('checkout'));
    const trace = await fetch(`${base}/api/traces/0af7651916cd43dd8448eb211c80319c`, { headers: header });
    assert.equal(trace.status, 200);
    assert.equal((await fetch(`${base}/api/services`)).status, 401, 'without the header the API refuses');
    assert.equal(expandEnv(jaeger.url, {}), 'http://query-api:8470', 'the default is the compose service');
  });
});
