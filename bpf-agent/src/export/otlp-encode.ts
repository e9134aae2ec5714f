import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

/**
 * One ExportMetricsServiceRequest holding every resource. OTel's serializer
 * takes one ResourceMetrics at a time; concatenated protobuf messages merge
 * (repeated fields append), so the concatenation is one valid request.
 */
export function encodeMetricsRequest(resourceMetrics: readonly ResourceMetrics[]): Buffer {
  return Buffer.concat(resourceMetrics.map((rm) => ProtobufMetricsSerializer.serializeRequest(rm) ?? new Uint8Array()));
}

/** One ExportTraceServiceRequest; the serializer groups spans by resource object. */
export function encodeTraceRequest(spans: readonly ReadableSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest([...spans]) ?? new Uint8Array());
}
