// LambdaMART's objective (Burges 2010, "From RankNet to LambdaRank to LambdaMART"; LightGBM's lambdarank): within
// each group, every pair of rows with different grades where one is in the current top `k` pulls the better row up
// and the other down, by RankNet's logistic gradient weighted by how much NDCG@k would change were they swapped.
import { groupNdcg, groupRows } from '../../numerics/metrics.js';
import type { Objective } from './objectives.js';

/** Groups longer than this are ordered by Array#sort; shorter ones by insertion into a scratch array. */
const INSERTION_SORT_MAX = 64;

export function lambdaRank(groups: ArrayLike<number>, k: number): Objective {
  const lists = groupRows(groups);
  // The groups' rows side by side: group g's rows are members[starts[g] … starts[g + 1]).
  const starts = new Int32Array(lists.length + 1);
  lists.forEach((rows, g) => (starts[g + 1] = (starts[g] as number) + rows.length));
  const members = new Int32Array(starts[lists.length] as number);
  lists.forEach((rows, g) => members.set(rows, starts[g] as number));
  const longest = lists.reduce((m, rows) => Math.max(m, rows.length), 0);
  const discount = Float64Array.from({ length: longest }, (_, i) => 1 / Math.log2(i + 2));
  const order = new Int32Array(longest);
  // Per label vector (fixed for a fit): each row's gain 2^grade − 1 and each group's 1 / ideal DCG@k (0: skip).
  let labels: Float64Array | undefined;
  let gain = new Float64Array(0);
  let inverseIdeal = new Float64Array(0);
  const prepare = (y: Float64Array) => {
    labels = y;
    gain = Float64Array.from(y, (v) => 2 ** v - 1);
    inverseIdeal = new Float64Array(lists.length);
    lists.forEach((rows, g) => {
      const grades = Array.from(rows, (r) => gain[r] as number).sort((a, b) => b - a);
      let best = 0;
      for (let i = 0; i < Math.min(k, grades.length); i++)
        best += (grades[i] as number) * (discount[i] as number);
      inverseIdeal[g] = best > 0 ? 1 / best : 0;
    });
  };
  return {
    name: 'rank',
    base: () => 0,
    gradients(raw, y, grad, hess) {
      if (labels !== y) prepare(y);
      grad.fill(0);
      hess.fill(0);
      for (let g = 0; g < lists.length; g++) {
        const from = starts[g] as number;
        const n = (starts[g + 1] as number) - from;
        const inverse = inverseIdeal[g] as number;
        if (n < 2 || inverse === 0) continue;
        sortByScore(members, from, n, raw, order);
        let sumLambda = 0;
        const top = Math.min(k, n);
        for (let i = 0; i < top; i++) {
          const a = order[i] as number;
          const ga = y[a] as number;
          const gainA = gain[a] as number;
          const discountA = discount[i] as number;
          for (let j = i + 1; j < n; j++) {
            const b = order[j] as number;
            const gb = y[b] as number;
            if (ga === gb) continue;
            const high = ga > gb ? a : b;
            const low = ga > gb ? b : a;
            const delta = (raw[high] as number) - (raw[low] as number);
            const swap =
              Math.abs(gainA - (gain[b] as number)) * Math.abs(discountA - (discount[j] as number)) * inverse;
            // LightGBM's normalisation: pairs already far apart in score weigh less.
            const weight = swap / (0.01 + Math.abs(delta));
            const p = 1 / (1 + Math.exp(delta));
            const lambda = p * weight;
            const h = p * (1 - p) * weight;
            grad[high] = (grad[high] as number) - lambda;
            grad[low] = (grad[low] as number) + lambda;
            hess[high] = (hess[high] as number) + h;
            hess[low] = (hess[low] as number) + h;
            sumLambda += 2 * lambda;
          }
        }
        if (sumLambda > 0) {
          const factor = Math.log2(1 + sumLambda) / sumLambda;
          for (let i = 0; i < n; i++) {
            const r = members[from + i] as number;
            grad[r] = (grad[r] as number) * factor;
            hess[r] = (hess[r] as number) * factor;
          }
        }
      }
    },
    loss(raw, y) {
      // 1 − mean NDCG@k over the groups that have a relevant row: lower is better, as early stopping wants.
      let sum = 0;
      let counted = 0;
      for (const rows of lists) {
        const v = groupNdcg(y, raw, rows, k);
        if (Number.isNaN(v)) continue;
        sum += v;
        counted++;
      }
      return counted === 0 ? 0 : 1 - sum / counted;
    },
  };
}

/** `members[from … from + n)` into `order[0 … n)`, highest score first; equal scores by row, lowest first. */
function sortByScore(
  members: Int32Array,
  from: number,
  n: number,
  raw: Float64Array,
  order: Int32Array,
): void {
  if (n > INSERTION_SORT_MAX) {
    const sorted = Array.from(members.subarray(from, from + n)).sort(
      (a, b) => (raw[b] as number) - (raw[a] as number) || a - b,
    );
    order.set(sorted);
    return;
  }
  for (let i = 0; i < n; i++) {
    const r = members[from + i] as number;
    const score = raw[r] as number;
    let at = i;
    while (at > 0) {
      const prev = order[at - 1] as number;
      const s = raw[prev] as number;
      if (s > score || (s === score && prev < r)) break;
      order[at] = prev;
      at--;
    }
    order[at] = r;
  }
}
