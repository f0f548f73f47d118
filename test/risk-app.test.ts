// The risk app end to end on a real server and the embedded store: payments decided over HTTP and from the
// stream, idempotent under concurrency, bad input refused by field and dead-lettered, rules deployed without a
// restart, lists versioned into the backtest, the backtest equal to the live decisions, labels that teach the
// online model, and the review queue turning a verdict into a label.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFeatures, historyPages } from '../src/core/index.js';
import {
  DEFAULT_RULES,
  RISK_FEATURES,
  RISK_FEATURE_NAMES,
  backtest,
  compileRuleSet,
  ruleNames,
} from '../src/apps/risk/index.js';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { DEFAULT_SIMULATION, simulateStore } from '../src/sim/index.js';
import { lastJson, runCli } from './helpers/cli.js';
import { json } from './helpers/http.js';
import { freshDir } from './helpers/tmp.js';

const tmp = freshDir();
const data = join(tmp.dir, 'data');
let server: RunningServer;

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** A payment stamped `i` seconds after the start of the API traffic (after the imported history). */
const API_START = Date.now() - 3_600_000;
function payment(i: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    paymentId: `api-${i}`,
    ts: API_START + i * 1000,
    userId: `u${i % 7}`,
    amount: 20 + i,
    currency: 'EUR',
    cardId: `card-api-${i % 5}`,
    deviceId: `dev-api-${i % 3}`,
    ip: '10.0.0.1',
    email: `u${i % 7}@mail.example`,
    billingCountry: 'DE',
    shippingCountry: 'DE',
    ipCountry: i % 4 === 0 ? 'NG' : 'DE',
    ...over,
  };
}

beforeAll(async () => {
  const lines: string[] = [];
  simulateStore({ ...DEFAULT_SIMULATION, users: 200, products: 100, days: 8, seed: 11 }, (l) =>
    lines.push(l),
  );
  writeFileSync(join(tmp.dir, 'sim.jsonl'), lines.join('\n') + '\n');
  expect(runCli(['import', join(tmp.dir, 'sim.jsonl'), '--data', data]).code).toBe(0);
  server = await startServer({ dataDir: data, port: 0, features: [] });
}, 60_000);

afterAll(async () => {
  await server?.close();
  tmp.remove();
});

