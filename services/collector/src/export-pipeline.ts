import type { Logger } from '@stallscope/common';
import type { TransportProducer } from '@stallscope/transport';
import type { CollectorConfig } from './config.js';
import { ExportRefusal, type CollectorMetrics } from './collector-metrics.js';
import { traceExport } from './collector-tracing.js';
import { decodeOtlpJson, decodeOtlpProtobuf, OtlpRequestError } from './otlp-json.js';
import { otlpRawStringType, otlpType } from './otlp-types.js';
import { planMessages, type MessagePlan } from './request-messages.js';
import type { SignalShape } from './signals.js';

export type BodyFormat = 'protobuf' | 'json';

export interface ExportPipelineDeps {
  producer: TransportProducer;
  metrics: CollectorMetrics;
  logger: Logger;
}

/** Resolves with the send, or rejects once timeoutMs passed (the send itself goes on). */
function withTimeout(send: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`transport did not accept the messages within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([send, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Decode, split and produce one export request; shared by the gRPC and HTTP
 * receivers. The caller holds the request's in-flight bytes until this
 * settles. Throws ExportRefusal (malformed body, transport error or timeout);
 * otherwise the plan says what was accepted, for partial_success.
 */
export function createExportPipeline(config: CollectorConfig, deps: ExportPipelineDeps) {
  const { producer, metrics, logger } = deps;

  async function send(shape: SignalShape, plan: MessagePlan, holdBytesUntil: (settled: Promise<unknown>) => void): Promise<void> {
    if (plan.messages.length === 0) return;
    const sending = producer.send(shape.topic, plan.messages);
    holdBytesUntil(sending.catch(() => undefined));
    try {
      await withTimeout(sending, config.sendTimeoutMs);
    } catch (err) {
      logger.warn({ err, signal: shape.name, messages: plan.messages.length }, 'transport refused an export; answered as retryable');
      throw new ExportRefusal('transport_error', `could not forward the request: ${(err as Error).message}`);
    }
  }

  return {
    /**
     * `holdBytesUntil` receives the send's own promise, which may outlive a timeout:
     * the caller releases the request's bytes only when that settles.
     */
    export(
      shape: SignalShape,
      format: BodyFormat,
      body: Buffer,
      holdBytesUntil: (settled: Promise<unknown>) => void,
    ): Promise<MessagePlan> {
      return traceExport(shape, body.length, async () => {
        const type = format === 'json' ? otlpType(shape.requestType) : otlpRawStringType(shape.requestType);
        let plan: MessagePlan;
        try {
          const request = format === 'json' ? decodeOtlpJson(type, body) : decodeOtlpProtobuf(type, body);
          plan = planMessages(shape, type, request as unknown as Record<string, unknown>, format === 'protobuf' ? body : undefined, config);
        } catch (err) {
          if (err instanceof OtlpRequestError) throw new ExportRefusal('malformed', err.message);
          throw err;
        }
        await send(shape, plan, holdBytesUntil);
        metrics.acceptedItems.inc({ signal: shape.name }, plan.acceptedItems);
        if (plan.rejectedItems > 0) metrics.rejectedItems.inc({ signal: shape.name }, plan.rejectedItems);
        return plan;
      });
    },
  };
}
export type ExportPipeline = ReturnType<typeof createExportPipeline>;
