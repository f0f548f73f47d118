// Progress bars for long work, on stderr and only on a terminal, so that piped output stays clean.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, extra?: Record<string, string | number>): void;
  /** The total, once it is known (an input's size). */
  setTotal(total: number): void;
  stop(): void;
}

/**
 * A bar from 0 to `total`; `unit` names what is counted ('MB', 'events').
 * @example const bar = startProgress('import', 100, 'MB'); bar.update(40); bar.stop()
 */
export function startProgress(
  label: string,
  total: number,
  unit: string,
  enabled = process.stderr.isTTY,
): Progress {
  if (!enabled) return { update: () => {}, setTotal: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { rate: '' });
  return {
    update: (done, extra) => bar.update(done, extra ?? {}),
    setTotal: (total) => bar.setTotal(total),
    stop: () => bar.stop(),
  };
}
