import { Type, type Static } from '@sinclair/typebox';
import { LOG_LEVELS } from '@stallscope/common';
import { agentConfigDefaults, agentConfigSchema } from '@stallscope/bpf-agent';
import { collectorConfigDefaults, collectorConfigSchema } from '@stallscope/collector/config';
import { ingestConfigDefaults, ingestConfigSchema } from '@stallscope/ingest/config';
import { queryApiConfigDefaults, queryApiConfigSchema } from '@stallscope/query-api/config';
import { sloConfigDefaults, sloConfigSchema } from '@stallscope/query-api/slo-config';
import { storeConfigDefaults, storeConfigSchema } from '@stallscope/store/config';
import {
  inProcessTransportConfigDefaults,
  inProcessTransportConfigSchema,
  kafkaTransportConfigDefaults,
  kafkaTransportConfigSchema,
} from '@stallscope/transport';
import { selfTracingConfigDefaults, selfTracingConfigSchema } from './self-tracing-config.js';
import { serverConfigDefaults, serverConfigSchema } from './server-config.js';

/** One config, a section per component; env STALLSCOPE_<SECTION>_<KEY> or a YAML file set it. */
export const launcherConfigSchema = Type.Object(
  {
    /** Comma list of modules to run (see --list-targets). */
    target: Type.String({ minLength: 1 }),
    /** Where the embedded store and the generated auth token live. */
    dataDir: Type.String({ minLength: 1 }),
    logLevel: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level))),
    server: serverConfigSchema,
    agent: agentConfigSchema,
    transport: Type.Object(
      {
        /** in-process: agent and ingest in one process; kafka: anything else. */
        kind: Type.Union([Type.Literal('in-process'), Type.Literal('kafka')]),
        inProcess: inProcessTransportConfigSchema,
        kafka: kafkaTransportConfigSchema,
      },
      { additionalProperties: false },
    ),
    store: storeConfigSchema,
    ingest: ingestConfigSchema,
    collector: collectorConfigSchema,
    queryApi: queryApiConfigSchema,
    slo: sloConfigSchema,
    /** stallscope's own spans, for another stallscope to watch (off by default). */
    selfTracing: selfTracingConfigSchema,
  },
  { additionalProperties: false },
);
export type LauncherConfig = Static<typeof launcherConfigSchema>;

export const launcherConfigDefaults: LauncherConfig = {
  target: 'all',
  dataDir: './data',
  logLevel: 'info',
  server: serverConfigDefaults,
  agent: agentConfigDefaults,
  transport: {
    kind: 'in-process',
    inProcess: inProcessTransportConfigDefaults,
    kafka: kafkaTransportConfigDefaults,
  },
  // An empty chdbPath follows dataDir.
  store: { ...storeConfigDefaults, chdbPath: '' },
  ingest: ingestConfigDefaults,
  collector: collectorConfigDefaults,
  queryApi: queryApiConfigDefaults,
  slo: sloConfigDefaults,
  selfTracing: selfTracingConfigDefaults,
};
