// Preprocessing as a serializable pipeline: raw rows (objects of numbers, strings, booleans) → a matrix of numbers.
// Fitted on training rows only; what it learned (fill values, quantiles, means, categories) is in toJSON().
import { ERROR_CODES, ShopstreamError } from '../../errors.js';
import { hashString } from '../../random.js';
import { zeros, type Matrix } from '../numerics/matrix.js';

/** One input row: column name → number, string, boolean, or missing (undefined, null, ''). */
export type DataRow = Readonly<Record<string, unknown>>;

export const MISSING_STRATEGIES = ['drop', 'mean', 'median', 'most_frequent', 'constant', 'keep'] as const;
export const SCALINGS = ['zscore', 'minmax', 'none'] as const;
export const ENCODINGS = ['onehot', 'hash'] as const;

export interface PipelineOptions {
  /**
   * Rows with a missing value: `drop` leaves them out of training (a missing value at prediction time then gets
   * the training mean, or the unknown category); the others fill it — numbers with the mean, median, most
   * frequent value or `fillValue`, categories with the most frequent one (or `fillValue` for `constant`);
   * `keep` leaves a missing number missing (NaN) for a model that reads it (gradient-boosted trees learn where it
   * goes) and gives a missing category the unknown column.
   */
  readonly missing: (typeof MISSING_STRATEGIES)[number];
  readonly fillValue: number | string;
  /** Clip numbers to these quantiles of the training values, e.g. [0.01, 0.99]; null: no clipping. */
  readonly clip: readonly [number, number] | null;
  readonly scale: (typeof SCALINGS)[number];
  /** Categories as one-hot columns (plus one for unknown values) or hashed into `hashBuckets` columns. */
  readonly encoding: (typeof ENCODINGS)[number];
  readonly hashBuckets: number;
  /** One-hot keeps the most frequent categories up to this many; the rest share the unknown column. */
  readonly maxCategories: number;
  /** Numeric-looking columns to treat as categories (codes such as region or browser ids). */
  readonly categoricalColumns: readonly string[];
  /** Numeric columns to cut into this many quantile buckets, each bucket a one-hot column. */
  readonly buckets: Readonly<Record<string, number>>;
}

export const DEFAULT_PIPELINE: PipelineOptions = {
  missing: 'drop',
  fillValue: 0,
  clip: null,
  scale: 'zscore',
  encoding: 'onehot',
  hashBuckets: 32,
  maxCategories: 50,
  categoricalColumns: [],
  buckets: {},
};

type ColumnStep =
  | {
      kind: 'numeric';
      name: string;
      fill: number;
      clip: [number, number] | null;
      center: number;
      scale: number;
    }
  | { kind: 'bucket'; name: string; fill: number; edges: number[] }
  | { kind: 'onehot'; name: string; categories: string[]; fill: string | null }
  | { kind: 'hash'; name: string; buckets: number; fill: string | null };

export interface PipelineJSON {
  readonly options: PipelineOptions;
  readonly steps: ColumnStep[];
}

const UNKNOWN = '(other)';

/** A missing cell: absent, null or empty text. */
export function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function fail(field: string, reason: string): never {
  throw new ShopstreamError(ERROR_CODES.INVALID_FIELD, `${field}: ${reason}`, { field });
}

/**
 * A number of a numeric column: numbers, booleans (1/0) and numeric text ("3.5", as CSV readers and JSON clients
 * send it); anything else is an error naming the column.
 */
function numberOf(name: string, value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(name, `${String(value)} is not a finite number`);
    return value;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  return fail(name, `expected a number, got ${JSON.stringify(value)}`);
}

function categoryOf(name: string, value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) fail(name, `${String(value)} is not a category`);
  if (typeof value === 'object')
    fail(name, `expected a string, number or boolean, got ${JSON.stringify(value)}`);
  return String(value);
}

