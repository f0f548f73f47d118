// The model store in memory: for tests and embedding; nothing survives the process.
import type { ModelStage, ModelStore, ModelVersion, NewModelVersion } from '../../core/index.js';

interface Entry {
  meta: ModelVersion;
  artifact: string;
  validation: string;
}

export class MemoryModelStore implements ModelStore {
  private readonly entries: Entry[] = [];
  private changes = 0;

  add(name: string, entry: NewModelVersion, now: number): Promise<ModelVersion> {
    const version = this.entries.filter((e) => e.meta.name === name).length + 1;
    const meta: ModelVersion = {
      name,
      version,
      stage: 'candidate',
      createdAt: now,
      promotedAt: null,
      kind: entry.kind,
      metrics: { ...entry.metrics },
      features: [...entry.features],
      fingerprint: entry.fingerprint,
      params: structuredClone(entry.params),
    };
    // Stored as JSON, as the file adapters do, so callers never share objects with the store.
    this.entries.push({
      meta,
      artifact: JSON.stringify(entry.artifact),
      validation: JSON.stringify(entry.validation ?? null),
    });
    this.changes++;
    return Promise.resolve(meta);
  }

  list(name?: string): Promise<ModelVersion[]> {
    return Promise.resolve(
      this.entries
        .filter((e) => name === undefined || e.meta.name === name)
        .map((e) => e.meta)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version - b.version)),
    );
  }

  get(name: string, version: number): Promise<ModelVersion | undefined> {
    return Promise.resolve(this.find(name, version)?.meta);
  }

  artifact(name: string, version: number): Promise<{ artifact: unknown; validation: unknown } | undefined> {
    const e = this.find(name, version);
    return Promise.resolve(e && { artifact: JSON.parse(e.artifact), validation: JSON.parse(e.validation) });
  }

  setStage(name: string, version: number, stage: ModelStage, now: number): Promise<void> {
    const target = this.find(name, version);
    if (!target) return Promise.resolve();
    if (stage === 'production') {
      for (const e of this.entries) {
        if (e.meta.name === name && e.meta.stage === 'production' && e !== target)
          e.meta = { ...e.meta, stage: 'archived' };
      }
    }
    target.meta = {
      ...target.meta,
      stage,
      promotedAt: stage === 'production' ? now : target.meta.promotedAt,
    };
    this.changes++;
    return Promise.resolve();
  }

  revision(): Promise<number> {
    return Promise.resolve(this.changes);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private find(name: string, version: number): Entry | undefined {
    return this.entries.find((e) => e.meta.name === name && e.meta.version === version);
  }
}
