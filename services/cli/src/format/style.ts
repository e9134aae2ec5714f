// Colour only for a person at a terminal: never into a pipe or a file, and
// never when NO_COLOR is set (https://no-color.org: present and not empty).

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
}

/** Whether to colour what goes to this stream. */
export function colourEnabled(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  return stream.isTTY === true && (env.NO_COLOR ?? '') === '';
}

const sgr = (code: number) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
const plain = (text: string) => text;

export function createStyle(colour: boolean): Style {
  if (!colour) return { bold: plain, dim: plain, yellow: plain, red: plain };
  return { bold: sgr(1), dim: sgr(2), yellow: sgr(33), red: sgr(31) };
}
