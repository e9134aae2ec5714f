import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { memoryCgroupOf, procMemoryFromStat, readProcMemory, systemPageSize } from './proc-memory.js';

test('majflt, start time and RSS come from /proc/PID/stat, counted after the comm whatever it holds', () => {
  // Fields 3.. after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt ... starttime(22) vsize(23) rss(24).
  const after = ['S', '1', '1', '1', '0', '-1', '4194560', '900', '0', '17', '0', '5', '6', '0', '0', '20', '0', '3', '0', '424242', '123456789', '2560'];
  const stat = `4242 (a) b (c)) ${after.join(' ')} 0 0 0`;
  assert.deepEqual(procMemoryFromStat(stat, 4096), { majorFaults: 17, startTimeTicks: 424242, rssBytes: 2560 * 4096 });
  assert.equal(procMemoryFromStat('4242 (x) S 1', 4096), undefined);
});

test('this process\'s own reading matches /proc/self/status VmRSS (read a moment later: within 5%)', () => {
  const own = readProcMemory(process.pid);
  assert.ok(own);
  const vmRssKib = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
  assert.ok(Math.abs(own.rssBytes - vmRssKib * 1024) <= 0.05 * vmRssKib * 1024, `${own.rssBytes} vs VmRSS ${vmRssKib} KiB`);
  assert.equal(own.rssBytes % systemPageSize(), 0, 'whole pages');
  assert.equal(readProcMemory(2 ** 22 + 1), undefined, 'no such process');
});

test('the memory cgroup: v1\'s memory controller line on a hybrid host, else the v2 line', () => {
  const hybrid = ['12:pids:/user.slice', '5:memory:/stallscope-e2e', '3:cpu,cpuacct:/user.slice', '0::/user.slice/session-1.scope', ''].join('\n');
  assert.equal(memoryCgroupOf(hybrid), '/stallscope-e2e');
  assert.equal(memoryCgroupOf('0::/system.slice/ledger.service\n'), '/system.slice/ledger.service');
  assert.equal(memoryCgroupOf('4:memory,hugetlb:/shared\n0::/\n'), '/shared');
  assert.equal(memoryCgroupOf(''), undefined);
});
