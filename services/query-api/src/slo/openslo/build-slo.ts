import { parseDurationShorthand, type DurationShorthand } from '../duration-shorthand.js';
import {
  COMPARISON_OPS,
  type AlertPolicy,
  type BudgetingMethod,
  type BurnRateCondition,
  type Indicator,
  type NotificationTarget,
  type SloDefinition,
  type TimeWindow,
} from '../slo-definition.js';
import { objectName, type OpenSloKind, type OpenSloObject } from './documents.js';
import { ratioEventFilter, ratioTotalSource, thresholdSource } from './stallscope-source.js';
import type { YamlNode } from './yaml-node.js';

const SECONDS_PER_MINUTE = 60;
const MAX_SLICE_SECONDS = 86_400;
/** Sloth's and Pyrra's default window, and the one the SRE workbook's burn rates are tuned for. */
const DEFAULT_TIME_WINDOW: TimeWindow = { kind: 'rolling', duration: { kind: 'fixed', seconds: 30 * 86_400, text: '30d' } };
const CALENDAR_START = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Objects by kind and name, from the same text and from the shared pool (files). */
class ObjectIndex {
  private readonly byKind = new Map<OpenSloKind, Map<string, OpenSloObject>>();

  constructor(objects: readonly OpenSloObject[]) {
    for (const object of objects) {
      const named = this.byKind.get(object.kind) ?? new Map<string, OpenSloObject>();
      named.set(object.name, object);
      this.byKind.set(object.kind, named);
    }
  }

  of(kind: OpenSloKind): ReadonlyMap<string, OpenSloObject> {
    return this.byKind.get(kind) ?? new Map();
  }

  /** The object a `*Ref` field names; fails at the field when there is none. */
  resolve(kind: OpenSloKind, ref: YamlNode): YamlNode {
    const name = ref.string();
    const object = this.of(kind).get(name);
    if (!object) ref.fail(`no ${kind} named ${name}`);
    return object.node;
  }
}

function fixedDuration(node: YamlNode, zero: 'allowed' | 'refused' = 'refused'): DurationShorthand & { kind: 'fixed' } {
  const duration = parseDurationShorthand(node.string());
  if (!duration) node.fail('must be a duration shorthand such as 5m, 1h, 7d');
  if (duration.kind !== 'fixed') node.fail('must be in m, h, d or w: a fixed length');
  if (duration.seconds === 0 && zero === 'refused') node.fail('must be longer than 0');
  return duration;
}

function indicator(slo: YamlNode, index: ObjectIndex, service: string): { indicator: Indicator; objectiveOp: boolean } {
  const spec = slo.child('spec');
  const inline = spec.child('indicator');
  const ref = spec.child('indicatorRef');
  if (inline.present === ref.present) spec.fail('must have exactly one of indicator and indicatorRef');
  const sli = (inline.present ? inline : index.resolve('SLI', ref)).child('spec');
  const threshold = sli.child('thresholdMetric');
  const ratio = sli.child('ratioMetric');
  if (threshold.present === ratio.present) sli.fail('must have exactly one of thresholdMetric and ratioMetric');
  const dataSources = index.of('DataSource');
  if (threshold.present) {
    const source = thresholdSource(threshold.child('metricSource'), dataSources, service);
    // op and value come from the objective; filled in by the caller.
    return { indicator: { kind: 'threshold', source, op: 'lt', value: 0 }, objectiveOp: true };
  }
  if (ratio.child('raw').present) ratio.child('raw').fail('precomputed ratios are not stored by stallscope: give good or bad, and total');
  const good = ratio.child('good');
  const bad = ratio.child('bad');
  if (good.present === bad.present) ratio.fail('must have exactly one of good and bad');
  const total = ratioTotalSource(ratio.child('total').child('metricSource'), dataSources, service);
  const counted = good.present ? 'good' : 'bad';
  const filter = ratioEventFilter((good.present ? good : bad).child('metricSource'), dataSources, total);
  return { indicator: { kind: 'ratio', total, counted, filter }, objectiveOp: false };
}

