import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colourEnabled, createStyle } from './style.js';

test('colour only on a terminal and never with NO_COLOR set', () => {
  assert.equal(colourEnabled({ isTTY: true }, {}), true);
  assert.equal(colourEnabled({ isTTY: false }, {}), false);
  assert.equal(colourEnabled({}, {}), false);
  assert.equal(colourEnabled({ isTTY: true }, { NO_COLOR: '1' }), false);
  // no-color.org: an empty NO_COLOR does not count as set.
  assert.equal(colourEnabled({ isTTY: true }, { NO_COLOR: '' }), true);
});

test('a style without colour leaves text as it is; with colour it wraps it in SGR codes', () => {
  assert.equal(createStyle(false).bold('x'), 'x');
  assert.equal(createStyle(true).bold('x'), '\x1b[1mx\x1b[0m');
});
