// The lock of a data directory's stream engine: one process at a time keeps its feature state and writes its
// checkpoint (`serve`, `backfill`); a second one is refused, naming the holder.
import { openSync, readFileSync, unlinkSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, ShopstreamError } from '../../core/index.js';

export interface DataLock {
  /** Gives the lock back (also done when the process exits). */
  release(): void;
}

interface Holder {
  readonly pid: number;
  readonly command: string;
  readonly since: number;
}

/**
 * Takes `DIR/engine.lock` for `command`, or throws SS_DATA_LOCKED naming the process that holds it. A lock left
 * by a process that is gone (killed with -9) is taken over.
 * @example const lock = lockDataDir('./.shopstream', 'serve'); …; lock.release()
 */
export function lockDataDir(dataDir: string, command: string): DataLock {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'engine.lock');
  const me: Holder = { pid: process.pid, command, since: Date.now() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        process.off('exit', release);
        try {
          if ((JSON.parse(readFileSync(file, 'utf8')) as Holder).pid === process.pid) unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.on('exit', release);
      return { release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) {
        throw new ShopstreamError(
          ERROR_CODES.DATA_LOCKED,
          `--data: ${dataDir} is in use by \`shopstream ${holder.command}\` (pid ${holder.pid}, since ${new Date(holder.since).toISOString()}): one process keeps its stream engine; stop it first, or send events to it with import --to`,
          { field: 'data' },
        );
      }
      // Stale (its process is gone) or unreadable: take it over.
      try {
        unlinkSync(file);
      } catch {
        // another process took it over first: the next attempt says who
      }
    }
  }
  throw new ShopstreamError(ERROR_CODES.DATA_LOCKED, `--data: could not take ${file}`, { field: 'data' });
}

function readHolder(file: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Holder;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
