// Model versions over the ModelStore port: naming (NAME, NAME@VERSION), loading, promotion with its quality
// gate, and rollback.
import { ERROR_CODES, ShopstreamError } from '../../errors.js';
import type { ModelStore, ModelVersion, NewModelVersion } from '../../ports/model-store.js';
import type { DataRow } from '../models/preprocess.js';
import { TabularModel, mainMetric, scoreOn, taskOf, type TabularJSON, type TrainResult } from './tabular.js';

/** Held-out rows stored with a version: what promotion scores candidate and production on. */
export interface ValidationData {
  readonly rows: DataRow[];
  readonly labels: number[];
}

/** Held-out rows kept with a version for promotion checks (the first ones, when the test split is larger). */
export const MAX_VALIDATION_ROWS = 20_000;

/** A new version's entry from a training result: its kind, metrics, columns, artifact and validation rows. */
export function versionEntry(
  result: TrainResult,
  source: { fingerprint: string; params: Readonly<Record<string, unknown>> },
): NewModelVersion {
  const { report, trained, test } = result;
  const keep = Math.min(test.rows.length, MAX_VALIDATION_ROWS);
  const validation: ValidationData = {
    rows: test.rows.slice(0, keep),
    labels: Array.from(test.labels.subarray(0, keep)),
  };
  return {
    kind: report.model,
    metrics: report.metrics,
    features: report.columns,
    fingerprint: source.fingerprint,
    params: source.params,
    artifact: trained.toJSON(),
    validation,
  };
}

export interface ModelRef {
  readonly name: string;
  /** Absent: the production version. */
  readonly version?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export function checkModelName(name: string): string {
  if (!NAME.test(name)) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `name: ${JSON.stringify(name)} must be 1–100 letters, digits, '_', '.', '-', starting with a letter or digit`,
      { field: 'name' },
    );
  }
  return name;
}

/** `churn` (its production version) or `churn@3`. */
export function parseModelRef(ref: string): ModelRef {
  const at = ref.lastIndexOf('@');
  if (at === -1) return { name: checkModelName(ref) };
  const version = Number(ref.slice(at + 1));
  if (!Number.isInteger(version) || version < 1) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `model: ${JSON.stringify(ref)}: the version after @ must be 1, 2, …`,
      {
        field: 'model',
      },
    );
  }
  return { name: checkModelName(ref.slice(0, at)), version };
}

function notFound(message: string): ShopstreamError {
  return new ShopstreamError(ERROR_CODES.MODEL_NOT_FOUND, message, { field: 'model' });
}

/** The version a reference names; without a version, the production one. */
export async function resolveVersion(store: ModelStore, ref: ModelRef): Promise<ModelVersion> {
  return pickVersion(await store.list(ref.name), ref);
}

/** The version a reference names among `versions` (of any models), or the error saying why there is none. */
export function pickVersion(all: readonly ModelVersion[], ref: ModelRef): ModelVersion {
  const versions = all.filter((v) => v.name === ref.name);
  if (versions.length === 0) throw notFound(`${ref.name}: no such model`);
  if (ref.version !== undefined) {
    const found = versions.find((v) => v.version === ref.version);
    if (!found) throw notFound(`${ref.name}@${ref.version}: no such version (it has 1–${versions.length})`);
    return found;
  }
  const production = versions.find((v) => v.stage === 'production');
  if (!production) {
    throw notFound(
      `${ref.name}: no production version; promote one (shopstream models promote ${ref.name}@${versions.length}) or name a version (${ref.name}@${versions.length})`,
    );
  }
  return production;
}

export async function loadModel(
  store: ModelStore,
  ref: ModelRef,
): Promise<{ meta: ModelVersion; model: TabularModel }> {
  const meta = await resolveVersion(store, ref);
  return { meta, model: (await loadVersion(store, meta)).model };
}

/** The fitted model of a version already resolved, with its validation rows: one read of the store. */
export async function loadVersion(
  store: ModelStore,
  meta: ModelVersion,
): Promise<{ model: TabularModel; validation: ValidationData | null }> {
  const stored = await store.artifact(meta.name, meta.version);
  if (!stored) throw notFound(`${meta.name}@${meta.version}: artifact missing`);
  return {
    model: TabularModel.fromJSON(stored.artifact as TabularJSON),
    validation: stored.validation as ValidationData | null,
  };
}

export interface PromoteResult {
  readonly promoted: ModelVersion;
  /** The production version it replaced, if any. */
  readonly previous?: ModelVersion;
  /** Both versions scored on the candidate's validation rows, by the main metric (ROC-AUC or R²). */
  readonly comparison?: { metric: string; candidate: number; production: number; rows: number };
  readonly forced: boolean;
}

/**
 * Makes a version production. A candidate is compared with the current production version on the candidate's
 * own validation rows, and refused unless `force` when it scores worse — or when the two cannot be compared: a
 * different task, a different label, no validation rows, or validation rows that lack production's columns.
 */