function timeWindow(spec: YamlNode): TimeWindow {
  const list = spec.child('timeWindow');
  if (!list.present) return DEFAULT_TIME_WINDOW;
  const items = list.items();
  if (items.length !== 1) list.fail('must hold exactly one time window');
  const window = items[0] as YamlNode;
  const durationNode = window.child('duration');
  const duration = parseDurationShorthand(durationNode.string()) ?? durationNode.fail('must be a duration shorthand such as 28d, 4w, 1M');
  if (duration.text.startsWith('0')) durationNode.fail('must be longer than 0');
  const calendar = window.child('calendar');
  const isRolling = window.child('isRolling').optionalBoolean() ?? !calendar.present;
  if (isRolling) {
    if (calendar.present) calendar.fail('a rolling window has no calendar');
    return { kind: 'rolling', duration };
  }
  if (!calendar.present) window.fail('a window that is not rolling needs calendar.startTime and calendar.timeZone');
  const startTimeNode = calendar.child('startTime');
  const startTime = startTimeNode.string();
  if (!CALENDAR_START.test(startTime)) startTimeNode.fail('must be YYYY-MM-DD HH:MM:SS');
  const timeZoneNode = calendar.child('timeZone');
  const timeZone = timeZoneNode.string();
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    timeZoneNode.fail(`is not an IANA time zone: ${timeZone}`);
  }
  return { kind: 'calendar', duration, startTime, timeZone };
}

function sliceSeconds(node: YamlNode): number {
  const seconds = typeof node.value === 'number' ? node.number() * SECONDS_PER_MINUTE : fixedDuration(node).seconds;
  if (!(Number.isInteger(seconds / SECONDS_PER_MINUTE) && seconds >= SECONDS_PER_MINUTE && seconds <= MAX_SLICE_SECONDS)) {
    node.fail('must be whole minutes between 1m and 1d: the rollups are per minute');
  }
  return seconds;
}

function notificationTarget(node: YamlNode, index: ObjectIndex): NotificationTarget {
  const ref = node.child('targetRef');
  const object = ref.present ? index.resolve('AlertNotificationTarget', ref) : node;
  const target = object.child('spec').child('target');
  const url = target.string();
  if (!/^https?:\/\/\S+$/.test(url)) target.fail(`stallscope delivers webhooks only: must be an http(s) URL, got ${url}`);
  return { name: objectName(object), url };
}

function burnRateCondition(node: YamlNode, index: ObjectIndex): BurnRateCondition {
  const ref = node.child('conditionRef');
  const object = ref.present ? index.resolve('AlertCondition', ref) : node;
  const spec = object.child('spec');
  const condition = spec.child('condition');
  const kind = condition.child('kind');
  if (kind.present) kind.oneOf(['burnrate'] as const);
  const threshold = condition.child('threshold');
  if (!(threshold.number() > 0)) threshold.fail('must be above 0');
  const alertAfter = condition.child('alertAfter');
  return {
    name: objectName(object),
    severity: spec.child('severity').string(),
    op: condition.child('op').oneOf(COMPARISON_OPS),
    threshold: threshold.number(),
    lookbackSeconds: fixedDuration(condition.child('lookbackWindow')).seconds,
    alertAfterSeconds: alertAfter.present ? fixedDuration(alertAfter, 'allowed').seconds : 0,
  };
}

function alertPolicy(node: YamlNode, index: ObjectIndex): AlertPolicy {
  const ref = node.child('alertPolicyRef');
  const object = ref.present ? index.resolve('AlertPolicy', ref) : node;
  const spec = object.child('spec');
  const noData = spec.child('alertWhenNoData');
  if (noData.optionalBoolean() === true) noData.fail('alerts on missing data are not evaluated by stallscope; leave it false');
  const conditions = spec.child('conditions').items();
  if (conditions.length !== 1) spec.child('conditions').fail('must hold exactly one condition (OpenSLO v1 allows one)');
  const targets = spec.child('notificationTargets').items();
  if (targets.length === 0) spec.child('notificationTargets').fail('must name at least one target');
  return {
    name: objectName(object),
    alertWhenBreaching: spec.child('alertWhenBreaching').optionalBoolean() ?? true,
    alertWhenResolved: spec.child('alertWhenResolved').optionalBoolean() ?? false,
    condition: burnRateCondition(conditions[0] as YamlNode, index),
    targets: targets.map((target) => notificationTarget(target, index)),
  };
}

