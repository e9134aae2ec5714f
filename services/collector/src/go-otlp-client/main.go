// Sends a fixed set of spans through the OpenTelemetry Go SDK's OTLP/gRPC
// trace exporter to the endpoint in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, then
// prints what the SDK ended (one JSON object per span) for the caller to check
// against what the collector produced.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

type endedSpan struct {
	TraceID      string   `json:"traceId"`
	SpanID       string   `json:"spanId"`
	ParentSpanID string   `json:"parentSpanId"`
	Name         string   `json:"name"`
	StartNs      string   `json:"startNs"`
	EndNs        string   `json:"endNs"`
	EventNs      []string `json:"eventNs"`
	LinkTraceIDs []string `json:"linkTraceIds"`
	LinkSpanIDs  []string `json:"linkSpanIds"`
}

func run() error {
	ctx := context.Background()
	exporter, err := otlptracegrpc.New(ctx, otlptracegrpc.WithInsecure())
	if err != nil {
		return err
	}
	recorder := tracetest.NewSpanRecorder()
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithResource(resource.NewSchemaless(
			attribute.String("service.name", os.Getenv("SERVICE_NAME")),
			attribute.Int64("process.pid", 777),
		)),
		sdktrace.WithSpanProcessor(recorder),
		sdktrace.WithBatcher(exporter),
	)
	tracer := provider.Tracer("go-client", trace.WithInstrumentationVersion("1.0.0"))

	start := time.Unix(time.Now().Unix()-30, 123456789)
	_, producer := tracer.Start(ctx, "enqueue", trace.WithSpanKind(trace.SpanKindProducer), trace.WithTimestamp(start))
	producer.SetStatus(codes.Ok, "")
	producer.End(trace.WithTimestamp(start.Add(time.Millisecond)))

	serverCtx, server := tracer.Start(ctx, "GET /items", trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(start.Add(2*time.Millisecond)),
		trace.WithAttributes(
			attribute.String("http.route", "/items"),
			attribute.Int64("app.count", 9007199254740993),
			attribute.Float64("app.ratio", 0.25),
			attribute.Bool("app.cached", false),
			attribute.StringSlice("app.tags", []string{"x", "y"}),
			attribute.Int64Slice("app.sizes", []int64{4, 5}),
		))
	server.AddEvent("parsed", trace.WithAttributes(attribute.Int64("bytes", 512)), trace.WithTimestamp(start.Add(3*time.Millisecond)))
	_, client := tracer.Start(serverCtx, "SELECT items", trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(start.Add(4*time.Millisecond)),
		trace.WithLinks(trace.Link{SpanContext: producer.SpanContext(), Attributes: []attribute.KeyValue{attribute.String("link.kind", "follows")}}))
	client.SetStatus(codes.Error, "timeout")
	client.End(trace.WithTimestamp(start.Add(6 * time.Millisecond)))
	server.End(trace.WithTimestamp(start.Add(7 * time.Millisecond)))

	if err := provider.Shutdown(ctx); err != nil {
		return fmt.Errorf("export failed: %w", err)
	}
	out := json.NewEncoder(os.Stdout)
	for _, span := range recorder.Ended() {
		ended := endedSpan{
			TraceID:      span.SpanContext().TraceID().String(),
			SpanID:       span.SpanContext().SpanID().String(),
			Name:         span.Name(),
			StartNs:      fmt.Sprint(span.StartTime().UnixNano()),
			EndNs:        fmt.Sprint(span.EndTime().UnixNano()),
			EventNs:      []string{},
			LinkTraceIDs: []string{},
			LinkSpanIDs:  []string{},
		}
		if span.Parent().IsValid() {
			ended.ParentSpanID = span.Parent().SpanID().String()
		}
		for _, event := range span.Events() {
			ended.EventNs = append(ended.EventNs, fmt.Sprint(event.Time.UnixNano()))
		}
		for _, link := range span.Links() {
			ended.LinkTraceIDs = append(ended.LinkTraceIDs, link.SpanContext.TraceID().String())
			ended.LinkSpanIDs = append(ended.LinkSpanIDs, link.SpanContext.SpanID().String())
		}
		if err := out.Encode(ended); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
