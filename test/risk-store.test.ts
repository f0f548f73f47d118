// Runs the DecisionStore and RuleStore conformance suite on every adapter, and checks that another process's
// deploy is seen by the embedded store's revision.
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
