// A multilayer perceptron: trained with TensorFlow.js layers on its wasm backend (dense + ReLU + dropout, Adam,
// binary cross-entropy or MSE, early stopping on a validation split); predictions and explanations run on the
// learned weights in plain typed-array code, which answers one row in microseconds where a TensorFlow.js call
// costs a tenth of a millisecond or more (BENCHMARKS.md, "Models"), and needs no backend at serving time.
import { Random } from '../../random.js';
import { checkFinite, checkFiniteRow, type Matrix } from '../numerics/matrix.js';
import { Adam } from '../numerics/adam.js';
import { shuffled } from '../numerics/shuffle.js';
import { installFasterKernels } from '../numerics/tf-kernels.js';
import {
  checkLabels,
  invalidSetting,
  noProbabilities,
  notFitted,
  scoreEachRow,
  sigmoid,
  type Explanation,
  type FitOptions,
  type Model,
  type ModelJSON,
  type Task,
} from './model.js';

export interface MlpSettings {
  readonly task: Task;
  /** Units of each hidden layer (ReLU). */
  readonly hidden: readonly number[];
  /** Dropout after each hidden layer while training (0: none). */
  readonly dropout: number;
  readonly learningRate: number;
  /** Most passes over the training rows; early stopping usually ends sooner. */
  readonly epochs: number;
  readonly batchSize: number;
  /** L2 penalty on the kernels (scikit-learn's alpha). */
  readonly l2: number;
  /** Share of the training rows held out for early stopping (0: train on all, run every epoch). */
  readonly validationFraction: number;
  /** Epochs without a better validation loss before training stops; the best weights are kept. */
  readonly patience: number;
  readonly seed: number;
}

interface Layer {
  readonly inputs: number;
  readonly units: number;
  /** inputs × units, row-major (TensorFlow.js's kernel layout). */
  readonly kernel: Float64Array;
  readonly bias: Float64Array;
}

interface MlpState {
  layers: { inputs: number; units: number; kernel: number[]; bias: number[] }[];
  epochs: number;
  validationLoss: number | null;
  /** Regression: the label's training mean and spread; the network learns (y − mean) / scale. */
  target?: { mean: number; scale: number };
}

type Tf = typeof import('@tensorflow/tfjs');

let backend: Promise<Tf> | undefined;

/**
 * TensorFlow.js on the wasm backend, loaded on the first fit (predictions never need it); about a second the
 * first time in a process. Call it early to keep that out of the first fit.
 */
export function loadTensorflow(): Promise<Tf> {
  backend ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    await tf.ready();
    installFasterKernels(tf);
    return tf;
  })();
  return backend;
}

type Tensor = import('@tensorflow/tfjs').Tensor;
type Scalar = import('@tensorflow/tfjs').Scalar;
type GradSaveFunc = import('@tensorflow/tfjs').GradSaveFunc;

/** The mean loss of outputs against labels y: binary cross-entropy on log-odds, or squared error. */
function meanLoss(tf: Tf, task: Task, y: Tensor, out: Tensor): Scalar {
  return task === 'binary' ? tf.losses.sigmoidCrossEntropy(y, out) : tf.losses.meanSquaredError(y, out);
}

/**
 * The mean loss of a batch's outputs against `yb` (binary cross-entropy on log-odds, or squared error) with its
 * gradient written out: (σ(z) − y) / n, or 2(z − y) / n. TensorFlow.js's own losses record some twenty small ops
 * for the gradient (a tenth of a training step: BENCHMARKS.md, run K); this takes four. Training reads the loss
 * only at an epoch's last batch, so its value is computed only where `valueWanted` (else it is 0).
 */
export function batchLoss(tf: Tf, task: Task, yb: Tensor, valueWanted: boolean): (out: Tensor) => Scalar {
  const n = yb.shape[0] as number;
  const forward = (...args: (Tensor | GradSaveFunc)[]) => {
    const out = args[0] as Tensor;
    (args[1] as GradSaveFunc)([out]);
    const value = valueWanted ? meanLoss(tf, task, yb, out) : tf.scalar(0);
    const gradFunc = (dy: Scalar, [z]: Tensor[]) => {
      const residual = task === 'binary' ? tf.sub(tf.sigmoid(z as Tensor), yb) : tf.sub(z as Tensor, yb);
      return tf.mul(residual, tf.mul(dy, (task === 'binary' ? 1 : 2) / n));
    };
    return { value, gradFunc };
  };
  return tf.customGrad(forward) as (out: Tensor) => Scalar;
}

