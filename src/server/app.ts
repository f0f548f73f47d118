// The HTTP server (Fastify): ingestion, features, health and dead letters under /v1, errors as JSON with stable codes.
import Fastify, { type FastifyInstance } from 'fastify';
import {
  ERROR_CODES,
  Ingestor,
  SYSTEM_CLOCK,
  isShopstreamError,
  type Clock,
  type DeadLetterStore,
  type EventLog,
  type LiveModels,
  type StreamRunner,
} from '../core/index.js';
import { statusOf, type ErrorBody } from './http-errors.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { eventRoutes } from './routes/events.js';
import { featureRoutes } from './routes/features.js';
import { modelRoutes } from './routes/models.js';

export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

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
}

/**
 * Builds the server without listening (tests use `inject`, `serve` calls `listen`).
 * @example const app = buildServer({ log, deadLetters }); await app.listen({ port: 8080 })
 */
export function buildServer(options: ServerOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logger: { level: options.logLevel ?? 'silent' },
  });
  const started = Date.now();
  const ingestor = new Ingestor(options.log, options.deadLetters, options.clock ?? SYSTEM_CLOCK, {
    maxFutureMs: options.maxFutureMs,
  });

  // Our own parsing gives per-item errors; Fastify's JSON parser would reject a whole batch for one bad item.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (isShopstreamError(error)) {
      const body: ErrorBody = {
        error: error.code,
        message: error.message,
        ...(error.field ? { field: error.field } : {}),
      };
      return reply.code(statusOf(error.code)).send(body);
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
  deadLetterRoutes(app, options.deadLetters);
  return app;
}
