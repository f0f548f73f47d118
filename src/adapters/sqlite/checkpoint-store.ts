// CheckpointStore in the log's own SQLite file: state and consumer offset written in one transaction.
import { deserialize, serialize } from 'node:v8';
import type { Statement } from 'better-sqlite3';
import type { Checkpoint, CheckpointStore } from '../../core/index.js';
import { UPSERT_CONSUMER_OFFSET, type SqliteDatabase } from './database.js';

/**
 * State is serialized with V8's structured serializer (Maps and typed arrays as they are; it measured faster
 * than JSON for tile maps). Because the checkpoint sits in the same database as the log's consumer offsets,
 * one transaction covers both: there is no moment where one is written and the other not.
 */
export class SqliteCheckpointStore implements CheckpointStore {
  private readonly upsert: Statement;
  private readonly select: Statement;
  private readonly upsertOffset: Statement;
  private readonly write: (consumer: string, checkpoint: Checkpoint, state: Buffer) => void;

  constructor(db: SqliteDatabase) {
    this.upsert = db.prepare(
      'INSERT INTO checkpoints (consumer, next_offset, state, saved_at) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT(consumer) DO UPDATE SET next_offset = excluded.next_offset, state = excluded.state, saved_at = excluded.saved_at',
    );
    this.select = db.prepare('SELECT next_offset, state, saved_at FROM checkpoints WHERE consumer = ?');
    this.upsertOffset = db.prepare(UPSERT_CONSUMER_OFFSET);
    this.write = db.transaction((consumer: string, checkpoint: Checkpoint, state: Buffer) => {
      this.upsert.run(consumer, checkpoint.nextOffset, state, checkpoint.savedAt);
      this.upsertOffset.run(consumer, checkpoint.nextOffset);
    });
  }

  async save<S>(consumer: string, checkpoint: Checkpoint<S>): Promise<void> {
    this.write(consumer, checkpoint, serialize(checkpoint.state));
  }

  async load<S>(consumer: string): Promise<Checkpoint<S> | undefined> {
    const row = this.select.get(consumer) as
      { next_offset: number; state: Buffer; saved_at: number } | undefined;
    if (!row) return undefined;
    return { nextOffset: row.next_offset, state: deserialize(row.state) as S, savedAt: row.saved_at };
  }
}
