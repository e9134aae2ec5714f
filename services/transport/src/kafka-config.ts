import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { ConfigError } from '@stallscope/common';
import type { KafkaTransportConfig } from './config.js';

/**
 * What the schema cannot say about a Kafka transport config. A handler batch,
 * a fetch wait or a retry pause as long as the session would get the member
 * evicted: its commit then fails after the rebalance and the batch replays.
 */
export function validateKafkaTransportConfig(config: KafkaTransportConfig): void {
  const problems: string[] = [];
  const { sessionTimeoutMs } = config;
  if (config.heartbeatIntervalMs * 3 > sessionTimeoutMs) {
    problems.push(`heartbeatIntervalMs (${config.heartbeatIntervalMs}) must be at most a third of sessionTimeoutMs (${sessionTimeoutMs})`);
  }
  if (config.fetchMaxWaitMs >= sessionTimeoutMs) {
    problems.push(`fetchMaxWaitMs (${config.fetchMaxWaitMs}) must be below sessionTimeoutMs (${sessionTimeoutMs})`);
  }
  if (config.handlerRetryBackoffMs >= sessionTimeoutMs) {
    problems.push(`handlerRetryBackoffMs (${config.handlerRetryBackoffMs}) must be below sessionTimeoutMs (${sessionTimeoutMs})`);
  }
  if (config.sasl) {
    const { password, passwordFile } = config.sasl;
    if ((password === undefined) === (passwordFile === undefined)) {
      problems.push('sasl needs exactly one of password (from the environment) or passwordFile');
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`invalid kafka transport configuration:\n${problems.map((problem) => `  transport.kafka.${problem}`).join('\n')}`);
  }
}

function readConfigFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

/** The kafkajs ssl and sasl options of a validated config, with the files it names read. */
export function kafkaSecurityOptions(config: KafkaTransportConfig): { ssl: ConnectionOptions | boolean; sasl?: SASLOptions } {
  const { ssl, sasl } = config;
  const tls =
    typeof ssl === 'boolean'
      ? ssl
      : {
          ...(ssl.caFile ? { ca: readConfigFile(ssl.caFile, 'transport.kafka.ssl.caFile') } : {}),
          ...(ssl.certFile ? { cert: readConfigFile(ssl.certFile, 'transport.kafka.ssl.certFile') } : {}),
          ...(ssl.keyFile ? { key: readConfigFile(ssl.keyFile, 'transport.kafka.ssl.keyFile') } : {}),
        };
  if (!sasl) return { ssl: tls };
  const password = sasl.passwordFile
    ? readConfigFile(sasl.passwordFile, 'transport.kafka.sasl.passwordFile').replace(/[\r\n]+$/, '')
    : (sasl.password ?? '');
  return { ssl: tls, sasl: { mechanism: sasl.mechanism, username: sasl.username, password } };
}
