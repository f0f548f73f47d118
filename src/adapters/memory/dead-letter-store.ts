// In-memory DeadLetterStore.
import type { DeadLetter, DeadLetterFilter, DeadLetterStore, StoredDeadLetter } from '../../core/index.js';

export class MemoryDeadLetterStore implements DeadLetterStore {
  private items: StoredDeadLetter[] = [];
  private seq = 0;
  private readonly keys = new Set<string>();

  async add(items: readonly DeadLetter[], receivedAt: number): Promise<void> {
    for (const item of items) {
      if (item.dedupKey !== undefined) {
        if (this.keys.has(item.dedupKey)) continue;
        this.keys.add(item.dedupKey);
      }
      this.items.push({ ...item, seq: ++this.seq, receivedAt });
    }
  }

  async list(limit: number, filter: DeadLetterFilter = {}): Promise<StoredDeadLetter[]> {
    return this.items
      .filter((d) => selects(filter, d))
      .slice(-Math.max(0, limit))
      .reverse();
  }

  async count(filter: DeadLetterFilter = {}): Promise<number> {
    return this.items.filter((d) => selects(filter, d)).length;
  }

  async remove(filter: DeadLetterFilter): Promise<number> {
    const before = this.items.length;
    this.items = this.items.filter((d) => !selects(filter, d));
    return before - this.items.length;
  }
}

function selects(f: DeadLetterFilter, d: StoredDeadLetter): boolean {
  return (
    (f.code === undefined || d.code === f.code) &&
    (f.since === undefined || d.receivedAt >= f.since) &&
    (f.before === undefined || d.receivedAt < f.before) &&
    (f.seqs === undefined || f.seqs.includes(d.seq))
  );
}
