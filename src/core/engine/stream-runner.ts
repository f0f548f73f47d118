// The streaming loop: read the log from the checkpointed offset in micro-batches, apply, checkpoint (state, offset).
import type { Clock } from '../ports/clock.js';
import type { CheckpointStore } from '../ports/checkpoint-store.js';
import type { EventLog } from '../ports/event-log.js';
import type { ShopEvent } from '../events/schemas.js';
import { FeatureEngine, type EngineSnapshot } from './feature-engine.js';

export interface StreamRunnerOptions {
  /** Name of this consumer: its checkpoint and offset are kept under it. */
  readonly consumer: string;
  /** Events read per micro-batch. */
  readonly batchSize: number;
  /** Checkpoint after this many events … */
  readonly checkpointEveryEvents: number;
  /** … or this many ms of wall time, whichever comes first. */
  readonly checkpointEveryMs: number;
}

/**
 * What an application runs in the stream instead of the bare engine (the risk app decides each payment just
 * before the engine applies it). It applies every event to the engine itself, and keeps state of its own that
 * is checkpointed beside the engine's, under `CONSUMER:name`.
 */
export interface StreamProcessor<S = unknown> {
  readonly name: string;
  process(events: readonly ShopEvent[]): Promise<void>;
  snapshot(): S;
  restore(state: S): void;
}

/**
 * What reads the stream beside the engine (the recommendations app's neighbours): each micro-batch once the
 * engine has applied it, with state of its own checkpointed under `CONSUMER:name` with the offset it reached. One
 * without a checkpoint (added to a data directory that has one) is caught up from the log at start.
 */
export interface StreamObserver<S = unknown> {
  readonly name: string;
  observe(events: readonly ShopEvent[]): void;
  snapshot(): S;
  /** False when the state is of another layout (an older version's): it is fed the log from the start instead. */
  restore(state: S): boolean;
}

export const DEFAULT_RUNNER_OPTIONS: StreamRunnerOptions = {
  consumer: 'features',
  batchSize: 5000,
  checkpointEveryEvents: 100_000,
  // A checkpoint serializes the whole state (about 1 s per million keys here), so not too often.
  checkpointEveryMs: 30_000,
};

/**
 * Exactly-once feature state over an at-least-once read: the state and the offset after the last applied event
 * are checkpointed together, and a restart resumes from that pair. Every accepted event is applied, late ones
 * too (the engine counts them); the dead-letter store is for refused input only.
 * @example const runner = new StreamRunner(engine, log, checkpoints, SYSTEM_CLOCK); await runner.start(); await runner.drain()
 */
