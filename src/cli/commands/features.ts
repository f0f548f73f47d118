// `shopstream replay`, `backfill` and `features get`: the stream engine run as a batch over the log.
import type { Command } from 'commander';
import {
  DEFAULT_RUNNER_OPTIONS,
  FeatureEngine,
  SYSTEM_CLOCK,
  formatDuration,
  unitOf,
  replayLog,
  type ReplaySummary,
} from '../../core/index.js';
import { openWorkspace } from '../../workspace/index.js';
import { resolveDataDir } from '../data-dir.js';
import { withRiskFeatures } from '../../apps/risk/index.js';
import { addEngineOptions, engineOptions, loadFeatures } from '../features-file.js';
import { timeOption } from '../options.js';
import { startProgress } from '../progress.js';

interface EngineFlags {
  data?: string;
  features?: string;
  outOfOrderness: string;
  allowedLateness: string;
  json?: boolean;
}

function engineFlags(command: Command): Command {
  return addEngineOptions(
    command.option('--data <dir>', 'data directory (default: $SHOPSTREAM_DATA or ./.shopstream)'),
  ).option('--json', 'print a JSON summary as the last line');
}

/** Runs a fresh engine over the log (optionally a slice of it by event time), in event-time order, with a progress bar. */
async function runReplay(
  flags: EngineFlags,
  slice: { from?: number; to?: number },
  label: string,
  lock?: string,
) {
  // The set `serve` computes: the served features and the risk app's, so a backfill checkpoint holds them all.
  const features = withRiskFeatures(loadFeatures(flags.features));
  const engine = new FeatureEngine(features, engineOptions(flags));
  const store = await openWorkspace(resolveDataDir(flags.data), { create: false, lock });
  const started = performance.now();
  const bar = startProgress(label, Math.max(1, await store.log.countInRange(slice)), 'events');
  try {
    const summary = await replayLog(store.log, engine, { ...slice, onProgress: (read) => bar.update(read) });
    return { engine, summary, store, seconds: Math.round((performance.now() - started) / 10) / 100 };
  } finally {
    bar.stop();
  }
}

/** A value as a table shows it: instants as ISO dates, durations as durations, the rest as JSON. */
function readable(value: unknown, unit: 'time' | 'duration' | undefined): string {
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (unit === 'time') return new Date(value).toISOString();
    if (unit === 'duration') return formatDuration(value);
  }
  return JSON.stringify(value);
}

function report(
  flags: EngineFlags,
  summary: ReplaySummary,
  engine: FeatureEngine,
  seconds: number,
  extra: Record<string, unknown> = {},
): void {
  const keys = Object.fromEntries(engine.features.map((f) => [f.name, engine.table(f.name)?.size ?? 0]));
  const out = {
    events: summary.events,
    applied: summary.applied,
    late: summary.late,
    features: engine.features.length,
    keys,
    seconds,
    ...extra,
  };
  if (flags.json) console.log(JSON.stringify(out));
  else {
    console.log(
      `${summary.events} events: ${summary.applied} applied, ${summary.late} late, ${engine.features.length} features in ${seconds}s`,
    );
    for (const [name, n] of Object.entries(keys)) console.log(`  ${name}: ${n} keys`);
  }
}

export function registerFeatureCommands(program: Command): void {
  engineFlags(
    program
      .command('replay')
      .description('recompute features from the event log (the stream engine as a batch)')
      .option('--from <ts>', 'only events at or after this time')
      .option('--to <ts>', 'only events before this time'),
  ).action(async (flags: EngineFlags & { from?: string; to?: string }) => {
    const slice = {
      ...(flags.from ? { from: timeOption('from', flags.from) } : {}),
      ...(flags.to ? { to: timeOption('to', flags.to) } : {}),
    };
    const { engine, summary, store, seconds } = await runReplay(flags, slice, 'replay');
    await store.close();
    report(flags, summary, engine, seconds);
  });

  engineFlags(
    program
      .command('backfill')
      .description(
        "compute features over the whole log and store them as the serving engine's state (stop serve first)",
      ),
  ).action(async (flags: EngineFlags) => {
    // It writes the serving engine's checkpoint: refused while a server keeps that engine.
    const { engine, summary, store, seconds } = await runReplay(flags, {}, 'backfill', 'backfill');
    try {
      engine.evict();
      await store.checkpoints.save(DEFAULT_RUNNER_OPTIONS.consumer, {
        nextOffset: summary.endOffset,
        state: engine.snapshot(),
        savedAt: SYSTEM_CLOCK.now(),
      });
    } finally {
      await store.close();
    }
    report(flags, summary, engine, seconds, { nextOffset: summary.endOffset });
  });

  const features = program.command('features').description('feature values');
  engineFlags(
    features
      .command('get')
      .description('feature values of one entity, computed from the log as of now or any past --at')
      .argument(
        '<entity>',
        'user, product, card, device, ip, email, category, session, or a composite like user+category',
      )
      .argument('<id>', "the entity's id (composite ids joined by |)")
      .option('--names <a,b>', 'only these features')
      .option('--at <ts>', 'as of this time: only events before it count'),
  ).action(async (entity: string, id: string, flags: EngineFlags & { names?: string; at?: string }) => {
    const at = flags.at === undefined ? undefined : timeOption('at', flags.at);
    const { engine, store } = await runReplay(flags, at === undefined ? {} : { to: at }, 'features');
    await store.close();
    const asOf = at ?? (Number.isFinite(engine.clock) ? engine.clock : null);
    const values = engine.lookup(entity, id, flags.names?.split(',').filter(Boolean), at ?? engine.clock + 1);
    if (flags.json) console.log(JSON.stringify({ asOf, values }));
    else {
      console.log(`${entity} ${id} as of ${asOf === null ? 'the start' : new Date(asOf).toISOString()}`);
      const units = new Map(engine.features.map((f) => [f.name, unitOf(f)]));
      for (const [name, value] of Object.entries(values))
        console.log(`  ${name}: ${readable(value, units.get(name))}`);
    }
  });
}
