// In-memory CheckpointStore: keeps a deep copy, as a real store would.
import type { Checkpoint, CheckpointStore } from '../../core/index.js';

export class MemoryCheckpointStore implements CheckpointStore {
  private readonly items = new Map<string, Checkpoint>();

  async save<S>(consumer: string, checkpoint: Checkpoint<S>): Promise<void> {
    this.items.set(consumer, structuredClone(checkpoint));
  }

  async load<S>(consumer: string): Promise<Checkpoint<S> | undefined> {
    const item = this.items.get(consumer);
    return item === undefined ? undefined : (structuredClone(item) as Checkpoint<S>);
  }
}
