// Gradient-boosted trees on the model contract (Friedman 2001; XGBoost's regularised objective, Chen & Guestrin
// 2016; histogram learning as in LightGBM, Ke et al. 2017): binary log loss, squared error, or LambdaMART ranking.
// A missing value (NaN) is a value of its own: each split learns which side it goes to.
import { ERROR_CODES, ShopstreamError } from '../../errors.js';
import { Random } from '../../random.js';
import type { Matrix } from '../numerics/matrix.js';
import { binMatrix, MAX_BINS } from './gbdt/bins.js';
import { Forest, type ForestJSON } from './gbdt/forest.js';
import { TreeGrower, addTree, leafByBins, type GrownTree, type TreeSettings } from './gbdt/grow.js';
import { binaryLogistic, squaredError, type Objective } from './gbdt/objectives.js';
import { lambdaRank } from './gbdt/ranking.js';
import {
  allConstant,
  checkInput,
  checkRankLabels,
  checkRow,
  holdOut,
  sampleColumns,
  sampleRows,
} from './gbdt/rows.js';
import { TreeShap } from './gbdt/tree-shap.js';
import {
  checkLabels,
  invalidSetting,
  noProbabilities,
  notFitted,
  sigmoid,
  type Explanation,
  type FitOptions,
  type Model,
  type ModelJSON,
  type Task,
} from './model.js';

export interface GbdtSettings extends TreeSettings {
  /** `binary` (log loss), `regression` (squared error) or `rank` (LambdaMART; fit needs `groups`). */
  readonly task: Task | 'rank';
  /** Boosting rounds (trees). */
  readonly nEstimators: number;
  /** Value bins per column (at most 255; a missing value has a bin of its own besides). */
  readonly maxBins: number;
  /** Fraction of rows each tree learns from (drawn anew per tree). */
  readonly subsample: number;
  /** Fraction of columns each tree may split on. */
  readonly colsampleBytree: number;
  /** Binary: weight of a positive row's gradient (XGBoost's scale_pos_weight; negatives / positives balances). */
  readonly scalePosWeight: number;
  /** Stop when the validation loss has not improved for this many rounds, keeping the best; 0: never. */
  readonly earlyStoppingRounds: number;
  /** Early stopping without validation rows given to fit: this fraction of the training rows is held out. */
  readonly validationFraction: number;
  /** Rank: NDCG is computed over the top `ndcgAt` of each group (LightGBM's lambdarank_truncation_level). */
  readonly ndcgAt: number;
  readonly seed: number;
}

export const DEFAULT_GBDT: GbdtSettings = {
  task: 'binary',
  nEstimators: 100,
  learningRate: 0.3,
  maxDepth: 6,
  numLeaves: 0,
  growPolicy: 'depthwise',
  minChildWeight: 1,
  minDataInLeaf: 1,
  lambda: 1,
  alpha: 0,
  gamma: 0,
  maxBins: 255,
  subsample: 1,
  colsampleBytree: 1,
  scalePosWeight: 1,
  earlyStoppingRounds: 0,
  validationFraction: 0.1,
  ndcgAt: 10,
  seed: 42,
};

/** What a fit may be given besides rows and labels. */
export interface GbdtFitOptions extends FitOptions {
  /** Rank: each row's group (query or list id); rows of a group are compared with each other only. */
  readonly groups?: ArrayLike<number>;
  /** Rows to watch for early stopping (with their groups, to rank). */
  readonly validation?: { readonly X: Matrix; readonly y: Float64Array; readonly groups?: ArrayLike<number> };
}

interface GbdtState {
  readonly forest: ForestJSON;
  readonly width: number;
  /** Loss reduction of every split on a column, summed: gain importance. */
  readonly gain: number[];
  readonly bestIteration: number;
}

/**
 * @example const m = new Gbdt({ nEstimators: 200, maxDepth: 6 }); await m.fit(X, y); m.predictProbaOne(x); m.explainOne(x)
 */
export class Gbdt implements Model {
  readonly kind = 'gbdt';
  readonly settings: GbdtSettings;
  private forest: Forest | undefined;
  private shap: TreeShap | undefined;
  private columns = 0;
  private gains: Float64Array = new Float64Array(0);
  private best = 0;

  constructor(settings: Partial<GbdtSettings> = {}) {
    this.settings = Object.freeze({ ...DEFAULT_GBDT, ...settings });
    checkSettings(this.settings);
  }

  /** Rank models score like regression ones: a higher value ranks first. */
  get task(): Task {
    return this.settings.task === 'binary' ? 'binary' : 'regression';
  }

  get fitted(): boolean {
    return this.forest !== undefined;
  }

  get width(): number {
    return this.columns;
  }

  /** Trees kept (early stopping may end before `nEstimators`). */
  get trees(): number {
    return this.forest?.trees ?? 0;
  }

  /** Gain importance by input column: the loss reduction of its splits, summed over the forest. */
  get gainImportance(): Float64Array {
    return this.gains;
  }

