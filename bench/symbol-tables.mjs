// What the agent's symbol tables cost in memory: every executable file mapped
// by a process on this host, parsed as the symbolizer parses it, held in the
// compact tables (typed arrays; names in one buffer, or left in the file) and, as the in-run
// baseline, as one JavaScript string per name beside the same address arrays
// (the form the tables had before; without the separate debug files the
// compact form also reads, so it holds a few more symbols). Each form is built in its own child
// process, so its RSS is its own.
// usage: node bench/symbol-tables.mjs
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fixed, printTable } from './lib/kit.mjs';

const NAME = 'symbol-tables';
const form = process.argv[2];

/** Executable file mappings of every process, once each. */
function mappedExecutables() {
  const files = new Set();
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let maps;
    try {
      maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
    } catch {
      continue;
    }
    for (const line of maps.split('\n')) {
      const path = /^\S+ r.x. \S+ \S+ \d+\s+(\/\S.*)$/.exec(line)?.[1];
      if (path && !path.endsWith('(deleted)')) files.add(path);
    }
  }
  return [...files].sort();
}

async function measure(files) {
  const { readElfSymbols, readFunctionSymbols, ElfFile } = await import('../bpf-agent/dist/src/symbols/index.js');
  const kept = [];
  let symbols = 0;
  const startedAt = performance.now();
  for (const path of files) {
    try {
      if (form === 'compact') {
        const elf = readElfSymbols(path, ['/usr/lib/debug']);
        kept.push(elf);
        symbols += elf.symbols.size;
      } else {
        const elf = ElfFile.open(path);
        try {
          const sorted = readFunctionSymbols(elf).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
          const list = sorted.filter((s, i) => i === 0 || sorted[i - 1].start !== s.start);
          kept.push({ starts: BigUint64Array.from(list, (s) => s.start), ends: BigUint64Array.from(list, (s) => s.start + s.size), names: list.map((s) => s.name) });
          symbols += list.length;
        } finally {
          elf.close();
        }
      }
    } catch {
      // Not ELF, or gone: the symbolizer skips it too.
    }
  }
  const parseMs = performance.now() - startedAt;
  globalThis.gc();
  const memory = process.memoryUsage();
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
  console.log(JSON.stringify({ symbols, parseMs, rss: memory.rss, hwm, heapUsed: memory.heapUsed, arrayBuffers: memory.arrayBuffers, kept: kept.length }));
}

if (form) {
  await measure(JSON.parse(process.argv[3]));
} else {
  const files = mappedExecutables();
  const rows = [];
  const results = {};
  for (const name of ['baseline', 'compact']) {
    const child = spawnSync(process.execPath, ['--expose-gc', import.meta.filename, name, JSON.stringify(files)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`${NAME} (${name}): ${child.stderr}`);
    const r = (results[name] = JSON.parse(child.stdout));
    rows.push([name, String(r.symbols), fixed(r.parseMs, 0), fixed(r.rss / 1e6, 1), fixed(r.hwm / 1e6, 1), fixed((r.heapUsed + r.arrayBuffers) / 1e6, 1)]);
  }
  console.log(`${NAME}: ${files.length} executable files mapped on this host`);
  printTable(['form', 'symbols', 'parse ms', 'RSS MB (after GC)', 'peak RSS MB', 'heap + buffers MB'], rows);
  const ratio = (key) => fixed(results.compact[key] / results.baseline[key], 2);
  console.log(`compact / baseline: RSS ${ratio('rss')}, peak RSS ${ratio('hwm')}`);
}
