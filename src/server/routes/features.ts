// GET /v1/features: the definitions; GET /v1/features/{entity}/{id}: live values from the stream engine.
import type { FastifyInstance } from 'fastify';
import type { FeatureEngine } from '../../core/index.js';

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
      const values = engine.lookup(entity, id, request.query.names?.split(',').filter(Boolean));
      return { asOf: Number.isFinite(engine.clock) ? engine.clock : null, values };
    },
  );
}
