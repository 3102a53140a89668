import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import path from 'node:path';
import { makeSplits, nocturnalWindows, prandialWindows } from '../../../ts/data/splits.js';
import type { SplitProtocol, SplitResult } from '../../../ts/data/splits.js';
import { countWindows, coverageMask, forEachWindow, windowStarts } from '../../../ts/data/windows.js';
import { ingestDataset } from '../../../ts/data/ingest.js';
import type { TimeSeriesDataset, WindowSet } from '../../../ts/data/types.js';
import { dataDir } from './helpers.js';
import { syntheticDataset } from './synthetic.js';

/** Every window lies inside one segment. */
function expectInSegments(ds: TimeSeriesDataset, ws: WindowSet): void {
  const W = ws.context + ws.horizon;
  const rows = ds.values[0].length;
  const segOf = new Int32Array(rows);
  ds.segments.forEach((s, k) => segOf.fill(k, s.offset, s.offset + s.length));
  const bad: number[] = [];
  forEachWindow(ws, (s) => {
    if (s < 0 || s + W > rows || segOf[s + W - 1] !== segOf[s]) bad.push(s);
  });
  expect(bad, 'windows crossing a segment boundary').toEqual([]);
}

/** No target row of a val/test window is a target row (or any row) of a training window. */
function expectNoLeak(ds: TimeSeriesDataset, sp: SplitResult): void {
  const rows = ds.values[0].length;
  const trainAll = coverageMask(sp.train, rows, 'all');
  const bad: number[] = [];
  for (const ws of [sp.val, sp.test, sp.testOOD].filter((x): x is WindowSet => !!x)) {
    const t = coverageMask(ws, rows, 'target');
    for (let r = 0; r < rows; r++) if (t[r] && trainAll[r]) bad.push(r);
  }
  expect(bad, 'eval target rows inside training windows').toEqual([]);
  // val and test targets are disjoint too
  const v = coverageMask(sp.val, rows, 'target');
  const te = coverageMask(sp.test, rows, 'target');
  for (let r = 0; r < rows; r++) if (v[r] && te[r]) bad.push(r);
  expect(bad, 'rows that are targets of both val and test windows').toEqual([]);
}