/** The q-quantile of sorted values, linearly interpolated (numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}

function mostFrequent<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  let best: T | undefined;
  let bestCount = 0;
  for (const v of values) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (n > bestCount) {
      best = v;
      bestCount = n;
    }
  }
  return best;
}

function checkOptions(options: PipelineOptions): void {
  const bad = (field: string, reason: string) =>
    new ShopstreamError(ERROR_CODES.INVALID_OPTION, `${field}: ${reason}`, { field });
  if (!MISSING_STRATEGIES.includes(options.missing))
    throw bad('missing', `must be one of ${MISSING_STRATEGIES.join(', ')}`);
  if (!SCALINGS.includes(options.scale)) throw bad('scale', `must be one of ${SCALINGS.join(', ')}`);
  if (!ENCODINGS.includes(options.encoding)) throw bad('encoding', `must be one of ${ENCODINGS.join(', ')}`);
  if (options.clip) {
    const [lo, hi] = options.clip;
    if (!(lo >= 0 && hi <= 1 && lo < hi)) throw bad('clip', 'quantiles must satisfy 0 ≤ low < high ≤ 1');
  }
  if (!Number.isInteger(options.hashBuckets) || options.hashBuckets < 1)
    throw bad('hashBuckets', 'must be a positive integer');
  if (!Number.isInteger(options.maxCategories) || options.maxCategories < 1)
    throw bad('maxCategories', 'must be a positive integer');
  for (const [column, n] of Object.entries(options.buckets)) {
    if (!Number.isInteger(n) || n < 2) throw bad(`buckets.${column}`, 'must be an integer ≥ 2');
  }
}

/**
 * Learns per column how to turn raw values into numbers, then applies that to any row.
 * @example const p = new Pipeline({ clip: [0.01, 0.99] }); const kept = p.fit(rows, ['price', 'country']); p.transform(rows)
 */
export class Pipeline {
  readonly options: PipelineOptions;
  private steps: ColumnStep[] | undefined;
  /** What the last `fit` found doubtful in the data (not stored with the pipeline). */
  warnings: string[] = [];
  private names: string[] = [];
  private sources: number[] = [];

