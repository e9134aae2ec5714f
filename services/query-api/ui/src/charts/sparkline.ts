const SVG = 'http://www.w3.org/2000/svg';

/** A small line of values over time, scaled to its own maximum (an inline SVG: cheap for a table of rows). */
export function sparkline(values: readonly number[], width = 120, height = 24): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const max = Math.max(...values, 0);
  if (values.length < 2 || max === 0) return svg;
  const x = (index: number) => (index / (values.length - 1)) * width;
  const y = (value: number) => height - 1 - (value / max) * (height - 2);
  const points = values.map((value, index) => `${x(index).toFixed(1)},${y(value).toFixed(1)}`);
  const area = document.createElementNS(SVG, 'polygon');
  area.setAttribute('points', `0,${height} ${points.join(' ')} ${width},${height}`);
  area.setAttribute('class', 'sparkline-area');
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points.join(' '));
  line.setAttribute('class', 'sparkline-line');
  svg.append(area, line);
  return svg;
}
