import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSlos } from './build-slo.js';
import { readOpenSloObjects } from './documents.js';
import { OpenSloError } from './yaml-node.js';

const build = (text: string) => buildSlos(readOpenSloObjects(text));

function rejection(text: string): string {
  try {
    build(text);
  } catch (error) {
    if (error instanceof OpenSloError) return error.message;
    throw error;
  }
  assert.fail('accepted');
}

// The specification's examples, with our metricSource in place of theirs
// (theirs name Datadog or "Any", which stallscope does not read).
const timeslicesExample = `# The spec's budgeting-method example: an availability SLA over a calendar month
apiVersion: openslo/v1
kind: SLO
metadata:
  name: service-availability
  displayName: Reflection of our availability SLA
spec:
  description: SLO to see if we are above our SLA and to react before.
  service: web-availability
  indicator:
    metadata:
      name: web-availability
      displayName: Time when our service was running.
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Stallscope
            spec:
              signal: spans
              statusCode: [Unset, Ok]
        total:
          metricSource:
            type: Stallscope
            spec:
              signal: spans
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar:
        startTime: 2022-01-01 12:00:00
        timeZone: America/New_York
  budgetingMethod: Timeslices
  objectives:
    - displayName: SLA
      target: 0.99
      timeSliceTarget: 0.99
      timeSliceWindow: 1m
`;

const occurrencesExample = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: search-slo
  displayName: Searching time
spec:
  description: Regardless of the number of parallel searches it never should be more than 500ms.
  service: web-shop
  indicatorRef: search-latency
  timeWindow:
    - duration: 2w
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Good experience
      op: lt
      value: 500
      target: 0.99
  alertPolicies:
    - alertPolicyRef: search-fast-burn
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: search-latency
  displayName: Latency of user searches
spec:
  thresholdMetric:
    metricSource:
      metricSourceRef: stallscope
      spec:
        signal: spans
        spanName: GET /search
---
apiVersion: openslo/v1
kind: DataSource
metadata:
  name: stallscope
spec:
  type: Stallscope
  connectionDetails: {}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: search-fast-burn
  displayName: Alert Policy
spec:
  description: Pages on a fast burn
  alertWhenBreaching: true
  alertWhenResolved: false
  conditions:
    - kind: AlertCondition
      metadata:
        name: fast-burn
        displayName: Fast burn
      spec:
        description: SLO burn rate over 1h exceeds 14.4
        severity: page
        condition:
          kind: burnrate
          op: gte
          threshold: 14.4
          lookbackWindow: 1h
          alertAfter: 5m
  notificationTargets:
    - targetRef: OnCallWebhook
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: OnCallWebhook
spec:
  description: Notifies the on-call webhook
  target: https://alerts.example.com/hooks/stallscope
