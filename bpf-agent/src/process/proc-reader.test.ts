import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readProcessFacts, readProcessStartTime, startTimeFromStat } from './proc-reader.js';

test('the start time is field 22 of /proc/PID/stat, counted after the command name', () => {
  const fields = (comm: string) => `4242 (${comm}) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 1234567 89`;
  assert.equal(startTimeFromStat(fields('sleep')), 987654);
  assert.equal(startTimeFromStat(fields('a) b (c')), 987654, 'a command name holding spaces and parentheses');
  assert.equal(startTimeFromStat('garbage'), undefined);
});

test('the facts of a live process, and none for a pid that is not there', () => {
  const own = readProcessFacts(process.pid);
  assert.ok(own);
  assert.equal(own.argv[0], process.argv0);
  assert.equal(own.cwd, process.cwd());
  assert.equal(own.startTimeTicks, readProcessStartTime(process.pid));
  assert.equal(readProcessFacts(0x3fffffff), undefined);
});
