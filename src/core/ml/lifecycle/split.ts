// Labels and splits of the tabular protocol (EVAL.md): binary labels from loose spellings, stratified and plain
// random train/test splits.
import { ERROR_CODES, ShopstreamError } from '../../errors.js';
import { Random } from '../../random.js';
import { isMissing } from '../models/preprocess.js';
import { shuffled } from '../numerics/shuffle.js';

/** `1`, `true`, `1.0` (any case, or the number 1, or true) are positive; other present values negative. */
export function binaryLabel(value: unknown): 0 | 1 | undefined {
  if (isMissing(value)) return undefined;
  if (value === true || value === 1) return 1;
  const text = String(value).trim().toUpperCase();
  return text === '1' || text === 'TRUE' || text === '1.0' ? 1 : 0;
}

export interface Split {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

function checkTestSize(testSize: number, rows: number): void {
  if (!(testSize > 0 && testSize < 1)) {
    throw new ShopstreamError(ERROR_CODES.INVALID_OPTION, `test-size: ${testSize} must be between 0 and 1`, {
      field: 'test-size',
    });
  }
  if (rows < 2) {
    throw new ShopstreamError(ERROR_CODES.INVALID_OPTION, `rows: ${rows} row(s), too few to split`, {
      field: 'rows',
    });
  }
}

/** A random split keeping each class's share: round(testSize × class size) rows of each class go to test. */
export function stratifiedSplit(labels: ArrayLike<number>, testSize: number, seed: number): Split {
  checkTestSize(testSize, labels.length);
  const rng = new Random(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) members.push(i);
    const order = shuffled(members.length, rng);
    const cut = Math.round(members.length * testSize);
    order.forEach((k, at) => (at < cut ? test : train).push(members[k] as number));
  }
  return { train: Int32Array.from(train).sort(), test: Int32Array.from(test).sort() };
}

export function randomSplit(rows: number, testSize: number, seed: number): Split {
  checkTestSize(testSize, rows);
  const order = shuffled(rows, new Random(seed));
  const cut = Math.round(rows * testSize);
  return { train: order.slice(cut).sort(), test: order.slice(0, cut).sort() };
}
