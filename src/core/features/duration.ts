// Window lengths: '30s', '1m', '1h', '24h', '7d', '30d' or 'lifetime'.

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const UNITS: Record<string, number> = { s: SECOND, m: MINUTE, h: HOUR, d: DAY };

/** Milliseconds of a window, 'lifetime' as Infinity, or undefined when it is not a window. */
export function parseWindow(text: string): number | undefined {
  if (text === 'lifetime') return Infinity;
  const m = /^(\d+)([smhd])$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  return ms > 0 && ms <= 366 * DAY ? ms : undefined;
}

/** Tile sizes that divide a UTC day, smallest first. */
const TILE_LADDER = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map(
  (s) => s * SECOND,
);

/**
 * The tile size for a window: the largest tile that divides both the window and a UTC day and leaves at
 * least 12 tiles in the window (at most a day). A window is exact at this granularity.
 * @example tileSizeFor(HOUR) // 300000 (5 minutes)
 */
export function tileSizeFor(windowMs: number): number {
  if (!Number.isFinite(windowMs)) return DAY;
  let best = SECOND;
  for (const t of TILE_LADDER) if (windowMs % t === 0 && windowMs / t >= 12) best = t;
  return best;
}

/**
 * A duration for people to read: its two largest units (`13d 21h`, `4h 05m`, `2m 30s`, `850ms`), a minus sign
 * before a negative one.
 * @example formatDuration(1_200_743_558) // '13d 21h'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < SECOND) return `${sign}${Math.round(abs)}ms`;
  const parts: [number, string][] = [
    [Math.floor(abs / DAY), 'd'],
    [Math.floor((abs % DAY) / HOUR), 'h'],
    [Math.floor((abs % HOUR) / MINUTE), 'm'],
    [Math.floor((abs % MINUTE) / SECOND), 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  const [n, unit] = parts[first] as [number, string];
  const next = parts[first + 1];
  if (next === undefined) return `${sign}${n}${unit}`;
  return `${sign}${n}${unit} ${String(next[0]).padStart(2, '0')}${next[1]}`;
}
