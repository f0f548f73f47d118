// Seeded permutations: the order in which models and splits visit rows.
import type { Random } from '../../random.js';

/** 0 … n−1 in a seeded random order (Fisher–Yates). */
export function shuffled(n: number, rng: Random): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const k = rng.int(0, i + 1);
    const t = order[i] as number;
    order[i] = order[k] as number;
    order[k] = t;
  }
  return order;
}
