// POST /v1/models/{name}/predict: one row or many through a stored model (production, or NAME@V), with
// per-feature contributions on request; GET /v1/models: the production versions being served.
import type { FastifyInstance } from 'fastify';
import { jsonObject } from './json-body.js';
import {
  DEFAULT_MAX_FUTURE_MS,
  ERROR_CODES,
  ShopstreamError,
  featureSourceOf,
  isShopstreamError,
  parseModelRef,
  scoringRow,
  validateEvent,
  type DataRow,
  type FeatureEngine,
  type ItemError,
  type LiveModel,
  type LiveModels,
  type RowExplanation,
} from '../../core/index.js';

/** Most rows in one request. */
export const MAX_PREDICT_ROWS = 10_000;

interface PredictBody {
  row?: unknown;
  rows?: unknown;
  explain?: unknown;
  allowMissing?: unknown;
}

/** Reasons given with a score: the features that pushed it up most. */
const REASONS = 5;

function badBody(message: string, field = ''): ShopstreamError {
  return new ShopstreamError(ERROR_CODES.INVALID_JSON, message, { field });
}

function parseBody(body: unknown): PredictBody {
  return jsonObject(body, '{"row": {...}} or {"rows": [...]}') as PredictBody;
}

function answer(
  live: LiveModel,
  row: unknown,
  explain: boolean,
  allowMissing: boolean,
): Record<string, unknown> {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    throw new ShopstreamError(ERROR_CODES.INVALID_EVENT, 'a row must be an object of columns', { field: '' });
  }
  // A row without the model's columns would get a score of nothing in particular: refused, naming them.
  const warnings = live.model.requireColumns(Object.keys(row), allowMissing);
  const prediction = live.model.predict(row as DataRow);
  const out = { ...prediction, ...thresholdOf(live), ...(warnings.length > 0 ? { warnings } : {}) };
  if (!explain) return out;
  return { ...out, explanation: explanationBody(live.model.explain(row as DataRow)) };
}

function thresholdOf(live: LiveModel): { threshold?: number } {
  return live.model.model.task === 'binary' ? { threshold: live.model.threshold } : {};
}

function explanationBody(e: RowExplanation): Record<string, unknown> {
  return {
    base: e.base,
    output: e.output,
    space: e.space,
    method: e.method,
    contributions: e.byColumn,
    byFeature: e.byFeature,
  };
}

function flag(query: string | undefined, body: unknown): boolean {
  return query === 'true' || query === '1' || body === true;
}

/**
 * The model routes. With the live engine, `POST /v1/models/{name}/score` takes an event and scores it on the
 * features its model was trained on, computed from the live state as known just before it.
 */
export function modelRoutes(app: FastifyInstance, models: LiveModels, engine?: FeatureEngine): void {
  app.get('/v1/models', async () => {
    await models.refresh();
    return {
      models: models.list().map(({ meta, loadedAt }) => ({
        name: meta.name,
        version: meta.version,
        kind: meta.kind,
        features: meta.features,
        metrics: meta.metrics,
        loadedAt,
      })),
    };
  });

  app.post<{ Params: { ref: string }; Querystring: { explain?: string; allowMissing?: string } }>(
    '/v1/models/:ref/predict',
    {
      schema: {
        params: { type: 'object', properties: { ref: { type: 'string', maxLength: 120 } } },
        querystring: {
          type: 'object',
          properties: {
            explain: { type: 'string', enum: ['true', 'false', '1', '0'] },
            allowMissing: { type: 'string', enum: ['true', 'false', '1', '0'] },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const ref = parseModelRef(request.params.ref);
      const body = parseBody(request.body);
      const explain = flag(request.query.explain, body.explain);
      const allowMissing = flag(request.query.allowMissing, body.allowMissing);
      const live = await models.get(ref);
      const head = { model: live.meta.name, version: live.meta.version };
      if (body.rows === undefined) {
        if (body.row === undefined)
          throw badBody('the body needs "row" (an object) or "rows" (a list of objects)', 'row');
        return { ...head, ...answer(live, body.row, explain, allowMissing) };
      }
      if (!Array.isArray(body.rows)) throw badBody('"rows" must be a list of objects', 'rows');
      if (body.rows.length > MAX_PREDICT_ROWS) {
        throw new ShopstreamError(
          ERROR_CODES.VALUE_TOO_LARGE,
          `rows: ${body.rows.length} rows, at most ${MAX_PREDICT_ROWS} per request`,
          {
            field: 'rows',
          },
        );
      }
      const errors: (ItemError & { index: number })[] = [];
      const predictions = body.rows.map((row, index) => {
        try {
          return { index, ...answer(live, row, explain, allowMissing) };
        } catch (error) {
          if (!isShopstreamError(error)) throw error;
          const item = {
            index,
            code: error.code,
            field: `rows[${index}]${error.field ? `.${error.field}` : ''}`,
            message: error.message,
          };
          errors.push(item);
          return { index, error: item };
        }
      });
      if (errors.length > 0 && errors.length === body.rows.length) reply.code(400);
      return { ...head, predictions, rejected: errors.length, errors };
    },
  );

  if (engine) scoreRoute(app, models, engine);
}

/** POST /v1/models/{name}/score: an event in, its features from the live state, a score, a label and reasons. */
function scoreRoute(app: FastifyInstance, models: LiveModels, engine: FeatureEngine): void {
  app.post<{ Params: { ref: string }; Querystring: { explain?: string } }>(
    '/v1/models/:ref/score',
    {
      schema: {
        params: { type: 'object', properties: { ref: { type: 'string', maxLength: 120 } } },
        querystring: {
          type: 'object',
          properties: { explain: { type: 'string', enum: ['true', 'false', '1', '0'] } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const live = await models.get(parseModelRef(request.params.ref));
      const source = featureSourceOf(live.meta);
      if (!source) {
        throw new ShopstreamError(
          ERROR_CODES.MODEL_REFUSED,
          `${live.meta.name}@${live.meta.version} was trained on a table, not on the engine's features: it has no recorded features to compute from an event; use /predict with its columns`,
          { field: 'model' },
        );
      }
      const body = parseBody(request.body) as Record<string, unknown>;
      const raw = 'event' in body && typeof body.event === 'object' ? body.event : body;
      // Validated as ingestion does, against the engine's own bound on the clock.
      const checked = validateEvent(raw, {
        now: engine.options.wallClock?.now() ?? Date.now(),
        maxFutureMs: engine.options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS,
      });
      if (!checked.ok) {
        throw new ShopstreamError(checked.error.code, `event: ${checked.error.message}`, {
          field: checked.error.field,
        });
      }
      const { asOf, row } = scoringRow(engine, source, live.model.columns, checked.event);
      const prediction = live.model.predict(row);
      const e = live.model.explain(row);
      const reasons = Object.entries(e.byColumn)
        .filter(([, c]) => c > 0)
        .slice(0, REASONS)
        .map(([feature, contribution]) => ({ feature, value: row[feature] ?? null, contribution }));
      return {
        model: live.meta.name,
        version: live.meta.version,
        event: checked.event.id,
        asOf,
        ...prediction,
        ...thresholdOf(live),
        reasons,
        features: row,
        ...(flag(request.query.explain, body.explain) ? { explanation: explanationBody(e) } : {}),
      };
    },
  );
}
