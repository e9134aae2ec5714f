import { bucketLabel, formatCount } from '../format.js';
import { themeColor } from './theme.js';

export interface HeatmapData {
  times: string[];
  buckets: number[];
  counts: number[][];
}

const ROW_HEIGHT = 14;
const MIN_COLUMN_WIDTH = 4;

/**
 * Calls per (time step, log2 latency bucket): one row per bucket (slowest on
 * top), one column per step, colour by log(count). The row labels are DOM
 * text (data-bucket) so the rows can be found; hovering a cell says what it holds.
 */
export function heatmap(data: HeatmapData, width: number): HTMLElement {
  const figure = document.createElement('div');
  figure.className = 'heatmap';
  const rows = [...data.buckets].reverse();
  const labels = document.createElement('div');
  labels.className = 'heatmap-labels';
  for (const bucket of rows) {
    const label = document.createElement('div');
    label.className = 'heatmap-label';
    label.dataset.bucket = String(bucket);
    label.style.height = `${ROW_HEIGHT}px`;
    label.textContent = bucketLabel(bucket);
    labels.append(label);
  }
  const columns = Math.max(1, data.times.length);
  const columnWidth = Math.max(MIN_COLUMN_WIDTH, Math.floor(width / columns));
  const canvas = document.createElement('canvas');
  canvas.className = 'heatmap-cells';
  canvas.width = columnWidth * columns;
  canvas.height = ROW_HEIGHT * rows.length;
  const context = canvas.getContext('2d');
  const max = Math.max(0, ...data.counts.flat());
  if (context && max > 0) {
    context.fillStyle = themeColor('--heat-empty');
    context.fillRect(0, 0, canvas.width, canvas.height);
    const hot = themeColor('--heat-hot');
    data.counts.forEach((column, t) =>
      column.forEach((count, b) => {
        if (count === 0) return;
        const row = rows.length - 1 - b;
        context.globalAlpha = 0.25 + 0.75 * (Math.log1p(count) / Math.log1p(max));
        context.fillStyle = hot;
        context.fillRect(t * columnWidth, row * ROW_HEIGHT, columnWidth - 1, ROW_HEIGHT - 1);
      }),
    );
    context.globalAlpha = 1;
  }
  const tip = document.createElement('div');
  tip.className = 'heatmap-tip';
  canvas.addEventListener('mousemove', (event) => {
    const t = Math.floor(event.offsetX / columnWidth);
    const row = Math.floor(event.offsetY / ROW_HEIGHT);
    const bucket = rows[row];
    const time = data.times[t];
    if (bucket === undefined || time === undefined) return;
    const count = data.counts[t]?.[data.buckets.indexOf(bucket)] ?? 0;
    tip.textContent = `${new Date(time).toLocaleTimeString()} · ${bucketLabel(bucket)} · ${formatCount(count)} calls`;
  });
  canvas.addEventListener('mouseleave', () => (tip.textContent = ''));
  const body = document.createElement('div');
  body.className = 'heatmap-body';
  body.append(labels, canvas);
  figure.append(body, tip);
  if (rows.length === 0) figure.textContent = 'no calls in this window';
  return figure;
}
