// Events that routes write one at a time (a payment to decide, an impression to log), landed in the log in groups:
// those posted while one append runs go in the next, one transaction for all (group commit). A refused event's
// promise rejects with its reason (the others land); a failed append rejects them all.
import { ShopstreamError, type Ingestor, type ShopEvent } from '../../core/index.js';

interface Waiting {
  readonly event: ShopEvent;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export function groupLander(ingestor: Ingestor, source: string): (event: ShopEvent) => Promise<void> {
  let queue: Waiting[] = [];
  let scheduled = false;
  const flush = async (): Promise<void> => {
    try {
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        try {
          const summary = await ingestor.ingestValues(
            batch.map((b) => b.event),
            source,
          );
          const errors = new Map(summary.errors.map((e) => [e.index, e]));
          batch.forEach((b, i) => {
            const e = errors.get(i);
            if (e === undefined) b.resolve();
            else b.reject(new ShopstreamError(e.code, e.message, { field: e.field }));
          });
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      scheduled = false;
    }
  };
  return (event) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ event, resolve, reject });
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => void flush());
    });
}
