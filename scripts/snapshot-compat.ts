// Checks that a checkpoint of one build's stream engine restores in another's: the older build processes half
// of an event file (in shuffled order), its snapshot goes through V8's serializer (as the checkpoint store
// writes it), the newer build restores it, and every value of every key at three times must be equal — again
// after both have processed the other half. Exits 1 on any difference.
// Usage: npx tsx scripts/snapshot-compat.ts OLD/dist/core/index.js dist/core/index.js EVENTS.jsonl
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type * as Core from '../src/core/index.js';

const [olderBuild, newerBuild, eventsFile] = process.argv.slice(2);
if (!olderBuild || !newerBuild || !eventsFile) {
  console.error(
    'usage: npx tsx scripts/snapshot-compat.ts OLD/dist/core/index.js dist/core/index.js EVENTS.jsonl',
  );
  process.exit(2);
}
const load = async (build: string) => (await import(pathToFileURL(resolve(build)).href)) as typeof Core;
const [older, newer] = [await load(olderBuild), await load(newerBuild)];
const events = readFileSync(eventsFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as Core.ShopEvent)
  .filter((e) => typeof e.type === 'string' && typeof e.ts === 'number');
const rng = new newer.Random(7);
const order = newer.shuffled(events.length, rng);
const shuffled = Array.from(order, (i) => events[i] as Core.ShopEvent);
const options = { outOfOrdernessMs: 60_000, allowedLatenessMs: 400 * newer.DAY };
const before = new older.FeatureEngine(older.compileFeatures(older.EXAMPLE_FEATURES), options);
const after = new newer.FeatureEngine(newer.compileFeatures(newer.EXAMPLE_FEATURES), options);
const half = Math.floor(shuffled.length / 2);
for (let i = 0; i < half; i += 500) before.process(shuffled.slice(i, i + 500));
after.restore(deserialize(serialize(before.snapshot())) as Core.EngineSnapshot);

const sorted = events.map((e) => e.ts).sort((a, b) => a - b);
const times = [0.5, 0.9].map((q) => sorted[Math.floor(q * sorted.length)] as number);
times.push((sorted[sorted.length - 1] as number) + 1);
function compare(label: string): number {
  let values = 0;
  let differ = 0;
  for (const feature of before.features) {
    const a = before.table(feature.name);
    const b = after.table(feature.name);
    if (!a || !b) continue;
    for (const key of a.entityKeys()) {
      for (const at of times) {
        values++;
        const [x, y] = [JSON.stringify(a.valueAt(key, at)), JSON.stringify(b.valueAt(key, at))];
        if (x !== y && ++differ <= 5) console.log(`differs: ${feature.name} ${key} at ${at}: ${x} vs ${y}`);
      }
    }
  }
  console.log(`${label}: ${values} values compared, ${differ} differ`);
  return differ;
}
let differ = compare('restored from the older build');
for (let i = half; i < shuffled.length; i += 500) {
  const batch = shuffled.slice(i, i + 500);
  before.process(batch);
  after.process(batch);
}
differ += compare('after the second half on both');
process.exit(differ === 0 ? 0 : 1);
