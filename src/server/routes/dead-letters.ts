// GET /v1/deadletters: the newest refused input, with its reason; `code` and `since` narrow it down.
import type { FastifyInstance } from 'fastify';
import { ERROR_CODES, ShopstreamError, parseTimestamp, type DeadLetterStore } from '../../core/index.js';

export function deadLetterRoutes(app: FastifyInstance, deadLetters: DeadLetterStore): void {
  app.get<{ Querystring: { limit: number; code?: string; since?: string } }>(
    '/v1/deadletters',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            code: { type: 'string', maxLength: 64 },
            since: { type: 'string', maxLength: 64 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { limit, code, since } = request.query;
      const sinceMs = since === undefined ? undefined : parseTimestamp(since);
      if (since !== undefined && sinceMs === undefined) {
        throw new ShopstreamError(
          ERROR_CODES.INVALID_FIELD,
          `querystring.since: ${JSON.stringify(since)} is not a timestamp (ISO 8601 or epoch)`,
          { field: 'querystring.since' },
        );
      }
      const filter = { ...(code ? { code } : {}), ...(sinceMs === undefined ? {} : { since: sinceMs }) };
      return {
        total: await deadLetters.count(filter),
        items: await deadLetters.list(limit, filter),
      };
    },
  );
}
