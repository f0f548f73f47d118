// The embedded default store: one SQLite file holding the event log, consumer offsets, checkpoints, dead letters,
// the model store and the risk app's decisions, rules and lists.
import { join } from 'node:path';
import { openDatabase } from './database.js';
import { SqliteEventLog } from './event-log.js';
import { SqliteDeadLetterStore } from './dead-letter-store.js';
import { SqliteCheckpointStore } from './checkpoint-store.js';
import { SqliteModelStore } from './model-store.js';
import { SqliteDecisionStore } from './decision-store.js';
import { SqliteRuleStore } from './rule-store.js';

export { SqliteEventLog } from './event-log.js';
export { SqliteDeadLetterStore } from './dead-letter-store.js';
export { SqliteCheckpointStore } from './checkpoint-store.js';
export { SqliteModelStore } from './model-store.js';
export { SqliteDecisionStore } from './decision-store.js';
export { SqliteRuleStore } from './rule-store.js';
export type { StoredModelRow } from './model-store.js';
export { openDatabase } from './database.js';

export interface EmbeddedStore {
  readonly log: SqliteEventLog;
  readonly deadLetters: SqliteDeadLetterStore;
  readonly checkpoints: SqliteCheckpointStore;
  readonly models: SqliteModelStore;
  readonly decisions: SqliteDecisionStore;
  readonly rules: SqliteRuleStore;
  readonly file: string;
  close(): Promise<void>;
}

/** The file of the embedded log inside a data directory. */
export function eventsFile(dataDir: string): string {
  return join(dataDir, 'events.db');
}

/**
 * Opens the embedded store of a data directory (created if missing).
 * @example const store = openEmbeddedStore('./.shopstream')
 */
export function openEmbeddedStore(dataDir: string): EmbeddedStore {
  const file = dataDir === ':memory:' ? ':memory:' : eventsFile(dataDir);
  const db = openDatabase(file);
  const log = new SqliteEventLog(db);
  return {
    log,
    deadLetters: new SqliteDeadLetterStore(db),
    checkpoints: new SqliteCheckpointStore(db),
    models: new SqliteModelStore(db),
    decisions: new SqliteDecisionStore(db),
    rules: new SqliteRuleStore(db),
    file,
    close: () => log.close(),
  };
}
