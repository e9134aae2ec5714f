const LEVELS = '▁▂▃▄▅▆▇█';

/** Values folded into at most `columns` by summing neighbours, so a long series fits a line. */
export function foldToWidth(values: readonly number[], columns: number): number[] {
  if (values.length <= columns || columns <= 0) return [...values];
  const perColumn = Math.ceil(values.length / columns);
  const folded: number[] = [];
  for (let start = 0; start < values.length; start += perColumn) {
    folded.push(values.slice(start, start + perColumn).reduce((sum, value) => sum + value, 0));
  }
  return folded;
}

/** One block character per value, scaled from zero to the largest (a flat ▁ line when all are zero). */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((value) => (max === 0 ? LEVELS[0] : LEVELS[Math.min(LEVELS.length - 1, Math.max(0, Math.ceil((value / max) * LEVELS.length) - 1))]))
    .join('');
}
