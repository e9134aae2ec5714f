// Go's slices.SortFunc (pdqsort, go/src/slices/zsortanyfunc.go), step for
// step. It is not stable: past 12 elements it may reorder equal ones, and the
// Collector's ClickHouse exporter sorts a map's entries with it, so a repeated
// key's entries are stored in the order this gives, not in the order sent.

type Compare<E> = (a: E, b: E) => number;

const MAX_INSERTION = 12;
const SHORTEST_NINTHER = 50;
const MAX_SWAPS = 4 * 3;
const MAX_STEPS = 5;
const SHORTEST_SHIFTING = 50;
const UINT64_MASK = (1n << 64n) - 1n;

// Go's sortedHint.
const UNKNOWN_HINT = 0;
const INCREASING_HINT = 1;
const DECREASING_HINT = 2;
type Hint = typeof UNKNOWN_HINT | typeof INCREASING_HINT | typeof DECREASING_HINT;

/** bits.Len(uint(n)) for n < 2^32. */
const bitLength = (n: number) => 32 - Math.clz32(n);

function swap<E>(data: E[], i: number, j: number): void {
  const item = data[i]!;
  data[i] = data[j]!;
  data[j] = item;
}

const less = <E>(data: E[], i: number, j: number, cmp: Compare<E>) => cmp(data[i]!, data[j]!) < 0;

function insertionSort<E>(data: E[], a: number, b: number, cmp: Compare<E>): void {
  for (let i = a + 1; i < b; i++) {
    for (let j = i; j > a && less(data, j, j - 1, cmp); j--) swap(data, j, j - 1);
  }
}

function siftDown<E>(data: E[], lo: number, hi: number, first: number, cmp: Compare<E>): void {
  let root = lo;
  for (;;) {
    let child = 2 * root + 1;
    if (child >= hi) return;
    if (child + 1 < hi && less(data, first + child, first + child + 1, cmp)) child++;
    if (!less(data, first + root, first + child, cmp)) return;
    swap(data, first + root, first + child);
    root = child;
  }
}

function heapSort<E>(data: E[], a: number, b: number, cmp: Compare<E>): void {
  const first = a;
  const hi = b - a;
  for (let i = Math.floor((hi - 1) / 2); i >= 0; i--) siftDown(data, i, hi, first, cmp);
  for (let i = hi - 1; i >= 0; i--) {
    swap(data, first, first + i);
    siftDown(data, 0, i, first, cmp);
  }
}

function partition<E>(data: E[], a: number, b: number, pivot: number, cmp: Compare<E>): [number, boolean] {
  swap(data, a, pivot);
  let i = a + 1;
  let j = b - 1;
  while (i <= j && less(data, i, a, cmp)) i++;
  while (i <= j && !less(data, j, a, cmp)) j--;
  if (i > j) {
    swap(data, j, a);
    return [j, true];
  }
  swap(data, i, j);
  i++;
  j--;
  for (;;) {
    while (i <= j && less(data, i, a, cmp)) i++;
    while (i <= j && !less(data, j, a, cmp)) j--;
    if (i > j) break;
    swap(data, i, j);
    i++;
    j--;
  }
  swap(data, j, a);
  return [j, false];
}

function partitionEqual<E>(data: E[], a: number, b: number, pivot: number, cmp: Compare<E>): number {
  swap(data, a, pivot);
  let i = a + 1;
  let j = b - 1;
  for (;;) {
    while (i <= j && !less(data, a, i, cmp)) i++;
    while (i <= j && less(data, a, j, cmp)) j--;
    if (i > j) break;
    swap(data, i, j);
    i++;
    j--;
  }
  return i;
}

function partialInsertionSort<E>(data: E[], a: number, b: number, cmp: Compare<E>): boolean {
  let i = a + 1;
  for (let step = 0; step < MAX_STEPS; step++) {
    while (i < b && !less(data, i, i - 1, cmp)) i++;
    if (i === b) return true;
    if (b - a < SHORTEST_SHIFTING) return false;
    swap(data, i, i - 1);
    // As Go writes it: down to index 1, not to a + 1.
    if (i - a >= 2) {
      for (let j = i - 1; j >= 1; j--) {
        if (!less(data, j, j - 1, cmp)) break;
        swap(data, j, j - 1);
      }
    }
    if (b - i >= 2) {
      for (let j = i + 1; j < b; j++) {
        if (!less(data, j, j - 1, cmp)) break;
        swap(data, j, j - 1);
      }
    }
  }
  return false;
}

