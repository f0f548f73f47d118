// Delivery order: events leave the simulator by delivery time (event time plus a bounded delay).

/**
 * Events bucketed by the day of their delivery time, each bucket sorted when its day is done.
 * A stable sort on delivery time keeps generation order for equal times, so output is deterministic.
 * It measured the same speed as the binary heap it replaced, with no object per event and much less code.
 */
export class DeliveryQueue {
  private readonly buckets = new Map<number, { at: number[]; lines: string[] }>();

  constructor(
    private readonly start: number,
    private readonly bucketMs: number,
  ) {}

  push(at: number, line: string): void {
    const day = Math.max(0, Math.floor((at - this.start) / this.bucketMs));
    let bucket = this.buckets.get(day);
    if (!bucket) {
      bucket = { at: [], lines: [] };
      this.buckets.set(day, bucket);
    }
    bucket.at.push(at);
    bucket.lines.push(line);
  }

  /**
   * Emits, in delivery order, every bucket up to and including `day`. The caller promises that nothing
   * pushed later is due in those buckets.
   */
  drainThrough(day: number, emit: (line: string) => void): void {
    const due = [...this.buckets.keys()].filter((d) => d <= day).sort((a, b) => a - b);
    for (const d of due) {
      const { at, lines } = this.buckets.get(d)!;
      this.buckets.delete(d);
      const order = Array.from({ length: at.length }, (_, i) => i);
      order.sort((a, b) => (at[a] as number) - (at[b] as number));
      for (const i of order) emit(lines[i] as string);
    }
  }
}