describe('protocols on real data', () => {
  test('ETT: row ranges 0-8640 / 8640-11520 / 11520-14400 (hourly) and x4 (15-min)', async () => {
    const h1 = await ingestDataset({ name: 'etth1', format: 'ett', path: path.join(dataDir, 'ett/ETTh1.csv'), interval: '1h' });
    const ctx = 336;
    const hor = 96;
    const sp = makeSplits(h1, { context: ctx, horizon: hor }, { kind: 'ett' });
    expect(sp.blocks).toMatchObject({ train: [[0, 8640]], val: [[8640, 11520]], test: [[11520, 14400]] });
    // standard counts: train 8640 - 336 - 96 + 1; val/test start one lookback earlier
    expect(countWindows(sp.train)).toBe(8640 - ctx - hor + 1);
    expect(countWindows(sp.val)).toBe(2880 - hor + 1);
    expect(countWindows(sp.test)).toBe(2880 - hor + 1);
    const ts = windowStarts(sp.test);
    expect(ts[0]).toBe(11520 - ctx);
    expect(ts[ts.length - 1] + ctx + hor).toBe(14400);
    expect(windowStarts(sp.val)[0]).toBe(8640 - ctx);
    expect(windowStarts(sp.train)[0]).toBe(0);
    expectNoLeak(h1, sp);
    const m1 = await ingestDataset({ name: 'ettm1', format: 'ett', path: path.join(dataDir, 'ett/ETTm1.csv.gz'), interval: '15min' });
    const spm = makeSplits(m1, { context: 512, horizon: 96 }, { kind: 'ett' });
    expect(spm.blocks).toMatchObject({ train: [[0, 34560]], val: [[34560, 46080]], test: [[46080, 57600]] });
    expect(windowStarts(spm.test)[0]).toBe(46080 - 512);
  });

  test('GlucoBench on Broll: ceil(10%) subjects OOD, val/test blocks of 240 at the tail of the last segment', async () => {
    const ds = await ingestDataset({
      name: 'broll',
      format: 'iglu',
      path: path.join(dataDir, 'broll_iglu'),
      interval: '5min',
      max_gap: '45min',
    });
    const ctx = 96;
    const hor = 12;
    const sp = makeSplits(ds, { context: ctx, horizon: hor }, { kind: 'glucobench', seed: 0 });
    expect(sp.heldOutSeries.length).toBe(1); // ceil(0.1 * 5)
    const ood = sp.heldOutSeries[0];
    expect(sp.blocks.testOOD).toEqual([
      [
        ds.segments.find((s) => s.series === ood)!.offset,
        ds.segments.filter((s) => s.series === ood).at(-1)!.offset + ds.segments.filter((s) => s.series === ood).at(-1)!.length,
      ],
    ]);
    for (const [a, b] of sp.blocks.test) expect(b - a).toBe(240);
    for (const [a, b] of sp.blocks.val) expect(b - a).toBe(240);
    // each in-distribution subject: test block is the last 240 rows of its last segment, val the 240 before
    for (let si = 0; si < ds.series.length; si++) {
      if (si === ood) continue;
      const last = ds.segments.filter((s) => s.series === si).at(-1)!;
      const end = last.offset + last.length;
      if (last.length >= 480 + ctx) {
        expect(sp.blocks.test).toContainEqual([end - 240, end]);
        expect(sp.blocks.val).toContainEqual([end - 480, end - 240]);
      }
    }
    // test windows: 240 - 12 + 1 per subject with a full test block
    expect(countWindows(sp.test)).toBe(sp.blocks.test.length * (240 - hor + 1));
    expectNoLeak(ds, sp);
    for (const ws of [sp.train, sp.val, sp.test, sp.testOOD!]) expectInSegments(ds, ws);
    // deterministic for a seed
    expect(makeSplits(ds, { context: ctx, horizon: hor }, { kind: 'glucobench', seed: 0 }).heldOutSeries).toEqual(sp.heldOutSeries);
  });

  test('Shanghai: series split grouped by patient keeps all visits of a patient together; nocturnal and prandial windows', async () => {
    const ds = await ingestDataset({
      name: 't1',
      format: 'shanghai',
      path: path.join(dataDir, 'shanghai_t1dm'),
      interval: '15min',
      max_gap: '45min',
    });
    const sp = makeSplits(
      ds,
      { context: 32, horizon: 8 },
      { kind: 'series', valFraction: 0.2, testFraction: 0.25, seed: 3, groupBy: 'patient' },
    );
    const patientOf = (i: number): string | number | undefined => ds.series[i].attributes?.patient;
    const where = new Map<string | number | undefined, Set<string>>();
    const mark = (list: number[], name: string): void =>
      list.forEach((i) => where.set(patientOf(i), (where.get(patientOf(i)) ?? new Set()).add(name)));
    mark(sp.heldOutSeries, 'test');
    mark(sp.valSeries!, 'val');
    mark(
      ds.series.map((_, i) => i).filter((i) => !sp.heldOutSeries.includes(i) && !sp.valSeries!.includes(i)),
      'train',
    );
    for (const s of where.values()) expect(s.size).toBe(1);
    expectNoLeak(ds, sp);

    const hy = makeSplits(ds, { context: 32, horizon: 8 }, { kind: 'hybrid', testFraction: 0.25, seed: 1, groupBy: 'patient' });
    expectNoLeak(ds, hy);
    const nights = nocturnalWindows(ds, { context: 24, horizonHours: 8, targetBlocks: hy.blocks.test });
    expect(nights.candidates).toBeGreaterThan(50);
    expect(countWindows(nights.windows) + nights.skipped.gap + nights.skipped.outside_blocks).toBe(nights.candidates);
    expect(countWindows(nights.windows)).toBeGreaterThan(0);
    // every origin is the grid row nearest to local midnight in Shanghai (UTC+8), and targets cover 8 h
    for (const o of nights.origins) {
      const msOfDay = (o + 8 * 3_600_000) % 86_400_000;
      expect(Math.min(msOfDay, 86_400_000 - msOfDay)).toBeLessThanOrEqual(ds.intervalMs / 2);
    }
    expect(nights.windows.horizon).toBe(32);
    expectInSegments(ds, nights.windows);
    const meals = prandialWindows(ds, { context: 8, horizon: 12 });
    expect(meals.candidates).toBeGreaterThan(300);
    const meal = ds.channels.findIndex((c) => c.name === 'meal');
    forEachWindow(meals.windows, (s) => expect(ds.values[meal][s + 7]).toBeGreaterThan(0)); // context ends with the meal
    expectInSegments(ds, meals.windows);
  });
});

