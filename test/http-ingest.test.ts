// Ingestion over HTTP against the real server (listening on a loopback port) and the embedded SQLite store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
import { ERROR_CODES } from '../src/core/index.js';
import { freshDir } from './helpers/tmp.js';
import { json } from './helpers/http.js';

const tmp = freshDir();
let server: RunningServer;

const post = (body: string, contentType = 'application/json') =>
  fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': contentType }, body });

const view = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'view',
  ts: '2026-01-05T10:00:00Z',
  userId: 'u1',
  productId: 'p1',
  ...extra,
});

beforeAll(async () => {
  server = await startServer({ dataDir: tmp.dir, port: 0, bodyLimit: 2 * 1024 * 1024 });
});
afterAll(async () => {
  await server.close();
  tmp.remove();
});

describe('POST /v1/events', () => {
  it('takes one JSON event', async () => {
    const response = await post(JSON.stringify(view('single')));
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      accepted: 1,
      rejected: 0,
      duplicates: 0,
      conflicts: 0,
      errors: [],
    });
  });

  it('lands the good events of a batch with bad ones and names each bad field', async () => {
    const batch = [
      view('good-1'),
      { ...view('wrong-type'), productId: 42 },
      { id: 'missing', type: 'view', ts: 1_767_600_000_000 },
      view('bad-ts', { ts: 'next tuesday' }),
      JSON.parse(
        '{"id":"proto","type":"view","ts":1767600000000,"productId":"p","__proto__":{"polluted":true}}',
      ),
      view('huge', { productId: 'x'.repeat(1024 * 1024) }),
      view('good-2'),
    ];
    const response = await post(JSON.stringify(batch));
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({ accepted: 2, rejected: 5, duplicates: 0 });
    expect(body.errors).toEqual([
      {
        index: 1,
        code: ERROR_CODES.INVALID_FIELD,
        field: 'productId',
        message: 'productId: expected string',
      },
      { index: 2, code: ERROR_CODES.MISSING_FIELD, field: 'productId', message: 'productId: is required' },
      expect.objectContaining({ index: 3, code: ERROR_CODES.INVALID_TIMESTAMP, field: 'ts' }),
      expect.objectContaining({ index: 4, code: ERROR_CODES.FORBIDDEN_KEY, field: '__proto__' }),
      expect.objectContaining({ index: 5, code: ERROR_CODES.VALUE_TOO_LARGE, field: 'productId' }),
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const letters = await json(fetch(`${server.url}/v1/deadletters?limit=5`));
    expect(letters.items.map((d: { code: string }) => d.code).sort()).toEqual(
      [
        ERROR_CODES.FORBIDDEN_KEY,
        ERROR_CODES.INVALID_FIELD,
        ERROR_CODES.INVALID_TIMESTAMP,
        ERROR_CODES.MISSING_FIELD,
        ERROR_CODES.VALUE_TOO_LARGE,
      ].sort(),
    );
    const huge = letters.items.find((d: { code: string }) => d.code === ERROR_CODES.VALUE_TOO_LARGE);
    expect(huge.truncated).toBe(true);
    expect(huge.raw.length).toBe(65_536);
  });

  it('takes NDJSON and reports errors by line', async () => {
    const body = [JSON.stringify(view('nd-1')), '{not json', '', JSON.stringify(view('nd-2'))].join('\n');
    const response = await post(body, 'application/x-ndjson');
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      accepted: 2,
      rejected: 1,
      errors: [expect.objectContaining({ index: 1, code: ERROR_CODES.INVALID_JSON })],
    });
  });

  it('counts a repeated id as a duplicate', async () => {
    await post(JSON.stringify(view('dup')));
    const again = await json(post(JSON.stringify([view('dup'), view('dup-new')])));
    expect(again).toMatchObject({ accepted: 1, duplicates: 1, rejected: 0 });
  });

  it('answers 400 when nothing in the body is parseable', async () => {
    const response = await post('this is not json');
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({
      accepted: 0,
      rejected: 1,
      errors: [{ index: 0, code: ERROR_CODES.INVALID_JSON }],
    });
    expect((await post('')).status).toBe(400);
  });

  it('answers 413 over the size limit and keeps serving', async () => {
    const response = await post(JSON.stringify([view('big', { productId: 'x'.repeat(3 * 1024 * 1024) })]));
    expect(response.status).toBe(413);
    expect(await json(response)).toMatchObject({ error: ERROR_CODES.PAYLOAD_TOO_LARGE });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('survives a storm of malformed bodies', async () => {
    const junk = [
      '{',
      '[1,2',
      'null',
      '42',
      '"text"',
      '[null]',
      '{"type":{}}',
      '\u0000\u0001',
      '[[[[[]]]]]',
      '{"id":[]}',
    ];
    const statuses = await Promise.all(junk.map((b) => post(b).then((r) => r.status)));
    expect(statuses.every((s) => s === 400)).toBe(true);
    const health = await json(fetch(`${server.url}/health`));
    expect(health.status).toBe('ok');
  });
});

describe('GET /v1/deadletters', () => {
  it('validates its limit', async () => {
    const response = await fetch(`${server.url}/v1/deadletters?limit=0`);
    expect(response.status).toBe(400);
  });
});

describe('the stored log', () => {
  it('holds exactly the accepted events, with timestamps in epoch ms', async () => {
    const store = openEmbeddedStore(tmp.dir);
    try {
      const records = await store.log.read(0, 1000);
      const ids = records.map((r) => r.event.id);
      expect(ids).toEqual(
        expect.arrayContaining(['single', 'good-1', 'good-2', 'nd-1', 'nd-2', 'dup', 'dup-new']),
      );
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).not.toContain('wrong-type');
      expect(records.find((r) => r.event.id === 'good-1')?.event.ts).toBe(Date.UTC(2026, 0, 5, 10));
    } finally {
      await store.close();
    }
  });
});

describe('startServer', () => {
  it('names the flag when the port is taken', async () => {
    const port = Number(new URL(server.url).port);
    const other = freshDir();
    try {
      await expect(startServer({ dataDir: other.dir, port })).rejects.toMatchObject({
        code: ERROR_CODES.INVALID_OPTION,
        field: 'port',
        message: expect.stringContaining(`--port: ${port} is in use`),
      });
    } finally {
      other.remove();
    }
  });
});

describe('a server started without features', () => {
  it('runs no engine and has no feature routes', async () => {
    expect(server.features).toBeUndefined();
    expect((await fetch(`${server.url}/v1/features/user/u1`)).status).toBe(404);
    expect(await json(fetch(`${server.url}/health`))).not.toHaveProperty('features');
  });
});