export class StreamRunner {
  private offset = 0;
  private sinceCheckpoint = 0;
  private lastCheckpointAt = 0;
  private running: Promise<number> | undefined;
  private again = false;
  /** Callers of `catchUp` waiting for the state to reach an offset. */
  private waiters: { offset: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** Set before `start`: runs each micro-batch instead of `engine.process`. */
  processor: StreamProcessor | undefined;
  /** Set before `start`: see each micro-batch after it is applied. */
  readonly observers: StreamObserver[] = [];

  constructor(
    readonly engine: FeatureEngine,
    private readonly log: EventLog,
    private readonly checkpoints: CheckpointStore,
    private readonly clock: Clock,
    readonly options: StreamRunnerOptions = DEFAULT_RUNNER_OPTIONS,
  ) {}

  /** The next offset to read. */
  get nextOffset(): number {
    return this.offset;
  }

  /**
   * Restores the latest checkpoint, if there is one. A checkpoint of an older state layout is not loaded: the
   * state is rebuilt from the start of the log.
   */
  async start(): Promise<'checkpoint' | 'rebuild' | 'empty'> {
    const checkpoint = await this.checkpoints.load<EngineSnapshot>(this.options.consumer);
    this.lastCheckpointAt = this.clock.now();
    if (!checkpoint) return 'empty';
    const restored = await this.restoreEngine(checkpoint);
    if (restored === 'checkpoint') await this.catchUpObservers();
    return restored;
  }

  /** Each observer from its checkpoint, then fed what the log holds between its offset and the engine's. */
  private async catchUpObservers(): Promise<void> {
    for (const observer of this.observers) {
      const own = await this.checkpoints.load(`${this.options.consumer}:${observer.name}`);
      let from = 0;
      if (own && own.nextOffset <= this.offset && observer.restore(own.state)) from = own.nextOffset;
      while (from < this.offset) {
        const records = await this.log.read(from, Math.min(this.options.batchSize, this.offset - from));
        if (records.length === 0) break;
        observer.observe(records.filter((r) => r.offset < this.offset).map((r) => r.event));
        from = (records[records.length - 1]?.offset ?? from) + 1;
      }
    }
  }

  private async restoreEngine(checkpoint: {
    readonly nextOffset: number;
    readonly state: EngineSnapshot;
  }): Promise<'checkpoint' | 'rebuild'> {
    if (this.processor) {
      // Saved just before the engine's: at the same offset, or (a crash between the two writes) newer. Restored
      // also when the engine rebuilds from the log: what the processor learned is not in the log to relearn.
      const own = await this.checkpoints.load(`${this.options.consumer}:${this.processor.name}`);
      if (own) this.processor.restore(own.state);
    }
    if (!FeatureEngine.canRestore(checkpoint.state)) return 'rebuild';
    this.engine.restore(checkpoint.state);
    this.offset = checkpoint.nextOffset;
    return 'checkpoint';
  }

  /** Reads and applies everything in the log now; calls made while it runs are folded into one more round. */
  drain(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let total = 0;
      try {
        do {
          this.again = false;
          for (let n = await this.step(); n > 0; n = await this.step()) total += n;
        } while (this.again);
      } finally {
        this.running = undefined;
      }
      return total;
    })();
    return this.running;
  }

  /**
   * Resolves once every event the log holds now is applied — not waiting for events appended after the call, as
   * `drain` under steady traffic would (its rounds fold in every later call).
   */
  async catchUp(): Promise<void> {
    const end = await this.log.endOffset();
    if (this.offset >= end) return;
    const reached = new Promise<void>((resolve, reject) =>
      this.waiters.push({ offset: end, resolve, reject }),
    );
    void this.drain().catch((error: unknown) => {
      for (const w of this.waiters.splice(0)) w.reject(error);
    });
    return reached;
  }

  /** One micro-batch; returns how many events it read. */
  async step(): Promise<number> {
    const records = await this.log.read(this.offset, this.options.batchSize);
    if (records.length === 0) return 0;
    const events = records.map((r) => r.event);
    if (this.processor) await this.processor.process(events);
    else this.engine.process(events);
    for (const observer of this.observers) observer.observe(events);
    this.offset = (records[records.length - 1]?.offset ?? this.offset) + 1;
    if (this.waiters.length > 0) {
      const still = [];
      for (const w of this.waiters) {
        if (w.offset <= this.offset) w.resolve();
        else still.push(w);
      }
      this.waiters = still;
    }
    this.sinceCheckpoint += records.length;
    if (
      this.sinceCheckpoint >= this.options.checkpointEveryEvents ||
      this.clock.now() - this.lastCheckpointAt >= this.options.checkpointEveryMs
    ) {
      await this.checkpoint();
    }
    return records.length;
  }

  /** Stores the state and the next offset together, after dropping tiles no window can reach. */
  async checkpoint(): Promise<void> {
    this.engine.evict();
    if (this.processor) {
      await this.checkpoints.save(`${this.options.consumer}:${this.processor.name}`, {
        nextOffset: this.offset,
        state: this.processor.snapshot(),
        savedAt: this.clock.now(),
      });
    }
    for (const observer of this.observers) {
      await this.checkpoints.save(`${this.options.consumer}:${observer.name}`, {
        nextOffset: this.offset,
        state: observer.snapshot(),
        savedAt: this.clock.now(),
      });
    }
    await this.checkpoints.save(this.options.consumer, {
      nextOffset: this.offset,
      state: this.engine.snapshot(),
      savedAt: this.clock.now(),
    });
    this.sinceCheckpoint = 0;
    this.lastCheckpointAt = this.clock.now();
  }
}
