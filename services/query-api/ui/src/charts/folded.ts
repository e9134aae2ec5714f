/** One frame of a call tree built from folded stacks; value includes its children's. */
export interface Frame {
  name: string;
  value: number;
  children: Frame[];
  parent: Frame | undefined;
}

/**
 * Folded stacks (`root;...;leaf <value>` per line, the format of Brendan
 * Gregg's stackcollapse and of the profiles route) as a tree under one root.
 * Lines that do not end in a number are skipped and counted.
 */
export function parseFolded(text: string): { root: Frame; skippedLines: number } {
  const root: Frame = { name: 'all', value: 0, children: [], parent: undefined };
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (space <= 0 || !Number.isFinite(value) || value < 0) {
      skippedLines += 1;
      continue;
    }
    root.value += value;
    let node = root;
    for (const name of line.slice(0, space).split(';')) {
      let child = node.children.find((candidate) => candidate.name === name);
      if (!child) {
        child = { name, value: 0, children: [], parent: node };
        node.children.push(child);
      }
      child.value += value;
      node = child;
    }
  }
  sortChildren(root);
  return { root, skippedLines };
}

function sortChildren(frame: Frame): void {
  frame.children.sort((a, b) => a.name.localeCompare(b.name));
  for (const child of frame.children) sortChildren(child);
}

/** The value of frames whose name contains the text, not counting a match inside another match twice. */
export function matchedValue(frame: Frame, text: string): number {
  if (text === '') return 0;
  if (frame.parent !== undefined && frame.name.includes(text)) return frame.value;
  return frame.children.reduce((sum, child) => sum + matchedValue(child, text), 0);
}