  async fit(X: Matrix, y: Float64Array, options: GbdtFitOptions = {}): Promise<void> {
    const s = this.settings;
    checkInput(X);
    if (s.task === 'rank') checkRankLabels(X, y);
    else checkLabels(this.kind, this.task, X, y);
    if (s.task === 'binary' && (y.every((v) => v === 0) || y.every((v) => v === 1))) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `label: every row has the label ${y[0]}; a classifier needs both classes`,
        { field: 'label' },
      );
    }
    let train: { X: Matrix; y: Float64Array; groups?: ArrayLike<number> } = { X, y, groups: options.groups };
    let validation = options.validation;
    if (s.earlyStoppingRounds > 0 && !validation) {
      const parts = holdOut(X, y, options.groups, s.validationFraction, s.seed);
      train = parts.train;
      validation = parts.validation;
    }
    if (validation) checkInput(validation.X, X.cols);
    const objective = objectiveOf(s, train.groups, train.y.length);
    const binned = binMatrix(train.X, s.maxBins);
    const n = train.X.rows;
    const base = objective.base(train.y);
    const grower = new TreeGrower(binned, s);
    const { grad, hess, raw, labels } = grower;
    raw.fill(base);
    labels.set(train.y);
    const rng = new Random(s.seed);
    const all = Uint32Array.from({ length: n }, (_, i) => i);
    const allColumns = Int32Array.from({ length: X.cols }, (_, j) => j);
    const validationObjective = validation
      ? objectiveOf(s, validation.groups, validation.y.length)
      : undefined;
    const validationRaw = validation ? new Float64Array(validation.X.rows).fill(base) : undefined;
    const trees: GrownTree[] = [];
    let bestLoss = Infinity;
    let best = 0;
    const inLeaves = new Uint8Array(n);
    for (let t = 0; t < s.nEstimators; t++) {
      if (!(s.task === 'binary' && grower.logisticGradients(s.scalePosWeight)))
        objective.gradients(raw, labels, grad, hess);
      const rows = s.subsample < 1 ? sampleRows(n, s.subsample, rng) : all;
      const columns = s.colsampleBytree < 1 ? sampleColumns(X.cols, s.colsampleBytree, rng) : allColumns;
      const order = grower.rowsInLeaves();
      if (rows !== all) inLeaves.fill(0);
      const tree = grower.grow(rows, columns, (start, end, value) => {
        for (let k = start; k < end; k++) {
          const r = order[k] as number;
          raw[r] = (raw[r] as number) + value;
          inLeaves[r] = 1;
        }
      });
      trees.push(tree);
      // Rows left out of this tree's sample still get its output, found from their bins.
      if (rows !== all)
        for (let i = 0; i < n; i++)
          if (inLeaves[i] === 0) raw[i] = (raw[i] as number) + leafByBins(tree, binned, i);
      let validationLoss: number | undefined;
      if (validation && validationRaw && validationObjective) {
        addTree(tree, validation.X, validationRaw);
        validationLoss = validationObjective.loss(validationRaw, validation.y);
        if (validationLoss < bestLoss - 1e-12) {
          bestLoss = validationLoss;
          best = t + 1;
        }
      }
      options.onProgress?.({
        step: t + 1,
        steps: s.nEstimators,
        loss: t % 10 === 9 || t + 1 === s.nEstimators ? objective.loss(raw, train.y) : undefined,
        validationLoss,
      });
      if (s.earlyStoppingRounds > 0 && validation && t + 1 - best >= s.earlyStoppingRounds) break;
      // A long fit lets the event loop run now and then (progress bars, a server's other requests).
      if (t % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
    const kept = validation && s.earlyStoppingRounds > 0 ? trees.slice(0, Math.max(best, 1)) : trees;
    this.best = kept.length;
    this.gains = new Float64Array(X.cols);
    for (const tree of kept) {
      tree.feature.forEach((f, k) => {
        if (f >= 0) this.gains[f] = (this.gains[f] as number) + (tree.gain[k] as number);
      });
    }
    if (kept.every((tree) => tree.feature[0] === -1)) {
      const constant = allConstant(train.X);
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        constant
          ? `gbdt: every column is constant over the ${n} training rows; trees have nothing to split on`
          : `gbdt: no tree found a split (${n} rows; minChildWeight ${s.minChildWeight}, minDataInLeaf ${s.minDataInLeaf}, gamma ${s.gamma}): the model would predict one constant`,
        { field: constant ? 'data' : 'minChildWeight' },
      );
    }
    this.columns = X.cols;
    this.forest = Forest.of(base, kept);
    this.shap = undefined;
  }

  private forestOrThrow(): Forest {
    if (!this.forest) throw notFitted(this.kind);
    return this.forest;
  }

  /** The additive score: log-odds for binary models, the value for regression and ranking. */
  rawOne(x: ArrayLike<number>): number {
    const forest = this.forestOrThrow();
    checkRow(x, this.columns);
    return forest.rawOne(x);
  }

  predictOne(x: ArrayLike<number>): number {
    const raw = this.rawOne(x);
    return this.task === 'regression' ? raw : raw >= 0 ? 1 : 0;
  }

  predictProbaOne(x: ArrayLike<number>): number {
    if (this.task === 'regression') throw noProbabilities(this.kind);
    return sigmoid(this.rawOne(x));
  }

  predictMany(X: Matrix): Float64Array {
    const forest = this.forestOrThrow();
    checkInput(X, this.columns);
    const out = forest.rawMany(X);
    if (this.task === 'binary') for (let i = 0; i < out.length; i++) out[i] = sigmoid(out[i] as number);
    return out;
  }

  /** Exact TreeSHAP: base + Σ contributions = the raw score (log-odds for binary models). */
  explainOne(x: ArrayLike<number>): Explanation {
    return this.explainWith(x, 'tree-shap');
  }

  /** Path attribution (Saabas): O(depth) per tree; base + Σ contributions = the raw score, as TreeSHAP's. */
  explainFast(x: ArrayLike<number>): Explanation {
    return this.explainWith(x, 'tree-path');
  }

  private explainWith(x: ArrayLike<number>, method: 'tree-shap' | 'tree-path'): Explanation {
    const forest = this.forestOrThrow();
    checkRow(x, this.columns);
    const shap = (this.shap ??= new TreeShap(forest));
    const { base, contributions } =
      method === 'tree-shap' ? shap.explain(x, this.columns) : shap.explainPath(x, this.columns);
    return {
      base,
      contributions,
      output: forest.rawOne(x),
      space: this.task === 'binary' ? 'log-odds' : 'value',
      method,
    };
  }

  clone(): Gbdt {
    return new Gbdt(this.settings);
  }

  toJSON(): ModelJSON {
    const state: GbdtState = {
      forest: this.forestOrThrow().toJSON(),
      width: this.columns,
      gain: Array.from(this.gains),
      bestIteration: this.best,
    };
    return { kind: this.kind, settings: this.settings, state };
  }

  static fromJSON(json: ModelJSON): Gbdt {
    const model = new Gbdt(json.settings as Partial<GbdtSettings>);
    const state = json.state as GbdtState;
    model.forest = Forest.fromJSON(state.forest);
    model.columns = state.width;
    model.gains = Float64Array.from(state.gain);
    model.best = state.bestIteration;
    return model;
  }
}

