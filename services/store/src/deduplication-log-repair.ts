// The embedded engine's crash window in insert deduplication. A non-replicated
// MergeTree appends an insert's block id to its deduplication log before it
// renames the new part from tmp_insert_* into place; when the process dies in
// between (kill -9, the OOM killer, power loss), the next start removes the
// temporary part and keeps the log record. The batch Kafka then delivers again
// carries the same insert_deduplication_token and is skipped as a duplicate,
// while the rollups' views, whose own records were never written, take it:
// rows missing from the raw table and rollups ahead of it. Run before the
// engine opens the tables, this drops each record of an added part that no
// part on disk covers, so the replay is stored.
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOGS_DIR = 'deduplication_logs';
/** MergeTreeDeduplicationLog's record of a part added: "1\t<part name>\t<block id>". */
const ADD = '1';

interface PartRange {
  partition: string;
  minBlock: number;
  maxBlock: number;
}

/** A part directory's name as ClickHouse writes it: partition_min_max_level[_mutation]; undefined for anything else (tmp_*, detached). */
export function partRange(name: string): PartRange | undefined {
  const fields = name.split('_');
  if (fields.length !== 4 && fields.length !== 5) return undefined;
  const [partition, ...numbers] = fields as [string, ...string[]];
  if (partition === '' || !numbers.every((number) => /^\d+$/.test(number))) return undefined;
  return { partition, minBlock: Number(numbers[0]), maxBlock: Number(numbers[1]) };
}

/** Whether a part on disk holds the blocks of `part` (itself, or a merge of it). */
function covered(part: PartRange, onDisk: readonly PartRange[]): boolean {
  return onDisk.some((disk) => disk.partition === part.partition && disk.minBlock <= part.minBlock && disk.maxBlock >= part.maxBlock);
}

export interface DroppedRecord {
  /** The table's data directory. */
  table: string;
  part: string;
}

/** Repairs the deduplication logs of every table under an embedded engine's directory; returns the records dropped. */
export function repairDeduplicationLogs(chdbPath: string): DroppedRecord[] {
  const dropped: DroppedRecord[] = [];
  const store = join(chdbPath, 'store');
  if (!existsSync(store)) return dropped;
  const directories = (path: string) => readdirSync(path, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  for (const prefix of directories(store)) {
    for (const uuid of directories(join(store, prefix.name))) {
      const table = join(store, prefix.name, uuid.name);
      const logs = join(table, LOGS_DIR);
      if (!existsSync(logs)) continue;
      const onDisk = readdirSync(table)
        .map(partRange)
        .filter((range): range is PartRange => range !== undefined);
      for (const file of readdirSync(logs)) {
        const path = join(logs, file);
        const lines = readFileSync(path, 'utf8').split('\n');
        const kept = lines.filter((line) => {
          const [operation, part] = line.split('\t');
          const range = operation === ADD && part !== undefined ? partRange(part) : undefined;
          if (range === undefined || covered(range, onDisk)) return true;
          dropped.push({ table, part: part! });
          return false;
        });
        if (kept.length === lines.length) continue;
        writeFileSync(`${path}.repaired`, kept.join('\n'));
        renameSync(`${path}.repaired`, path);
      }
    }
  }
  return dropped;
}