describe('temporal split', () => {
  test('fractions per series', () => {
    const ds = syntheticDataset([[100], [50, 50]], { gap: 10 });
    const sp = makeSplits(ds, { context: 5, horizon: 3 }, { kind: 'temporal', fractions: [0.6, 0.2, 0.2] });
    expect(sp.blocks.train).toEqual([
      [0, 60],
      [100, 160],
    ]);
    expect(sp.blocks.val).toEqual([
      [60, 80],
      [160, 180],
    ]);
    expect(sp.blocks.test).toEqual([
      [80, 100],
      [180, 200],
    ]);
    expectNoLeak(ds, sp);
    expectInSegments(ds, sp.train);
    expectInSegments(ds, sp.test);
  });

  test('date cut-offs', () => {
    const ds = syntheticDataset([[288]], { intervalMs: 300_000, start: Date.UTC(2022, 0, 1) });
    const sp = makeSplits(
      ds,
      { context: 12, horizon: 6 },
      { kind: 'temporal', cutoffs: { val: '2022-01-01 12:00', test: '2022-01-01 18:00' } },
    );
    expect(sp.blocks.val).toEqual([[144, 216]]);
    expect(sp.blocks.test).toEqual([[216, 288]]);
  });
});

describe('property: no leakage, no window across segments', () => {
  const segLens = fc.array(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 7 });
  const protocol: fc.Arbitrary<SplitProtocol> = fc.oneof(
    fc.record({
      kind: fc.constant('temporal' as const),
      fractions: fc
        .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }))
        .map(([a, b, c]) => [a / (a + b + c), b / (a + b + c), c / (a + b + c)] as [number, number, number]),
    }),
    fc.record({
      kind: fc.constant('series' as const),
      valFraction: fc.constantFrom(0, 0.2),
      testFraction: fc.constantFrom(0.2, 0.3),
      seed: fc.integer({ min: 0, max: 100 }),
    }),
    fc.record({ kind: fc.constant('hybrid' as const), testFraction: fc.constantFrom(0.2, 0.3), seed: fc.integer({ min: 0, max: 100 }) }),
    fc.record({
      kind: fc.constant('glucobench' as const),
      blockLength: fc.integer({ min: 5, max: 60 }),
      seed: fc.integer({ min: 0, max: 100 }),
      mode: fc.constantFrom('last_segment' as const, 'every_segment' as const),
    }),
  );
  test('random datasets and protocols', () => {
    fc.assert(
      fc.property(
        segLens,
        protocol,
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 5 }),
        (lens, proto, ctx, hor, stride) => {
          const ds = syntheticDataset(lens, { gap: 3 });
          let sp: SplitResult;
          try {
            sp = makeSplits(ds, { context: ctx, horizon: hor, stride }, proto);
          } catch (e) {
            // too few series to hold out is a documented error, not a leak
            expect(String(e)).toMatch(/too few/);
            return;
          }
          expectNoLeak(ds, sp);
          for (const ws of [sp.train, sp.val, sp.test, sp.testOOD].filter((x): x is WindowSet => !!x)) expectInSegments(ds, ws);
          // held-out series contribute no training rows
          const rows = ds.values[0].length;
          const cover = coverageMask(sp.train, rows, 'all');
          let leaked = 0;
          for (const seg of ds.segments)
            if (sp.heldOutSeries.includes(seg.series)) for (let r = seg.offset; r < seg.offset + seg.length; r++) leaked += cover[r];
          expect(leaked).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('ETT protocol with custom borders on random segmentations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        (lens, ctx, hor) => {
          const ds = syntheticDataset([lens], { gap: 2 });
          const n = ds.values[0].length;
          const b1 = Math.floor(n * 0.6);
          const b2 = Math.floor(n * 0.8);
          const sp = makeSplits(ds, { context: ctx, horizon: hor }, { kind: 'ett', borders: [b1, b2, n] });
          expectNoLeak(ds, sp);
          for (const ws of [sp.train, sp.val, sp.test]) expectInSegments(ds, ws);
          forEachWindow(sp.test, (s) => expect(s + ctx).toBeGreaterThanOrEqual(b2));
        },
      ),
      { numRuns: 200 },
    );
  });
});
