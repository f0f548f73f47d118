// Training sets from a data directory's log, read in event-time order a page at a time, with a progress bar.
import {
  TrainingSetBuilder,
  historyPages,
  type CompiledFeature,
  type LabelSpec,
  type TrainingRow,
  type TrainingSetSummary,
} from '../core/index.js';
import type { Workspace } from '../workspace/index.js';
import { startProgress } from './progress.js';

/** The point-in-time training set of the whole log (`dataset`, the demo's model). */
export async function trainingSetFromLog(
  store: Workspace,
  features: readonly CompiledFeature[],
  spec: LabelSpec,
  label = 'read log',
): Promise<{ rows: TrainingRow[]; summary: TrainingSetSummary; events: number }> {
  const end = await store.log.endOffset();
  const bar = startProgress(label, Math.max(1, end), 'events');
  const builder = new TrainingSetBuilder(features, spec);
  let events = 0;
  for await (const page of historyPages(store.log, { endOffset: end })) {
    builder.push(page);
    events += page.length;
    bar.update(events);
  }
  bar.stop();
  return { ...builder.finish(), events };
}
