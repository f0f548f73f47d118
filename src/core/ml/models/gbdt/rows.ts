// The rows a forest learns from: checks of the input (NaN is a missing value, ±Infinity an error), row and column
// samples per tree, and the rows held out for early stopping.
import { ERROR_CODES, ShopstreamError } from '../../../errors.js';
import { Random } from '../../../random.js';
import type { Matrix } from '../../numerics/matrix.js';
import { shuffled } from '../../numerics/shuffle.js';
import { checkLabels } from '../model.js';

/** NaN is a missing value; ±Infinity and a wrong width are errors naming the cell. */
export function checkInput(X: Matrix, width?: number): void {
  if (width !== undefined && X.cols !== width) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_FIELD,
      `input: ${X.cols} columns, the model expects ${width}`,
      {
        field: 'input',
      },
    );
  }
  const data = X.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v === Infinity || v === -Infinity) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_FIELD,
        `column ${i % X.cols}: row ${Math.floor(i / X.cols)} is ${String(v)}; a number or NaN (missing) is expected`,
        { field: `column ${i % X.cols}` },
      );
    }
  }
}

export function checkRow(x: ArrayLike<number>, width: number): void {
  if (x.length !== width) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_FIELD,
      `input: ${x.length} numbers, the model expects ${width}`,
      {
        field: 'input',
      },
    );
  }
  for (let j = 0; j < width; j++) {
    const v = x[j] as number;
    if (v === Infinity || v === -Infinity) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_FIELD,
        `column ${j}: ${String(v)} is not a number or NaN (missing)`,
        { field: `column ${j}` },
      );
    }
  }
}

export function checkRankLabels(X: Matrix, y: Float64Array): void {
  checkLabels('gbdt', 'regression', X, y);
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (v < 0 || v > 31 || !Number.isInteger(v)) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_FIELD,
        `label: row ${i} is ${v}; relevance grades are integers 0 … 31`,
        { field: 'label' },
      );
    }
  }
}

/** Each row with probability `fraction` (at least one row), ascending. */
export function sampleRows(n: number, fraction: number, rng: Random): Uint32Array {
  const picked: number[] = [];
  for (let i = 0; i < n; i++) if (rng.next() < fraction) picked.push(i);
  if (picked.length === 0) picked.push(Math.floor(rng.next() * n));
  return Uint32Array.from(picked);
}

export function sampleColumns(cols: number, fraction: number, rng: Random): Int32Array {
  const k = Math.max(1, Math.round(cols * fraction));
  return Int32Array.from(shuffled(cols, rng).subarray(0, k)).sort();
}

/** A random `fraction` of the rows (whole groups, to rank) held out for early stopping. */
export function holdOut(
  X: Matrix,
  y: Float64Array,
  groups: ArrayLike<number> | undefined,
  fraction: number,
  seed: number,
): {
  train: { X: Matrix; y: Float64Array; groups?: ArrayLike<number> };
  validation: { X: Matrix; y: Float64Array; groups?: ArrayLike<number> };
} {
  const rng = new Random(seed + 1);
  const held = new Uint8Array(X.rows);
  if (groups) {
    const chosen = new Map<number, boolean>();
    for (let i = 0; i < X.rows; i++) {
      const g = groups[i] as number;
      if (!chosen.has(g)) chosen.set(g, rng.next() < fraction);
      held[i] = chosen.get(g) ? 1 : 0;
    }
  } else {
    const order = shuffled(X.rows, rng);
    const count = Math.max(1, Math.round(X.rows * fraction));
    for (let k = 0; k < count; k++) held[order[k] as number] = 1;
  }
  const pick = (want: number) => {
    const rows: number[] = [];
    for (let i = 0; i < X.rows; i++) if (held[i] === want) rows.push(i);
    const data = new Float64Array(rows.length * X.cols);
    rows.forEach((r, k) => data.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), k * X.cols));
    return {
      X: { rows: rows.length, cols: X.cols, data },
      y: Float64Array.from(rows, (r) => y[r] as number),
      groups: groups ? Float64Array.from(rows, (r) => groups[r] as number) : undefined,
    };
  };
  const train = pick(0);
  const validation = pick(1);
  if (validation.X.rows === 0 || train.X.rows === 0) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      'gbdt: too few rows (or groups) to hold some out for early stopping',
      {
        field: 'earlyStoppingRounds',
      },
    );
  }
  return { train, validation };
}

export function allConstant(X: Matrix): boolean {
  for (let j = 0; j < X.cols; j++) {
    const first = X.data[j] as number;
    for (let i = 1; i < X.rows; i++) {
      const v = X.data[i * X.cols + j] as number;
      if (v !== first && !(Number.isNaN(v) && Number.isNaN(first))) return false;
    }
  }
  return true;
}
