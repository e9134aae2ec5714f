import { join } from 'node:path';

/** The loader binary `make -C bpf-agent` builds (this file runs from bpf-agent/dist/src/loader/). */
export function defaultLoaderPath(): string {
  return join(import.meta.dirname, '..', '..', '..', 'build', 'stallscope-loader');
}
