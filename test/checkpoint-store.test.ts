// Runs the CheckpointStore conformance suite on every adapter.
import { expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../src/adapters/memory/index.js';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
import { checkpointStoreConformance } from './conformance/checkpoint-store-suite.js';
import { freshDir } from './helpers/tmp.js';

checkpointStoreConformance('memory', async () => ({
  store: new MemoryCheckpointStore(),
  close: async () => {},
}));

checkpointStoreConformance('sqlite (embedded default)', async () => {
  const tmp = freshDir();
  const embedded = openEmbeddedStore(tmp.dir);
  return {
    store: embedded.checkpoints,
    close: async () => {
      await embedded.close();
      tmp.remove();
    },
  };
});

it('sqlite: a checkpoint moves the consumer offset in the same transaction', async () => {
  const tmp = freshDir();
  const embedded = openEmbeddedStore(tmp.dir);
  await embedded.checkpoints.save('features', { nextOffset: 123, state: {}, savedAt: 0 });
  expect(await embedded.log.committedOffset('features')).toBe(123);
  await embedded.close();
  const again = openEmbeddedStore(tmp.dir);
  expect((await again.checkpoints.load('features'))?.nextOffset).toBe(123);
  await again.close();
  tmp.remove();
});
