// `shopstream simulate`: same seed → same bytes; bounded disorder; planted fraud and malformed events as promised.
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJson, runCli } from './helpers/cli.js';
import { freshDir } from './helpers/tmp.js';

const tmp = freshDir();
afterAll(() => tmp.remove());

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const simulate = (name: string, extra: string[] = []) => {
  const out = join(tmp.dir, `${name}.jsonl`);
  const truth = join(tmp.dir, `${name}.truth.json`);
  const result = runCli([
    'simulate',
    '--users',
    '300',
    '--products',
    '120',
    '--days',
    '5',
    '--out',
    out,
    '--truth',
    truth,
    '--json',
    ...extra,
  ]);
  expect(result.code).toBe(0);
  return { out, truth, summary: lastJson(result.stdout) };
};

describe('shopstream simulate', () => {
  it('gives byte-identical files for the same seed, and different ones for another seed', () => {
    const a = simulate('a', ['--seed', '7', '--disorder', '120', '--dirty', '0.02']);
    const b = simulate('b', ['--seed', '7', '--disorder', '120', '--dirty', '0.02']);
    const c = simulate('c', ['--seed', '8', '--disorder', '120', '--dirty', '0.02']);
    expect(sha(a.out)).toBe(sha(b.out));
    expect(sha(a.truth)).toBe(sha(b.truth));
    expect(sha(a.out)).not.toBe(sha(c.out));
    // Ids are derived from the seed and the run: another seed's events never reuse one.
    const ids = (file: string) =>
      new Set(
        readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => /"id":"([^"]+)"/.exec(l)?.[1])
          .filter((id) => id !== undefined && !id.startsWith('dirty-')),
      );
    const [idsA, idsC] = [ids(a.out), ids(c.out)];
    expect(idsA.size).toBeGreaterThan(1000);
    expect([...idsA].filter((id) => idsC.has(id))).toEqual([]);
  });

  it('delivers events out of order, but never more than --disorder late', () => {
    const { out } = simulate('disorder', ['--disorder', '300']);
    let maxTs = -Infinity;
    let backwards = 0;
    for (const line of readFileSync(out, 'utf8').trim().split('\n')) {
      const { ts } = JSON.parse(line) as { ts: number };
      if (ts < maxTs) backwards++;
      expect(maxTs - ts).toBeLessThan(300_000);
      maxTs = Math.max(maxTs, ts);
    }
    expect(backwards).toBeGreaterThan(100);
  });

  it('plants fraud with delayed labels and writes the truth a model should find', () => {
    const { out, truth: truthFile } = simulate('truth', ['--seed', '3', '--users', '1500', '--days', '7']);
    const truth = JSON.parse(readFileSync(truthFile, 'utf8'));
    const events = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const payments = new Map(events.filter((e) => e.type === 'payment').map((e) => [e.paymentId, e]));
    const fraudIds = Object.keys(truth.fraud);
    expect(fraudIds.length).toBeGreaterThan(5);
    expect(new Set(Object.values(truth.fraud)).size).toBeGreaterThanOrEqual(3);
    for (const id of fraudIds) expect(payments.has(id)).toBe(true);

    const chargebacks = events.filter((e) => e.type === 'label' && e.isFraud);
    expect(chargebacks.length + truth.unlabelledFraud.length).toBe(fraudIds.length);
    for (const label of chargebacks) {
      const delayDays = (label.ts - payments.get(label.paymentId).ts) / 86_400_000;
      expect(delayDays).toBeGreaterThanOrEqual(1);
      expect(delayDays).toBeLessThanOrEqual(31);
    }
    // Nothing in an id gives fraud away: fraudsters' accounts, cards, devices and emails are named as shoppers' are,
    // and every pattern among them appears on legitimate payments too.
    const shape = {
      userId: /^u\d+$/,
      cardId: /^card-u\d+-\d+$/,
      deviceId: /^dev-u\d+-\d+$/,
      email: /^u\d+@mail\.example$/,
    };
    const legit = [...payments.values()].filter((p) => !(p.paymentId in truth.fraud));
    for (const [field, pattern] of Object.entries(shape)) {
      for (const id of fraudIds) {
        const value = payments.get(id)[field];
        if (value !== undefined) expect(value, `${field} of fraud ${id}`).toMatch(pattern);
      }
      expect(
        legit.some((p) => pattern.test(p[field])),
        field,
      ).toBe(true);
    }
    // Fraudsters' new accounts sign up (before their first payment) as shoppers do; their sessions are numbered alike.
    const signups = new Map(events.filter((e) => e.type === 'user').map((e) => [e.userId, e.signupTs]));
    for (const id of fraudIds) {
      const p = payments.get(id);
      expect(signups.get(p.userId), `signup of ${p.userId}`).toBeLessThanOrEqual(p.ts);
      expect(p.sessionId).toMatch(/^s[^-]+-\d+$/);
    }
    // Stolen cards pay from a country other than the card's.
    const stolen = fraudIds.filter((id) => truth.fraud[id] === 'stolen_card').map((id) => payments.get(id));
    for (const p of stolen) expect(p.ipCountry).not.toBe(p.billingCountry);

    const prefs = truth.users.u1.preferences;
    expect(Object.values(prefs).reduce((a: number, b) => a + (b as number), 0)).toBeCloseTo(1, 2);
    expect(Object.keys(truth.relevance).length).toBeGreaterThan(10);
    const types = new Set(events.map((e) => e.type));
    for (const t of [
      'product',
      'user',
      'view',
      'search',
      'click',
      'add_to_cart',
      'purchase',
      'payment',
      'label',
    ])
      expect(types).toContain(t);
  });

  it('adds malformed events that import rejects, one for one', () => {
    const { out, summary } = simulate('dirty', ['--dirty', '0.05']);
    const data = join(tmp.dir, 'dirty-store');
    const imported = lastJson(runCli(['import', '--json', '--data', data, out]).stdout);
    expect(summary.dirty).toBeGreaterThan(50);
    expect(imported.rejected).toBe(summary.dirty);
    expect(imported.accepted).toBe(summary.events! - summary.dirty!);
  });

  it('rejects bad options with the flag named', () => {
    const result = runCli(['simulate', '--users', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--users: "many" is not a whole number');
  });
});
