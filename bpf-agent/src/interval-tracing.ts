import { trace, type Span } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { SELF_TRACING_SCOPE, SelfSpan, SelfSpanAttr } from '@stallscope/schemas';

/**
 * A no-op until the launcher starts the OpenTelemetry SDK (self-tracing),
 * which it does only when configured: one span per interval, never per record.
 */
const tracer = trace.getTracer(SELF_TRACING_SCOPE);

export const startIntervalSpan = (): Span => tracer.startSpan(SelfSpan.agentInterval);

export interface IntervalFigures {
  records: number;
  spans: number;
  resourceMetrics: readonly ResourceMetrics[];
  messages: number;
}

/** Ends an interval's span with what it read and emitted; data points are counted only for a recording span. */
export function endIntervalSpan(span: Span, figures: IntervalFigures): void {
  if (span.isRecording()) {
    let points = 0;
    for (const resource of figures.resourceMetrics) {
      for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) points += metric.dataPoints.length;
    }
    span.setAttributes({
      [SelfSpanAttr.records]: figures.records,
      [SelfSpanAttr.spansEmitted]: figures.spans,
      [SelfSpanAttr.pointsEmitted]: points,
      [SelfSpanAttr.messages]: figures.messages,
    });
  }
  span.end();
}
