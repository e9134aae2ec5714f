import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { SELF_TRACING_SCOPE, SelfSpan, SelfSpanAttr } from '@stallscope/schemas';
import { ExportRefusal } from './collector-metrics.js';
import type { MessagePlan } from './request-messages.js';
import type { SignalShape } from './signals.js';

/**
 * A no-op until the launcher starts the OpenTelemetry SDK (self-tracing).
 *
 * A collector that receives stallscope's own spans does not amplify them: it
 * makes one span per export request, whatever the request holds, and the SDK
 * batches its spans into at most one export per flush (and one per 512 spans),
 * so the spans about exporting our spans are at most one per flush, a constant
 * trickle rather than a span per span. No instrumentation traces the gRPC or
 * HTTP traffic itself, so the exporter's own requests make no spans.
 */
const tracer = trace.getTracer(SELF_TRACING_SCOPE);

/** Runs one export under its span: signal, bytes, items accepted and rejected, messages sent, outcome. */
export async function traceExport(shape: SignalShape, bodyBytes: number, exportRequest: () => Promise<MessagePlan>): Promise<MessagePlan> {
  return tracer.startActiveSpan(SelfSpan.collectorExport, { kind: SpanKind.SERVER }, async (span: Span) => {
    const recording = span.isRecording();
    if (recording) span.setAttributes({ [SelfSpanAttr.signal]: shape.name, [SelfSpanAttr.requestBytes]: bodyBytes });
    try {
      const plan = await exportRequest();
      if (recording) {
        span.setAttributes({
          [SelfSpanAttr.acceptedItems]: plan.acceptedItems,
          [SelfSpanAttr.rejectedItems]: plan.rejectedItems,
          [SelfSpanAttr.messages]: plan.messages.length,
          [SelfSpanAttr.outcome]: 'accepted',
        });
      }
      return plan;
    } catch (err) {
      span.setAttribute(SelfSpanAttr.outcome, err instanceof ExportRefusal ? err.reason : 'failed');
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
