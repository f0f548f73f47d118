// Small helpers for the benchmark script: repeated runs, medians, a table.

export interface Measure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: string;
  readonly note?: string;
}

/** Median of several runs of `fn`, each returning a figure. */
export async function medianOf(
  runs: number,
  fn: () => Promise<number> | number,
): Promise<{ median: number; all: number[] }> {
  const all: number[] = [];
  for (let i = 0; i < runs; i++) all.push(await fn());
  return { median: median(all), all };
}

/** The middle value (the upper of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export function rate(count: number, ms: number): number {
  return Math.round(count / (ms / 1000));
}

export function fmt(n: number): string {
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 100) / 100);
}

export function printTable(rows: readonly Measure[]): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const value = `${fmt(r.value)} ${r.unit}`.padEnd(22);
    console.log(
      `${r.name.padEnd(width)}  ${value}${r.target ? ` target ${r.target}` : ''}${r.note ? `  (${r.note})` : ''}`,
    );
  }
}
