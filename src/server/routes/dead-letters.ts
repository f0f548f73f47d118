// GET /v1/deadletters: the newest rejected input, with its reason.
import type { FastifyInstance } from 'fastify';
import type { DeadLetterStore } from '../../core/index.js';

export function deadLetterRoutes(app: FastifyInstance, deadLetters: DeadLetterStore): void {
  app.get<{ Querystring: { limit: number } }>(
    '/v1/deadletters',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => ({
      total: await deadLetters.count(),
      items: await deadLetters.list(request.query.limit),
    }),
  );
}
