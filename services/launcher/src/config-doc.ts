// docs/configuration.md, rendered from the config schemas themselves: every
// key with its environment variable, type, bounds and default from the
// schema, and its description from the doc comment above it in the schema's
// source file (read with the TypeScript compiler's parser). A test fails when
// the committed page is stale; regenerate with
// `node services/launcher/scripts/gen-config-doc.mjs`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import ts from 'typescript';
import { agentConfigSchema } from '@stallscope/bpf-agent';
import { collectorConfigSchema } from '@stallscope/collector';
import { envVarName } from '@stallscope/common';
import { ingestConfigSchema } from '@stallscope/ingest';
import { queryApiConfigSchema, sloConfigSchema } from '@stallscope/query-api';
import { storeConfigSchema } from '@stallscope/store';
import { inProcessTransportConfigSchema, kafkaTransportConfigSchema } from '@stallscope/transport';
import { launcherConfigDefaults, launcherConfigSchema } from './config.js';
import { selfTracingConfigSchema } from './self-tracing-config.js';
import { serverConfigSchema } from './server-config.js';

/** Each schema the launcher's config is assembled from, and the source file (from the repository root) that declares it. */
const SCHEMA_SOURCES: readonly (readonly [schema: TSchema, variable: string, file: string])[] = [
  [launcherConfigSchema, 'launcherConfigSchema', 'services/launcher/src/config.ts'],
  [serverConfigSchema, 'serverConfigSchema', 'services/launcher/src/server-config.ts'],
  [agentConfigSchema, 'agentConfigSchema', 'bpf-agent/src/config.ts'],
  [inProcessTransportConfigSchema, 'inProcessTransportConfigSchema', 'services/transport/src/config.ts'],
  [kafkaTransportConfigSchema, 'kafkaTransportConfigSchema', 'services/transport/src/config.ts'],
  [storeConfigSchema, 'storeConfigSchema', 'services/store/src/config.ts'],
  [ingestConfigSchema, 'ingestConfigSchema', 'services/ingest/src/config.ts'],
  [collectorConfigSchema, 'collectorConfigSchema', 'services/collector/src/config.ts'],
  [queryApiConfigSchema, 'queryApiConfigSchema', 'services/query-api/src/config.ts'],
  [sloConfigSchema, 'sloConfigSchema', 'services/query-api/src/slo/slo-evaluator-config.ts'],
  [selfTracingConfigSchema, 'selfTracingConfigSchema', 'services/launcher/src/self-tracing-config.ts'],
];

