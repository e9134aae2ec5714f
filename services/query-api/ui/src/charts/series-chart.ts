import uPlot from 'uplot';
import { formatSeconds } from '../format.js';
import { themeColor } from './theme.js';

export interface Series {
  label: string;
  color: string;
  values: number[];
}

/** Blocked seconds per step, one line per series (uPlot: small and fast). */
export function seriesChart(container: HTMLElement, times: readonly string[], series: readonly Series[]): uPlot {
  const axis = { stroke: themeColor('--fg-muted'), grid: { stroke: themeColor('--grid') }, ticks: { stroke: themeColor('--grid') } };
  const data: uPlot.AlignedData = [times.map((time) => Date.parse(time) / 1000), ...series.map((line) => line.values)];
  return new uPlot(
    {
      width: Math.max(320, container.clientWidth || 800),
      height: 220,
      series: [
        {},
        ...series.map((line) => ({ label: line.label, stroke: line.color, width: 1.5, fill: `${line.color}22`, value: (_u: uPlot, value: number | null) => (value === null ? '–' : formatSeconds(value)) })),
      ],
      axes: [axis, { ...axis, size: 70, values: (_u: uPlot, ticks: number[]) => ticks.map(formatSeconds) }],
    },
    data,
    container,
  );
}