function checkSettings(s: GbdtSettings): void {
  const kind = 'gbdt';
  const integer = (field: keyof GbdtSettings, least: number) => {
    const v = s[field] as number;
    if (!Number.isInteger(v) || v < least)
      throw invalidSetting(kind, field, `an integer ≥ ${least}, not ${String(v)}`);
  };
  const atLeast = (field: keyof GbdtSettings, least: number) => {
    const v = s[field] as number;
    if (!(typeof v === 'number' && v >= least))
      throw invalidSetting(kind, field, `a number ≥ ${least}, not ${String(v)}`);
  };
  const fraction = (field: keyof GbdtSettings) => {
    const v = s[field] as number;
    if (!(typeof v === 'number' && v > 0 && v <= 1))
      throw invalidSetting(kind, field, `in (0, 1], not ${String(v)}`);
  };
  if (!['binary', 'regression', 'rank'].includes(s.task))
    throw invalidSetting(kind, 'task', 'binary, regression or rank');
  if (s.growPolicy !== 'depthwise' && s.growPolicy !== 'lossguide')
    throw invalidSetting(kind, 'growPolicy', 'depthwise or lossguide');
  integer('nEstimators', 1);
  integer('maxDepth', 0);
  integer('numLeaves', 0);
  integer('minDataInLeaf', 0);
  integer('earlyStoppingRounds', 0);
  integer('ndcgAt', 1);
  integer('maxBins', 2);
  if (s.maxBins > MAX_BINS) throw invalidSetting(kind, 'maxBins', `at most ${MAX_BINS}, not ${s.maxBins}`);
  if (s.numLeaves === 1) throw invalidSetting(kind, 'numLeaves', '0 (no limit) or at least 2');
  if (s.maxDepth === 0 && s.numLeaves === 0)
    throw invalidSetting(kind, 'numLeaves', 'a limit is needed when maxDepth is 0 (no limit), e.g. 31');
  fraction('learningRate');
  fraction('subsample');
  fraction('colsampleBytree');
  atLeast('minChildWeight', 0);
  atLeast('lambda', 0);
  atLeast('alpha', 0);
  atLeast('gamma', 0);
  if (!(s.scalePosWeight > 0)) throw invalidSetting(kind, 'scalePosWeight', 'must be > 0');
  if (!(s.validationFraction > 0 && s.validationFraction < 1))
    throw invalidSetting(kind, 'validationFraction', 'must be in (0, 1)');
}

function objectiveOf(s: GbdtSettings, groups: ArrayLike<number> | undefined, rows: number): Objective {
  if (s.task === 'binary') return binaryLogistic(s.scalePosWeight);
  if (s.task === 'regression') return squaredError();
  if (!groups) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      "gbdt: a rank model needs each row's group (query or list id)",
      {
        field: 'group',
      },
    );
  }
  if (groups.length !== rows) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `gbdt: ${rows} rows but ${groups.length} group ids`,
      {
        field: 'group',
      },
    );
  }
  return lambdaRank(groups, s.ndcgAt);
}
