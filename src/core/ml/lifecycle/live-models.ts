// The models a server answers with: the production version of each stored model, swapped in when a newer one is
// promoted (polled through the store's revision, so a promotion by another process is seen too). A request takes
// the model it starts with and finishes with it: a swap never fails a request in flight.
import type { ModelStore, ModelVersion } from '../../ports/model-store.js';
import { loadVersion, pickVersion, type ModelRef } from './registry.js';
import type { TabularModel } from './tabular.js';

export interface LiveModel {
  readonly meta: ModelVersion;
  readonly model: TabularModel;
  readonly loadedAt: number;
}

export class LiveModels {
  private production = new Map<string, LiveModel>();
  /** Explicit versions asked for (NAME@V), kept once loaded: a version's artifact never changes. */
  private readonly pinned = new Map<string, LiveModel>();
  /** Every version in the store at the last refresh: requests for unknown models are answered from it. */
  private versions: ModelVersion[] = [];
  private seen = -1;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly store: ModelStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Production versions now loaded. */
  list(): LiveModel[] {
    return [...this.production.values()];
  }

  /** Loads newly promoted versions when the store changed since the last look; one refresh at a time. */
  refresh(): Promise<void> {
    this.refreshing ??= this.reload().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async reload(): Promise<void> {
    const revision = await this.store.revision();
    if (revision === this.seen) return;
    const next = new Map<string, LiveModel>();
    const versions = await this.store.list();
    for (const meta of versions) {
      if (meta.stage !== 'production') continue;
      const current = this.production.get(meta.name);
      if (current && current.meta.version === meta.version) next.set(meta.name, current);
      else next.set(meta.name, await this.load(meta));
    }
    this.production = next; // one assignment: readers see the old map or the new one, never a mix
    this.versions = versions;
    this.seen = revision;
  }

  /**
   * The model a request uses: production, or a pinned version. A name or version the store does not have is
   * answered from the versions seen at the last refresh (itself cheap when nothing changed), so a stream of
   * requests for unknown models never reaches the store's file.
   */
  async get(ref: ModelRef): Promise<LiveModel> {
    if (ref.version === undefined) {
      const live = this.production.get(ref.name);
      if (live) return live;
      await this.refresh();
      const loaded = this.production.get(ref.name);
      if (loaded) return loaded;
      // The refresh loaded every production version it listed, so this throws the precise reason (no such
      // model, no production version).
      return this.load(pickVersion(this.versions, ref));
    }
    const key = `${ref.name}@${ref.version}`;
    const pinned = this.pinned.get(key);
    if (pinned) return pinned;
    await this.refresh();
    const loaded = await this.load(pickVersion(this.versions, ref));
    this.pinned.set(key, loaded);
    return loaded;
  }

  /** A version already resolved, read once from the store. */
  private async load(meta: ModelVersion): Promise<LiveModel> {
    return { meta, model: (await loadVersion(this.store, meta)).model, loadedAt: this.now() };
  }
}