function buildSlo(slo: OpenSloObject, index: ObjectIndex): SloDefinition {
  const spec = slo.node.child('spec');
  const service = spec.child('service').string();
  const budgetingMethod: BudgetingMethod = spec.child('budgetingMethod').oneOf(['Occurrences', 'Timeslices'] as const);
  const built = indicator(slo.node, index, service);
  const objectives = spec.child('objectives').items();
  if (objectives.length === 0) spec.child('objectives').fail('must hold one objective');
  if (objectives.length > 1) (objectives[1] as YamlNode).fail('stallscope computes one objective per SLO: give each objective its own SLO');
  const objective = objectives[0] as YamlNode;

  const targetNode = objective.child('target');
  const percentNode = objective.child('targetPercent');
  if (targetNode.present === percentNode.present) objective.fail('must have exactly one of target and targetPercent');
  const target = targetNode.present ? targetNode.number() : percentNode.number() / 100;
  if (!(target >= 0 && target < 1)) (targetNode.present ? targetNode : percentNode).fail('must be within [0, 1) (targetPercent [0, 100))');

  let indicatorWithObjective = built.indicator;
  if (built.objectiveOp && indicatorWithObjective.kind === 'threshold') {
    indicatorWithObjective = { ...indicatorWithObjective, op: objective.child('op').oneOf(COMPARISON_OPS), value: objective.child('value').number() };
    const signal = indicatorWithObjective.source.signal;
    if (budgetingMethod === 'Occurrences' && signal !== 'spans') {
      spec.child('budgetingMethod').fail(`${signal} gives one value per time slice, not one per event: use Timeslices`);
    }
  }

  let timeSliceTarget: number | undefined;
  let slice = SECONDS_PER_MINUTE;
  if (budgetingMethod === 'Timeslices') {
    const window = objective.child('timeSliceWindow');
    if (!window.present) window.fail('is required with budgetingMethod Timeslices');
    slice = sliceSeconds(window);
    const sliceTarget = objective.child('timeSliceTarget');
    timeSliceTarget = sliceTarget.optionalNumber();
    if (timeSliceTarget !== undefined && !(timeSliceTarget > 0 && timeSliceTarget <= 1)) sliceTarget.fail('must be within (0, 1]');
    if (indicatorWithObjective.kind === 'ratio' && timeSliceTarget === undefined) {
      sliceTarget.fail('is required with a ratioMetric budgeted by Timeslices: the ratio a good slice reaches');
    }
  }

  const policies = spec.child('alertPolicies');
  return {
    name: slo.name,
    displayName: slo.node.child('metadata').child('displayName').optionalString(),
    description: spec.child('description').optionalString(),
    service,
    indicator: indicatorWithObjective,
    budgetingMethod,
    target,
    timeSliceTarget,
    sliceSeconds: slice,
    timeWindow: timeWindow(spec),
    alertPolicies: policies.present ? policies.items().map((policy) => alertPolicy(policy, index)) : [],
  };
}

/**
 * The SLOs among `objects`, each checked to be computable by stallscope.
 * References (indicatorRef, alertPolicyRef, conditionRef, targetRef,
 * metricSourceRef) resolve among `objects` first, then among `shared`.
 */
export function buildSlos(objects: readonly OpenSloObject[], shared: readonly OpenSloObject[] = []): SloDefinition[] {
  const index = new ObjectIndex([...shared, ...objects]);
  return objects.filter((object) => object.kind === 'SLO').map((slo) => buildSlo(slo, index));
}
