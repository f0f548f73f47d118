// Features binned once (LightGBM's and XGBoost's `hist`): each column's values cut into at most 255 quantile bins,
// a missing value (NaN) in a bin of its own after them; trees then split on bin codes, one byte a cell.
import type { Matrix } from '../../numerics/matrix.js';

/** The most value bins a column can have: its codes and its missing bin fit in a byte. */
export const MAX_BINS = 255;

/**
 * A matrix's columns as bin codes. Column `j`'s value bins are `0 … binCount[j] − 1` (bin `b` holds the values
 * `≤ uppers[j][b]`, the last bound is +∞), and its missing values have code `binCount[j]`.
 */
export interface BinnedMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major codes: row `i`, column `j` at `i · cols + j`. */
  readonly codes: Uint8Array;
  /** The same codes column-major: column `j`, row `i` at `j · rows + i`. */
  readonly columnCodes: Uint8Array;
  readonly binCount: Int32Array;
  /** Each column's most frequent code. */
  readonly majorBin: Int32Array;
  /** For a column whose most frequent code holds at least half the rows: the other rows, ascending. */
  readonly minorRows: readonly (Int32Array | undefined)[];
  /**
   * Each row's histogram slots other than its columns' major bins (compressed rows: row `i`'s are
   * `rowSlots[rowStart[i] … rowStart[i + 1])`); a column with a major bin gets that bin as the node's total minus the rest.
   */
  readonly rowStart: Int32Array;
  readonly rowSlots: Int32Array;
  /** Whether leaving out the major bins saves a quarter of the cells or more (else rows are read whole). */
  readonly sparse: boolean;
  readonly uppers: readonly Float64Array[];
  /** Where column `j`'s slots start in a histogram (`binCount[j] + 1` slots: its bins and its missing bin). */
  readonly offsets: Int32Array;
  /** Total histogram slots. */
  readonly slots: number;
}

/**
 * Upper bounds of at most `maxBins` bins over a column's values: one bin per distinct value when there are few,
 * otherwise bins of about equal counts that never cut between equal values. A bound lies midway between the
 * largest value of its bin and the smallest of the next, so a raw value and its bin go the same way at a split.
 * @example binBounds(Float64Array.of(3, 1, 2, 2), 255) // Float64Array [1.5, 2.5, Infinity]
 */
export function binBounds(values: Float64Array, maxBins: number): Float64Array {
  // A loop, not `filter` (whose callback per value cost more than the sort, measured).
  const present = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v === v) present[n++] = v;
  }
  const sorted = present.subarray(0, n).sort();
  if (n === 0) return Float64Array.of(Infinity);
  const bounds: number[] = [];
  let distinct = 1;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  if (distinct <= maxBins) {
    for (let i = 0; i + 1 < n; i++) {
      const v = sorted[i] as number;
      const next = sorted[i + 1] as number;
      if (next !== v) bounds.push(midpoint(v, next));
    }
  } else {
    // Greedy equal-count bins: the target is recomputed on what remains, so a run of equal values that overfills
    // one bin does not starve the ones after it.
    let target = n / maxBins;
    let count = 0;
    for (let i = 0; i + 1 < n && bounds.length < maxBins - 1; i++) {
      count++;
      const v = sorted[i] as number;
      const next = sorted[i + 1] as number;
      if (count >= target && next !== v) {
        bounds.push(midpoint(v, next));
        count = 0;
        target = (n - i - 1) / (maxBins - bounds.length);
      }
    }
  }
  bounds.push(Infinity);
  return Float64Array.from(bounds);
}

function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  // Rounding can put the midpoint of two adjacent doubles on the upper one: the bound must stay below it.
  return m < b ? m : a;
}

/** The bin of `value` among `uppers` (the first bound at or above it); NaN has no bin (returns `uppers.length`). */
export function binOf(uppers: Float64Array, value: number): number {
  if (Number.isNaN(value)) return uppers.length;
  let lo = 0;
  let hi = uppers.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= (uppers[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Bins every column of `X` into at most `maxBins` bins learned from its own values. */
export function binMatrix(X: Matrix, maxBins: number): BinnedMatrix {
  const { rows, cols, data } = X;
  const uppers: Float64Array[] = [];
  const column = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) column[i] = data[i * cols + j] as number;
    uppers.push(binBounds(column, maxBins));
  }
  const binCount = Int32Array.from(uppers, (u) => u.length);
  const offsets = new Int32Array(cols);
  let slots = 0;
  for (let j = 0; j < cols; j++) {
    offsets[j] = slots;
    slots += (binCount[j] as number) + 1;
  }
  const codes = new Uint8Array(rows * cols);
  const columnCodes = new Uint8Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    const u = uppers[j] as Float64Array;
    for (let i = 0; i < rows; i++) {
      const code = binOf(u, data[i * cols + j] as number);
      codes[i * cols + j] = code;
      columnCodes[j * rows + i] = code;
    }
  }
  const majorBin = new Int32Array(cols);
  const minorRows: (Int32Array | undefined)[] = [];
  const counts = new Int32Array(MAX_BINS + 1);
  for (let j = 0; j < cols; j++) {
    counts.fill(0);
    const base = j * rows;
    for (let i = 0; i < rows; i++) {
      const code = columnCodes[base + i] as number;
      counts[code] = (counts[code] as number) + 1;
    }
    let major = 0;
    for (let b = 1; b < counts.length; b++) if ((counts[b] as number) > (counts[major] as number)) major = b;
    majorBin[j] = major;
    if ((counts[major] as number) * 2 < rows) {
      minorRows.push(undefined);
      continue;
    }
    const minor = new Int32Array(rows - (counts[major] as number));
    let at = 0;
    for (let i = 0; i < rows; i++) if (columnCodes[base + i] !== major) minor[at++] = i;
    minorRows.push(minor);
  }
  const rowStart = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) {
    let entries = 0;
    for (let j = 0; j < cols; j++) {
      if (!minorRows[j] || codes[i * cols + j] !== majorBin[j]) entries++;
    }
    rowStart[i + 1] = (rowStart[i] as number) + entries;
  }
  const rowSlots = new Int32Array(rowStart[rows] as number);
  for (let i = 0, at = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const code = codes[i * cols + j] as number;
      if (!minorRows[j] || code !== majorBin[j]) rowSlots[at++] = (offsets[j] as number) + code;
    }
  }
  return {
    rows,
    cols,
    codes,
    columnCodes,
    binCount,
    majorBin,
    minorRows,
    rowStart,
    rowSlots,
    sparse: rowSlots.length <= 0.75 * rows * cols,
    uppers,
    offsets,
    slots,
  };
}
