// The server's public surface: build it around ports, or start it on a data directory.
import type { FastifyInstance } from 'fastify';
import { openWorkspace } from '../workspace/index.js';
import {
  DEFAULT_ENGINE_OPTIONS,
  DEFAULT_MAX_FUTURE_MS,
  DEFAULT_RUNNER_OPTIONS,
  ERROR_CODES,
  FeatureEngine,
  LiveModels,
  ShopstreamError,
  StreamRunner,
  SYSTEM_CLOCK,
  historyPages,
  parseModelRef,
  type CompiledFeature,
  type EngineOptions,
} from '../core/index.js';
import { buildServer, type ServerOptions } from './app.js';
import {
  RiskService,
  trainRiskModel,
  withRiskFeatures,
  type RiskTrainResult,
  type ShadowOptions,
} from '../apps/risk/index.js';
import { RecommendService } from '../apps/recommend/index.js';

export { buildServer, DEFAULT_BODY_LIMIT } from './app.js';
export type { ServerOptions } from './app.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly features: StreamRunner | undefined;
  /** The risk app, when it runs. */
  readonly risk: RiskService | undefined;
  /** The recommendations app, when it runs. */
  readonly recommend: RecommendService | undefined;
  /** Where the engine's state came from: its checkpoint, a rebuild from the log (a checkpoint of an older layout), or nothing. */
  readonly engineStart: 'checkpoint' | 'rebuild' | 'empty' | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  dataDir: string;
  port: number;
  host?: string;
  bodyLimit?: number;
  logLevel?: ServerOptions['logLevel'];
  /** Features the stream engine keeps live; no engine runs without them. */
  features?: readonly CompiledFeature[];
  engine?: EngineOptions;
  /** Events stamped further ahead of the clock are refused, and the engine's clock never runs further ahead. */
  maxFutureMs?: number;
  /** Dead letters older than this are deleted, at start and every hour (default: kept). */
  deadLetterRetentionMs?: number;
  /** How often the engine looks for events written by other processes (imports), in ms. */
  pollMs?: number;
  /** How often the server looks for newly promoted model versions, in ms (default 1000). */
  modelPollMs?: number;
  /** The recommendations app (on with the stream engine unless false): /v1/recommendations served. */
  recommend?: boolean;
  /** The risk app (on with the stream engine unless false): payments decided, /v1/risk served. */
  risk?:
    | false
    | {
        /** A candidate rule set decided beside the live one, never served (GET /v1/risk/shadow). */
        shadowRules?: { document: unknown; source: string };
        /** A candidate model version (NAME@V) scored beside production. */
        shadowModel?: string;
        /** Retrain (and promote through the gate) the risk model this often, in ms. */
        retrainEveryMs?: number;
        /** Called with each retraining's outcome (or error). */
        onRetrain?: (result: RiskTrainResult | Error) => void;
      };
}

