// Port of checkpoints: a consumer's state snapshot and the log offset it reflects, stored and loaded together.

export interface Checkpoint<S = unknown> {
  /** The next log offset the consumer will read. */
  readonly nextOffset: number;
  readonly state: S;
  readonly savedAt: number;
}

/**
 * Stores (state, offset) atomically: after a crash, the latest checkpoint is whole, and resuming from its offset
 * counts no event twice and loses none.
 */
export interface CheckpointStore {
  save<S>(consumer: string, checkpoint: Checkpoint<S>): Promise<void>;
  load<S>(consumer: string): Promise<Checkpoint<S> | undefined>;
}
