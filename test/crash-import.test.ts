// kill -9 in the middle of an import, then the same import again: every unique event is in the log exactly once.
import { afterAll, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BIN, lastJson, runCli } from './helpers/cli.js';
import { freshDir } from './helpers/tmp.js';

const tmp = freshDir();
afterAll(() => tmp.remove());

function storedCount(dir: string): number {
  try {
    const db = new Database(join(dir, 'events.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT count(*) FROM events').pluck().get() as number;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

it('holds each unique event exactly once after kill -9 and a re-import', async () => {
  const file = join(tmp.dir, 'store.jsonl');
  expect(runCli(['simulate', '--users', '3000', '--days', '20', '--dirty', '0.01', '--out', file]).code).toBe(
    0,
  );
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const validIds = new Set<string>();
  for (const line of lines) {
    try {
      const e = JSON.parse(line);
      if (e.id !== undefined && !String(e.id).startsWith('dirty-')) validIds.add(e.id);
    } catch {
      // malformed on purpose
    }
  }
  const data = join(tmp.dir, 'data');
  const child = spawn(process.execPath, [BIN, 'import', '--data', data, '--batch-size', '500', file], {
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Kill it once part of the file has landed, but not all of it.
  const deadline = Date.now() + 30_000;
  while (storedCount(data) < 5_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await exited;
  const partial = storedCount(data);
  expect(partial).toBeGreaterThan(0);
  expect(partial).toBeLessThan(validIds.size);

  const again = lastJson(runCli(['import', '--json', '--data', data, file]).stdout);
  expect(again.duplicates).toBe(partial);
  expect(again.accepted).toBe(validIds.size - partial);

  const db = new Database(join(data, 'events.db'), { readonly: true });
  const ids = db.prepare('SELECT id FROM events').pluck().all() as string[];
  const offsets = db.prepare('SELECT seq FROM events ORDER BY seq').pluck().all() as number[];
  db.close();
  expect(ids.length).toBe(validIds.size);
  expect(new Set(ids)).toEqual(validIds);
  expect(offsets.every((seq, i) => seq === i + 1)).toBe(true);
});
