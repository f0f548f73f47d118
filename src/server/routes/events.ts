// POST /v1/events: one JSON event, a JSON array, or NDJSON; good events land even when others are bad.
import type { FastifyInstance } from 'fastify';
import { ERROR_CODES, type Ingestor, type IngestSummary } from '../../core/index.js';

const SOURCE_HEADER = 'x-shopstream-source';

/** `onAccepted` runs after a batch with new events has landed (the stream engine picks them up). */
export function eventRoutes(app: FastifyInstance, ingestor: Ingestor, onAccepted?: () => void): void {
  app.post('/v1/events', async (request, reply) => {
    const body = typeof request.body === 'string' ? request.body : '';
    const header = request.headers[SOURCE_HEADER];
    const source = typeof header === 'string' && header.length > 0 ? `http:${header.slice(0, 200)}` : 'http';
    const ndjson = (request.headers['content-type'] ?? '').includes('ndjson');
    const summary = await ingestBody(ingestor, body, ndjson, source);
    if (summary.accepted > 0) onAccepted?.();
    // 400 only when nothing in the body could be taken as an event; otherwise the good part landed.
    const nothingTaken = summary.accepted === 0 && summary.duplicates === 0;
    return reply.code(nothingTaken ? 400 : 200).send(summary);
  });
}

async function ingestBody(
  ingestor: Ingestor,
  body: string,
  ndjson: boolean,
  source: string,
): Promise<IngestSummary> {
  if (body.trim() === '') {
    return {
      accepted: 0,
      rejected: 1,
      duplicates: 0,
      conflicts: 0,
      errors: [{ index: 0, code: ERROR_CODES.INVALID_JSON, field: '', message: 'the body is empty' }],
    };
  }
  if (ndjson) return ingestor.ingestLines(body.split('\n'), source);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not one JSON document: NDJSON sent as application/json is still read line by line.
    return ingestor.ingestLines(body.split('\n'), source);
  }
  return ingestor.ingestValues(Array.isArray(parsed) ? parsed : [parsed], source);
}
