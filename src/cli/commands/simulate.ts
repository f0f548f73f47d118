// `shopstream simulate`: a seeded store's event stream as JSONL, and the truth file of what a model should find.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  DEFAULT_SIMULATION,
  simulateStore,
  type SimulationConfig,
  type SimulationTruth,
} from '../../sim/index.js';
import { LineWriter } from '../line-writer.js';
import { intOption, numberOption, timeOption } from '../options.js';

export interface SimulateFlags {
  users: string;
  products: string;
  days: string;
  seed: string;
  start: string;
  disorder: string;
  dirty: string;
  out?: string;
  truth?: string;
  json?: boolean;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('simulate a store: catalog, shoppers, sessions, orders, payments with planted fraud (JSONL)')
    .option('--users <n>', 'shoppers', String(DEFAULT_SIMULATION.users))
    .option('--products <n>', 'products in the catalog', String(DEFAULT_SIMULATION.products))
    .option('--days <n>', 'days of traffic', String(DEFAULT_SIMULATION.days))
    .option('--seed <n>', 'random seed: the same seed gives the same bytes', String(DEFAULT_SIMULATION.seed))
    .option(
      '--start <date>',
      'first day (UTC)',
      new Date(DEFAULT_SIMULATION.start).toISOString().slice(0, 10),
    )
    .option('--disorder <seconds>', 'deliver events up to this late, out of order', '0')
    .option('--dirty <rate>', 'share of extra malformed events (0–1)', '0')
    .option('--out <file>', 'write events here (default: stdout)')
    .option('--truth <file>', 'write the ground truth (preferences, fraud per payment, relevance) here')
    .option('--json', 'print a JSON summary as the last line')
    .addHelpText(
      'after',
      "\nNothing after this machine's clock is emitted (labels that would arrive later have not happened yet).",
    )
    .action((flags: SimulateFlags) => {
      const config = simulationConfig(flags);
      const started = performance.now();
      const { truth, lines } = runSimulation(config, flags.out);
      if (flags.truth) writeFileSync(flags.truth, JSON.stringify(truth, null, 1) + '\n');
      const seconds = (performance.now() - started) / 1000;
      const summary = {
        events: lines,
        dirty: truth.counts.dirty,
        payments: truth.counts.payments,
        fraudPayments: truth.counts.fraudPayments,
        notYet: truth.counts.notYet,
        seconds: Math.round(seconds * 100) / 100,
      };
      // With events on stdout, the summary goes to stderr so that the stream stays clean.
      const log = flags.out === undefined ? console.error : console.log;
      if (flags.json) log(JSON.stringify(summary));
      else
        log(
          `simulated ${lines} events (${truth.counts.payments} payments, ${truth.counts.fraudPayments} fraudulent, ${truth.counts.dirty} malformed) in ${summary.seconds}s${flags.out ? ` → ${flags.out}` : ''}`,
        );
    });
}

export function simulationConfig(flags: SimulateFlags): SimulationConfig {
  const start = timeOption('start', flags.start);
  const days = intOption('days', flags.days, 1, 3650);
  return {
    ...DEFAULT_SIMULATION,
    users: intOption('users', flags.users, 1, 10_000_000),
    products: intOption('products', flags.products, 1, 10_000_000),
    days,
    seed: intOption('seed', flags.seed, 0, 2 ** 32 - 1),
    start: start - (start % 86_400_000),
    disorderSeconds: numberOption('disorder', flags.disorder, 0, 86_400),
    dirtyRate: numberOption('dirty', flags.dirty, 0, 1),
    // What would happen after now has not happened: the stream never runs ahead of the clock it is imported by.
    // A simulation wholly in the past (labels come at most 31 days late) ends after its last label, the same
    // bytes whenever it is run.
    end: Math.min(Date.now(), start - (start % 86_400_000) + (days + 32) * 86_400_000),
  };
}

/** Runs the simulator into a file (or stdout). */
export function runSimulation(
  config: SimulationConfig,
  out: string | undefined,
): { truth: SimulationTruth; lines: number } {
  const writer = new LineWriter(out);
  const truth = simulateStore(config, (line) => writer.write(line));
  writer.close();
  return { truth, lines: writer.lines };
}
