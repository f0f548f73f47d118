// The demo's model step: a point-in-time fraud training set from the log (the features issue's `dataset`),
// a logistic model trained on it (the tabular protocol), stored and promoted, so that the server answers
// /v1/models/fraud/predict as soon as it starts.
import {
  ERROR_CODES,
  ShopstreamError,
  buildTrainingSet,
  isShopstreamError,
  parseLabelSpec,
  promote,
  trainTabular,
  versionEntry,
  type CompiledFeature,
  type DataRow,
} from '../core/index.js';
import { DuckDbModelStore, modelsFile } from '../adapters/duckdb/index.js';
import { readWholeLog } from './read-log.js';

export interface DemoModel {
  readonly name: string;
  readonly version: number;
  readonly rows: number;
  readonly positives: number;
  readonly auc: number;
  /** A held-out payment's features: the body of the curl line. */
  readonly example: DataRow;
}

/** Payments labelled by `label` events within 7 days; older unlabelled ones count as legitimate. */
export const DEMO_MATURITY = '7 days';
const DEMO_LABEL = 'fraud:7d';

/** Trains and promotes `fraud`; a reason instead when the data cannot give a model (too few labelled payments). */
export async function trainDemoFraudModel(
  dataDir: string,
  features: readonly CompiledFeature[],
): Promise<DemoModel | { skipped: string }> {
  const events = await readWholeLog(dataDir, '3. read log');
  const { rows } = buildTrainingSet(events, features, parseLabelSpec(DEMO_LABEL));
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
    const store = new DuckDbModelStore(modelsFile(dataDir));
    const { report, test } = result;
    const stored = await store.add(
      'fraud',
      versionEntry(result, {
        fingerprint: `demo:${events.length}`,
        params: { label: DEMO_LABEL, pipeline: result.trained.pipeline.options, rows: report.rows },
      }),
      Date.now(),
    );
    await promote(store, 'fraud', stored.version, { now: Date.now() }).catch((error: unknown) => {
      if (!(isShopstreamError(error) && error.code === ERROR_CODES.MODEL_REFUSED)) throw error;
    });
    await store.close();
    const example = { ...(test.rows.find((r) => r.fraud === 1) ?? test.rows[0]) };
    delete (example as Record<string, unknown>).fraud;
    return {
      name: 'fraud',
      version: stored.version,
      rows: rows.length,
      positives,
      auc: report.metrics.auc as number,
      example,
    };
  } catch (error) {
    if (error instanceof ShopstreamError) return { skipped: error.message };
    throw error;
  }
}