/** `variable:key.path` -> the doc comment above that property, one line. */
function docComments(repoRoot: string): Map<string, string> {
  const docs = new Map<string, string>();
  for (const file of new Set(SCHEMA_SOURCES.map(([, , source]) => source))) {
    const sourceFile = ts.createSourceFile(file, readFileSync(join(repoRoot, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node, variable: string | undefined, path: readonly string[]): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
        ts.forEachChild(node, (child) => visit(child, node.name.getText(sourceFile), []));
        return;
      }
      if (ts.isPropertyAssignment(node) && variable !== undefined) {
        const key = node.name.getText(sourceFile).replace(/^['"]|['"]$/g, '');
        const keyPath = [...path, key];
        const text = ts
          .getJSDocCommentsAndTags(node)
          .filter(ts.isJSDoc)
          .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
          .join(' ')
          .replace(/\s+/g, ' ')
          .trim();
        if (text !== '') docs.set(`${variable}:${keyPath.join('.')}`, text);
        ts.forEachChild(node, (child) => visit(child, variable, keyPath));
        return;
      }
      ts.forEachChild(node, (child) => visit(child, variable, path));
    };
    visit(sourceFile, undefined, []);
  }
  return docs;
}

function literalText(value: unknown): string {
  return `\`${String(value)}\``;
}

/** The schema's type and bounds in a few words. */
function typeText(schema: TSchema): string {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map((member) => ('const' in member ? literalText(member.const) : typeText(member))).join(' | ');
  if (schema.type === 'array') return `list of ${typeText(schema.items as TSchema)} (env: comma-separated)`;
  const bounds = [
    schema.minimum !== undefined ? `≥ ${schema.minimum}` : undefined,
    schema.exclusiveMinimum !== undefined ? `> ${schema.exclusiveMinimum}` : undefined,
    schema.maximum !== undefined ? `≤ ${schema.maximum}` : undefined,
    schema.minLength !== undefined ? `min length ${schema.minLength}` : undefined,
    schema.pattern !== undefined ? `pattern \`${schema.pattern}\`` : undefined,
  ].filter((bound) => bound !== undefined);
  return [String(schema.type), ...bounds].join(', ');
}

function defaultText(value: unknown): string {
  if (value === undefined) return '(unset)';
  if (value === '') return '(empty)';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : `\`${value.join(',')}\``;
  return literalText(value);
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

interface Row {
  path: string[];
  schema: TSchema;
  doc: string;
}

/** Every leaf setting, in schema order, with the doc comment found for it. */
function leafRows(schema: TSchema, path: string[], docs: Map<string, string>, context: { variable: string; base: number }): Row[] {
  return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([key, child]) => {
    const childPath = [...path, key];
    const source = SCHEMA_SOURCES.find(([known]) => known === child);
    const own = docs.get(`${context.variable}:${childPath.slice(context.base).join('.')}`) ?? '';
    if (child.type === 'object' && child.properties) {
      const nested = source ? { variable: source[1], base: childPath.length } : context;
      return leafRows(child, childPath, docs, nested);
    }
    return [{ path: childPath, schema: child, doc: own }];
  });
}

function valueAt(config: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], config);
}

export function renderConfigurationDoc(repoRoot: string): string {
  const docs = docComments(repoRoot);
  const rows = leafRows(launcherConfigSchema, [], docs, { variable: 'launcherConfigSchema', base: 0 });
  const sections = new Map<string, Row[]>();
  for (const row of rows) {
    const section = row.path.length === 1 ? '(top level)' : row.path.slice(0, -1).join('.');
    sections.set(section, [...(sections.get(section) ?? []), row]);
  }
  const lines = [
    '<!-- Generated from the config schemas by services/launcher/src/config-doc.ts: do not edit;',
    '     regenerate with `node services/launcher/scripts/gen-config-doc.mjs` (a test fails when this page is stale). -->',
    '# Configuration reference',
    '',
    'One typed config with a section per component. Each setting comes from, in',
    'order of precedence: the environment variable, the YAML file (`--config',
    'file.yaml` or `STALLSCOPE_CONFIG`), the default. Unknown keys in the file and',
    'unknown `STALLSCOPE_*` variables are refused at start with a message naming',
    'them (`STALLSCOPE_CONFIG`, `STALLSCOPE_API_URL` and `STALLSCOPE_API_KEY`, which',
    'the command line reads, excepted). In YAML a setting is its key path:',
    '',
    '```yaml',
    'agent:',
    '  slowSyscallThresholdMs: 5',
    'transport:',
    '  kind: kafka',
    '  kafka:',
    '    brokers: [kafka-1:9092, kafka-2:9092]',
    '```',
    '',
    'The command line (`stallscope top`, ...) has its own, smaller configuration:',
    'see [the README](../README.md#command-line).',
  ];
  for (const [section, sectionRows] of sections) {
    lines.push('', `## ${section === '(top level)' ? 'Top level' : `\`${section}\``}`, '', '| key | environment variable | type | default | description |', '|---|---|---|---|---|');
    for (const row of sectionRows) {
      lines.push(
        `| \`${row.path.at(-1)}\` | \`${envVarName('STALLSCOPE', row.path)}\` | ${cell(typeText(row.schema))} | ${cell(defaultText(valueAt(launcherConfigDefaults, row.path)))} | ${cell(row.doc || '—')} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
