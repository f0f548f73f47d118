// Every CLI error in one form, `shopstream: [CODE] message` with exit 2 — commander's own too — and a closed pipe
// that ends a command quietly.
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { BIN, runCli } from './helpers/cli.js';

it.each([
  [['predict', 'x.csv'], "required option '--model <name[@version]>' not specified"],
  [['frobnicate'], "unknown command 'frobnicate'"],
  [['import', '--bogus', 'x.jsonl'], "unknown option '--bogus'"],
  [['features', 'get', 'user'], "missing required argument 'id'"],
])('shopstream %j: [SS_INVALID_OPTION] and exit 2', (args, message) => {
  const result = runCli(args);
  expect(result.code).toBe(2);
  expect(result.stderr.trim()).toBe(
    `shopstream: [SS_INVALID_OPTION] ${message} (see shopstream --help, or shopstream COMMAND --help)`,
  );
});

it('--help and --version still exit 0', () => {
  expect(runCli(['--version'])).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  const help = runCli(['models', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Usage: shopstream models');
});

it('simulate | head ends quietly when the reader closes the pipe', () => {
  const result = spawnSync(
    'bash',
    ['-c', `node ${BIN} simulate --users 2000 | head -1; exit \${PIPESTATUS[0]}`],
    {
      encoding: 'utf8',
    },
  );
  expect(result.stdout).toMatch(/^\{"id":/);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});

it('a command that only reads a data directory never creates one: a typo in --data is an error naming it', async () => {
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const typo = join(tmpdir(), `shopstream-typo-${process.pid}`);
  for (const args of [
    ['features', 'get', 'user', 'u1'],
    ['replay'],
    ['dataset', '--label', 'fraud', '--out', join(typo, 'x.csv')],
    ['models', 'list'],
    ['predict', 'x.csv', '--model', 'fraud'],
  ]) {
    const result = runCli([...args, '--data', typo]);
    expect(result.code, args.join(' ')).toBe(2);
    expect(result.stderr).toContain(`shopstream: [SS_FILE_NOT_FOUND] --data: ${typo} does not exist`);
  }
  expect(existsSync(typo)).toBe(false);
});

it('import: a file of which every row is refused exits 2, naming the columns the rows lack and the header found', async () => {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'shopstream-import-'));
  const file = join(dir, 'paysim.csv');
  writeFileSync(file, 'step,type,amount,nameOrig,isFraud\n1,PAYMENT,9.5,C1,0\n2,PAYMENT,3.1,C2,0\n');
  const result = runCli(['import', '--data', join(dir, 'data'), '--preset', 'movielens', file]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(
    `shopstream: [SS_INVALID_ROW] ${file}: all 2 rows rejected, nothing imported: the rows lack userId, which the movielens preset reads; the file's header is "step,type,amount,nameOrig,isFraud"`,
  );
  // A public copy of DIGINETICA in snake_case imports as the camelCase original does.
  for (const header of [
    'sessionId;userId;itemId;timeframe;eventdate',
    'session_id;user_id;item_id;timeframe;eventdate',
  ]) {
    const digi = join(dir, 'digi.csv');
    writeFileSync(digi, `${header}\n1;NA;81766;526309;2016-05-09\n1;NA;31331;1031018;2016-05-09\n`);
    const imported = runCli([
      'import',
      '--data',
      join(dir, `d-${header.length}`),
      '--preset',
      'diginetica',
      digi,
      '--json',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      accepted: 2,
      rejected: 0,
    });
  }
});

it("one process keeps a data directory's stream engine: a second serve or a backfill beside serve is refused, naming it", async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { startCli, stop } = await import('./helpers/cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'shopstream-lock-'));
  const file = join(dir, 'e.jsonl');
  writeFileSync(
    file,
    '{"id":"e1","type":"view","ts":"2026-01-05T12:00:00Z","userId":"u1","productId":"p1"}\n',
  );
  expect(runCli(['import', '--data', dir, file]).code).toBe(0);
  const { child } = await startCli(['serve', '--data', dir, '--port', '0'], /serving .* at http/);
  try {
    for (const args of [['serve', '--port', '0'], ['backfill']]) {
      const refused = runCli([...args, '--data', dir]);
      expect(refused.code, args[0]).toBe(2);
      expect(refused.stderr).toMatch(
        new RegExp(
          `shopstream: \\[SS_DATA_LOCKED\\] --data: .* is in use by \`shopstream serve\` \\(pid ${child.pid}, since `,
        ),
      );
    }
  } finally {
    await stop(child);
  }
  // Stopped, it gave the lock back.
  expect(runCli(['backfill', '--data', dir]).code).toBe(0);
});
