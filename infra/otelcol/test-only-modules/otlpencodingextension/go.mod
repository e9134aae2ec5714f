// Stand-in for a module the Go module proxy refuses (see ../README.md); only
// the fileexporter's own tests import it, so it is never compiled into the Collector.
module github.com/open-telemetry/opentelemetry-collector-contrib/extension/encoding/otlpencodingextension

go 1.25
