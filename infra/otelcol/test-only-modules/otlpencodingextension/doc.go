// Package otlpencodingextension is empty: `go mod tidy` resolves the imports
// of the fileexporter's tests, and this is the one they name.
package otlpencodingextension
