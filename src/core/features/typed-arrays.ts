// The typed arrays of feature state: allocated outside V8's external-memory count, grown by doubling.

/** A copy of `array` with room for at least `atLeast` elements (doubling from 16), its elements first. */
export function grow<T extends Int32Array | Float64Array>(array: T, atLeast: number): T {
  let size = Math.max(16, array.length);
  while (size < atLeast) size *= 2;
  const bigger = (array instanceof Float64Array ? float64s(size) : int32s(size)) as T;
  bigger.set(array);
  return bigger;
}

/**
 * The state's typed arrays (slot records, key index, tile pools) are allocated in SharedArrayBuffers, never
 * shared with another thread. V8 counts the memory of a plain ArrayBuffer as "external memory pressure" and
 * starts a full collection each time some tens of MB more of it are allocated, so a growing state set off full
 * collections, each tracing the whole heap (about a fifth of the fraud set's time: BENCHMARKS.md, run J); a
 * SharedArrayBuffer's memory is left out of that count (still in `process.memoryUsage().arrayBuffers`). An
 * array replaced by a bigger one is freed by the next collection that finds it dead.
 */
export function float64s(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * length));
}

export function int32s(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * length));
}
