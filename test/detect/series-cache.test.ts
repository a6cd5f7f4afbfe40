// The backtest's fast paths against the plain ones they replace: the cache filled from dense
// columns (a backtest's snapshot) holds exactly what it holds when filled row by row, and the
// snapshot's text records parse to the columns they describe.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BacktestError, parseRecords } from '../../src/detect/backtest.ts';
import { SeriesCache, type CountColumns, type CountSource } from '../../src/detect/series-cache.ts';

const BUCKET = 300_000;
const ORIGIN = Date.parse('2026-11-20T00:00:00Z');
const IDS = ['', 'c-1', 'c-2', 'area:fraud'];

type Data = Map<string, number[]>;

/** Rows as the store answers them: buckets with conversations only, in [fromMs, toMs). */
function rowSource(data: Data): CountSource {
  return {
    async countsBetween(_product, fromMs, toMs) {
      const rows = [];
      for (const [id, counts] of data) {
        for (const [k, n] of counts.entries()) {
          const t = ORIGIN + k * BUCKET;
          if (n && t >= fromMs && t < toMs) rows.push({ clusterId: id === '' ? null : id, bucketStartMs: t, conversations: n });
        }
      }
      return rows;
    },
  };
}

/** The same counts, also as dense columns (what a backtest's snapshot gives the cache). */
function columnSource(data: Data, length: number): CountSource {
  const columns = new Map<string, Float64Array>();
  const dense: CountColumns = { originMs: ORIGIN, bucketMs: BUCKET, columns };
  const sync = () => {
    for (const [id, counts] of data) columns.set(id, Float64Array.from({ length }, (_, k) => counts[k] ?? 0));
  };
  return {
    ...rowSource(data),
    columnsBetween(_product, fromMs, toMs) {
      sync();
      return fromMs >= ORIGIN && toMs <= ORIGIN + length * BUCKET ? dense : null;
    },
  };
}

const scenario = fc.integer({ min: 20, max: 160 }).chain((length) =>
  fc.record({
    length: fc.constant(length),
    // Sparse counts: most buckets of a cluster hold nothing.
    counts: fc.array(fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 60 })), { minLength: length, maxLength: length }), {
      minLength: IDS.length,
      maxLength: IDS.length,
    }),
    history: fc.integer({ min: 4, max: 60 }),
    recent: fc.integer({ min: 1, max: 14 }),
    step: fc.integer({ min: 1, max: 12 }),
    /** Late conversations landing in the recent stretch between two passes: [pass, id index, back, count]. */
    late: fc.array(fc.tuple(fc.nat(40), fc.nat(IDS.length - 1), fc.nat(13), fc.integer({ min: 1, max: 9 })), { maxLength: 8 }),
  }),
);

describe('SeriesCache filled from dense columns', () => {
  it('holds the same series, views and running sums as when filled row by row, pass after pass', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ length, counts, history, recent, step, late }) => {
        const data: Data = new Map(IDS.map((id, i) => [id, [...counts[i]!]]));
        const byRows = new SeriesCache(rowSource(data), BUCKET);
        const byColumns = new SeriesCache(columnSource(data, length), BUCKET);
        let pass = 0;
        for (let end = Math.min(length, history); end <= length; end += step, pass++) {
          for (const [p, i, back, n] of late) {
            const k = end - 1 - back;
            if (p === pass && k >= 0) data.get(IDS[i]!)![k] = n;
          }
          const endMs = ORIGIN + end * BUCKET;
          const fromMs = Math.max(ORIGIN, endMs - history * BUCKET);
          await byRows.refresh('', fromMs, endMs, recent * BUCKET);
          await byColumns.refresh('', fromMs, endMs, recent * BUCKET);
          for (const id of IDS) {
            expect(byColumns.series('', id, fromMs, endMs, BUCKET)).toEqual(byRows.series('', id, fromMs, endMs, BUCKET));
            expect(Array.from(byColumns.view('', id, fromMs, endMs, BUCKET))).toEqual(Array.from(byRows.view('', id, fromMs, endMs, BUCKET)));
            const a = byColumns.sumsOf('', id, fromMs, endMs, BUCKET);
            const b = byRows.sumsOf('', id, fromMs, endMs, BUCKET);
            expect(a && { running: Array.from(a.running), most: a.most }).toEqual(b && { running: Array.from(b.running), most: b.most });
            // And both hold what the source holds now (the recent stretch re-read, older buckets as first read).
            expect(byColumns.series('', id, endMs - BUCKET, endMs, BUCKET)[0]).toBe(data.get(id)![end - 1]);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('parseRecords', () => {
  const record = fc.record({ bucket: fc.nat(120), conversations: fc.nat(1_000_000), id: fc.constantFrom(...IDS, 'c-100', 'unassigned') });

  it('fills the columns the records describe: the last record of a bucket wins, buckets past the length are left out', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 300 }), fc.integer({ min: 1, max: 100 }), (records, length) => {
        const parsed = new Map<string, Float64Array>();
        parseRecords(records.map((r) => `${r.bucket}:${r.conversations}:${r.id}`).join(','), length, (id) => {
          let column = parsed.get(id);
          if (!column) parsed.set(id, (column = new Float64Array(length)));
          return column;
        });
        const naive = new Map<string, number[]>();
        for (const r of records) {
          const column = naive.get(r.id) ?? new Array<number>(length).fill(0);
          naive.set(r.id, column);
          if (r.bucket < length) column[r.bucket] = r.conversations;
        }
        expect(new Map([...parsed].map(([id, c]) => [id, Array.from(c)]))).toEqual(naive);
      }),
    );
  });

  it('refuses a record it cannot read rather than dropping it', () => {
    const sink = () => new Float64Array(4);
    expect(() => parseRecords('1:2:c-1,x:3:c-2', 4, sink)).toThrow(BacktestError);
    expect(() => parseRecords('1:2', 4, sink)).toThrow(BacktestError);
    expect(() => parseRecords('1::c-1', 4, sink)).toThrow(BacktestError);
  });
});
