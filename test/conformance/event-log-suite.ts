// The EventLog + DeadLetterStore conformance suite: every adapter runs exactly these cases.
import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import type { DeadLetterStore, EventLog, ShopEvent } from '../../src/core/index.js';
import { ERROR_CODES } from '../../src/core/index.js';

export interface LogUnderTest {
  log: EventLog;
  deadLetters: DeadLetterStore;
  /** Closes and opens the same storage again; undefined for adapters that keep nothing. */
  reopen?: () => Promise<LogUnderTest>;
  close(): Promise<void>;
}

const view = (id: string, ts = 1_700_000_000_000, productId = 'p1'): ShopEvent => ({
  id,
  type: 'view',
  ts,
  userId: 'u1',
  productId,
});

export function eventLogConformance(name: string, open: () => Promise<LogUnderTest>): void {
  describe(`EventLog conformance: ${name}`, () => {
    let subject: LogUnderTest;
    beforeEach(async () => {
      subject = await open();
    });
    afterEach(async () => {
      await subject.close();
    });

    it('gives dense offsets from 0 in arrival order', async () => {
      await subject.log.append([{ event: view('a') }, { event: view('b') }]);
      await subject.log.append([{ event: view('c') }]);
      const records = await subject.log.read(0, 10);
      expect(records.map((r) => [r.offset, r.event.id])).toEqual([
        [0, 'a'],
        [1, 'b'],
        [2, 'c'],
      ]);
      expect(await subject.log.endOffset()).toBe(3);
    });

    it('counts a repeated id with the same content as a duplicate and changes nothing', async () => {
      const first = await subject.log.append([{ event: view('a') }, { event: view('b') }]);
      expect(first).toMatchObject({ accepted: 2, duplicates: 0, conflicts: [] });
      // The same event re-delivered, its keys in another order and without the stored text: still the same.
      const reordered = { productId: 'p1', userId: 'u1', ts: 1_700_000_000_000, type: 'view', id: 'a' };
      const again = await subject.log.append([{ event: reordered as ShopEvent }, { event: view('c') }]);
      expect(again).toMatchObject({
        accepted: 1,
        duplicates: 1,
        duplicateFlags: [true, false],
        conflicts: [],
      });
      const records = await subject.log.read(0, 10);
      expect(records.map((r) => r.event.id)).toEqual(['a', 'b', 'c']);
    });

    it('refuses a repeated id with other content as a conflict, naming the stored event', async () => {
      await subject.log.append([{ event: view('a') }]);
      const result = await subject.log.append([{ event: view('a', 5, 'other') }, { event: view('c') }]);
      expect(result).toMatchObject({ accepted: 1, duplicates: 0, duplicateFlags: [false, false] });
      expect(result.conflicts).toEqual([{ index: 0, stored: view('a') }]);
      const records = await subject.log.read(0, 10);
      expect(records.map((r) => r.event.id)).toEqual(['a', 'c']);
      expect(records[0]?.event).toMatchObject({ productId: 'p1', ts: 1_700_000_000_000 });
    });

    it('reads in event-time order, ties by offset, page after page, within a range', async () => {
      const ts = [50, 10, 30, 10, 40, 20, 30, 60];
      await subject.log.append(ts.map((t, i) => ({ event: view(`e${i}`, t) })));
      const pages: string[][] = [];
      let cursor: { ts: number; offset: number } | undefined;
      for (;;) {
        const page = await subject.log.readInTimeOrder(cursor, 3);
        if (page.length === 0) break;
        pages.push(page.map((r) => r.event.id));
        const last = page[page.length - 1]!;
        cursor = { ts: last.event.ts, offset: last.offset };
      }
      expect(pages).toEqual([
        ['e1', 'e3', 'e5'],
        ['e2', 'e6', 'e4'],
        ['e0', 'e7'],
      ]);
      const slice = await subject.log.readInTimeOrder(undefined, 10, { from: 20, to: 50 });
      expect(slice.map((r) => r.event.id)).toEqual(['e5', 'e2', 'e6', 'e4']);
      expect(await subject.log.countInRange({ from: 20, to: 50 })).toBe(4);
      const before = await subject.log.readInTimeOrder(undefined, 10, { endOffset: 3 });
      expect(before.map((r) => r.event.id)).toEqual(['e1', 'e2', 'e0']);
      expect(await subject.log.countInRange({ endOffset: 3 })).toBe(3);
      expect(await subject.log.countInRange()).toBe(8);
    });

    it('counts a repeated id inside one batch once', async () => {
      const result = await subject.log.append([{ event: view('a') }, { event: view('a') }]);
      expect(result).toMatchObject({ accepted: 1, duplicates: 1, duplicateFlags: [false, true] });
      expect(await subject.log.endOffset()).toBe(1);
    });

    it('reads from an offset with a limit', async () => {
      await subject.log.append(['a', 'b', 'c', 'd', 'e'].map((id) => ({ event: view(id) })));
      expect((await subject.log.read(2, 2)).map((r) => r.event.id)).toEqual(['c', 'd']);
      expect(await subject.log.read(5, 10)).toEqual([]);
    });

    it('stores the serialized form when one is given', async () => {
      const event = view('a');
      await subject.log.append([{ event, json: JSON.stringify(event) }]);
      expect((await subject.log.read(0, 1))[0]?.event).toEqual(event);
    });

    it('keeps consumer offsets per consumer', async () => {
      expect(await subject.log.committedOffset('engine')).toBe(0);
      await subject.log.commitOffset('engine', 7);
      await subject.log.commitOffset('other', 2);
      await subject.log.commitOffset('engine', 9);
      expect(await subject.log.committedOffset('engine')).toBe(9);
      expect(await subject.log.committedOffset('other')).toBe(2);
    });

    it('keeps dead letters with their reason, newest first', async () => {
      await subject.deadLetters.add(
        [
          {
            source: 'http',
            position: 0,
            code: ERROR_CODES.INVALID_JSON,
            field: '',
            message: 'not valid JSON',
            raw: '{',
          },
          {
            source: 'http',
            position: 3,
            code: ERROR_CODES.MISSING_FIELD,
            field: 'productId',
            message: 'productId: is required',
            raw: '{}',
          },
        ],
        1234,
      );
      const letters = await subject.deadLetters.list(10);
      expect(letters).toHaveLength(2);
      expect(letters[0]).toMatchObject({
        position: 3,
        code: ERROR_CODES.MISSING_FIELD,
        field: 'productId',
        receivedAt: 1234,
        raw: '{}',
      });
      expect(await subject.deadLetters.count()).toBe(2);
      expect(await subject.deadLetters.list(1)).toHaveLength(1);
    });

    it('lists, counts and removes dead letters by code, time and seq', async () => {
      const letter = (code: (typeof ERROR_CODES)[keyof typeof ERROR_CODES]) => ({
        source: 'http',
        code,
        field: 'ts',
        message: code,
        raw: '{}',
      });
      await subject.deadLetters.add(
        [letter(ERROR_CODES.INVALID_JSON), letter(ERROR_CODES.FUTURE_TIMESTAMP)],
        100,
      );
      await subject.deadLetters.add([letter(ERROR_CODES.FUTURE_TIMESTAMP)], 200);
      const future = await subject.deadLetters.list(10, { code: ERROR_CODES.FUTURE_TIMESTAMP });
      expect(future.map((d) => d.receivedAt)).toEqual([200, 100]);
      expect(await subject.deadLetters.count({ since: 150 })).toBe(1);
      expect(await subject.deadLetters.count({ code: ERROR_CODES.INVALID_JSON, before: 150 })).toBe(1);
      expect(await subject.deadLetters.remove({ seqs: [future[0]!.seq] })).toBe(1);
      expect(await subject.deadLetters.remove({ before: 150 })).toBe(2);
      expect(await subject.deadLetters.count()).toBe(0);
    });

    it('stores a dead letter with a dedup key once', async () => {
      const letter = {
        source: 'engine',
        code: ERROR_CODES.ID_CONFLICT,
        field: 'ts',
        message: 'conflict',
        raw: '{}',
        dedupKey: 'late:e1',
      };
      await subject.deadLetters.add([letter, letter], 1);
      await subject.deadLetters.add(
        [letter, { ...letter, dedupKey: undefined }, { ...letter, dedupKey: undefined }],
        2,
      );
      expect(await subject.deadLetters.count()).toBe(3);
      expect((await subject.deadLetters.list(10)).filter((d) => d.dedupKey === 'late:e1')).toHaveLength(1);
    });

    it('keeps events, offsets and dead letters across a reopen', async (ctx) => {
      if (!subject.reopen) ctx.skip(); // the memory adapter keeps nothing by design
      await subject.log.append([{ event: view('a') }, { event: view('b') }]);
      await subject.log.commitOffset('engine', 1);
      await subject.deadLetters.add(
        [{ source: 's', code: ERROR_CODES.INVALID_JSON, field: '', message: 'm', raw: 'x' }],
        1,
      );
      subject = await subject.reopen!();
      expect(await subject.log.endOffset()).toBe(2);
      expect(await subject.log.committedOffset('engine')).toBe(1);
      expect(await subject.deadLetters.count()).toBe(1);
      expect(await subject.log.append([{ event: view('a') }, { event: view('c') }])).toMatchObject({
        accepted: 1,
        duplicates: 1,
      });
      expect((await subject.log.read(0, 10)).map((r) => r.offset)).toEqual([0, 1, 2]);
    });
  });
}