describe('risk app', () => {
  it('decides the imported payments from the stream, rules alone when no model is in production', async () => {
    const stats = await json(fetch(`${server.url}/v1/risk/stats`));
    const store = openEmbeddedStore(data);
    const payments = (await store.log.read(0, 1e6)).filter((r) => r.event.type === 'payment').length;
    expect(stats.total).toBe(payments);
    expect(await store.decisions.count()).toBe(payments);
    const [first] = await store.decisions.list({ limit: 1 });
    expect(first?.via).toBe('stream');
    expect(first?.modelVersion).toBeNull();
    expect(first?.reasons.map((r) => r.code)).toContain('NO_MODEL');
    expect(Object.keys(first?.features ?? {}).sort()).toEqual([...RISK_FEATURE_NAMES].sort());
    await store.close();
  });

  it('decides a payment over HTTP with its reasons and versions, and stores it with its features', async () => {
    const res = await post('/v1/risk/payments', payment(0));
    expect(res.status).toBe(201);
    const d = await json(res);
    expect(d).toMatchObject({
      paymentId: 'api-0',
      score: null,
      modelVersion: null,
      rulesVersion: 1,
      listsVersion: 0,
    });
    expect(d.featuresAsOf).toBe(new Date(API_START).toISOString());
    const stored = await json(fetch(`${server.url}/v1/risk/decisions/api-0`));
    expect(stored.via).toBe('api');
    expect(stored.features.amount).toBe(20);
    expect(stored.features.billing_ip_mismatch).toBe(1);
    // The payment is in the log, once: the stream applied it and did not decide it again.
    await server.features!.drain();
    const again = await json(fetch(`${server.url}/v1/features/card/card-api-0?names=card_payments_24h`));
    expect(again.values.card_payments_24h).toBe(1);
  });

  it('keeps one decision when the same payment is posted many times at once', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => post('/v1/risk/payments', payment(1))));
    const bodies = await Promise.all(answers.map((r) => json(r)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(bodies.map((b) => JSON.stringify({ ...b, created: undefined }))).size).toBe(1);
    const list = await json(fetch(`${server.url}/v1/risk/decisions?cardId=card-api-1&limit=10`));
    expect(list.decisions.filter((x: { paymentId: string }) => x.paymentId === 'api-1')).toHaveLength(1);
    await server.features!.drain();
    const card = await json(fetch(`${server.url}/v1/features/card/card-api-1?names=card_payments_24h`));
    expect(card.values.card_payments_24h).toBe(1);
  });

  it('refuses bad payments with 400 naming the field, and dead-letters them', async () => {
    const before = (await json(fetch(`${server.url}/health`))).deadLetters;
    const cases: [Record<string, unknown> | string, string][] = [
      [{ ...payment(2), amount: undefined }, 'amount'],
      [{ ...payment(2), amount: -5 }, 'amount'],
      [{ ...payment(2), amount: 'NaN' }, 'amount'],
      [{ ...payment(2), amount: 1e13 }, 'amount'],
      [{ ...payment(2), currency: 'EURO' }, 'currency'],
      [{ ...payment(2), cardId: 'x'.repeat(300) }, 'cardId'],
      [{ ...payment(2), email: `${'e'.repeat(400)}@x.example` }, 'email'],
      [{ ...payment(2), type: 'view' }, 'type'],
    ];
    for (const [body, field] of cases) {
      const res = await post('/v1/risk/payments', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      const answer = await json(res);
      expect(answer.field).toBe(field);
      expect(answer.message).toContain(field);
    }
    expect((await post('/v1/risk/payments', '{"paymentId": ')).status).toBe(400);
    const after = (await json(fetch(`${server.url}/health`))).deadLetters;
    expect(after - before).toBeGreaterThanOrEqual(cases.length);
    expect((await json(fetch(`${server.url}/v1/risk/decisions/api-2`).then((r) => r))).error).toBe(
      'SS_NOT_FOUND',
    );
  });

  it('switches to a deployed rule set without a restart; a broken one is refused and the live one stays', async () => {
    const rules = {
      rules: [
        ...DEFAULT_RULES.rules,
        {
          name: 'foreign ip',
          when: 'ipCountry in ["NG"] && billing_ip_mismatch == 1',
          action: 'review',
          code: 'FOREIGN_IP',
          message: 'paid from {ipCountry}, billed in {billingCountry}',
        },
      ],
    };
    const file = join(tmp.dir, 'rules.json');
    writeFileSync(file, JSON.stringify(rules));
    const deployed = runCli(['risk', 'rules', 'deploy', file, '--data', data]);
    expect(deployed.stdout).toContain('deployed rules version 2');
    const broken = join(tmp.dir, 'broken.json');
    writeFileSync(
      broken,
      JSON.stringify({ rules: [{ ...rules.rules[0], name: 'typo', when: 'card_paymnts_1h >= 5' }] }),
    );
    const refused = runCli(['risk', 'rules', 'deploy', broken, '--data', data]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /SS_INVALID_RULES.*rules\[0\] "typo": when: unknown name "card_paymnts_1h" \(did you mean card_payments_1h\?\).* at character 0/,
    );
    const syntax = join(tmp.dir, 'syntax.json');
    writeFileSync(
      syntax,
      JSON.stringify({ rules: [{ ...rules.rules[0], name: 'half', when: 'amount > ' }] }),
    );
    expect(runCli(['risk', 'rules', 'validate', syntax]).stderr).toMatch(
      /rules\[0\] "half": when: .* at character 9/,
    );
    const d = await json(post('/v1/risk/payments', payment(4)));
    expect(d.rulesVersion).toBe(2);
    expect(d.decision).toBe('review');
    expect(d.ruleHits).toContain('FOREIGN_IP');
    expect(d.reasons[0]).toEqual({ code: 'FOREIGN_IP', message: 'paid from NG, billed in DE' });
  });

  it('blocks on a block list, and the backtest reads each list as it was when the payment was decided', async () => {
    const added = runCli(['risk', 'lists', 'add', 'card', 'card-api-3', '--note', 'stolen', '--data', data]);
    expect(added.stdout).toContain('lists version 1');
    const blocked = await json(post('/v1/risk/payments', payment(8)));
    expect(blocked).toMatchObject({ decision: 'block', listsVersion: 1 });
    expect(blocked.reasons[0].code).toBe('BLOCK_LIST_CARD');
    expect(runCli(['risk', 'lists', 'remove', 'card', 'card-api-3', '--data', data]).code).toBe(0);
    const later = await json(post('/v1/risk/payments', payment(13)));
    expect(later).toMatchObject({ listsVersion: 2 });
    expect(later.decision).not.toBe('block');
    const allowed = await json(post('/v1/risk/payments', payment(16, { cardId: 'card-api-3' })));
    expect(allowed.ruleHits).not.toContain('BLOCK_LIST_CARD');
  });

  it('backtests the live rule set to exactly the live decisions, on every payment of the log', async () => {
    for (let i = 20; i < 40; i++) await post('/v1/risk/payments', payment(i));
    await server.features!.drain();
    const store = openEmbeddedStore(data);
    const live = await store.rules.rules();
    const stored = await store.decisions.list({});
    const report = await backtest({
      features: compileFeatures(RISK_FEATURES),
      pages: historyPages(store.log),
      sides: [
        {
          name: 'live',
          rules: compileRuleSet(live?.document, ruleNames(RISK_FEATURE_NAMES)),
          model: undefined,
        },
      ],
      listHistory: await store.rules.listHistory(),
      storedListsVersion: new Map(stored.map((d) => [d.paymentId, d.listsVersion])),
      keepDecisions: true,
    });
    await store.close();
    // The imported history was decided under rules v1, the API payments before api-4 too: compare the rest.
    const underV2 = stored.filter((d) => d.rulesVersion === 2);
    expect(underV2.length).toBeGreaterThan(20);
    const byId = new Map(report.sides[0]!.metrics.decided!.map((d) => [d.paymentId, d]));
    for (const d of underV2) {
      expect(byId.get(d.paymentId), d.paymentId).toEqual({
        paymentId: d.paymentId,
        decision: d.decision,
        score: d.score,
        ruleHits: d.ruleHits,
      });
    }
    // The payment decided while its card was on the block list stays blocked in the backtest.
    expect(byId.get('api-8')?.decision).toBe('block');
    expect(byId.get('api-13')?.decision).not.toBe('block');
  });

  it('puts a review in the queue; the verdict is an analyst label that closes the case and teaches the online model', async () => {
    const queue = await json(fetch(`${server.url}/v1/risk/review-queue?limit=1000`));
    const item = queue.cases.find((c: { paymentId: string }) => c.paymentId === 'api-4');
    expect(item?.status).toBe('open');
    const online = server.risk!.online;
    const features = (await json(fetch(`${server.url}/v1/risk/decisions/api-4`))).features;
    const before = online.score(features);
    const learnedBefore = online.learned.positives;
    const res = await post('/v1/risk/review/api-4', { verdict: 'fraud', analyst: 'ana', note: 'confirmed' });
    expect(res.status).toBe(200);
    const after = await json(fetch(`${server.url}/v1/risk/decisions/api-4`));
    expect(after.case).toMatchObject({ status: 'closed', verdict: 'fraud', analyst: 'ana' });
    expect(after.label).toMatchObject({ isFraud: true, source: 'analyst' });
    expect(online.learned.positives).toBe(learnedBefore + 1);
    expect(online.score(features)).not.toBe(before);
    expect((await post('/v1/risk/review/api-4', { verdict: 'legit', analyst: 'ana' })).status).toBe(404);
    expect((await post('/v1/risk/review/api-5', { verdict: 'maybe', analyst: 'ana' })).status).toBe(400);
    // The label is an event in the log: the chargeback features count it.
    const card = await json(fetch(`${server.url}/v1/features/card/card-api-4?names=card_chargebacks`));
    expect(card.values.card_chargebacks).toBe(1);
  });

  it('learns a delayed label that arrives through the event stream', async () => {
    const online = server.risk!.online;
    const d = await json(post('/v1/risk/payments', payment(50)));
    const features = (await json(fetch(`${server.url}/v1/risk/decisions/api-50`))).features;
    const before = online.score(features);
    const label = {
      id: 'cb-50',
      type: 'label',
      ts: API_START + 60_000 + 50_000,
      paymentId: 'api-50',
      isFraud: true,
      source: 'chargeback',
    };
    expect((await post('/v1/events', label)).status).toBe(200);
    await server.features!.drain();
    expect(online.score(features)).toBeGreaterThan(before ?? 0);
    expect((await json(fetch(`${server.url}/v1/risk/decisions/api-50`))).label).toMatchObject({
      isFraud: true,
    });
    expect(d.paymentId).toBe('api-50');
  });

  it('answers stats and says when no shadow runs; a CLI backtest prints its figures as JSON', async () => {
    const stats = await json(fetch(`${server.url}/v1/risk/stats`));
    expect(stats.perMinute.length).toBeGreaterThan(0);
    expect(stats.scores.none).toBe(stats.total);
    expect((await fetch(`${server.url}/v1/risk/shadow`)).status).toBe(404);
    const out = runCli(['risk', 'backtest', '--data', data, '--json']);
    expect(out.code).toBe(0);
    const figures = lastJson<Record<string, unknown>>(out.stdout);
    expect(Object.keys(figures)).toEqual(
      expect.arrayContaining([
        'prAuc',
        'rocAuc',
        'recallAtBudget',
        'precisionAtBudget',
        'fraudAmountCaught',
        'goodAmountBlocked',
        'decisions',
        'rules',
      ]),
    );
    expect((figures.rules as Record<string, { hits: number }>).FOREIGN_IP!.hits).toBeGreaterThan(0);
  });

  it('compares a candidate rule file with the live rules over the history (backtest --compare)', () => {
    const file = join(tmp.dir, 'strict.json');
    writeFileSync(
      file,
      JSON.stringify({
        rules: [{ name: 'big', when: 'amount >= 100', action: 'block', code: 'BIG', message: '{amount}' }],
      }),
    );
    const out = runCli(['risk', 'backtest', '--data', data, '--rules', file, '--compare', '--json']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('decision changes (rows: live, columns: candidate)');
    const figures = lastJson<{ decisions: Record<string, number>; rules: Record<string, { hits: number }> }>(
      out.stdout,
    );
    // Every payment of 100 or more is blocked, and api-8 too: its card was on the block list when it was decided.
    expect(figures.decisions.block).toBe(figures.rules.BIG!.hits + 1);
    expect(figures.decisions.block).toBeGreaterThan(0);
    const nothing = runCli(['risk', 'backtest', '--data', data, '--compare']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('--compare: name what to compare');
  });

  it('a restart resumes from the checkpoint: nothing decided twice, the online model as it was', async () => {
    const online = server.risk!.online;
    const learned = { ...online.learned };
    const features = (await json(fetch(`${server.url}/v1/risk/decisions/api-50`))).features;
    const score = online.score(features);
    const store = openEmbeddedStore(data);
    const count = await store.decisions.count();
    await store.close();
    await server.close();
    server = await startServer({ dataDir: data, port: 0, features: [] });
    expect(server.engineStart).toBe('checkpoint');
    expect(server.risk!.online.learned).toEqual(learned);
    expect(server.risk!.online.score(features)).toBe(score);
    const again = openEmbeddedStore(data);
    expect(await again.decisions.count()).toBe(count);
    await again.close();
    const d = await json(post('/v1/risk/payments', payment(1)));
    expect(d.created).toBe(false);
  });
});

it('shadow mode decides every payment with the candidate rules too, never serving them', async () => {
  const dir = freshDir();
  const shadowServer = await startServer({
    dataDir: dir.dir,
    port: 0,
    features: [],
    risk: {
      shadowRules: {
        document: {
          rules: [{ name: 'all', when: 'amount > 0', action: 'block', code: 'ALL', message: 'x' }],
        },
        source: 'candidate.json',
      },
    },
  });
  try {
    const url = shadowServer.url;
    const live = await json(
      fetch(`${url}/v1/risk/payments`, { method: 'POST', body: JSON.stringify(payment(0)) }),
    );
    expect(live.decision).toBe('approve');
    const shadow = await json(fetch(`${url}/v1/risk/shadow`));
    expect(shadow).toMatchObject({ rules: 'candidate.json', model: 'live', decisions: 1, agreement: 0 });
    expect(shadow.matrix.approve.block).toBe(1);
    expect(shadow.recentDifferences[0]).toMatchObject({
      paymentId: 'api-0',
      live: 'approve',
      shadow: 'block',
    });
    // Lists over HTTP: a new version, and the next payment on the card is blocked live.
    const changed = await json(
      fetch(`${url}/v1/risk/lists`, {
        method: 'POST',
        body: JSON.stringify({ op: 'add', list: 'block', kind: 'card', value: 'card-api-1' }),
      }),
    );
    expect(changed).toEqual({ version: 1, changes: 1 });
    const bad = await fetch(`${url}/v1/risk/lists`, {
      method: 'POST',
      body: JSON.stringify({ op: 'add', list: 'deny' }),
    });
    expect((await json(bad)).field).toBe('list');
    const blocked = await json(
      fetch(`${url}/v1/risk/payments`, { method: 'POST', body: JSON.stringify(payment(1)) }),
    );
    expect(blocked).toMatchObject({ decision: 'block', listsVersion: 1 });
    expect((await json(fetch(`${url}/v1/risk/lists`))).block.card).toEqual(['card-api-1']);
  } finally {
    await shadowServer.close();
    dir.remove();
  }
});