/**
 * @example const m = new Mlp({ hidden: [128, 64] }); await m.fit(X, y); m.predictProbaOne(x); m.explainOne(x)
 */
export class Mlp implements Model {
  readonly kind = 'mlp';
  readonly settings: MlpSettings;
  private layers: Layer[] | undefined;
  /** Scratch activations of `forward`, one buffer per layer. */
  private activations: Float64Array[] | undefined;
  private trainedEpochs = 0;
  private bestValidationLoss: number | null = null;
  /** Regression targets are standardised for training; outputs are mapped back with these. */
  private target = { mean: 0, scale: 1 };

  constructor(settings: Partial<MlpSettings> = {}) {
    this.settings = Object.freeze({
      task: 'binary' as const,
      hidden: [128, 64],
      dropout: 0,
      learningRate: 0.003,
      epochs: 50,
      batchSize: 256,
      l2: 1e-4,
      validationFraction: 0.1,
      patience: 3,
      seed: 42,
      ...settings,
    });
    const s = this.settings;
    if (s.task !== 'binary' && s.task !== 'regression')
      throw invalidSetting(this.kind, 'task', 'binary or regression');
    if (s.hidden.length === 0 || s.hidden.some((u) => !Number.isInteger(u) || u < 1))
      throw invalidSetting(this.kind, 'hidden', 'one or more positive integers, e.g. 128,64');
    if (!(s.dropout >= 0 && s.dropout < 1)) throw invalidSetting(this.kind, 'dropout', 'must be in [0, 1)');
    if (!Number.isInteger(s.epochs) || s.epochs < 1)
      throw invalidSetting(this.kind, 'epochs', 'a positive integer');
    if (!Number.isInteger(s.batchSize) || s.batchSize < 1)
      throw invalidSetting(this.kind, 'batchSize', 'a positive integer');
    if (!(s.learningRate > 0)) throw invalidSetting(this.kind, 'learningRate', 'must be > 0');
    if (!(s.validationFraction >= 0 && s.validationFraction < 1))
      throw invalidSetting(this.kind, 'validationFraction', 'must be in [0, 1)');
  }

  get task(): Task {
    return this.settings.task;
  }

  get fitted(): boolean {
    return this.layers !== undefined;
  }

  get width(): number {
    return this.layers?.[0]?.inputs ?? 0;
  }

  /** Epochs trained (early stopping may end before `epochs`) and the best validation loss. */
  get training(): { epochs: number; validationLoss: number | null } {
    return { epochs: this.trainedEpochs, validationLoss: this.bestValidationLoss };
  }

