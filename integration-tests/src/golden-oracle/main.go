// The golden round trip's second oracle: reads one OTLP ExportTraceServiceRequest
// (protobuf) on stdin and prints, one JSON line per span, the otel_traces row
// the OpenTelemetry Collector's ClickHouse exporter would write for it, built
// with the Collector's own pdata (pcommon.Value.AsString for every attribute,
// SpanKind/StatusCode String(), hex ids, exact nanoseconds). Attribute maps
// are lists of [key, value] pairs in hex, so repeated keys, their order and
// bytes that are not UTF-8 survive the trip through JSON.
package main

import (
	"bufio"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

type row struct {
	TraceId            string
	SpanId             string
	ParentSpanId       string
	TraceState         string
	SpanName           string
	SpanKind           string
	ServiceName        string
	ResourceAttributes [][2]string
	ScopeName          string
	ScopeVersion       string
	SpanAttributes     [][2]string
	StartNs            string
	Duration           string
	StatusCode         string
	StatusMessage      string
	EventNs            []string
	EventNames         []string
	EventAttributes    [][][2]string
	LinkTraceIds       []string
	LinkSpanIds        []string
	LinkTraceStates    []string
	LinkAttributes     [][][2]string
}

// As the exporter's AttributesToMap (clickhouse-go's orderedmap.CollectN over
// pcommon.Map.Range): every entry, a repeated key each time, then
// slices.SortFunc by key as CollectNFunc sorts them.
func attributes(m pcommon.Map) [][2]string {
	type entry struct{ key, value string }
	entries := make([]entry, 0, m.Len())
	m.Range(func(k string, v pcommon.Value) bool {
		entries = append(entries, entry{k, v.AsString()})
		return true
	})
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
	out := make([][2]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, [2]string{hex.EncodeToString([]byte(e.key)), hex.EncodeToString([]byte(e.value))})
	}
	return out
}

// As the exporter's SpanIDToHexOrEmptyString.
func spanID(id pcommon.SpanID) string {
	if id.IsEmpty() {
		return ""
	}
	return hex.EncodeToString(id[:])
}

func traceID(id pcommon.TraceID) string {
	if id.IsEmpty() {
		return ""
	}
	return hex.EncodeToString(id[:])
}

func nanos(t pcommon.Timestamp) string {
	return strconv.FormatInt(t.AsTime().UnixNano(), 10)
}

func main() {
	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	request := ptraceotlp.NewExportRequest()
	if err := request.UnmarshalProto(body); err != nil {
		panic(err)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	encoder := json.NewEncoder(out)
	traces := request.Traces()
	for i := 0; i < traces.ResourceSpans().Len(); i++ {
		resourceSpans := traces.ResourceSpans().At(i)
		resource := resourceSpans.Resource().Attributes()
		serviceName := ""
		if v, ok := resource.Get("service.name"); ok {
			serviceName = v.AsString()
		}
		for j := 0; j < resourceSpans.ScopeSpans().Len(); j++ {
			scopeSpans := resourceSpans.ScopeSpans().At(j)
			for k := 0; k < scopeSpans.Spans().Len(); k++ {
				span := scopeSpans.Spans().At(k)
				r := row{
					TraceId:            traceID(span.TraceID()),
					SpanId:             spanID(span.SpanID()),
					ParentSpanId:       spanID(span.ParentSpanID()),
					TraceState:         span.TraceState().AsRaw(),
					SpanName:           span.Name(),
					SpanKind:           span.Kind().String(),
					ServiceName:        serviceName,
					ResourceAttributes: attributes(resource),
					ScopeName:          scopeSpans.Scope().Name(),
					ScopeVersion:       scopeSpans.Scope().Version(),
					SpanAttributes:     attributes(span.Attributes()),
					StartNs:            nanos(span.StartTimestamp()),
					Duration:           strconv.FormatInt(span.EndTimestamp().AsTime().Sub(span.StartTimestamp().AsTime()).Nanoseconds(), 10),
					StatusCode:         span.Status().Code().String(),
					StatusMessage:      span.Status().Message(),
					EventNs:            []string{},
					EventNames:         []string{},
					EventAttributes:    [][][2]string{},
					LinkTraceIds:       []string{},
					LinkSpanIds:        []string{},
					LinkTraceStates:    []string{},
					LinkAttributes:     [][][2]string{},
				}
				for e := 0; e < span.Events().Len(); e++ {
					event := span.Events().At(e)
					r.EventNs = append(r.EventNs, nanos(event.Timestamp()))
					r.EventNames = append(r.EventNames, event.Name())
					r.EventAttributes = append(r.EventAttributes, attributes(event.Attributes()))
				}
				for l := 0; l < span.Links().Len(); l++ {
					link := span.Links().At(l)
					r.LinkTraceIds = append(r.LinkTraceIds, traceID(link.TraceID()))
					r.LinkSpanIds = append(r.LinkSpanIds, spanID(link.SpanID()))
					r.LinkTraceStates = append(r.LinkTraceStates, link.TraceState().AsRaw())
					r.LinkAttributes = append(r.LinkAttributes, attributes(link.Attributes()))
				}
				if err := encoder.Encode(r); err != nil {
					panic(err)
				}
			}
		}
	}
}
