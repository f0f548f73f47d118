// POST /v1/models/{name}/predict: one row or many through a stored model (production, or NAME@V), with
// per-feature contributions on request; GET /v1/models: the production versions being served.
import type { FastifyInstance } from 'fastify';
import {
  ERROR_CODES,
  ShopstreamError,
  isShopstreamError,
  parseModelRef,
  type DataRow,
  type ItemError,
  type LiveModel,
  type LiveModels,
} from '../../core/index.js';

/** Most rows in one request. */
export const MAX_PREDICT_ROWS = 10_000;

interface PredictBody {
  row?: unknown;
  rows?: unknown;
  explain?: unknown;
}

function badBody(message: string, field = ''): ShopstreamError {
  return new ShopstreamError(ERROR_CODES.INVALID_JSON, message, { field });
}

function parseBody(body: unknown): PredictBody {
  if (typeof body !== 'string' || body.trim() === '')
    throw badBody('the body must be JSON: {"row": {...}} or {"rows": [...]}');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw badBody(`the body is not JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badBody('the body must be an object: {"row": {...}} or {"rows": [...]}');
  }
  return parsed as PredictBody;
}

function answer(live: LiveModel, row: unknown, explain: boolean): Record<string, unknown> {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    throw new ShopstreamError(ERROR_CODES.INVALID_EVENT, 'a row must be an object of columns', { field: '' });
  }
  const prediction = live.model.predict(row as DataRow);
  if (!explain) return { ...prediction };
  const e = live.model.explain(row as DataRow);
  return {
    ...prediction,
    explanation: {
      base: e.base,
      output: e.output,
      space: e.space,
      method: e.method,
      contributions: e.byColumn,
      byFeature: e.byFeature,
    },
  };
}

export function modelRoutes(app: FastifyInstance, models: LiveModels): void {
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

  app.post<{ Params: { ref: string }; Querystring: { explain?: string } }>(
    '/v1/models/:ref/predict',
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
    async (request, reply) => {
      const ref = parseModelRef(request.params.ref);
      const body = parseBody(request.body);
      const explain =
        request.query.explain === 'true' || request.query.explain === '1' || body.explain === true;
      const live = await models.get(ref);
      const head = { model: live.meta.name, version: live.meta.version };
      if (body.rows === undefined) {
        if (body.row === undefined)
          throw badBody('the body needs "row" (an object) or "rows" (a list of objects)', 'row');
        return { ...head, ...answer(live, body.row, explain) };
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
          return { index, ...answer(live, row, explain) };
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
}
