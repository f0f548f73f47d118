// The HTTP server (Fastify): ingestion, features, health and dead letters under /v1, errors as JSON with stable codes.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import {
  DEFAULT_MAX_FUTURE_MS,
  ERROR_CODES,
  Ingestor,
  SYSTEM_CLOCK,
  isShopstreamError,
  type Clock,
  type DeadLetterStore,
  type DecisionStore,
  type EventLog,
  type RuleStore,
  type LiveModels,
  type StreamRunner,
} from '../core/index.js';
import { statusOf, type ErrorBody } from './http-errors.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { eventRoutes } from './routes/events.js';
import { featureRoutes } from './routes/features.js';
import { modelRoutes } from './routes/models.js';
import { riskRoutes } from './routes/risk.js';
import { recommendRoutes } from './routes/recommend.js';
import type { RiskService } from '../apps/risk/index.js';
import type { RecommendService } from '../apps/recommend/index.js';

export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

/** `GET /`: what a person who opens the server in a browser is looking for. */
const INDEX_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>shopstream</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 44rem; margin: 2rem auto">
<h1>shopstream</h1>
<p>The store's event stream in, live features and model decisions out.</p>
<ul>
<li><a href="/health">GET /health</a> — events in the log, dead letters, the stream engine</li>
<li><a href="/v1/features">GET /v1/features</a> — the feature definitions; <code>GET /v1/features/{entity}/{id}</code> their live values</li>
<li><a href="/v1/models">GET /v1/models</a> — the models being served; <code>POST /v1/models/{name}/predict</code> and <code>/score</code></li>
<li><a href="/v1/deadletters?limit=20">GET /v1/deadletters</a> — refused input, with the reason</li>
<li><code>POST /v1/events</code> — one JSON event, a JSON array, or NDJSON</li>
<li><code>POST /v1/risk/payments</code> — decide a payment; <a href="/v1/risk/review-queue">GET /v1/risk/review-queue</a>, <a href="/v1/risk/decisions?limit=20">/v1/risk/decisions</a>, <a href="/v1/risk/stats">/v1/risk/stats</a>, <a href="/v1/risk/rules">/v1/risk/rules</a>, <a href="/v1/risk/lists">/v1/risk/lists</a> (docs/risk.md)</li>
</ul>
<p>The README and <code>docs/</code> in the repository describe every route, command and error code.</p>
</body></html>
`;

export interface ServerOptions {
  readonly log: EventLog;
  readonly deadLetters: DeadLetterStore;
  readonly clock?: Clock;
  /** Largest request body in bytes; larger ones get 413. */
  readonly bodyLimit?: number;
  readonly logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** Events stamped further ahead of the clock are refused (default 5 minutes). */
  readonly maxFutureMs?: number;
  /** The stream engine's runner: accepted events are applied right after they land. */
  readonly features?: StreamRunner;
  /** Stored models to answer /v1/models/{name}/predict with. */
  readonly models?: LiveModels;
  /** The recommendations app (with the stream engine): /v1/recommendations. */
  readonly recommend?: RecommendService;
  /** The risk app (with the stream engine): /v1/risk. */
  readonly risk?: {
    readonly service: RiskService;
    readonly decisions: DecisionStore;
    readonly rules: RuleStore;
  };
}

/**
 * Builds the server without listening (tests use `inject`, `serve` calls `listen`).
 * @example const app = buildServer({ log, deadLetters }); await app.listen({ port: 8080 })
 */
export function buildServer(options: ServerOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Ids in paths are up to 256 characters (events allow that much): Fastify's default stops at 100 (a 414).
    routerOptions: { maxParamLength: 1000 },
    logger: { level: options.logLevel ?? 'silent' },
    // A query parameter a route does not take is an error naming it (Fastify's default drops it silently: a
    // typo such as ?explian=true would go unnoticed).
    ajv: { customOptions: { removeAdditional: false } },
  });
  const started = Date.now();
  const ingestor = new Ingestor(options.log, options.deadLetters, options.clock ?? SYSTEM_CLOCK, {
    maxFutureMs: options.maxFutureMs,
  });

  // Our own parsing gives per-item errors; Fastify's JSON parser would reject a whole batch for one bad item.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isShopstreamError(error)) {
      const body: ErrorBody = {
        error: error.code,
        message: error.message,
        ...(error.field ? { field: error.field } : {}),
      };
      return reply.code(statusOf(error.code)).send(body);
    }
    // Fastify's own check of a route's params and query: answered in the catalogue, naming the field.
    if (error.validation) {
      const first = error.validation[0];
      const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
      const extra = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      const path = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const name = extra ?? missing ?? path;
      const field = [error.validationContext, name].filter(Boolean).join('.');
      const reason = extra ? 'is not a parameter of this route' : (first?.message ?? 'is invalid');
      return reply.code(400).send({
        error: ERROR_CODES.INVALID_FIELD,
        message: `${field}: ${reason}`,
        field,
      } satisfies ErrorBody);
    }
    const status = error.statusCode ?? 500;
    if (status === 413) {
      return reply.code(413).send({
        error: ERROR_CODES.PAYLOAD_TOO_LARGE,
        message: `the body is larger than the limit of ${options.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes`,
      });
    }
    if (status >= 500) request.log.error(error);
    return reply.code(status).send({
      error: error.code ?? 'SS_INTERNAL',
      message: status >= 500 ? 'internal error' : error.message,
    });
  });

  // Every answer says how long the server took over it, from the request's arrival in Fastify to its answer
  // (Server-Timing, which browsers' developer tools and load generators read): the server's own share of a
  // latency that the client measures with the network and the event loop's waits around it.
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('server-timing', `app;dur=${reply.elapsedTime.toFixed(3)}`);
    done(null, payload);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: ERROR_CODES.NOT_FOUND,
      message: `no route ${request.method} ${request.url.split('?')[0]}; GET / lists the API`,
    } satisfies ErrorBody),
  );
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(INDEX_PAGE));

  app.get('/health', async () => ({
    status: 'ok',
    events: await options.log.endOffset(),
    deadLetters: await options.deadLetters.count(),
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
    ...(options.features
      ? { features: { nextOffset: options.features.nextOffset, ...options.features.engine.stats } }
      : {}),
  }));
  eventRoutes(
    app,
    ingestor,
    options.features
      ? () => void options.features?.drain().catch((error: unknown) => app.log.error(error))
      : undefined,
  );
  if (options.features) featureRoutes(app, options.features.engine);
  if (options.models) modelRoutes(app, options.models, options.features?.engine);
  if (options.risk && options.features) {
    const runner = options.features;
    riskRoutes(app, {
      ...options.risk,
      ingestor,
      clock: options.clock ?? SYSTEM_CLOCK,
      maxFutureMs: options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS,
      catchUp: () => runner.catchUp(),
    });
  }
  if (options.recommend && options.features) {
    const runner = options.features;
    recommendRoutes(app, {
      service: options.recommend,
      ingestor,
      clock: options.clock ?? SYSTEM_CLOCK,
      catchUp: () => runner.catchUp(),
    });
  }
  deadLetterRoutes(app, options.deadLetters);
  return app;
}
