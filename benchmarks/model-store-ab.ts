// The model store's calls on the DuckDB file of earlier builds against the SQLite store in the log's file: the
// measurement behind retiring the DuckDB store (BENCHMARKS.md, run M). Needs a build from before (58d8cce or
// earlier, which has adapters/duckdb's DuckDbModelStore): git worktree add /tmp/base 58d8cce, npm run build there.
// Usage: npx tsx benchmarks/model-store-ab.ts /tmp/base/dist/adapters/duckdb/index.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModelStore } from '../src/core/index.js';
import { openWorkspace } from '../src/workspace/index.js';
import { median } from './lib.js';

const [legacyAdapter] = process.argv.slice(2);
if (!legacyAdapter) {
  console.error('usage: npx tsx benchmarks/model-store-ab.ts OLD/dist/adapters/duckdb/index.js');
  process.exit(2);
}
const { DuckDbModelStore, modelsFile } = (await import(pathToFileURL(resolve(legacyAdapter)).href)) as {
  DuckDbModelStore: new (file: string) => ModelStore;
  modelsFile: (dir: string) => string;
};

/** A version as `train` stores one: a small artifact and 2,000 validation rows. */
const entry = {
  kind: 'logistic',
  metrics: { auc: 0.9 },
  features: ['a', 'b'],
  fingerprint: 'f',
  params: {},
  artifact: { w: Array.from({ length: 200 }, (_, i) => i / 7) },
  validation: {
    rows: Array.from({ length: 2000 }, (_, i) => ({ a: i, b: i / 3 })),
    labels: Array.from({ length: 2000 }, (_, i) => i % 2),
  },
};

async function time(n: number, call: (i: number) => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call(i);
    ms.push(performance.now() - t);
  }
  return median(ms);
}

async function measure(label: string, store: ModelStore): Promise<void> {
  const add = await time(20, (i) => store.add('m', entry, i));
  const list = await time(50, () => store.list());
  const artifact = await time(50, () => store.artifact('m', 5));
  const promote = await time(20, (i) => store.setStage('m', 1 + i, 'production', i));
  const revision = await time(200, () => store.revision());
  console.log(
    `${label}  add ${add.toFixed(2)} ms  list ${list.toFixed(2)} ms  artifact ${artifact.toFixed(2)} ms  ` +
      `promote ${promote.toFixed(2)} ms  revision, unchanged ${(revision * 1000).toFixed(1)} µs (medians)`,
  );
}

for (let round = 0; round < 2; round++) {
  const a = mkdtempSync(join(tmpdir(), 'model-store-duckdb-'));
  const legacy = new DuckDbModelStore(modelsFile(a));
  await measure('duckdb file, opened per call', legacy);
  await legacy.close();
  const b = mkdtempSync(join(tmpdir(), 'model-store-sqlite-'));
  const workspace = await openWorkspace(b);
  await measure('sqlite, in the log file      ', workspace.models);
  await workspace.close();
  for (const dir of [a, b]) rmSync(dir, { recursive: true, force: true });
}
