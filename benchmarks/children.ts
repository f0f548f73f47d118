// Child processes of the benchmark: load generators and servers, each in its own process so that the bench
// process's heap does not pause them.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/shopstream.js', import.meta.url));

export interface PacedResult {
  requests: number;
  failures: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Percentiles of the server's own time (its Server-Timing header), where it sends one. */
  serverP50?: number;
  serverP99?: number;
  serverMax?: number;
}

/** One POST every 1/rate s for `seconds` (open loop); `path` and `body` default to a single view event. */
export function pacedLoad(
  url: string,
  ratePerSecond: number,
  seconds: number,
  path?: string,
  body?: string,
): Promise<PacedResult> {
  return childJson<PacedResult>([
    fileURLToPath(new URL('./paced-client.ts', import.meta.url)),
    new URL(url).port,
    String(ratePerSecond),
    String(seconds),
    ...(path
      ? [
          path,
          ...(body === undefined && (path === '/v1/risk/payments' || path.startsWith('GET '))
            ? []
            : [body ?? '{}']),
        ]
      : []),
  ]);
}

/** Runs a TypeScript script of this folder in its own process and returns the JSON of its last line. */
export async function childJson<T>(args: string[]): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${args[0]} exited with ${String(code)}`);
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as T;
}

/** Starts a server process that prints "at http://…" and returns its URL and a stop. */
export async function startChild(args: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /at (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** `shopstream serve` on a data directory: ingestion alone (--no-features), or with the live engine. */
export function startServer(
  dataDir: string,
  features = false,
): Promise<{ url: string; stop: () => Promise<void> }> {
  return startChild([
    BIN,
    'serve',
    '--data',
    dataDir,
    '--port',
    '0',
    '--log-level',
    'error',
    ...(features ? [] : ['--no-features']),
  ]);
}

/** Resolves once the server's stream engine has applied every event its log held (polls /health). */
export async function caughtUp(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const health = (await (await fetch(`${url}/health`)).json()) as {
      events: number;
      features?: { nextOffset: number };
    };
    if ((health.features?.nextOffset ?? 0) >= health.events) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url}: the stream engine did not catch up with the log in 60 s`);
}

/** `pacedLoad` measured after 2 s of the same load, not counted (the JIT's and the first imports' time). */
export function warmLoad(url: string, rate: number, seconds: number, path?: string): Promise<PacedResult> {
  return pacedLoad(url, rate, 2, path).then(() => pacedLoad(url, rate, seconds, path));
}
