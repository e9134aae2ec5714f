import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { findMapping, isExecutable, isFileBacked, parseProcMaps } from './proc-maps.js';

const maps = [
  '00400000-00500000 r-xp 00000000 fe:00 1234                               /srv/app/server',
  '7f0000000000-7f0000021000 rw-p 00000000 00:00 0 ',
  '7f1000000000-7f1000010000 r-xp 00002000 fe:01 99                         /opt/my app/lib with space.so',
  '7f2000000000-7f2000001000 r-xs 00000000 00:01 4242                       /memfd:jit-code (deleted)',
  '7f3000000000-7f3000002000 r-xp 00000000 fe:00 777                        /usr/lib/libold.so (deleted)',
  '7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]',
].join('\n');

test('maps lines: file, anonymous, spaces in path, memfd, deleted, [vdso]', () => {
  const [server, anonymous, spaced, memfd, deletedLib, vdso] = parseProcMaps(maps);
  assert.deepEqual(server, {
    start: 0x400000n, end: 0x500000n, perms: 'r-xp', offset: 0n, dev: 'fe:00', inode: 1234n, path: '/srv/app/server', deleted: false,
  });
  assert.equal(anonymous!.path, '');
  assert.equal(isFileBacked(anonymous!), false);
  assert.equal(isExecutable(anonymous!), false);
  assert.equal(spaced!.path, '/opt/my app/lib with space.so');
  assert.equal(spaced!.offset, 0x2000n);
  assert.deepEqual([memfd!.path, memfd!.deleted, isFileBacked(memfd!)], ['/memfd:jit-code', true, true]);
  assert.deepEqual([deletedLib!.path, deletedLib!.deleted], ['/usr/lib/libold.so', true]);
  assert.deepEqual([vdso!.path, isFileBacked(vdso!), isExecutable(vdso!)], ['[vdso]', false, true]);
});

test('an address finds its mapping; ends are exclusive; gaps find none', () => {
  const mappings = parseProcMaps(maps);
  assert.equal(findMapping(mappings, 0x400000n)?.path, '/srv/app/server');
  assert.equal(findMapping(mappings, 0x4fffffn)?.path, '/srv/app/server');
  assert.equal(findMapping(mappings, 0x500000n), undefined);
  assert.equal(findMapping(mappings, 0x7ffd00001000n)?.path, '[vdso]');
  assert.equal(findMapping(mappings, 0n), undefined);
});

test('this process maps its own executable', () => {
  const mappings = parseProcMaps(readFileSync('/proc/self/maps', 'utf8'));
  assert.ok(mappings.some((mapping) => isExecutable(mapping) && mapping.path === process.execPath));
});

test('a kept mapping does not keep its maps text alive', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const usedAfterGc = () => {
    gc();
    return getHeapStatistics().used_heap_size;
  };
  // A JVM-sized maps text (~1 MB); the agent keeps parsed mappings of many processes.
  const filler = Array.from({ length: 8_000 }, (_, i) => `7f${i.toString(16).padStart(10, '0')}-7f${(i + 1).toString(16).padStart(10, '0')} rw-p 00000000 00:00 0 `);
  const textOf = (n: number) => `00400000-00500000 r-xp 00000000 fe:00 ${n}                               /srv/app/server-${n}-with-a-long-enough-path\n${filler.join('\n')}\n`;
  const before = usedAfterGc();
  const kept = Array.from({ length: 30 }, (_, n) => parseProcMaps(textOf(n))[0]!);
  const grownBytes = usedAfterGc() - before;
  assert.equal(kept[29]!.path, '/srv/app/server-29-with-a-long-enough-path');
  assert.ok(grownBytes < 2_000_000, `30 kept mappings hold ${(grownBytes / 1e6).toFixed(1)} MB`);
});
