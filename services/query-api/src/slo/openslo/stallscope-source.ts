// Our metricSource type: indicators computed from stallscope's own tables.
// Documented in docs/slos.md; the field names here are that contract.
import { WAIT_CLASSES } from '@stallscope/schemas';
import {
  LATENCY_STATISTICS,
  SPAN_STATUS_CODES,
  type SpanEventFilter,
  type SpanSelector,
  type ThresholdSource,
} from '../slo-definition.js';
import type { OpenSloObject } from './documents.js';
import type { YamlNode } from './yaml-node.js';

/** `metricSource.type` (or the referenced DataSource's `spec.type`) that selects our tables. */
export const STALLSCOPE_SOURCE_TYPE = 'Stallscope';

export const THRESHOLD_SIGNALS = ['syscall.duration', 'wait.share', 'spans'] as const;

/** The `spec` of a metricSource, after checking its type is ours. */
function sourceSpec(metricSource: YamlNode, dataSources: ReadonlyMap<string, OpenSloObject>): YamlNode {
  const ref = metricSource.child('metricSourceRef').optionalString();
  const typeNode = metricSource.child('type');
  let type = typeNode.optionalString();
  if (type === undefined && ref !== undefined) {
    const dataSource = dataSources.get(ref) ?? metricSource.child('metricSourceRef').fail(`no DataSource named ${ref}`);
    type = dataSource.node.child('spec').child('type').string();
  }
  if (type !== STALLSCOPE_SOURCE_TYPE) {
    typeNode.fail(`stallscope computes indicators from its own tables only: must be ${STALLSCOPE_SOURCE_TYPE}${type ? `, got ${type}` : ''}`);
  }
  return metricSource.child('spec');
}

function spanSelector(spec: YamlNode, defaultService: string): SpanSelector {
  return {
    service: spec.child('service').optionalString() ?? defaultService,
    spanName: spec.child('spanName').optionalString(),
    spanKind: spec.child('spanKind').optionalString(),
  };
}

/** A thresholdMetric's source: one of THRESHOLD_SIGNALS. */
export function thresholdSource(
  metricSource: YamlNode,
  dataSources: ReadonlyMap<string, OpenSloObject>,
  defaultService: string,
): ThresholdSource {
  const spec = sourceSpec(metricSource, dataSources);
  const signal = spec.child('signal').oneOf(THRESHOLD_SIGNALS);
  const service = spec.child('service').optionalString() ?? defaultService;
  const statisticNode = spec.child('statistic');
  const statistic = statisticNode.present ? statisticNode.oneOf(LATENCY_STATISTICS) : 'p99';
  switch (signal) {
    case 'syscall.duration': {
      spec.onlyKeys(['signal', 'service', 'syscall', 'waitClass', 'statistic']);
      const waitClass = spec.child('waitClass');
      return {
        signal,
        service,
        syscall: spec.child('syscall').optionalString(),
        waitClass: waitClass.present ? waitClass.oneOf(WAIT_CLASSES) : undefined,
        statistic,
      };
    }
    case 'wait.share':
      spec.onlyKeys(['signal', 'service']);
      return { signal, service };
    case 'spans':
      spec.onlyKeys(['signal', 'service', 'spanName', 'spanKind', 'statistic']);
      return { signal, spans: spanSelector(spec, defaultService), statistic };
  }
}

/** The spans a ratioMetric's `total` counts. */
export function ratioTotalSource(
  metricSource: YamlNode,
  dataSources: ReadonlyMap<string, OpenSloObject>,
  defaultService: string,
): SpanSelector {
  const spec = sourceSpec(metricSource, dataSources);
  spec.onlyKeys(['signal', 'service', 'spanName', 'spanKind']);
  spec.child('signal').oneOf(['spans'] as const);
  return spanSelector(spec, defaultService);
}

/**
 * Which of the total's spans a ratioMetric's `good` or `bad` counts. It may
 * repeat the total's selector; naming other spans would make a ratio of
 * unrelated counts, so that is refused.
 */
export function ratioEventFilter(
  metricSource: YamlNode,
  dataSources: ReadonlyMap<string, OpenSloObject>,
  total: SpanSelector,
): SpanEventFilter {
  const spec = sourceSpec(metricSource, dataSources);
  spec.onlyKeys(['signal', 'service', 'spanName', 'spanKind', 'statusCode', 'maxDurationMs']);
  spec.child('signal').oneOf(['spans'] as const);
  for (const key of ['service', 'spanName', 'spanKind'] as const) {
    const node = spec.child(key);
    if (node.present && node.string() !== total[key]) node.fail(`must be the total's ${key} (${total[key] ?? 'unset'}): good and bad count among the total's spans`);
  }
  const statusNode = spec.child('statusCode');
  const statusCodes = !statusNode.present
    ? undefined
    : Array.isArray(statusNode.value)
      ? statusNode.items().map((item) => item.oneOf(SPAN_STATUS_CODES))
      : [statusNode.oneOf(SPAN_STATUS_CODES)];
  const maxDuration = spec.child('maxDurationMs');
  const maxDurationMs = maxDuration.optionalNumber();
  if (maxDurationMs !== undefined && !(maxDurationMs > 0)) maxDuration.fail('must be above 0');
  if (statusCodes === undefined && maxDurationMs === undefined) spec.fail('must set statusCode or maxDurationMs: which spans count');
  return { statusCodes, maxDurationMs };
}
