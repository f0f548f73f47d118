// The tree learner's histogram and partition loops in WebAssembly with SIMD (tree-kernels.wat): one f64x2 add per
// histogram cell where V8 compiles two scalar ones, each behind a bounds check. Measured on paysim-sample's and
// online-shoppers' fits (BENCHMARKS.md, run N). The learner keeps its JavaScript loops as the reference, used where
// the kernels do not apply (row counts in the histogram, a column sample over dense rows).
import { kernelMath } from './dense-kernels.js';
import { TREE_KERNELS_BASE64 } from './tree-kernels.bytes.js';
import { compileBase64, wasm } from './wasm.js';

export interface TreeKernels {
  logistic(raw: number, y: number, grad: number, hess: number, n: number, positiveWeight: number): void;
  rows(
    hist: number,
    order: number,
    start: number,
    end: number,
    rowStart: number,
    rowSlots: number,
    grad: number,
    hess: number,
  ): void;
  dense(
    hist: number,
    order: number,
    start: number,
    end: number,
    codes: number,
    cols: number,
    offsets: number,
    grad: number,
    hess: number,
  ): void;
  column(hist: number, codes: number, n: number, grad: number, hess: number): void;
  listed(hist: number, codes: number, rows: number, count: number, grad: number, hess: number): void;
  subtract(a: number, b: number, bytes: number): void;
  predict(
    nodes: number,
    values: number,
    roots: number,
    depths: number,
    trees: number,
    x: number,
    rows: number,
    cols: number,
    out: number,
  ): void;
  partition(order: number, scratch: number, start: number, end: number, codes: number, sides: number): number;
}

/** The most memory one learner's kernels may take; a larger fit runs the JavaScript loops. */
export const TREE_KERNELS_MAX_BYTES = 1 << 30;

let compiled: object | undefined;

/**
 * Memory for the kernels laid out by a bump allocator: `reserve` each region (16-byte aligned) first, then
 * `open()` creates the memory and the instance, and `view` gives typed arrays over the regions.
 * @example const m = new KernelMemory(); const at = m.reserve(n * 8); m.open(); const grad = m.f64(at, n)
 */
export class KernelMemory {
  private size = 0;
  private memory: { buffer: ArrayBuffer } | undefined;
  kernels!: TreeKernels;

  /** A region of `bytes`; its byte offset. */
  reserve(bytes: number): number {
    const at = this.size;
    this.size += Math.ceil(Math.max(bytes, 1) / 16) * 16;
    return at;
  }

  get bytes(): number {
    return this.size;
  }

  open(): void {
    compiled ??= compileBase64(TREE_KERNELS_BASE64);
    const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(this.size / 65536)) });
    this.memory = memory;
    this.kernels = new wasm.Instance(compiled, { env: { memory }, math: { exp: kernelMath().exp } })
      .exports as unknown as TreeKernels;
  }

  private get buffer(): ArrayBuffer {
    if (!this.memory) throw new Error('KernelMemory: open() first');
    return this.memory.buffer;
  }

  f64(at: number, length: number): Float64Array {
    return new Float64Array(this.buffer, at, length);
  }

  i32(at: number, length: number): Int32Array {
    return new Int32Array(this.buffer, at, length);
  }

  u32(at: number, length: number): Uint32Array {
    return new Uint32Array(this.buffer, at, length);
  }

  u8(at: number, length: number): Uint8Array {
    return new Uint8Array(this.buffer, at, length);
  }
}
