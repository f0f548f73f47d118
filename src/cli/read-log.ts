// Every event of a data directory's log, in log order, with a progress bar on a terminal.
import type { ShopEvent } from '../core/index.js';
import { openEmbeddedStore } from '../adapters/sqlite/index.js';
import { startProgress } from './progress.js';

export async function readWholeLog(dataDir: string, label = 'read log'): Promise<ShopEvent[]> {
  const store = openEmbeddedStore(dataDir);
  const events: ShopEvent[] = [];
  try {
    const end = await store.log.endOffset();
    const bar = startProgress(label, Math.max(1, end), 'events');
    for (let offset = 0; offset < end; offset += 50_000) {
      for (const r of await store.log.read(offset, 50_000)) events.push(r.event);
      bar.update(Math.min(end, offset + 50_000));
    }
    bar.stop();
  } finally {
    await store.close();
  }
  return events;
}
