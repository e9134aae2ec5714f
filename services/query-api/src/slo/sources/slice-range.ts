import type { ComparisonOp } from '../slo-definition.js';

/** The slices to read: [fromSeconds, toSeconds), cut into sliceSeconds aligned on the unix epoch. */
export interface SliceRange {
  readonly fromSeconds: number;
  readonly toSeconds: number;
  readonly sliceSeconds: number;
}

/** SQL comparison per validated op: SQL text only from this fixed map. */
export const SQL_OPERATOR: Readonly<Record<ComparisonOp, string>> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };

export function meets(value: number, op: ComparisonOp, threshold: number): boolean {
  switch (op) {
    case 'lt':
      return value < threshold;
    case 'lte':
      return value <= threshold;
    case 'gt':
      return value > threshold;
    case 'gte':
      return value >= threshold;
  }
}

export interface BoundQuery {
  readonly query: string;
  readonly params: Record<string, string | number | readonly string[]>;
}
