// Delivery order: events leave the simulator by delivery time (event time plus a bounded delay), via a min-heap.

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly line: string;
}

/** A binary min-heap on (delivery time, sequence), so equal times keep generation order: output is deterministic. */
export class DeliveryQueue {
  private readonly heap: Pending[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, line: string): void {
    const heap = this.heap;
    heap.push({ at, seq: this.seq++, line });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** Emits, in order, every line due before `until`. */
  drainBefore(until: number, emit: (line: string) => void): void {
    while (this.heap.length > 0 && this.heap[0]!.at < until) emit(this.pop().line);
  }

  private pop(): Pending {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Pending, b: Pending): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
