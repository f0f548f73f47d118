// Three kernels of TensorFlow.js's wasm backend replaced for the shapes an MLP's training step gives them.
// Measured on a training step of the paysim MLP (256 rows, 11 → 128 → 64 → 1; BENCHMARKS.md, run K):
// - BatchMatMul with a transposed operand (every dense layer's gradients): the backend multiplies by a slow
//   generic loop, 8–10× its XNNPACK kernel (256×128ᵀ·256×64: 2.8 ms against 0.43 ms with the transpose done
//   first). The wrapper transposes first and multiplies untransposed.
// - Transpose of a 2-D float32 tensor, and Sum over the rows of one (a bias's gradient, which the backend computes
//   by a transpose and then row sums): SIMD kernels of our own (tf-kernels.wat) run on the backend's memory.
// Everything else falls through to the backend's own kernel.
import { TF_KERNELS_BASE64 } from './tf-kernels.bytes.js';
import { compileBase64, wasm } from './wasm.js';

type Tf = typeof import('@tensorflow/tfjs');
type Info = import('@tensorflow/tfjs').TensorInfo;

/** The parts of the wasm backend these kernels use. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): Info;
  disposeData(dataId: object): void;
  readonly dataIdMap: { get(dataId: object): { memoryOffset: number } };
  readonly wasm: { asm: { memory: object } };
}

interface Kernels {
  columnSums(x: number, rows: number, cols: number, out: number): void;
  transpose(x: number, rows: number, cols: number, out: number): void;
}

/** Our kernels, instantiated on each backend's memory once. */
const instances = new WeakMap<object, Kernels>();

function kernelsOn(backend: WasmBackend): Kernels {
  const memory = backend.wasm.asm.memory;
  let kernels = instances.get(memory);
  if (!kernels) {
    kernels = new wasm.Instance(compileBase64(TF_KERNELS_BASE64), { env: { memory } }).exports as Kernels;
    instances.set(memory, kernels);
  }
  return kernels;
}

const offsetOf = (backend: WasmBackend, x: Info) => backend.dataIdMap.get(x.dataId).memoryOffset;

/** Whether the backend exposes its memory as our kernels need it (Emscripten's `wasm.asm.memory`). */
function exposesMemory(backend: unknown): boolean {
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  return memory instanceof wasm.Memory;
}

/** The kernels `installFasterKernels` replaced, in order (for tests and diagnostics). */
export const replacedKernels: string[] = [];

export function installFasterKernels(tf: Tf): void {
  // Our Transpose and Sum run on the backend's memory: a build of the backend that does not expose it keeps its
  // own two kernels (and the MLP trains as before, a little slower).
  const ours = exposesMemory(tf.backend());
  const transpose = ours
    ? replaceKernel(tf, 'Transpose', (original) => ({ inputs, backend, attrs }) => {
        const x = inputs.x as Info;
        const perm = (attrs as { perm: number[] }).perm;
        if (x.dtype !== 'float32' || x.shape.length !== 2 || perm[0] !== 1) {
          return original({ inputs, backend, attrs });
        }
        return transpose2d(x, backend as WasmBackend);
      })
    : tf.getKernel('Transpose', 'wasm')?.kernelFunc;
  if (!transpose) return;

  if (ours)
    replaceKernel(tf, 'Sum', (original) => ({ inputs, backend, attrs }) => {
      const x = inputs.x as Info;
      const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
      const axes = tf.util.parseAxisParam(axis, x.shape);
      if (x.dtype !== 'float32' || x.shape.length !== 2 || axes.length !== 1 || axes[0] !== 0) {
        return original({ inputs, backend, attrs });
      }
      return columnSums(x, backend as WasmBackend, keepDims);
    });

  replaceKernel(tf, 'BatchMatMul', (original) => ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original({ inputs, backend, attrs });
    const flip = (x: Info): Info => {
      const rank = x.shape.length;
      const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
      return transpose({ inputs: { x }, backend, attrs: { perm } }) as Info;
    };
    const a = transposeA ? flip(inputs.a as Info) : (inputs.a as Info);
    const b = transposeB ? flip(inputs.b as Info) : (inputs.b as Info);
    const out = original({
      inputs: { a, b },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    if (transposeA) (backend as WasmBackend).disposeData(a.dataId);
    if (transposeB) (backend as WasmBackend).disposeData(b.dataId);
    return out;
  });
}

type KernelFunc = import('@tensorflow/tfjs').KernelFunc;

/** Registers `make(original)` in place of the wasm backend's `name` kernel; the new function, or none if absent. */
function replaceKernel(
  tf: Tf,
  name: string,
  make: (original: KernelFunc) => KernelFunc,
): KernelFunc | undefined {
  const config = tf.getKernel(name, 'wasm');
  if (!config) return undefined;
  const kernelFunc = make(config.kernelFunc);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...config, kernelFunc });
  replacedKernels.push(name);
  return kernelFunc;
}

function transpose2d(x: Info, backend: WasmBackend): Info {
  const [rows, cols] = x.shape as [number, number];
  const out = backend.makeOutput([cols, rows], 'float32');
  kernelsOn(backend).transpose(offsetOf(backend, x), rows, cols, offsetOf(backend, out));
  return out;
}

function columnSums(x: Info, backend: WasmBackend, keepDims: boolean): Info {
  const [rows, cols] = x.shape as [number, number];
  const out = backend.makeOutput(keepDims ? [1, cols] : [cols], 'float32');
  kernelsOn(backend).columnSums(offsetOf(backend, x), rows, cols, offsetOf(backend, out));
  return out;
}
