// What a newcomer meets over HTTP: a page at /, a not-found answer and route checks in the error catalogue.
import { expect, it } from 'vitest';
import { ERROR_CODES } from '../src/core/index.js';
import { MemoryDeadLetterStore, MemoryEventLog } from '../src/adapters/memory/index.js';
import { buildServer } from '../src/server/index.js';

const app = buildServer({ log: new MemoryEventLog(), deadLetters: new MemoryDeadLetterStore() });

it('GET / answers a page that links health and the API', async () => {
  const res = await app.inject({ method: 'GET', url: '/' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('text/html');
  expect(res.body).toContain('href="/health"');
  expect(res.body).toContain('POST /v1/events');
});

it('an unknown route is SS_NOT_FOUND, naming it', async () => {
  const res = await app.inject({ method: 'GET', url: '/v1/nothing?x=1' });
  expect(res.statusCode).toBe(404);
  expect(res.json()).toEqual({
    error: ERROR_CODES.NOT_FOUND,
    message: 'no route GET /v1/nothing; GET / lists the API',
  });
});

it("Fastify's own checks of a route's query are answered in the catalogue, with the field", async () => {
  const extra = await app.inject({ method: 'GET', url: '/v1/deadletters?colour=red' });
  expect(extra.statusCode).toBe(400);
  expect(extra.json()).toEqual({
    error: ERROR_CODES.INVALID_FIELD,
    field: 'querystring.colour',
    message: 'querystring.colour: is not a parameter of this route',
  });
  const bad = await app.inject({ method: 'GET', url: '/v1/deadletters?limit=0' });
  expect(bad.json()).toMatchObject({ error: ERROR_CODES.INVALID_FIELD, field: 'querystring.limit' });
  expect(bad.json().message).toContain('>= 1');
});
