// In-memory DeadLetterStore.
import type { DeadLetter, DeadLetterStore, StoredDeadLetter } from '../../core/index.js';

export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly items: StoredDeadLetter[] = [];
  private readonly keys = new Set<string>();

  async add(items: readonly DeadLetter[], receivedAt: number): Promise<void> {
    for (const item of items) {
      if (item.dedupKey !== undefined) {
        if (this.keys.has(item.dedupKey)) continue;
        this.keys.add(item.dedupKey);
      }
      this.items.push({ ...item, seq: this.items.length + 1, receivedAt });
    }
  }

  async list(limit: number): Promise<StoredDeadLetter[]> {
    return this.items.slice(-Math.max(0, limit)).reverse();
  }

  async count(): Promise<number> {
    return this.items.length;
  }
}
