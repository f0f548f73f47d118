// Runs the EventLog conformance suite on every adapter.
import { MemoryDeadLetterStore, MemoryEventLog } from '../src/adapters/memory/index.js';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
import { expect, it } from 'vitest';
import { eventLogConformance, type LogUnderTest } from './conformance/event-log-suite.js';
import { freshDir } from './helpers/tmp.js';

eventLogConformance('memory', async () => {
  const log = new MemoryEventLog();
  return { log, deadLetters: new MemoryDeadLetterStore(), close: () => log.close() };
});

eventLogConformance('sqlite (embedded default)', async () => {
  const tmp = freshDir();
  const openAt = (): LogUnderTest => {
    const store = openEmbeddedStore(tmp.dir);
    return {
      log: store.log,
      deadLetters: store.deadLetters,
      reopen: async () => {
        await store.close();
        return openAt();
      },
      close: async () => {
        await store.close();
        tmp.remove();
      },
    };
  };
  return openAt();
});

it('sqlite: opens a data directory written before dead letters had a dedup key', async () => {
  const { default: Database } = await import('better-sqlite3');
  const { join } = await import('node:path');
  const { mkdirSync } = await import('node:fs');
  const { ERROR_CODES } = await import('../src/core/index.js');
  const tmp = freshDir();
  mkdirSync(tmp.dir, { recursive: true });
  const old = new Database(join(tmp.dir, 'events.db'));
  old.exec(
    'CREATE TABLE dead_letters (seq INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, source TEXT NOT NULL, position INTEGER, code TEXT NOT NULL, field TEXT NOT NULL, message TEXT NOT NULL, raw TEXT NOT NULL, truncated INTEGER NOT NULL DEFAULT 0)',
  );
  old.close();
  const store = openEmbeddedStore(tmp.dir);
  const letter = {
    source: 's',
    code: ERROR_CODES.ID_CONFLICT,
    field: 'ts',
    message: 'conflict',
    raw: '{}',
    dedupKey: 'k',
  };
  await store.deadLetters.add([letter, letter], 1);
  expect(await store.deadLetters.count()).toBe(1);
  await store.close();
  tmp.remove();
});
