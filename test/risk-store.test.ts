// Runs the DecisionStore and RuleStore conformance suite on every adapter, and checks that another process's
// deploy is seen by the embedded store's revision.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { MemoryDecisionStore, MemoryRuleStore } from '../src/adapters/memory/index.js';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
import { decision, riskStoreConformance } from './conformance/risk-store-suite.js';
import { freshDir } from './helpers/tmp.js';

riskStoreConformance('memory', async () => ({
  decisions: new MemoryDecisionStore(),
  rules: new MemoryRuleStore(),
  close: async () => {},
}));

riskStoreConformance('sqlite (embedded default)', async () => {
  const tmp = freshDir();
  const embedded = openEmbeddedStore(tmp.dir);
  return {
    decisions: embedded.decisions,
    rules: embedded.rules,
    close: async () => {
      await embedded.close();
      tmp.remove();
    },
  };
});

it('sqlite: a deploy through another connection moves the revision; decisions survive a reopen', async () => {
  const tmp = freshDir();
  const server = openEmbeddedStore(tmp.dir);
  const cli = openEmbeddedStore(tmp.dir);
  const before = await server.rules.revision();
  await cli.rules.deployRules({ rules: [] }, 1);
  expect(await server.rules.revision()).toBe(before + 1);
  expect((await server.rules.rules())?.version).toBe(1);
  await server.decisions.put(decision('p9'));
  await server.close();
  await cli.close();
  const again = openEmbeddedStore(tmp.dir);
  expect((await again.decisions.get('p9'))?.paymentId).toBe('p9');
  await again.close();
  tmp.remove();
});

it('sqlite: decisions of the first layout (features in the JSON body) read the same after the upgrade', async () => {
  const tmp = freshDir();
  const old = new Database(join(tmp.dir, 'events.db'));
  old.exec(
    'CREATE TABLE risk_decisions (payment_id TEXT PRIMARY KEY, ts INTEGER NOT NULL, decision TEXT NOT NULL, ' +
      'card_id TEXT, body TEXT NOT NULL, label TEXT) WITHOUT ROWID; ' +
      'CREATE INDEX risk_decisions_ts ON risk_decisions (ts)',
  );
  const before = decision('p-old', { score: 42 });
  old
    .prepare(
      'INSERT INTO risk_decisions (payment_id, ts, decision, card_id, body, label) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .run(
      'p-old',
      before.featuresAsOf,
      before.decision,
      null,
      JSON.stringify(before),
      JSON.stringify({ isFraud: true, source: 'chargeback', ts: 5 }),
    );
  old.close();
  const store = openEmbeddedStore(tmp.dir);
  const got = await store.decisions.get('p-old');
  expect(got).toEqual({ ...before, label: { isFraud: true, source: 'chargeback', ts: 5 } });
  // New decisions land beside it in the current layout, and both list in time order.
  await store.decisions.put(decision('p-new', { featuresAsOf: before.featuresAsOf + 1 }));
  expect((await store.decisions.list({})).map((d) => [d.paymentId, d.features])).toEqual([
    ['p-old', before.features],
    ['p-new', decision('p-new').features],
  ]);
  await store.close();
  tmp.remove();
});