/**
 * Opens the embedded store of `dataDir`, catches the stream engine up with the log (from its checkpoint), and
 * listens on host:port (port 0 picks a free one).
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  // The stream engine's state has one keeper per data directory (an ingestion-only server keeps none).
  const store = await openWorkspace(options.dataDir, options.features ? { lock: 'serve' } : {});
  let runner: StreamRunner | undefined;
  let timer: NodeJS.Timeout | undefined;
  let engineStart: RunningServer['engineStart'];
  const models = new LiveModels(store.models);
  // Production models are loaded before the engine starts: the stream's first decisions use them.
  await models.refresh().catch(() => undefined);
  let risk: RiskService | undefined;
  let recommend: RecommendService | undefined;
  let retrainTimer: NodeJS.Timeout | undefined;
  if (options.features) {
    const riskOptions = options.risk === false ? undefined : (options.risk ?? {});
    const features = riskOptions ? withRiskFeatures(options.features) : options.features;
    // Live: the engine's clock is bounded by the wall clock, as ingestion bounds the events' stamps.
    const engine = new FeatureEngine(features, {
      ...(options.engine ?? DEFAULT_ENGINE_OPTIONS),
      wallClock: SYSTEM_CLOCK,
      maxFutureMs: options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS,
    });
    runner = new StreamRunner(engine, store.log, store.checkpoints, SYSTEM_CLOCK, DEFAULT_RUNNER_OPTIONS);
    if (riskOptions) {
      const shadow: ShadowOptions | undefined =
        riskOptions.shadowRules || riskOptions.shadowModel
          ? {
              ...(riskOptions.shadowRules ? { rules: riskOptions.shadowRules } : {}),
              ...(riskOptions.shadowModel
                ? { model: await models.get(parseModelRef(riskOptions.shadowModel)) }
                : {}),
            }
          : undefined;
      const service = await RiskService.open({
        engine,
        decisions: store.decisions,
        rules: store.rules,
        models,
        clock: SYSTEM_CLOCK,
        ...(shadow ? { shadow } : {}),
      });
      risk = service;
      runner.processor = service;
      const every = riskOptions.retrainEveryMs;
      if (every !== undefined) {
        const report = riskOptions.onRetrain ?? (() => undefined);
        retrainTimer = setInterval(() => {
          trainRiskModel({
            models: store.models,
            features: service.features,
            pages: historyPages(store.log),
            now: SYSTEM_CLOCK.now(),
            fingerprint: `retrain:${SYSTEM_CLOCK.now()}`,
          })
            .then(async (result) => {
              await models.refresh();
              report(result);
            })
            .catch((error: unknown) => report(error instanceof Error ? error : new Error(String(error))));
        }, every);
        retrainTimer.unref();
      }
    }
    if (options.recommend !== false) {
      recommend = new RecommendService();
      runner.observers.push(recommend);
    }
    engineStart = await runner.start();
    await runner.drain();
    const poll = runner;
    timer = setInterval(() => void poll.drain().catch(() => undefined), options.pollMs ?? 250);
    timer.unref();
  }
  const retention = options.deadLetterRetentionMs;
  const purge = () =>
    retention === undefined
      ? Promise.resolve(0)
      : store.deadLetters.remove({ before: SYSTEM_CLOCK.now() - retention });
  await purge();
  const purgeTimer =
    retention === undefined ? undefined : setInterval(() => void purge().catch(() => 0), 3_600_000);
  purgeTimer?.unref();
  const modelTimer = setInterval(
    () => void models.refresh().catch(() => undefined),
    options.modelPollMs ?? 1000,
  );
  modelTimer.unref();
  const app = buildServer({
    models,
    log: store.log,
    deadLetters: store.deadLetters,
    bodyLimit: options.bodyLimit,
    logLevel: options.logLevel,
    maxFutureMs: options.maxFutureMs,
    features: runner,
    ...(risk ? { risk: { service: risk, decisions: store.decisions, rules: store.rules } } : {}),
    ...(recommend ? { recommend } : {}),
  });
  try {
    await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  } catch (error) {
    if (timer) clearInterval(timer);
    if (purgeTimer) clearInterval(purgeTimer);
    if (retrainTimer) clearInterval(retrainTimer);
    clearInterval(modelTimer);
    await store.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `--port: ${options.port} is in use; pass another port (0 picks a free one)`,
        {
          field: 'port',
          cause: error,
        },
      );
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    app,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    features: runner,
    risk,
    recommend,
    engineStart,
    close: async () => {
      if (timer) clearInterval(timer);
      if (purgeTimer) clearInterval(purgeTimer);
      if (retrainTimer) clearInterval(retrainTimer);
      clearInterval(modelTimer);
      await app.close();
      if (runner) {
        // A clean stop leaves a checkpoint at the end of the log: the next start has nothing to re-read.
        await runner.drain();
        await runner.checkpoint();
      }
      await store.close();
    },
  };
}