  async fit(X: Matrix, y: Float64Array, options: FitOptions = {}): Promise<void> {
    checkFinite(X);
    checkLabels(this.kind, this.task, X, y);
    const s = this.settings;
    this.target = { mean: 0, scale: 1 };
    if (this.task === 'regression') {
      // Standardised targets: Adam's steps and the initial weights suit values near ±1, not thousands.
      const mean = y.reduce((a, v) => a + v, 0) / y.length;
      const spread = Math.sqrt(y.reduce((a, v) => a + (v - mean) ** 2, 0) / y.length);
      this.target = { mean, scale: spread > 0 ? spread : 1 };
      const { mean: m, scale } = this.target;
      y = Float64Array.from(y, (v) => (v - m) / scale);
    }
    const tf = await loadTensorflow();
    const rng = new Random(s.seed);
    const order = shuffled(X.rows, rng);
    const held =
      s.validationFraction > 0 && X.rows >= 20 ? Math.max(1, Math.round(X.rows * s.validationFraction)) : 0;
    const validation = order.subarray(0, held);
    const train = order.slice(held);
    const validationX = new Float32Array(held * X.cols);
    const validationY = new Float32Array(held);
    validation.forEach((r, k) => {
      validationX.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), k * X.cols);
      validationY[k] = y[r] as number;
    });

    const model = tf.sequential();
    const sizes = [...s.hidden, 1];
    sizes.forEach((units, l) => {
      model.add(
        tf.layers.dense({
          units,
          inputShape: l === 0 ? [X.cols] : undefined,
          activation: l < s.hidden.length ? 'relu' : 'linear',
          kernelInitializer: tf.initializers.glorotUniform({ seed: s.seed + l }),
          biasInitializer: 'zeros',
        }),
      );
      if (l < s.hidden.length && s.dropout > 0)
        model.add(tf.layers.dropout({ rate: s.dropout, seed: s.seed + 100 + l }));
    });
    const variables = model.trainableWeights.map((w) => w.read() as import('@tensorflow/tfjs').Variable);
    const adam = new Adam(
      variables.map((v) => Float64Array.from(v.dataSync())),
      model.trainableWeights.map((w) => w.name.includes('kernel')),
      s.learningRate,
    );
    const batchX = new Float32Array(s.batchSize * X.cols);
    const batchY = new Float32Array(s.batchSize);
    // The validation rows as tensors, once: their loss after each epoch is one batched forward pass on the
    // backend (row by row in JavaScript it took a tenth of paysim's fit: BENCHMARKS.md, run J).
    const heldX = held > 0 ? tf.tensor2d(validationX, [held, X.cols]) : undefined;
    const heldY = held > 0 ? tf.tensor2d(validationY, [held, 1]) : undefined;
    let best: Layer[] | undefined;
    let bestLoss = Infinity;
    let since = 0;
    let epoch = 0;
    try {
      for (epoch = 1; epoch <= s.epochs; epoch++) {
        const perm = shuffled(train.length, rng);
        let lastLoss = 0;
        for (let start = 0; start < train.length; start += s.batchSize) {
          const size = Math.min(s.batchSize, train.length - start);
          for (let k = 0; k < size; k++) {
            const r = train[perm[start + k] as number] as number;
            batchX.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), k * X.cols);
            batchY[k] = y[r] as number;
          }
          const last = start + s.batchSize >= train.length;
          const { value, grads } = tf.tidy(() => {
            const xb = tf.tensor2d(batchX.subarray(0, size * X.cols), [size, X.cols]);
            const yb = tf.tensor2d(batchY.subarray(0, size), [size, 1]);
            const loss = batchLoss(tf, this.task, yb, last);
            return tf.variableGrads(() => loss(model.apply(xb, { training: true }) as Tensor), variables);
          });
          const weights = adam.step(
            variables.map((v) => grads[v.name]!.dataSync()),
            s.l2 / size,
          );
          tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape, 'float32'))));
          tf.dispose(grads);
          const cost = last ? value : undefined;
          if (!last) value.dispose();
          if (cost) {
            lastLoss = (await cost.data())[0] as number;
            cost.dispose();
          }
        }
        this.layers = readLayers(model);
        let validationLoss = lastLoss;
        if (heldX && heldY) {
          const loss = tf.tidy(() => {
            const out = model.apply(heldX, { training: false }) as Tensor;
            return meanLoss(tf, this.task, heldY, out);
          });
          validationLoss = (await loss.data())[0] as number;
          loss.dispose();
        }
        options.onProgress?.({ step: epoch, steps: s.epochs, loss: lastLoss, validationLoss });
        if (validationLoss < bestLoss - 1e-4) {
          bestLoss = validationLoss;
          best = this.layers;
          since = 0;
        } else if (held > 0 && ++since >= s.patience) break;
      }
    } finally {
      model.dispose();
      heldX?.dispose();
      heldY?.dispose();
    }
    this.layers = best ?? this.layers;
    this.trainedEpochs = Math.min(epoch, s.epochs);
    this.bestValidationLoss = held > 0 ? bestLoss : null;
  }

  private net(): Layer[] {
    if (!this.layers) throw notFitted(this.kind);
    return this.layers;
  }

  /** The output before the sigmoid (log-odds) or the regression value; `grad` receives ∂output/∂x when given. */
  private forward(x: ArrayLike<number>, grad?: Float64Array): number {
    const layers = this.net();
    // Each layer's activations go to a buffer of its own, reused across calls (a call never awaits); the
    // ReLU masks for the backward pass are the activations themselves (0 where the unit is off).
    this.activations ??= layers.map((l) => new Float64Array(l.units));
    let a: ArrayLike<number> = x;
    for (let l = 0; l < layers.length; l++) {
      const { inputs, units, kernel, bias } = layers[l] as Layer;
      const z = this.activations[l] as Float64Array;
      z.set(bias);
      for (let i = 0; i < inputs; i++) {
        const v = a[i] as number;
        if (v === 0) continue;
        const o = i * units;
        for (let j = 0; j < units; j++) z[j] = (z[j] as number) + v * (kernel[o + j] as number);
      }
      if (l < layers.length - 1) for (let j = 0; j < units; j++) if ((z[j] as number) < 0) z[j] = 0;
      a = z;
    }
    if (grad) {
      // Back through the layers: ∂out/∂a for the last hidden layer is its kernel column, then W · (mask ∘ ·).
      let g = Float64Array.from([1]);
      for (let l = layers.length - 1; l >= 0; l--) {
        const { inputs, units, kernel } = layers[l] as Layer;
        const below = new Float64Array(inputs);
        for (let i = 0; i < inputs; i++) {
          let s = 0;
          const o = i * units;
          for (let j = 0; j < units; j++) s += (kernel[o + j] as number) * (g[j] as number);
          below[i] = s;
        }
        if (l > 0) {
          const below0 = this.activations[l - 1] as Float64Array;
          for (let i = 0; i < inputs; i++) if (below0[i] === 0) below[i] = 0;
        }
        g = below;
      }
      grad.set(g);
    }
    return a[0] as number;
  }

  private checked(x: ArrayLike<number>): void {
    checkFiniteRow(x, this.net()[0]!.inputs);
  }

  predictOne(x: ArrayLike<number>): number {
    this.checked(x);
    const z = this.forward(x);
    return this.task === 'regression' ? this.value(z) : z >= 0 ? 1 : 0;
  }

  predictProbaOne(x: ArrayLike<number>): number {
    if (this.task === 'regression') throw noProbabilities(this.kind);
    this.checked(x);
    return sigmoid(this.forward(x));
  }

  predictMany(X: Matrix): Float64Array {
    return scoreEachRow(this, X);
  }

  /**
   * Integrated gradients (Sundararajan et al. 2017) from the all-zero row — the training mean of z-scored
   * columns — to x, by the midpoint rule; the steps double until the contributions add up to the output within
   * 0.1% of its change from the base (a ReLU network is piecewise linear, so this converges quickly).
   */
  /** A regression output in the label's units. */
  private value(z: number): number {
    return z * this.target.scale + this.target.mean;
  }

  explainOne(x: ArrayLike<number>): Explanation {
    this.checked(x);
    const d = x.length;
    const zero = new Float64Array(d);
    const base = this.forward(zero);
    const output = this.forward(x);
    const point = new Float64Array(d);
    const grad = new Float64Array(d);
    let contributions = new Float64Array(d);
    for (let steps = 32; steps <= 4096; steps *= 2) {
      const sum = new Float64Array(d);
      for (let k = 0; k < steps; k++) {
        const t = (k + 0.5) / steps;
        for (let j = 0; j < d; j++) point[j] = t * (x[j] as number);
        this.forward(point, grad);
        for (let j = 0; j < d; j++) sum[j] = (sum[j] as number) + (grad[j] as number);
      }
      contributions = Float64Array.from(sum, (g, j) => (g / steps) * (x[j] as number));
      const total = contributions.reduce((s, c) => s + c, 0);
      if (Math.abs(total - (output - base)) <= 1e-3 * Math.max(Math.abs(output - base), 1e-9)) break;
    }
    if (this.task === 'regression') {
      // In the label's units: the mean shifts the base, the scale multiplies every part.
      const scale = this.target.scale;
      return {
        base: this.value(base),
        contributions: contributions.map((c) => c * scale),
        output: this.value(output),
        space: 'value',
        method: 'integrated-gradients',
      };
    }
    return { base, contributions, output, space: 'log-odds', method: 'integrated-gradients' };
  }

  clone(): Mlp {
    return new Mlp(this.settings);
  }

  toJSON(): ModelJSON {
    const state: MlpState = {
      layers: this.net().map((l) => ({
        inputs: l.inputs,
        units: l.units,
        kernel: Array.from(l.kernel),
        bias: Array.from(l.bias),
      })),
      epochs: this.trainedEpochs,
      validationLoss: this.bestValidationLoss,
      target: this.target,
    };
    return { kind: this.kind, settings: this.settings, state };
  }

  static fromJSON(json: ModelJSON): Mlp {
    const m = new Mlp(json.settings as Partial<MlpSettings>);
    const state = json.state as MlpState;
    m.layers = state.layers.map((l) => ({
      inputs: l.inputs,
      units: l.units,
      kernel: Float64Array.from(l.kernel),
      bias: Float64Array.from(l.bias),
    }));
    m.trainedEpochs = state.epochs;
    m.bestValidationLoss = state.validationLoss;
    m.target = state.target ?? { mean: 0, scale: 1 };
    return m;
  }
}

/** The dense layers' weights, copied out of TensorFlow.js. */
function readLayers(model: import('@tensorflow/tfjs').Sequential): Layer[] {
  const layers: Layer[] = [];
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length !== 2) continue; // dropout
    const [kernel, bias] = weights as [Tensor, Tensor];
    const [inputs, units] = kernel.shape as [number, number];
    layers.push({
      inputs,
      units,
      kernel: Float64Array.from(kernel.dataSync()),
      bias: Float64Array.from(bias.dataSync()),
    });
  }
  return layers;
}
