// `shopstream models list|show|promote|rollback`: the model store's versions and stages.
import type { Command } from 'commander';
import {
  ERROR_CODES,
  ShopstreamError,
  parseModelRef,
  promote,
  resolveVersion,
  rollback,
  type ModelVersion,
} from '../../core/index.js';
import { openWorkspace, type Workspace } from '../../workspace/index.js';
import { resolveDataDir } from '../data-dir.js';

interface Flags {
  data?: string;
  json?: boolean;
  force?: boolean;
}

function workspaceOf(flags: Flags): Promise<Workspace> {
  return openWorkspace(resolveDataDir(flags.data), { create: false });
}

function line(v: ModelVersion): string {
  const m = v.metrics;
  const score =
    m.auc !== undefined
      ? `auc ${m.auc.toFixed(4)} pr-auc ${(m.prAuc ?? NaN).toFixed(4)}`
      : m.ndcg10 !== undefined
        ? `ndcg@10 ${m.ndcg10.toFixed(4)} ndcg@5 ${(m.ndcg5 ?? NaN).toFixed(4)}`
        : `r2 ${(m.r2 ?? NaN).toFixed(4)} rmse ${(m.rmse ?? NaN).toFixed(4)}`;
  return `${`${v.name}@${v.version}`.padEnd(32)} ${v.stage.padEnd(10)} ${v.kind.padEnd(8)} ${score}  ${new Date(v.createdAt).toISOString()}`;
}

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('stored model versions: list, show, promote, rollback');
  const common = (c: Command) =>
    c
      .option('--data <dir>', 'data directory (default: $SHOPSTREAM_DATA or ./.shopstream)')
      .option('--json', 'print JSON');

  common(models.command('list [name]').description('versions of one model, or of all')).action(
    async (name: string | undefined, flags: Flags) => {
      const ws = await workspaceOf(flags);
      const store = ws.models;
      const versions = await store.list(name);
      await ws.close();
      if (flags.json) console.log(JSON.stringify(versions));
      else if (versions.length === 0)
        console.log(name ? `no versions of ${name}` : 'no models yet: shopstream train FILE --label COL');
      else for (const v of versions) console.log(line(v));
    },
  );

  common(
    models
      .command('show <model>')
      .description('one version (NAME@V, or NAME for production) with its metadata'),
  ).action(async (ref: string, flags: Flags) => {
    const ws = await workspaceOf(flags);
    const store = ws.models;
    const version = await resolveVersion(store, parseModelRef(ref));
    await ws.close();
    console.log(JSON.stringify(version, null, flags.json ? undefined : 2));
  });

  common(
    models
      .command('promote <model>')
      .description(
        'make NAME@V production; refused if it scores worse than production on its validation rows',
      )
      .option('--force', 'promote even if it scores worse'),
  ).action(async (ref: string, flags: Flags) => {
    const parsed = parseModelRef(ref);
    if (parsed.version === undefined) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `model: name the version to promote, e.g. ${parsed.name}@2`,
        {
          field: 'model',
        },
      );
    }
    const ws = await workspaceOf(flags);
    const store = ws.models;
    try {
      const result = await promote(store, parsed.name, parsed.version, {
        force: flags.force,
        now: Date.now(),
      });
      if (flags.json) console.log(JSON.stringify(result));
      else {
        const c = result.comparison;
        console.log(
          `${parsed.name}@${parsed.version} is production${result.previous ? ` (was ${parsed.name}@${result.previous.version})` : ''}` +
            (c
              ? `; ${c.metric} ${c.candidate.toFixed(4)} vs ${c.production.toFixed(4)} on ${c.rows} validation rows${result.forced ? ' (forced)' : ''}`
              : ''),
        );
      }
    } finally {
      await ws.close();
    }
  });

  common(
    models.command('rollback <name>').description('return production to the version before the current one'),
  ).action(async (name: string, flags: Flags) => {
    const ws = await workspaceOf(flags);
    const store = ws.models;
    try {
      const { from, to } = await rollback(store, parseModelRef(name).name, Date.now());
      if (flags.json) console.log(JSON.stringify({ from, to }));
      else
        console.log(`${name}: production is ${name}@${to.version} again (${name}@${from.version} archived)`);
    } finally {
      await ws.close();
    }
  });
}