function breakPatterns<E>(data: E[], a: number, b: number): void {
  const length = b - a;
  if (length < 8) return;
  let random = BigInt(length);
  const modulus = BigInt(2 ** bitLength(length));
  for (let index = a + Math.floor(length / 4) * 2 - 1; index <= a + Math.floor(length / 4) * 2 + 1; index++) {
    random ^= (random << 13n) & UINT64_MASK;
    random ^= random >> 7n;
    random ^= (random << 17n) & UINT64_MASK;
    let other = Number(random & (modulus - 1n));
    if (other >= length) other -= length;
    swap(data, index, a + other);
  }
}

function choosePivot<E>(data: E[], a: number, b: number, cmp: Compare<E>): [number, Hint] {
  const l = b - a;
  const swaps = { count: 0 };
  const order2 = (x: number, y: number): [number, number] => {
    if (less(data, y, x, cmp)) {
      swaps.count++;
      return [y, x];
    }
    return [x, y];
  };
  const median = (x: number, y: number, z: number): number => {
    [x, y] = order2(x, y);
    [y, z] = order2(y, z);
    [x, y] = order2(x, y);
    return y;
  };
  let i = a + Math.floor(l / 4);
  let j = a + Math.floor(l / 4) * 2;
  let k = a + Math.floor(l / 4) * 3;
  if (l >= 8) {
    if (l >= SHORTEST_NINTHER) {
      i = median(i - 1, i, i + 1);
      j = median(j - 1, j, j + 1);
      k = median(k - 1, k, k + 1);
    }
    j = median(i, j, k);
  }
  if (swaps.count === 0) return [j, INCREASING_HINT];
  if (swaps.count === MAX_SWAPS) return [j, DECREASING_HINT];
  return [j, UNKNOWN_HINT];
}

function reverseRange<E>(data: E[], a: number, b: number): void {
  for (let i = a, j = b - 1; i < j; i++, j--) swap(data, i, j);
}

function pdqsort<E>(data: E[], a: number, b: number, limit: number, cmp: Compare<E>): void {
  let wasBalanced = true;
  let wasPartitioned = true;
  for (;;) {
    const length = b - a;
    if (length <= MAX_INSERTION) {
      insertionSort(data, a, b, cmp);
      return;
    }
    if (limit === 0) {
      heapSort(data, a, b, cmp);
      return;
    }
    if (!wasBalanced) {
      breakPatterns(data, a, b);
      limit--;
    }
    let [pivot, hint] = choosePivot(data, a, b, cmp);
    if (hint === DECREASING_HINT) {
      reverseRange(data, a, b);
      pivot = b - 1 - (pivot - a);
      hint = INCREASING_HINT;
    }
    if (wasBalanced && wasPartitioned && hint === INCREASING_HINT && partialInsertionSort(data, a, b, cmp)) return;
    if (a > 0 && !less(data, a - 1, pivot, cmp)) {
      a = partitionEqual(data, a, b, pivot, cmp);
      continue;
    }
    const [mid, alreadyPartitioned] = partition(data, a, b, pivot, cmp);
    wasPartitioned = alreadyPartitioned;
    const leftLength = mid - a;
    const rightLength = b - mid;
    const balanceThreshold = Math.floor(length / 8);
    if (leftLength < rightLength) {
      wasBalanced = leftLength >= balanceThreshold;
      pdqsort(data, a, mid, limit, cmp);
      a = mid + 1;
    } else {
      wasBalanced = rightLength >= balanceThreshold;
      pdqsort(data, mid + 1, b, limit, cmp);
      b = mid;
    }
  }
}

/** Sorts `data[0, length)` in place exactly as Go's slices.SortFunc(data[:length], cmp) does; returns data. */
export function goSortFunc<E>(data: E[], cmp: Compare<E>, length = data.length): E[] {
  pdqsort(data, 0, length, bitLength(length), cmp);
  return data;
}
