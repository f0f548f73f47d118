// The composition root of a data directory: the one place that opens its stores, for the server and every
// command. One SQLite file holds the log, consumer offsets, checkpoints, dead letters and the model store.
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, ShopstreamError } from '../core/index.js';
import { eventsFile, openEmbeddedStore, type EmbeddedStore } from '../adapters/sqlite/index.js';
import { legacyModelsFile, readLegacyModels } from '../adapters/duckdb/index.js';
import { lockDataDir, type DataLock } from '../adapters/files/index.js';

export interface Workspace extends EmbeddedStore {
  readonly dataDir: string;
}

export interface WorkspaceOptions {
  /**
   * Whether a missing data directory is made (default true). Commands that only work on what a directory
   * holds (replay, features get, dataset, predict, models, deadletters, backfill) pass false: the directory
   * must hold a log already, so a typo in --data is an error naming it, and nothing is created.
   */
  readonly create?: boolean;
  /**
   * Takes the directory's engine lock for this command (`serve`, `backfill`) before opening, released by
   * `close`: one process at a time keeps the stream engine's state and writes its checkpoint.
   */
  readonly lock?: string;
}

/**
 * Opens the stores of `dataDir` (`:memory:` for a store that lives as long as the process). A model store of an
 * earlier version (`models.duckdb`) moves into the SQLite file the first time, and the old file is renamed.
 * @example const ws = await openWorkspace('./.shopstream', { create: false }); await ws.models.list(); await ws.close()
 */
export async function openWorkspace(dataDir: string, options: WorkspaceOptions = {}): Promise<Workspace> {
  const memory = dataDir === ':memory:';
  if (!memory && options.create === false) requireLog(dataDir);
  const lock: DataLock | undefined = options.lock && !memory ? lockDataDir(dataDir, options.lock) : undefined;
  let store: EmbeddedStore;
  try {
    store = openEmbeddedStore(dataDir);
    if (!memory) await moveLegacyModels(dataDir, store);
  } catch (error) {
    lock?.release();
    throw error;
  }
  return {
    ...store,
    dataDir,
    close: async () => {
      try {
        await store.close();
      } finally {
        lock?.release();
      }
    },
  };
}

function requireLog(dataDir: string): void {
  if (existsSync(eventsFile(dataDir)) || existsSync(legacyModelsFile(dataDir))) return;
  const has = existsSync(dataDir) ? `${dataDir} has no events.db` : `${dataDir} does not exist`;
  throw new ShopstreamError(
    ERROR_CODES.FILE_NOT_FOUND,
    `--data: ${has}; import events, train a model or run the demo first, or name the data directory that has one`,
    { field: 'data' },
  );
}

/** Copies the versions of an earlier `models.duckdb` into the store (numbers and stages kept), then renames it. */
async function moveLegacyModels(dataDir: string, store: EmbeddedStore): Promise<void> {
  const file = legacyModelsFile(dataDir);
  if (!existsSync(file)) return;
  let rows;
  try {
    rows = await readLegacyModels(file);
  } catch (error) {
    throw new ShopstreamError(
      ERROR_CODES.STORAGE,
      `${file}: cannot read the model store of an earlier version (${String(error)}); stop the process that holds it`,
      { cause: error },
    );
  }
  const added = store.models.insert(rows);
  for (const f of [file, `${file}.wal`]) {
    try {
      renameSync(f, `${f}.moved`);
    } catch {
      // no WAL, or another process moved it first
    }
  }
  process.stderr.write(
    `shopstream: moved ${added} model versions from ${file} into ${join(dataDir, 'events.db')} (the old file is ${file}.moved)\n`,
  );
}
