// `shopstream serve`: the HTTP API on the embedded store of a data directory.
import type { Command } from 'commander';
import { startServer, type RunningServer } from '../../server/index.js';
import { resolveDataDir } from '../data-dir.js';
import { durationOption, intOption, MAX_FUTURE_FLAG } from '../options.js';
import { addEngineOptions, engineOptions, loadFeatures } from '../features-file.js';
import { readRules } from './risk.js';
import type { RiskTrainResult } from '../../apps/risk/index.js';

interface ServeFlags {
  data?: string;
  port: string;
  host: string;
  bodyLimit: string;
  logLevel: string;
  /** A file, or false with --no-features. */
  features?: string | false;
  outOfOrderness: string;
  allowedLateness: string;
  maxFuture: string;
  deadLetterRetention?: string;
  /** false with --no-risk. */
  risk: boolean;
  /** false with --no-recommend. */
  recommend: boolean;
  shadowRules?: string;
  shadowModel?: string;
  retrainEvery?: string;
}

export const DEFAULT_PORT = 8080;

export function registerServe(program: Command): void {
  addEngineOptions(
    program
      .command('serve')
      .description('serve the HTTP API (ingestion, live features, dead letters) on the data directory')
      .option('--data <dir>', 'data directory (default: $SHOPSTREAM_DATA or ./.shopstream)')
      .option('--port <n>', 'port (0 picks a free one)', String(DEFAULT_PORT))
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .option('--body-limit <bytes>', 'largest request body', String(10 * 1024 * 1024))
      .option('--log-level <level>', 'fatal, error, warn, info, debug or silent', 'warn'),
  )
    .option('--no-features', 'ingestion only: run no stream engine in this process')
    .option(...MAX_FUTURE_FLAG)
    .option(
      '--dead-letter-retention <duration>',
      'delete dead letters older than this (e.g. 30d; default: keep them)',
    )
    .option('--no-risk', 'run no risk app: payments are not decided, /v1/risk is not served')
    .option('--no-recommend', 'run no recommendations app: /v1/recommendations is not served')
    .option(
      '--shadow-rules <file>',
      'decide every payment with this rule file too, never served (GET /v1/risk/shadow)',
    )
    .option('--shadow-model <ref>', 'score every payment with this model version (NAME@V) too, never served')
    .option(
      '--retrain-every <duration>',
      'retrain the risk model this often (e.g. 24h) and promote it through the gate',
    )
    .action(async (flags: ServeFlags) => {
      const dataDir = resolveDataDir(flags.data);
      const retrainEveryMs =
        flags.retrainEvery === undefined ? undefined : durationOption('retrain-every', flags.retrainEvery);
      const risk = flags.risk
        ? {
            ...(flags.shadowRules
              ? {
                  shadowRules: { document: readRules(flags.shadowRules).document, source: flags.shadowRules },
                }
              : {}),
            ...(flags.shadowModel ? { shadowModel: flags.shadowModel } : {}),
            ...(retrainEveryMs === undefined ? {} : { retrainEveryMs }),
            onRetrain: (r: RiskTrainResult | Error) =>
              console.log(
                r instanceof Error
                  ? `risk retrain: ${r.message}`
                  : `risk retrain: ${r.name}@${r.version} ${r.production ? 'is production' : `not promoted: ${r.refused}`}`,
              ),
          }
        : (false as const);
      const server = await startServer({
        dataDir,
        port: intOption('port', flags.port, 0, 65_535),
        host: flags.host,
        bodyLimit: intOption('body-limit', flags.bodyLimit, 1024, 1024 * 1024 * 1024),
        logLevel: flags.logLevel as 'warn',
        features: flags.features === false ? undefined : loadFeatures(flags.features),
        engine: engineOptions(flags),
        risk,
        recommend: flags.recommend,
        maxFutureMs: durationOption('max-future', flags.maxFuture),
        ...(flags.deadLetterRetention
          ? { deadLetterRetentionMs: durationOption('dead-letter-retention', flags.deadLetterRetention) }
          : {}),
      });
      if (server.engineStart === 'rebuild') {
        console.log('features: the checkpoint has an older state layout; rebuilt the state from the log');
      }
      console.log(`shopstream serving ${dataDir} at ${server.url}`);
      if (server.risk) {
        const model = server.risk.model();
        const { rulesVersion, listsVersion } = server.risk.versions;
        console.log(
          `risk: rules v${rulesVersion}, lists v${listsVersion}, model ${model && 'model' in model ? `${model.model.meta.name}@${model.model.meta.version}` : 'none in production (rules alone decide)'}; POST /v1/risk/payments`,
        );
      }
      if (server.recommend) {
        const r = server.recommend.recommender;
        console.log(
          `recommend: ${r.histories.size} shoppers, ${r.catalog.size} products in the catalog; GET /v1/recommendations/users/{userId}`,
        );
      }
      closeOnSignals(server);
    });
}

/** Closes the server and the store on SIGINT/SIGTERM, so the log is left clean. */
export function closeOnSignals(server: RunningServer): void {
  const stop = (signal: string) => {
    console.log(`${signal}: closing`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