  constructor(options: Partial<PipelineOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_PIPELINE, ...options });
    checkOptions(this.options);
  }

  get fitted(): boolean {
    return this.steps !== undefined;
  }

  /** The input columns, in order. */
  get columns(): string[] {
    return this.fittedSteps().map((s) => s.name);
  }

  /** The names of the output columns: `price`, `country=DE`, `country=(other)`, `city#3`, `age[2]`. */
  get outputNames(): string[] {
    this.fittedSteps();
    return this.names;
  }

  /** For each output column, the index of the input column it comes from. */
  get outputSources(): number[] {
    this.fittedSteps();
    return this.sources;
  }

  get width(): number {
    return this.outputNames.length;
  }

  /** An unfitted pipeline with the same settings. */
  clone(): Pipeline {
    return new Pipeline(this.options);
  }

  /**
   * Learns from `rows` (training rows only) how to transform `columns`; returns the indices of the rows it
   * learned from (all of them, unless `missing` is `drop`).
   */
  fit(rows: readonly DataRow[], columns: readonly string[]): Int32Array {
    const o = this.options;
    if (columns.length === 0) fail('columns', 'no feature columns to learn from');
    this.warnings = [];
    const kept: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as DataRow;
      if (o.missing !== 'drop' || columns.every((c) => !isMissing(row[c]))) kept.push(i);
    }
    if (kept.length === 0) fail('rows', 'no row without a missing value to learn from');
    const steps: ColumnStep[] = [];
    for (const name of columns) {
      const present: unknown[] = [];
      for (const i of kept) {
        const v = (rows[i] as DataRow)[name];
        if (!isMissing(v)) present.push(v);
      }
      const categorical =
        o.categoricalColumns.includes(name) ||
        present.some((v) => typeof v === 'string' || typeof v === 'object');
      if (categorical && !o.categoricalColumns.includes(name)) this.warnIfMostlyNumbers(name, present);
      const missing = kept.length - present.length;
      if (categorical)
        steps.push(
          this.fitCategorical(
            name,
            present.map((v) => categoryOf(name, v)),
          ),
        );
      else
        steps.push(
          this.fitNumeric(
            name,
            Float64Array.from(present, (v) => numberOf(name, v)),
            missing,
          ),
        );
    }
    this.setSteps(steps);
    return Int32Array.from(kept);
  }

  /**
   * A column of numbers with a few text cells (a typo, "n/a") is taken as categories, which one-hots every
   * number: say so, naming a text value, so the data can be cleaned or the column dropped.
   */
  private warnIfMostlyNumbers(name: string, present: readonly unknown[]): void {
    let numbers = 0;
    let example: unknown;
    for (const v of present) {
      if (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))))
        numbers++;
      else example ??= v;
    }
    if (present.length > 0 && numbers >= 0.9 * present.length) {
      this.warnings.push(
        `${name}: ${numbers} of ${present.length} values are numbers, but text such as ${JSON.stringify(example)} makes it a category column; clean those cells, or --drop it, or name it in --categorical to keep it so`,
      );
    }
  }

  /** `missing`: how many training rows lack the value (they get the fill, and count in the scaling statistics). */
  private fitNumeric(name: string, values: Float64Array, missing: number): ColumnStep {
    const o = this.options;
    const sorted = values.slice().sort();
    let sum = 0;
    for (const v of values) sum += v;
    const mean = values.length > 0 ? sum / values.length : 0;
    const fill =
      o.missing === 'median'
        ? quantile(sorted, 0.5)
        : o.missing === 'most_frequent'
          ? (mostFrequent(Array.from(values)) ?? 0)
          : o.missing === 'constant'
            ? Number(o.fillValue)
            : o.missing === 'keep'
              ? Number.NaN
              : mean;
    const n = o.buckets[name];
    if (n !== undefined) {
      const edges = [...new Set(Array.from({ length: n - 1 }, (_, k) => quantile(sorted, (k + 1) / n)))];
      return { kind: 'bucket', name, fill, edges };
    }
    const clip: [number, number] | null = o.clip
      ? [quantile(sorted, o.clip[0]), quantile(sorted, o.clip[1])]
      : null;
    // Statistics of the values as the model will see them: filled and clipped.
    const seen =
      missing > 0 && o.missing !== 'keep' ? [...values, ...new Array<number>(missing).fill(fill)] : values;
    let lo = Infinity;
    let hi = -Infinity;
    let s1 = 0;
    let count = 0;
    const clipped = (v: number) => (clip ? Math.min(clip[1], Math.max(clip[0], v)) : v);
    for (const raw of seen) {
      const v = clipped(raw);
      s1 += v;
      count++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const center = count > 0 ? s1 / count : 0;
    let s2 = 0;
    for (const raw of seen) s2 += (clipped(raw) - center) ** 2;
    const std = count > 0 ? Math.sqrt(s2 / count) : 0;
    if (o.scale === 'zscore') return { kind: 'numeric', name, fill, clip, center, scale: std > 0 ? std : 1 };
    if (o.scale === 'minmax') {
      const range = hi - lo;
      return { kind: 'numeric', name, fill, clip, center: count > 0 ? lo : 0, scale: range > 0 ? range : 1 };
    }
    return { kind: 'numeric', name, fill, clip, center: 0, scale: 1 };
  }

  private fitCategorical(name: string, values: string[]): ColumnStep {
    const o = this.options;
    const fill =
      o.missing === 'constant'
        ? String(o.fillValue)
        : o.missing === 'drop' || o.missing === 'keep'
          ? null
          : (mostFrequent(values) ?? null);
    if (o.encoding === 'hash') return { kind: 'hash', name, buckets: o.hashBuckets, fill };
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    const categories = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, o.maxCategories)
      .map(([v]) => v)
      .sort();
    return { kind: 'onehot', name, categories, fill };
  }

  private setSteps(steps: ColumnStep[]): void {
    this.steps = steps;
    this.names = [];
    this.sources = [];
    steps.forEach((step, source) => {
      const add = (name: string) => {
        this.names.push(name);
        this.sources.push(source);
      };
      if (step.kind === 'numeric') add(step.name);
      else if (step.kind === 'bucket') for (let k = 0; k <= step.edges.length; k++) add(`${step.name}[${k}]`);
      else if (step.kind === 'onehot') {
        for (const c of step.categories) add(`${step.name}=${c}`);
        add(`${step.name}=${UNKNOWN}`);
      } else for (let k = 0; k < step.buckets; k++) add(`${step.name}#${k}`);
    });
  }

  private fittedSteps(): ColumnStep[] {
    if (!this.steps) {
      throw new ShopstreamError(ERROR_CODES.INVALID_OPTION, 'pipeline: not fitted yet (call fit first)', {
        field: 'pipeline',
      });
    }
    return this.steps;
  }

  /**
   * The numbers of one row. Missing values get the fitted fill (or the unknown category); unknown columns are
   * ignored; a value of the wrong kind, or NaN/Infinity, is an error naming the column.
   */
  transformRow(row: DataRow, out: Float64Array = new Float64Array(this.width)): Float64Array {
    const steps = this.fittedSteps();
    if (row === null || typeof row !== 'object' || Array.isArray(row))
      fail('row', 'must be an object of columns');
    let at = 0;
    for (const step of steps) {
      const raw = row[step.name];
      if (step.kind === 'numeric') {
        let v = isMissing(raw) ? step.fill : numberOf(step.name, raw);
        if (step.clip) v = Math.min(step.clip[1], Math.max(step.clip[0], v));
        out[at++] = (v - step.center) / step.scale;
      } else if (step.kind === 'bucket') {
        const v = isMissing(raw) ? step.fill : numberOf(step.name, raw);
        let k = 0;
        while (k < step.edges.length && v >= (step.edges[k] as number)) k++;
        for (let b = 0; b <= step.edges.length; b++) out[at + b] = b === k ? 1 : 0;
        at += step.edges.length + 1;
      } else if (step.kind === 'onehot') {
        const value = isMissing(raw) ? step.fill : categoryOf(step.name, raw);
        const k = value === null ? -1 : step.categories.indexOf(value);
        const hit = k === -1 ? step.categories.length : k;
        for (let b = 0; b <= step.categories.length; b++) out[at + b] = b === hit ? 1 : 0;
        at += step.categories.length + 1;
      } else {
        const value = isMissing(raw) ? step.fill : categoryOf(step.name, raw);
        for (let b = 0; b < step.buckets; b++) out[at + b] = 0;
        if (value !== null) out[at + (hashString(`${step.name}\u0000${value}`) % step.buckets)] = 1;
        at += step.buckets;
      }
    }
    return out;
  }

  /**
   * `transformRow` for a row given as numbers in `index` order: `index[i]` is where step i's column is in
   * `values` (−1: absent); NaN is a missing value. Undefined when a column is categorical (it needs the row).
   */
  transformVector(
    values: ArrayLike<number>,
    index: Int32Array,
    out: Float64Array = new Float64Array(this.width),
  ): Float64Array | undefined {
    const steps = this.fittedSteps();
    let at = 0;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as ColumnStep;
      const j = index[i] as number;
      const raw = j === -1 ? Number.NaN : (values[j] as number);
      if (step.kind === 'numeric') {
        let v = Number.isNaN(raw) ? step.fill : raw;
        if (step.clip) v = Math.min(step.clip[1], Math.max(step.clip[0], v));
        out[at++] = (v - step.center) / step.scale;
      } else if (step.kind === 'bucket') {
        const v = Number.isNaN(raw) ? step.fill : raw;
        let k = 0;
        while (k < step.edges.length && v >= (step.edges[k] as number)) k++;
        for (let b = 0; b <= step.edges.length; b++) out[at + b] = b === k ? 1 : 0;
        at += step.edges.length + 1;
      } else return undefined;
    }
    return out;
  }

  transform(rows: readonly DataRow[]): Matrix {
    const m = zeros(rows.length, this.width);
    for (let i = 0; i < rows.length; i++) {
      this.transformRow(rows[i] as DataRow, m.data.subarray(i * m.cols, (i + 1) * m.cols));
    }
    return m;
  }

  toJSON(): PipelineJSON {
    return { options: this.options, steps: structuredClone(this.fittedSteps()) };
  }

  static fromJSON(json: PipelineJSON): Pipeline {
    const p = new Pipeline(json.options);
    // JSON writes a kept-missing fill (NaN) as null: it is NaN again here.
    const steps = structuredClone(json.steps).map((step) =>
      (step.kind === 'numeric' || step.kind === 'bucket') && step.fill === null
        ? { ...step, fill: Number.NaN }
        : step,
    );
    p.setSteps(steps);
    return p;
  }
}
