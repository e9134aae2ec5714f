import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStyle } from './style.js';
import { displayWidth, renderTable, truncate, type Column } from './table.js';

const style = createStyle(false);
const columns: Column[] = [
  { header: 'SERVICE', align: 'left', shrinkable: true },
  { header: 'WAIT', align: 'left' },
  { header: 'BLOCKED', align: 'right' },
];
const rows = [
  ['checkout-payments-gateway-eu-west-1', 'lock', '19.9 s'],
  ['api', 'disk', '30 ms'],
];

test('without a width (a pipe) every cell is whole and numbers are right-aligned', () => {
  assert.equal(
    renderTable(columns, rows, { width: undefined, style }),
    [
      'SERVICE                              WAIT  BLOCKED',
      'checkout-payments-gateway-eu-west-1  lock   19.9 s',
      'api                                  disk    30 ms',
    ].join('\n'),
  );
});

test('a narrow terminal cuts the text columns with an ellipsis, never the numbers', () => {
  const table = renderTable(columns, rows, { width: 30, style });
  const lines = table.split('\n');
  assert.ok(lines.every((line) => displayWidth(line) <= 30), table);
  assert.equal(lines[1], 'checkout-payme…  lock   19.9 s');
  assert.equal(lines[2], 'api              disk    30 ms');
});

test('past the shrinkable columns\' floor the table overflows rather than cut numbers', () => {
  const lines = renderTable(columns, rows, { width: 5, style }).split('\n');
  assert.equal(lines[1], 'checko…  lock   19.9 s');
});

test('truncate counts code points and ends a cut with an ellipsis', () => {
  assert.equal(truncate('µs-long', 4), 'µs-…');
  assert.equal(truncate('abc', 3), 'abc');
  assert.equal(displayWidth('└─ µ'), 4);
});

test('a coloured header does not change the layout', () => {
  const coloured = renderTable(columns, rows, { width: undefined, style: createStyle(true) });
  assert.equal(coloured.split('\n')[0], '\x1b[1mSERVICE                            \x1b[0m  \x1b[1mWAIT\x1b[0m  \x1b[1mBLOCKED\x1b[0m');
});
