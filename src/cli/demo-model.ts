// The demo's model step: a point-in-time fraud training set from the log (the features issue's `dataset`),
// a logistic model trained on it (the tabular protocol) with the features it reads recorded, stored and
// promoted, so that the server scores payment events at /v1/models/fraud/score as soon as it starts.
import {
  ShopstreamError,
  featureSource,
  parseLabelSpec,
  promoteUnlessRefused,
  trainTabular,
  versionEntry,
  type CompiledFeature,
  type DataRow,
} from '../core/index.js';
import type { Workspace } from '../workspace/index.js';
import { trainingSetFromLog } from './read-log.js';

export interface DemoModel {
  readonly name: string;
  readonly version: number;
  readonly rows: number;
  readonly positives: number;
  readonly auc: number;
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  /** Whether the version is now production, and why not when it is not. */
  readonly production: boolean;
  readonly refused?: string;
}

/** Payments labelled by `label` events within 30 days, as `dataset` defaults to; older unlabelled ones are legitimate. */
export const DEMO_LABEL = 'fraud:30d';
export const DEMO_MATURITY = '30 days';

/** Trains and promotes `fraud`; a reason instead when the data cannot give a model (too few labelled payments). */
export async function trainDemoFraudModel(
  store: Workspace,
  features: readonly CompiledFeature[],
): Promise<DemoModel | { skipped: string }> {
  const spec = parseLabelSpec(DEMO_LABEL);
  const { rows, events } = await trainingSetFromLog(store, features, spec, '3. read log');
  // Numeric features only (lists such as last_n are not model inputs, nor absolute times such as last_seen);
  // null (no data yet) is a missing value.
  const numeric = features
    .filter((f) => f.agg !== 'first_seen' && f.agg !== 'last_seen')
    .map((f) => f.name)
    .filter((name) => rows.every((r) => r.values[name] === null || typeof r.values[name] === 'number'));
  const table: DataRow[] = rows.map((r) => ({
    ...Object.fromEntries(numeric.map((name) => [name, r.values[name]])),
    fraud: r.label,
  }));
  const positives = rows.filter((r) => r.label === 1).length;
  if (positives < 10 || rows.length - positives < 10) {
    return { skipped: `${rows.length} labelled payments, ${positives} fraudulent: too few to train on` };
  }
  try {
    const result = await trainTabular(table, {
      label: 'fraud',
      model: 'logistic',
      pipeline: { missing: 'median' },
      importanceRows: 0,
    });
    const { report } = result;
    const stored = await store.models.add(
      'fraud',
      versionEntry(result, {
        fingerprint: `demo:${events}`,
        params: {
          label: DEMO_LABEL,
          // What the server needs to score a payment event itself: each feature and how its key is read.
          source: featureSource(features, spec, DEMO_LABEL),
          pipeline: result.trained.pipeline.options,
          rows: report.rows,
        },
      }),
      Date.now(),
    );
    const { refused } = await promoteUnlessRefused(store.models, 'fraud', stored.version, Date.now());
    const m = report.metrics;
    return {
      name: 'fraud',
      version: stored.version,
      rows: rows.length,
      positives,
      auc: m.auc as number,
      threshold: m.threshold as number,
      precision: m.precision as number,
      recall: m.recall as number,
      production: refused === undefined,
      ...(refused === undefined ? {} : { refused }),
    };
  } catch (error) {
    if (error instanceof ShopstreamError) return { skipped: error.message };
    throw error;
  }
}
