import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@stallscope/common';
import type { Store } from '@stallscope/store';
// The error's module alone: the store package's entry point is the store's whole code.
import { StoreDiskFloorError } from '@stallscope/store/disk-floor';
import { ApiError, ApiErrors } from '../errors.js';
import { tracedStore } from '../store-tracing.js';
import { buildSlos } from './openslo/build-slo.js';
import { readOpenSloObjects, type OpenSloObject } from './openslo/documents.js';
import { OpenSloError } from './openslo/yaml-node.js';
import type { SloDefinition } from './slo-definition.js';

export interface SloEntry {
  readonly definition: SloDefinition;
  /** `file`: loaded from the configured files, read-only through the API; `api`: stored by PUT. */
  readonly source: 'file' | 'api';
  /** The OpenSLO YAML as given. */
  readonly document: string;
}

/** SLOs from the configured files and from the store, by name. */
export interface SloCatalog {
  list(): Promise<SloEntry[]>;
  get(name: string): Promise<SloEntry | undefined>;
  /** Stores an SLO given as OpenSLO YAML; ApiError (400 naming the field, 409 for a file's SLO) when refused. */
  put(name: string, document: string): Promise<SloEntry>;
  /** False when there was no such stored SLO. */
  delete(name: string): Promise<boolean>;
}

export interface SloCatalogConfig {
  /** OpenSLO YAML files, or directories whose *.yaml and *.yml files are read. */
  files: readonly string[];
}

export interface SloCatalogDeps {
  store: Store;
  /** Told about stored SLOs that no longer build. */
  logger: Pick<Logger, 'warn'>;
}

const TABLE = 'stallscope_slos';
const YAML_FILE = /\.ya?ml$/;

function yamlFilesOf(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => YAML_FILE.test(name))
    .sort()
    .map((name) => join(path, name));
}

interface FileSlos {
  objects: OpenSloObject[];
  entries: Map<string, SloEntry>;
}

/** Reads and checks every file at once: a bad file stops the start-up, naming the file and the field. */
function loadFiles(paths: readonly string[]): FileSlos {
  const perFile = paths.flatMap(yamlFilesOf).map((file) => {
    const text = readFileSync(file, 'utf8');
    try {
      return { file, text, objects: readOpenSloObjects(text) };
    } catch (error) {
      if (error instanceof OpenSloError) throw new Error(`SLO file ${file}: ${error.message}`);
      throw error;
    }
  });
  const objects = perFile.flatMap((file) => file.objects);
  const entries = new Map<string, SloEntry>();
  for (const { file, text, objects: own } of perFile) {
    let definitions: SloDefinition[];
    try {
      definitions = buildSlos(own, objects);
    } catch (error) {
      if (error instanceof OpenSloError) throw new Error(`SLO file ${file}: ${error.message}`);
      throw error;
    }
    for (const definition of definitions) {
      if (entries.has(definition.name)) throw new Error(`SLO file ${file}: SLO ${definition.name} is defined twice`);
      entries.set(definition.name, { definition, source: 'file', document: text });
    }
  }
  return { objects, entries };
}

export function createSloCatalog(config: SloCatalogConfig, deps: SloCatalogDeps): SloCatalog {
  const files = loadFiles(config.files);
  // Its queries are children of the span that asks: a request's, an SLO evaluation round's.
  const store = tracedStore(deps.store);
  let lastWriteMs = 0;

  /** The one SLO of a stored document, built against the files' shared objects. */
  function definitionOf(name: string, document: string): SloDefinition {
    const objects = readOpenSloObjects(document);
    const slos = objects.filter((object) => object.kind === 'SLO');
    if (slos.length !== 1) throw new OpenSloError('kind', 'the document must hold exactly one object of kind SLO');
    const slo = slos[0] as OpenSloObject;
    if (slo.name !== name) slo.node.child('metadata').child('name').fail(`must be the name in the URL, ${name}`);
    return buildSlos(objects, files.objects)[0] as SloDefinition;
  }

  async function stored(name?: string): Promise<SloEntry[]> {
    const result = await store.client.query({
      query: `
        SELECT Name AS name, argMax(Document, UpdatedAt) AS document, argMax(Deleted, UpdatedAt) AS deleted
        FROM ${TABLE}
        ${name === undefined ? '' : 'WHERE Name = {name:String}'}
        GROUP BY Name
        HAVING deleted = 0
        ORDER BY Name`,
      query_params: name === undefined ? {} : { name },
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ name: string; document: string }>();
    return rows.flatMap((row) => {
      try {
        return [{ definition: definitionOf(row.name, row.document), source: 'api' as const, document: row.document }];
      } catch (error) {
        // A stored SLO can stop building when a file object it refers to goes away.
        deps.logger.warn({ slo: row.name, err: error }, 'stored SLO no longer builds; skipped');
        return [];
      }
    });
  }

  async function write(name: string, document: string, deleted: boolean): Promise<void> {
    try {
      store.checkWritable();
    } catch (error) {
      throw error instanceof StoreDiskFloorError ? new ApiError(ApiErrors.storeDiskFull, error.message) : error;
    }
    lastWriteMs = Math.max(Date.now(), lastWriteMs + 1);
    await store.client.insert({
      table: TABLE,
      values: [{ Name: name, Document: document, Deleted: deleted ? 1 : 0, UpdatedAt: (lastWriteMs / 1000).toFixed(3) }],
      format: 'JSONEachRow',
    });
  }

  function refuseFileSlo(name: string): void {
    if (files.entries.has(name)) throw new ApiError(ApiErrors.sloDefinedInFile, `SLO ${name} is loaded from a file; change the file`);
  }

  return {
    async list() {
      const fromStore = (await stored()).filter((entry) => !files.entries.has(entry.definition.name));
      return [...files.entries.values(), ...fromStore].sort((a, b) => a.definition.name.localeCompare(b.definition.name));
    },
    async get(name) {
      return files.entries.get(name) ?? (await stored(name))[0];
    },
    async put(name, document) {
      refuseFileSlo(name);
      let definition: SloDefinition;
      try {
        definition = definitionOf(name, document);
      } catch (error) {
        if (error instanceof OpenSloError) throw new ApiError(ApiErrors.invalidSlo, error.message);
        throw error;
      }
      await write(name, document, false);
      return { definition, source: 'api', document };
    },
    async delete(name) {
      refuseFileSlo(name);
      if ((await stored(name)).length === 0) return false;
      await write(name, '', true);
      return true;
    },
  };
}
