import { join } from 'node:path';

const packageRoot = join(import.meta.dirname, '..');

/** Ordered, idempotent ClickHouse migrations (NNNN_name.sql). */
export const migrationsDir = join(packageRoot, 'migrations');
/** The OTLP .proto subset: what the ingest decodes and the collector serves (plus google.rpc.Status). */
export const otlpProtoDir = join(packageRoot, 'otlp');
/** The C header shared by the BPF programs, the loader and the layout test. */
export const recordsHeaderPath = join(packageRoot, 'loader', 'records.h');