export async function promote(
  store: ModelStore,
  name: string,
  version: number,
  options: { force?: boolean; now: number },
): Promise<PromoteResult> {
  const versions = await store.list(name);
  const target = pickVersion(versions, { name, version });
  const current = versions.find((v) => v.stage === 'production');
  if (current?.version === version) return { promoted: target, forced: false };
  let comparison: PromoteResult['comparison'];
  let forced = false;
  if (current) {
    const candidate = await loadVersion(store, target);
    const production = (await loadVersion(store, current)).model;
    const validation = candidate.validation;
    const refuse = (reason: string) => {
      if (options.force) {
        forced = true;
        return;
      }
      throw new ShopstreamError(
        ERROR_CODES.MODEL_REFUSED,
        `${name}@${version}: ${reason}; --force promotes it anyway`,
        { field: 'version' },
      );
    };
    const mismatch = incomparable(target, candidate.model, current, production, validation);
    if (mismatch) refuse(`${mismatch}, so it cannot be compared with production ${name}@${current.version}`);
    else if (validation) {
      const labels = Float64Array.from(validation.labels);
      comparison = {
        metric: mainMetric(taskOf(candidate.model)),
        candidate: scoreOn(candidate.model, validation.rows, labels),
        production: scoreOn(production, validation.rows, labels),
        rows: validation.rows.length,
      };
      if (comparison.candidate < comparison.production) {
        refuse(
          `${comparison.metric} ${comparison.candidate.toFixed(4)} is worse than production ${name}@${current.version}'s ${comparison.production.toFixed(4)} on the same ${comparison.rows} validation rows`,
        );
      }
    }
  }
  await store.setStage(name, version, 'production', options.now);
  return {
    promoted: (await store.get(name, version)) as ModelVersion,
    previous: current,
    comparison,
    forced,
  };
}

/** Why a candidate cannot be compared with production, or undefined when it can. */
function incomparable(
  targetMeta: ModelVersion,
  candidate: TabularModel,
  currentMeta: ModelVersion,
  production: TabularModel,
  validation: ValidationData | null,
): string | undefined {
  const [task, productionTask] = [taskOf(candidate), taskOf(production)];
  if (task !== productionTask) return `it is a ${task} model and production is ${productionTask}`;
  const labelOf = (meta: ModelVersion, model: TabularModel) =>
    String((meta.params as { label?: unknown }).label ?? model.label);
  const [a, b] = [labelOf(targetMeta, candidate), labelOf(currentMeta, production)];
  if (a !== b) return `it predicts ${JSON.stringify(a)} and production predicts ${JSON.stringify(b)}`;
  if (!validation || validation.rows.length === 0) return 'it has no validation rows';
  // A row may leave out a cell it has no value for (a missing value): a column is lacking when no row has it.
  const present = new Set<string>();
  for (const row of validation.rows as DataRow[]) for (const key of Object.keys(row)) present.add(key);
  const lacking = production.columns.filter((c) => !present.has(c));
  // Both trained on tables of the same features (`dataset`'s, recorded in params.source): a column no row has is
  // a feature that had no value in the candidate's rows, which production reads as missing values.
  const sourceOf = (meta: ModelVersion) =>
    JSON.stringify((meta.params as { source?: { features?: unknown } }).source?.features ?? null);
  const sameSource = sourceOf(targetMeta) !== 'null' && sourceOf(targetMeta) === sourceOf(currentMeta);
  if (lacking.length > 0 && !sameSource)
    return `its validation rows lack production's columns ${lacking.join(', ')} (another validation set)`;
  return undefined;
}

/**
 * `promote` for a freshly trained version that may not be better: the gate's refusal is an answer (its reason),
 * not an error; any other failure still throws.
 * @example const { refused } = await promoteUnlessRefused(store, 'risk', 3, Date.now())
 */
export async function promoteUnlessRefused(
  store: ModelStore,
  name: string,
  version: number,
  now: number,
): Promise<{ refused?: string }> {
  try {
    await promote(store, name, version, { now });
    return {};
  } catch (error) {
    if (error instanceof ShopstreamError && error.code === ERROR_CODES.MODEL_REFUSED)
      return { refused: error.message };
    throw error;
  }
}

/** Returns production to the version that held it before the current one; the current one is archived. */
export async function rollback(
  store: ModelStore,
  name: string,
  now: number,
): Promise<{ from: ModelVersion; to: ModelVersion }> {
  const versions = await store.list(name);
  if (versions.length === 0) throw notFound(`${name}: no such model`);
  const current = versions.find((v) => v.stage === 'production');
  if (!current) throw notFound(`${name}: no production version to roll back`);
  const before = versions
    .filter((v) => v.version !== current.version && v.promotedAt !== null)
    .sort((a, b) => (b.promotedAt as number) - (a.promotedAt as number) || b.version - a.version)[0];
  if (!before) throw notFound(`${name}: no version was production before ${name}@${current.version}`);
  await store.setStage(name, before.version, 'production', now);
  return { from: current, to: (await store.get(name, before.version)) as ModelVersion };
}
