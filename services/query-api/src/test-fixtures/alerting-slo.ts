/**
 * OpenSLO documents for the SLO evaluator's tests: an SLO on a service's read
 * latency (< 20 ms in 99% of one-minute slices), optionally alerting on a
 * one-hour fast burn (14.4x) to a webhook, and the objects that alert needs.
 */
export interface ReadSloAlert {
  /** The AlertNotificationTarget notified. */
  targetRef: string;
  whenResolved?: boolean;
}

export function readLatencySlo(name: string, service: string, alert?: ReadSloAlert): string {
  const policy = alert
    ? `  alertPolicies:
    - kind: AlertPolicy
      metadata:
        name: fast-burn
      spec:
        alertWhenBreaching: true${alert.whenResolved ? '\n        alertWhenResolved: true' : ''}
        conditions:
          - conditionRef: fast-burn-1h
        notificationTargets:
          - targetRef: ${alert.targetRef}
`
    : '';
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
spec:
  service: ${service}
  indicator:
    metadata:
      name: ${name}-read
    spec:
      thresholdMetric:
        metricSource:
          type: Stallscope
          spec:
            signal: syscall.duration
            syscall: read
  budgetingMethod: Timeslices
  objectives:
    - op: lt
      value: 20
      target: 0.99
      timeSliceWindow: 1m
${policy}`;
}

/** The condition readLatencySlo's alert refers to. */
export const FAST_BURN_1H = `apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: fast-burn-1h
spec:
  severity: page
  condition:
    kind: burnrate
    op: gte
    threshold: 14.4
    lookbackWindow: 1h
    alertAfter: 0m
`;

export function webhookTarget(name: string, url: string): string {
  return `apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: ${name}
spec:
  description: on-call webhook
  target: ${url}
`;
}
