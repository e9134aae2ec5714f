import { fileURLToPath } from 'node:url';

/** The loader binary `make -C bpf-agent` builds (this file runs from bpf-agent/dist/loader/). */
export function defaultLoaderPath(): string {
  return fileURLToPath(new URL('../../build/stallscope-loader', import.meta.url));
}
