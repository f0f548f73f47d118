// `shopstream eval recommend`: EVAL.md's top-k protocol on the interactions in the data directory's log, for what
// the API serves and the baselines; `--json` prints the figures as one JSON object, last.
import type { Command } from 'commander';
import { ERROR_CODES, ShopstreamError, historyPages } from '../../core/index.js';
import { evaluateRecommendations, type TopKMetrics } from '../../apps/recommend/index.js';
import { openWorkspace } from '../../workspace/index.js';
import { resolveDataDir } from '../data-dir.js';
import { numberOption } from '../options.js';
import { startProgress } from '../progress.js';

function named(m: TopKMetrics, k: number): Record<string, number> {
  const r = (x: number) => Math.round(x * 10_000) / 10_000;
  return { [`ndcg${k}`]: r(m.ndcg), [`recall${k}`]: r(m.recall), [`hr${k}`]: r(m.hr) };
}

export function registerEval(program: Command): void {
  const evaluate = program.command('eval').description('offline evaluation of an app on the log (EVAL.md)');
  evaluate
    .command('recommend')
    .description("EVAL.md's top-k protocol on the log's interactions: what the API serves, and the baselines")
    .option('--k <n>', 'list length', '10')
    .option('--json', 'print the figures as JSON, last')
    .option('--no-als', 'leave implicit ALS out (it trains for seconds to a minute)')
    .option('--no-bpr', 'leave BPR out')
    .option('--no-sequence', 'leave the self-attention sequence model out (it trains for minutes)')
    .option('--data <dir>', 'data directory (default: $SHOPSTREAM_DATA or ./.shopstream)')
    .action(
      async (flags: {
        k: string;
        json?: boolean;
        data?: string;
        als: boolean;
        bpr: boolean;
        sequence: boolean;
      }) => {
        const k = numberOption('k', flags.k, 1, 1000);
        if (!Number.isInteger(k))
          throw new ShopstreamError(ERROR_CODES.INVALID_OPTION, `--k: ${flags.k} is not a whole number`, {
            field: 'k',
          });
        const ws = await openWorkspace(resolveDataDir(flags.data), { create: false });
        let report;
        try {
          const end = await ws.log.endOffset();
          const read = startProgress('read log', Math.max(1, end), 'events');
          let events = 0;
          const pages = (async function* () {
            for await (const page of historyPages(ws.log)) {
              events += page.length;
              read.update(events);
              yield page;
            }
            read.stop();
          })();
          let bar: ReturnType<typeof startProgress> | undefined;
          let stage = '';
          report = await evaluateRecommendations(pages, {
            k,
            als: flags.als,
            bpr: flags.bpr,
            sequence: flags.sequence,
            onProgress: (name, done, total) => {
              if (name !== stage) {
                bar?.stop();
                stage = name;
                bar = startProgress(name, total, 'users');
              }
              bar?.update(done);
            },
          });
          bar?.stop();
        } finally {
          await ws.close();
        }
        if (report.testUsers === 0) {
          throw new ShopstreamError(
            ERROR_CODES.INVALID_OPTION,
            `data: no user has 5 interactions or more in the log (${report.users} users): import a dataset first, e.g. shopstream import ratings.csv --preset movielens`,
            { field: 'data' },
          );
        }
        const models = Object.fromEntries(
          Object.entries(report.models).map(([name, m]) => [
            name,
            { ...named(m, k), fitSeconds: m.fitSeconds },
          ]),
        );
        if (flags.json) {
          console.log(
            JSON.stringify({
              ...named(report.served, k),
              users: report.users,
              products: report.products,
              trainInteractions: report.trainInteractions,
              testUsers: report.testUsers,
              models,
            }),
          );
          return;
        }
        console.log(
          `${report.users} users, ${report.products} products, ${report.trainInteractions} training interactions, ${report.testUsers} test users; top ${k}:`,
        );
        for (const [name, m] of Object.entries(models)) {
          const cells = Object.entries(m)
            .map(([key, v]) => `${key} ${v}`)
            .join('  ');
          console.log(`  ${name.padEnd(12)} ${cells}`);
        }
      },
    );
}