`;

describe('buildSlos (OpenSLO v1)', () => {
  it('reads the spec example of Timeslices over a calendar window, with an inlined ratio SLI', () => {
    const [slo] = build(timeslicesExample);
    assert.ok(slo);
    assert.equal(slo.name, 'service-availability');
    assert.equal(slo.budgetingMethod, 'Timeslices');
    assert.equal(slo.sliceSeconds, 60);
    assert.equal(slo.timeSliceTarget, 0.99);
    assert.deepEqual(slo.indicator, {
      kind: 'ratio',
      total: { service: 'web-availability', spanName: undefined, spanKind: undefined },
      counted: 'good',
      filter: { statusCodes: ['Unset', 'Ok'], maxDurationMs: undefined },
    });
    assert.deepEqual(slo.timeWindow, {
      kind: 'calendar',
      duration: { kind: 'calendar', months: 1, text: '1M' },
      startTime: '2022-01-01 12:00:00',
      timeZone: 'America/New_York',
    });
  });

  it('resolves indicatorRef, metricSourceRef, alertPolicyRef and targetRef among the documents', () => {
    const [slo] = build(occurrencesExample);
    assert.ok(slo);
    assert.deepEqual(slo.indicator, {
      kind: 'threshold',
      source: { signal: 'spans', spans: { service: 'web-shop', spanName: 'GET /search', spanKind: undefined }, statistic: 'p99' },
      op: 'lt',
      value: 500,
    });
    assert.deepEqual(slo.timeWindow, { kind: 'rolling', duration: { kind: 'fixed', seconds: 1_209_600, text: '2w' } });
    assert.deepEqual(slo.alertPolicies, [
      {
        name: 'search-fast-burn',
        alertWhenBreaching: true,
        alertWhenResolved: false,
        condition: { name: 'fast-burn', severity: 'page', op: 'gte', threshold: 14.4, lookbackSeconds: 3_600, alertAfterSeconds: 300 },
        targets: [{ name: 'OnCallWebhook', url: 'https://alerts.example.com/hooks/stallscope' }],
      },
    ]);
  });

  it('defaults to a rolling 30d window', () => {
    const [slo] = build(occurrencesExample.replace(/ {2}timeWindow:\n.*\n.*\n/, ''));
    assert.deepEqual(slo?.timeWindow, { kind: 'rolling', duration: { kind: 'fixed', seconds: 2_592_000, text: '30d' } });
  });

  it('rejects what stallscope cannot compute, naming the field', () => {
    const cases: [string, string][] = [
      [timeslicesExample.replace('apiVersion: openslo/v1', 'apiVersion: openslo/v2alpha'), 'apiVersion: must be openslo/v1'],
      [timeslicesExample.replace('budgetingMethod: Timeslices', 'budgetingMethod: RatioTimeslices'), 'spec.budgetingMethod: must be one of Occurrences, Timeslices, got RatioTimeslices'],
      [timeslicesExample.replace('      timeSliceTarget: 0.99\n', ''), 'spec.objectives[0].timeSliceTarget: is required with a ratioMetric budgeted by Timeslices: the ratio a good slice reaches'],
      [timeslicesExample.replace('timeSliceWindow: 1m', 'timeSliceWindow: 90s'), 'spec.objectives[0].timeSliceWindow: must be a duration shorthand such as 5m, 1h, 7d'],
      [timeslicesExample.replace('timeZone: America/New_York', 'timeZone: Mars/Olympus'), 'spec.timeWindow[0].calendar.timeZone: is not an IANA time zone: Mars/Olympus'],
      [timeslicesExample.replace('statusCode: [Unset, Ok]', 'statusCode: [Fine]'), 'spec.indicator.spec.ratioMetric.good.metricSource.spec.statusCode[0]: must be one of Unset, Ok, Error, got Fine'],
      [timeslicesExample.replace('              signal: spans\n              statusCode', '              signal: spans\n              spanName: GET /other\n              statusCode'), "spec.indicator.spec.ratioMetric.good.metricSource.spec.spanName: must be the total's spanName (unset): good and bad count among the total's spans"],
      [timeslicesExample.replace('      ratioMetric:\n        counter: true\n', '      ratioMetric:\n        counter: true\n        rawType: success\n        raw:\n          metricSource:\n            type: Stallscope\n'), 'spec.indicator.spec.ratioMetric.raw: precomputed ratios are not stored by stallscope: give good or bad, and total'],
      [occurrencesExample.replace('type: Stallscope', 'type: Prometheus'), 'documents[1].spec.thresholdMetric.metricSource.type: stallscope computes indicators from its own tables only: must be Stallscope, got Prometheus'],
      [occurrencesExample.replace('target: https://alerts.example.com/hooks/stallscope', 'target: email'), 'documents[4].spec.target: stallscope delivers webhooks only: must be an http(s) URL, got email'],
      [occurrencesExample.replace('        spanName: GET /search', '        spanName: GET /search\n        percentile: 99'), 'documents[1].spec.thresholdMetric.metricSource.spec.percentile: unknown field; expected one of signal, service, spanName, spanKind, statistic'],
      [occurrencesExample.replace('      target: 0.99\n  alertPolicies', '      target: 0.99\n    - op: lt\n      value: 900\n      target: 0.999\n  alertPolicies'), 'documents[0].spec.objectives[1]: stallscope computes one objective per SLO: give each objective its own SLO'],
      [occurrencesExample.replace('lookbackWindow: 1h', 'lookbackWindow: 1M'), 'documents[3].spec.conditions[0].spec.condition.lookbackWindow: must be in m, h, d or w: a fixed length'],
      [occurrencesExample.replace('alertWhenResolved: false', 'alertWhenResolved: false\n  alertWhenNoData: true'), 'documents[3].spec.alertWhenNoData: alerts on missing data are not evaluated by stallscope; leave it false'],
      [occurrencesExample.replace('      target: 0.99\n', '      targetPercent: 100\n'), 'documents[0].spec.objectives[0].targetPercent: must be within [0, 1) (targetPercent [0, 100))'],
      ['apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: "-bad"\n', 'metadata.name: must be 1-255 letters, digits, ".", "_" or "-", starting and ending with a letter or digit'],
      ['kind: [unclosed', '(document): not valid YAML: '],
    ];
    for (const [text, message] of cases) {
      const got = rejection(text);
      assert.ok(got.startsWith(message), `expected "${message}", got "${got}"`);
    }
  });
});
