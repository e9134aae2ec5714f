import { formatCount, formatPercent } from '../format.js';
import { matchedValue, parseFolded, type Frame } from './folded.js';
import { themeColor } from './theme.js';

const ROW_HEIGHT = 18;
const MIN_WIDTH_PX = 0.5;

interface Box {
  frame: Frame;
  x: number;
  y: number;
  width: number;
}

/** A warm colour per name (the same function keeps its colour across redraws), kernel frames ([k]) in blue. */
function colorOf(name: string, dimmed: boolean): string {
  let hash = 0;
  for (let i = 0; i < name.length; i += 1) hash = (hash * 31 + name.charCodeAt(i)) | 0;
  const hue = name.startsWith('[k]') ? 200 + (Math.abs(hash) % 30) : 10 + (Math.abs(hash) % 45);
  return `hsl(${hue} ${dimmed ? 15 : 70}% ${dimmed ? 60 : 58}%)`;
}

function depthOf(frame: Frame): number {
  return frame.children.reduce((deepest, child) => Math.max(deepest, 1 + depthOf(child)), 0);
}

/**
 * A flame graph (icicle: roots on top) of folded stacks on a canvas. Click a
 * frame to zoom into it (its ancestors stay above it; click one to zoom out),
 * type in the search box to highlight frames and see their share.
 */
export function flameGraph(folded: string, valueUnit: string): HTMLElement {
  const { root } = parseFolded(folded);
  const figure = document.createElement('div');
  figure.className = 'flame';
  if (root.value === 0) {
    figure.textContent = 'no stacks in this window';
    return figure;
  }
  const search = document.createElement('input');
  search.type = 'search';
  search.placeholder = 'search functions';
  search.className = 'flame-search';
  const matched = document.createElement('span');
  matched.className = 'flame-matched';
  const reset = document.createElement('button');
  reset.textContent = 'reset zoom';
  const tip = document.createElement('div');
  tip.className = 'flame-tip';
  const toolbar = document.createElement('div');
  toolbar.className = 'toolbar';
  toolbar.append(search, reset, matched);
  const canvas = document.createElement('canvas');
  canvas.className = 'flame-canvas';
  figure.append(toolbar, canvas, tip);

  let focus = root;
  let boxes: Box[] = [];
  const draw = (): void => {
    const ancestors: Frame[] = [];
    for (let frame = focus.parent; frame; frame = frame.parent) ancestors.unshift(frame);
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(320, figure.clientWidth || 900);
    const height = (ancestors.length + 1 + depthOf(focus)) * ROW_HEIGHT;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const context = canvas.getContext('2d');
    if (!context) return;
    context.scale(ratio, ratio);
    context.font = '12px ui-monospace, monospace';
    context.textBaseline = 'middle';
    const text = search.value.trim();
    boxes = [];
    const place = (frame: Frame, x: number, y: number, frameWidth: number): void => {
      if (frameWidth < MIN_WIDTH_PX) return;
      boxes.push({ frame, x, y, width: frameWidth });
      let childX = x;
      for (const child of frame.children) {
        const childWidth = (child.value / frame.value) * frameWidth;
        place(child, childX, y + ROW_HEIGHT, childWidth);
        childX += childWidth;
      }
    };
    ancestors.forEach((frame, depth) => boxes.push({ frame, x: 0, y: depth * ROW_HEIGHT, width }));
    place(focus, 0, ancestors.length * ROW_HEIGHT, width);
    const textColor = themeColor('--flame-text');
    for (const box of boxes) {
      const dimmed = (text !== '' && !box.frame.name.includes(text)) || ancestors.includes(box.frame);
      context.fillStyle = text !== '' && box.frame.name.includes(text) ? themeColor('--flame-match') : colorOf(box.frame.name, dimmed);
      context.fillRect(box.x, box.y, Math.max(box.width - 0.5, 0.5), ROW_HEIGHT - 1);
      if (box.width > 30) {
        context.fillStyle = textColor;
        context.save();
        context.beginPath();
        context.rect(box.x, box.y, box.width - 2, ROW_HEIGHT);
        context.clip();
        context.fillText(box.frame.name, box.x + 3, box.y + ROW_HEIGHT / 2);
        context.restore();
      }
    }
    matched.textContent = text === '' ? '' : `${formatPercent(matchedValue(root, text) / root.value)} of the total matches “${text}”`;
  };
  const boxAt = (event: MouseEvent): Box | undefined =>
    boxes.find((box) => event.offsetX >= box.x && event.offsetX < box.x + box.width && event.offsetY >= box.y && event.offsetY < box.y + ROW_HEIGHT);
  canvas.addEventListener('click', (event) => {
    const box = boxAt(event);
    if (!box) return;
    focus = box.frame;
    draw();
  });
  canvas.addEventListener('mousemove', (event) => {
    const box = boxAt(event);
    tip.textContent = box ? `${box.frame.name} · ${formatCount(box.frame.value)} ${valueUnit} · ${formatPercent(box.frame.value / root.value)}` : '';
  });
  reset.addEventListener('click', () => {
    focus = root;
    draw();
  });
  search.addEventListener('input', draw);
  // Drawn once the figure is in the page and has a width.
  requestAnimationFrame(draw);
  return figure;
}
