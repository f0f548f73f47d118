// `shopstream deadletters list|show|requeue|purge`: the refused input of a data directory, to look at, send
// through ingestion again once the cause is fixed, or drop.
import type { Command } from 'commander';
import {
  ERROR_CODES,
  Ingestor,
  ShopstreamError,
  SYSTEM_CLOCK,
  type DeadLetterFilter,
  type StoredDeadLetter,
} from '../../core/index.js';
import { openWorkspace } from '../../workspace/index.js';
import { resolveDataDir } from '../data-dir.js';
import { durationOption, intOption, timeOption } from '../options.js';

interface Flags {
  data?: string;
  code?: string;
  since?: string;
  olderThan?: string;
  limit: string;
  json?: boolean;
}

function filterOf(flags: Flags): DeadLetterFilter {
  return {
    ...(flags.code ? { code: flags.code } : {}),
    ...(flags.since ? { since: timeOption('since', flags.since) } : {}),
    ...(flags.olderThan ? { before: Date.now() - durationOption('older-than', flags.olderThan) } : {}),
  };
}

function line(d: StoredDeadLetter): string {
  const where = d.position === undefined ? d.source : `${d.source}:${d.position}`;
  return `${String(d.seq).padStart(7)}  ${new Date(d.receivedAt).toISOString()}  [${d.code}] ${d.message}  (${where})`;
}

/** The raw text to ingest again: the refused event of an id conflict, the raw item otherwise. */
function rawOf(d: StoredDeadLetter): string {
  if (d.code !== ERROR_CODES.ID_CONFLICT) return d.raw;
  try {
    return JSON.stringify((JSON.parse(d.raw) as { refused: unknown }).refused);
  } catch {
    return d.raw;
  }
}

export function registerDeadLetters(program: Command): void {
  const group = program
    .command('deadletters')
    .description('refused input: list, show, requeue (ingest again), purge');
  const common = (c: Command) =>
    c
      .option('--data <dir>', 'data directory (default: $SHOPSTREAM_DATA or ./.shopstream)')
      .option('--code <code>', 'only letters with this code, e.g. SS_INVALID_TIMESTAMP')
      .option('--since <ts>', 'only letters received at or after this time')
      .option('--older-than <duration>', 'only letters received longer ago than this, e.g. 30d')
      .option('--json', 'print JSON');

  common(group.command('list').description('the newest letters, one a line'))
    .option('--limit <n>', 'at most this many', '20')
    .action(async (flags: Flags) => {
      const store = await openWorkspace(resolveDataDir(flags.data), { create: false });
      const filter = filterOf(flags);
      const items = await store.deadLetters.list(intOption('limit', flags.limit, 1, 1_000_000), filter);
      const total = await store.deadLetters.count(filter);
      await store.close();
      if (flags.json) console.log(JSON.stringify({ total, items }));
      else {
        for (const d of items) console.log(line(d));
        console.log(`${items.length} of ${total} dead letters`);
      }
    });

  group
    .command('show <seq>')
    .description('one letter, with its raw text')
    .option('--data <dir>', 'data directory (default: $SHOPSTREAM_DATA or ./.shopstream)')
    .action(async (seq: string, flags: Flags) => {
      const store = await openWorkspace(resolveDataDir(flags.data), { create: false });
      const [found] = await store.deadLetters.list(1, { seqs: [intOption('seq', seq, 1, 2 ** 53 - 1)] });
      await store.close();
      if (!found)
        throw new ShopstreamError(ERROR_CODES.FILE_NOT_FOUND, `seq: no dead letter ${seq}`, { field: 'seq' });
      console.log(JSON.stringify(found, null, 2));
    });

  common(
    group
      .command('requeue')
      .description(
        'ingest the selected letters again (after fixing a mapping, say); what is still refused comes back as new letters',
      ),
  )
    .option('--limit <n>', 'at most this many', '1000000')
    .action(async (flags: Flags) => {
      const store = await openWorkspace(resolveDataDir(flags.data), { create: false });
      try {
        const letters = await store.deadLetters.list(
          intOption('limit', flags.limit, 1, 10_000_000),
          filterOf(flags),
        );
        const ingestor = new Ingestor(store.log, store.deadLetters, SYSTEM_CLOCK);
        // Oldest first, as they came; the old letters go, and what is refused again is a new letter.
        const ordered = [...letters].reverse();
        const summary = await ingestor.ingestLines(
          ordered.map(rawOf),
          'requeue',
          (i) => ordered[i]?.position ?? i,
        );
        await store.deadLetters.remove({ seqs: ordered.map((d) => d.seq) });
        const out = {
          requeued: ordered.length,
          accepted: summary.accepted,
          duplicates: summary.duplicates,
          conflicts: summary.conflicts,
          rejected: summary.rejected,
        };
        if (flags.json) console.log(JSON.stringify(out));
        else
          console.log(
            `${out.requeued} requeued: ${out.accepted} accepted, ${out.duplicates} duplicates, ${out.conflicts} id conflicts, ${out.rejected} refused again (new letters)`,
          );
      } finally {
        await store.close();
      }
    });

  common(
    group.command('purge').description('delete the selected letters (all of them with no filter)'),
  ).action(async (flags: Flags) => {
    const store = await openWorkspace(resolveDataDir(flags.data), { create: false });
    const removed = await store.deadLetters.remove(filterOf(flags));
    await store.close();
    if (flags.json) console.log(JSON.stringify({ removed }));
    else console.log(`${removed} dead letters deleted`);
  });
}
