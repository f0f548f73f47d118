// Runs the EventLog conformance suite on every adapter.
import { MemoryDeadLetterStore, MemoryEventLog } from '../src/adapters/memory/index.js';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
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
