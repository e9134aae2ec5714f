/**
 * The only environment variables the agent reads from a traced process: the
 * two that name an OpenTelemetry service. The rest of the environment (which
 * may hold secrets) is never kept or exported.
 */

const SERVICE_NAME_VAR = 'OTEL_SERVICE_NAME';
const RESOURCE_ATTRIBUTES_VAR = 'OTEL_RESOURCE_ATTRIBUTES';
const SERVICE_NAME_KEY = 'service.name';

/** The service-naming variables found in a process's environment (entries `KEY=value`). */
export interface OtelNamingVariables {
  serviceName: string | undefined;
  resourceAttributes: string | undefined;
}

export function otelNamingVariables(environ: readonly string[]): OtelNamingVariables {
  let serviceName: string | undefined;
  let resourceAttributes: string | undefined;
  for (const entry of environ) {
    if (entry.startsWith(`${SERVICE_NAME_VAR}=`)) serviceName = entry.slice(SERVICE_NAME_VAR.length + 1);
    else if (entry.startsWith(`${RESOURCE_ATTRIBUTES_VAR}=`)) resourceAttributes = entry.slice(RESOURCE_ATTRIBUTES_VAR.length + 1);
  }
  return { serviceName, resourceAttributes };
}

/** `OTEL_SERVICE_NAME`, unless empty or blank. */
export function serviceNameFromOtelServiceName(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * Parses OTEL_RESOURCE_ATTRIBUTES as the OpenTelemetry SDK specification says:
 * comma-separated `key=value` pairs, keys and values trimmed, values
 * percent-decoded. On any error the whole variable is discarded (undefined),
 * as the specification asks, rather than half-used.
 */
export function parseOtelResourceAttributes(value: string): Map<string, string> | undefined {
  const attributes = new Map<string, string>();
  for (const pair of value.split(',')) {
    // A trailing or doubled comma is tolerated, as the SDKs do.
    if (pair.trim() === '') continue;
    const equals = pair.indexOf('=');
    if (equals < 0) return undefined;
    const key = pair.slice(0, equals).trim();
    if (key === '') return undefined;
    try {
      attributes.set(key, decodeURIComponent(pair.slice(equals + 1).trim()));
    } catch {
      return undefined;
    }
  }
  return attributes;
}

/** `service.name` inside OTEL_RESOURCE_ATTRIBUTES, unless absent, blank or the variable is malformed. */
export function serviceNameFromResourceAttributes(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const name = parseOtelResourceAttributes(value)?.get(SERVICE_NAME_KEY)?.trim();
  return name ? name : undefined;
}
