import type { Style } from './style.js';

export interface Column {
  header: string;
  /** Numbers right, text left. */
  align: 'left' | 'right';
  /** May be cut (with an ellipsis) to fit the terminal; numbers never are. */
  shrinkable?: boolean;
  /** Which end a cut removes: the end (default), or the start where the end says more (a stack's leaf frames). */
  cut?: 'end' | 'start';
  /** Colours a cell after it is padded, so escape codes never count as width. */
  paint?: (padded: string, rowIndex: number) => string;
}

export interface TableOptions {
  /** Columns of the terminal; undefined (a pipe) never cuts a cell. */
  width: number | undefined;
  style: Style;
}

const GAP = '  ';
/** A cut column keeps at least this much of its text (or its header's width). */
const MIN_SHRUNK_WIDTH = 6;

/** Display width, counting code points (µ, … and box-drawing characters are one column). */
export function displayWidth(text: string): number {
  return [...text].length;
}

/** The text cut to `width` columns, an ellipsis where it was cut (its last column, or its first when cut from the start). */
export function truncate(text: string, width: number, from: 'end' | 'start' = 'end'): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  return from === 'start' ? `…${chars.slice(chars.length - width + 1).join('')}` : `${chars.slice(0, width - 1).join('')}…`;
}

/** Column widths that fit `width`: the widest shrinkable column gives up a column at a time. */
function fitWidths(columns: readonly Column[], natural: number[], width: number | undefined): number[] {
  const widths = [...natural];
  if (width === undefined) return widths;
  const floor = columns.map((column, index) => (column.shrinkable ? Math.min(natural[index]!, Math.max(MIN_SHRUNK_WIDTH, displayWidth(column.header))) : natural[index]!));
  let total = widths.reduce((sum, w) => sum + w, 0) + GAP.length * (columns.length - 1);
  while (total > width) {
    let widest = -1;
    for (let index = 0; index < widths.length; index++) {
      if (widths[index]! > floor[index]! && (widest < 0 || widths[index]! > widths[widest]!)) widest = index;
    }
    if (widest < 0) break;
    widths[widest]!--;
    total--;
  }
  return widths;
}

function pad(text: string, width: number, align: Column['align']): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** Rows under a bold header, each column as wide as its widest cell unless the terminal is narrower. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], options: TableOptions): string {
  const natural = columns.map((column, index) => Math.max(displayWidth(column.header), ...rows.map((row) => displayWidth(row[index] ?? ''))));
  const widths = fitWidths(columns, natural, options.width);
  const line = (cells: readonly string[], paint: (column: Column, padded: string) => string) =>
    columns
      .map((column, index) => paint(column, pad(truncate(cells[index] ?? '', widths[index]!, column.cut), widths[index]!, column.align)))
      .join(GAP)
      .trimEnd();
  const header = line(
    columns.map((column) => column.header),
    (_column, padded) => options.style.bold(padded),
  );
  const body = rows.map((row, rowIndex) => line(row, (column, padded) => (column.paint ? column.paint(padded, rowIndex) : padded)));
  return [header, ...body].join('\n');
}
