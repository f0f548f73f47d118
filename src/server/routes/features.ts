// GET /v1/features: the definitions; GET /v1/features/{entity}/{id}: live values from the stream engine.
import type { FastifyInstance } from 'fastify';
import { ERROR_CODES, ShopstreamError, type FeatureEngine } from '../../core/index.js';

export function featureRoutes(app: FastifyInstance, engine: FeatureEngine): void {
  app.get('/v1/features', async () => ({
    asOf: Number.isFinite(engine.clock) ? engine.clock : null,
    watermark: Number.isFinite(engine.watermark) ? engine.watermark : null,
    features: engine.features.map(
      ({ entities: _e, windowMs: _w, halfLifeMs: _h, ...definition }) => definition,
    ),
  }));

  app.get<{ Params: { entity: string; id: string }; Querystring: { names?: string } }>(
    '/v1/features/:entity/:id',
    {
      schema: {
        params: {
          type: 'object',
          properties: { entity: { type: 'string', maxLength: 100 }, id: { type: 'string', maxLength: 600 } },
        },
        querystring: {
          type: 'object',
          properties: { names: { type: 'string', maxLength: 10_000 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { entity, id } = request.params;
      const ofEntity = engine.features.filter((f) => f.by === entity);
      if (ofEntity.length === 0) {
        const entities = [...new Set(engine.features.map((f) => f.by))].join(', ');
        throw new ShopstreamError(
          ERROR_CODES.INVALID_OPTION,
          `entity: no feature is keyed by "${entity}" (features are keyed by ${entities})`,
          { field: 'entity' },
        );
      }
      const names =
        request.query.names === undefined
          ? ofEntity.map((f) => f.name)
          : request.query.names.split(',').filter(Boolean);
      const unknown = names.filter((n) => !ofEntity.some((f) => f.name === n));
      if (unknown.length > 0) {
        throw new ShopstreamError(
          ERROR_CODES.INVALID_OPTION,
          `names: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a feature' : 'are not features'} of ${entity}`,
          { field: 'names' },
        );
      }
      const values: Record<string, unknown> = {};
      for (const name of names) values[name] = engine.value(name, id) ?? null;
      return { asOf: Number.isFinite(engine.clock) ? engine.clock : null, values };
    },
  );
}
