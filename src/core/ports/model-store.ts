// Port of the model store: versioned model artifacts with their metadata and a stage each.

export const MODEL_STAGES = ['candidate', 'production', 'archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

export interface ModelVersion {
  readonly name: string;
  /** 1, 2, … per name, in the order they were added. */
  readonly version: number;
  readonly stage: ModelStage;
  readonly createdAt: number;
  /** When this version last became production (rollback returns to the one before), or null. */
  readonly promotedAt: number | null;
  readonly kind: string;
  /** Held-out metrics from training (auc, prAuc, accuracy… or rmse, mae, r2). */
  readonly metrics: Readonly<Record<string, number>>;
  /** The input columns the model reads. */
  readonly features: readonly string[];
  /** sha256 of the training data file. */
  readonly fingerprint: string;
  /** Training parameters: model settings, pipeline options, split, seed, data file. */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface NewModelVersion {
  readonly kind: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly features: readonly string[];
  readonly fingerprint: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** The fitted model as JSON (what fromJSON reads). */
  readonly artifact: unknown;
  /** Held-out rows and labels: what a promotion compares this version and production on. */
  readonly validation: unknown;
}

export interface ModelStore {
  /** Stores a new version (the next number for `name`) as a candidate. */
  add(name: string, entry: NewModelVersion, now: number): Promise<ModelVersion>;
  /** Versions of `name` (or of every model), by name then version. */
  list(name?: string): Promise<ModelVersion[]>;
  get(name: string, version: number): Promise<ModelVersion | undefined>;
  artifact(name: string, version: number): Promise<{ artifact: unknown; validation: unknown } | undefined>;
  /**
   * Moves a version to a stage. Making one `production` archives the one that was, in the same transaction:
   * a name has at most one production version at any time.
   */
  setStage(name: string, version: number, stage: ModelStage, now: number): Promise<void>;
  /** Changes whenever a version is added or moves stage, also when another process did it: poll it. */
  revision(): Promise<number>;
  close(): Promise<void>;
}
