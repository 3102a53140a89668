import { describe, expect, it } from 'vitest';

import {
  cohortStatistics,
  simulateCohort,
  simulateOptionsFromConfig,
  simulatePatients,
  simulationVersion,
} from '../../../ts/data/simulate/index.js';
import { deriveSeed, Rng } from '../../../ts/data/simulate/prng.js';
import type { TimeSeriesDataset } from '../../../ts/data/types.js';

const DAY = 288;

// One moderately sized cohort shared by the realism tests (20 patients × 14 days, seed 42).
let cohort: TimeSeriesDataset | undefined;
function bigCohort(): TimeSeriesDataset {
  cohort ??= simulateCohort({ patients: 20, days: 14, seed: 42 });
  return cohort;
}

describe('prng', () => {
  it('is deterministic and roughly uniform / normal', () => {
    const a = new Rng(123);
    const b = new Rng(123);
    for (let i = 0; i < 100; i++) expect(a.nextU32()).toBe(b.nextU32());
    const r = new Rng(deriveSeed(42, 3, 1));
    let s = 0;
    let ss = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      ss += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(ss / n - 1)).toBeLessThan(0.03);
    let u = 0;
    for (let i = 0; i < n; i++) u += r.uniform();
    expect(Math.abs(u / n - 0.5)).toBeLessThan(0.01);
  });
  it('derives distinct sub-seeds, also for large and negative seeds', () => {
    const seeds = new Set<number>();
    for (const seed of [0, 1, 42, -1, 2 ** 40 + 3]) for (let i = 0; i < 50; i++) seeds.add(deriveSeed(seed, i, 1));
    expect(seeds.size).toBe(250);
  });
});

describe('simulateCohort: shape and contract', () => {
  const ds = simulateCohort({ patients: 3, days: 2, seed: 7 });
  it('has the channels, series, segments and report the data layer expects', () => {
    expect(ds.name).toBe('simulated_t1d');
    expect(ds.intervalMs).toBe(300_000);
    expect(ds.timeZone).toBe('UTC');
    expect(ds.channels.map((c) => [c.name, c.role, c.unit])).toEqual([
      ['glucose', 'target', 'mg/dL'],
      ['insulin', 'past_covariate', 'U'],
      ['carbs', 'past_covariate', 'g'],
    ]);
    expect(ds.values).toHaveLength(3);
    for (const v of ds.values) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(3 * 2 * DAY);
    }
    expect(ds.series).toHaveLength(3);
    expect(ds.segments).toEqual([0, 1, 2].map((i) => ({ series: i, offset: i * 2 * DAY, length: 2 * DAY, startMs: Date.UTC(2024, 0, 1) })));
    expect(ds.report.rowsRead).toBe(3 * 2 * DAY);
    expect(ds.report.rowsKept).toBe(3 * 2 * DAY);
    expect(ds.report.segments).toBe(3);
    expect(ds.report.series).toBe(3);
    expect(ds.report.dropped).toEqual({});
    expect(ds.version).toMatch(/^[0-9a-f]{16}$/);
  });
  it('describes each patient with its therapy parameters', () => {
    const ids = new Set(ds.series.map((s) => s.id));
    expect(ids.size).toBe(3);
    for (const s of ds.series) {
      const a = s.attributes!;
      expect(a.bodyWeightKg).toBeGreaterThanOrEqual(45);
      expect(a.bodyWeightKg).toBeLessThanOrEqual(130);
      expect(a.carbRatio).toBeGreaterThan(3);
      expect(a.carbRatio).toBeLessThan(40);
      expect(a.correctionFactor).toBeGreaterThan(5);
      expect(a.correctionFactor).toBeLessThan(150);
      expect(a.basalRate).toBeGreaterThan(0.2);
      expect(a.basalRate).toBeLessThan(4);
    }
  });
  it('honours startDate, name and interval', () => {
    const d = simulateCohort({ patients: 1, days: 1, seed: 1, intervalMinutes: 15, startDate: '2023-06-30', name: 'x' });
    expect(d.name).toBe('x');
    expect(d.intervalMs).toBe(900_000);
    expect(d.values[0].length).toBe(96);
    expect(d.segments[0].startMs).toBe(Date.UTC(2023, 5, 30));
  });
  it('rejects bad options', () => {
    expect(() => simulateCohort({ patients: 0, days: 1, seed: 1 })).toThrow();
    expect(() => simulateCohort({ patients: 1, days: 1, seed: 1, intervalMinutes: 7 })).toThrow(/divid/);
    expect(() => simulateCohort({ patients: 1, days: 1, seed: 1, startDate: '2024-02-30' })).toThrow();
  });
});

describe('simulateCohort: determinism', () => {
  it('same seed gives identical arrays and version; a different seed differs', () => {
    const a = simulateCohort({ patients: 2, days: 2, seed: 42 });
    const b = simulateCohort({ patients: 2, days: 2, seed: 42 });
    const c = simulateCohort({ patients: 2, days: 2, seed: 43 });
    for (let k = 0; k < 3; k++) expect(Buffer.from(a.values[k].buffer).equals(Buffer.from(b.values[k].buffer))).toBe(true);
    expect(a.series).toEqual(b.series);
    expect(a.version).toBe(b.version);
    expect(c.version).not.toBe(a.version);
    expect(Buffer.from(a.values[0].buffer).equals(Buffer.from(c.values[0].buffer))).toBe(false);
  });
  it('patient i is the same whatever the cohort size, and its first days whatever the length', () => {
    const small = simulateCohort({ patients: 2, days: 2, seed: 5 });
    const large = simulateCohort({ patients: 4, days: 3, seed: 5 });
    for (const i of [0, 1]) {
      for (let k = 0; k < 3; k++) {
        const s = small.values[k].subarray(i * 2 * DAY, (i + 1) * 2 * DAY);
        const l = large.values[k].subarray(i * 3 * DAY, i * 3 * DAY + 2 * DAY);
        expect(Array.from(l)).toEqual(Array.from(s));
      }
      expect(large.series[i]).toEqual(small.series[i]);
    }
  });
  it('version hashes the options that determine the data', () => {
    expect(simulationVersion({ patients: 20, days: 14, seed: 42 })).toBe(
      simulationVersion({ patients: 20, days: 14, seed: 42, intervalMinutes: 5, name: 'other' }),
    );
    expect(simulationVersion({ patients: 20, days: 14, seed: 42 })).not.toBe(simulationVersion({ patients: 21, days: 14, seed: 42 }));
  });
  it('the streaming form yields the same patients as the whole cohort', () => {
    const ds = simulateCohort({ patients: 3, days: 1, seed: 9 });
    let i = 0;
    for (const p of simulatePatients({ patients: 3, days: 1, seed: 9 })) {
      expect(p.index).toBe(i);
      expect(p.info).toEqual(ds.series[i]);
      expect(Array.from(p.glucose)).toEqual(Array.from(ds.values[0].subarray(i * DAY, (i + 1) * DAY)));
      expect(Array.from(p.insulin)).toEqual(Array.from(ds.values[1].subarray(i * DAY, (i + 1) * DAY)));
      expect(Array.from(p.carbs)).toEqual(Array.from(ds.values[2].subarray(i * DAY, (i + 1) * DAY)));
      i++;
    }
    expect(i).toBe(3);
  });
});

describe('simulateCohort: values', () => {
  it('glucose is an integer CGM reading in 40–400; insulin and carbs are finite and non-negative', () => {
    const ds = bigCohort();
    const [g, ins, cho] = ds.values;
    for (let r = 0; r < g.length; r++) {
      const v = g[r];
      if (!(v >= 40 && v <= 400 && Number.isInteger(v))) throw new Error(`glucose ${v} at row ${r}`);
      if (!(ins[r] >= 0 && Number.isFinite(ins[r]))) throw new Error(`insulin ${ins[r]} at row ${r}`);
      if (!(cho[r] >= 0 && Number.isFinite(cho[r]))) throw new Error(`carbs ${cho[r]} at row ${r}`);
    }
  });
  it('has realistic daily insulin and carbohydrate totals', () => {
    const ds = bigCohort();
    const days = 14;
    const perKg: number[] = [];
    const carbs: number[] = [];
    for (const seg of ds.segments) {
      let u = 0;
      let c = 0;
      for (let r = seg.offset; r < seg.offset + seg.length; r++) {
        u += ds.values[1][r];
        c += ds.values[2][r];
      }
      perKg.push(u / days / (ds.series[seg.series].attributes!.bodyWeightKg as number));
      carbs.push(c / days);
    }
    const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    // Adult T1D total daily dose ≈ 0.4–0.8 U/kg/day; daily carbohydrate ≈ 150–280 g.
    expect(median(perKg)).toBeGreaterThan(0.35);
    expect(median(perKg)).toBeLessThan(0.9);
    expect(median(carbs)).toBeGreaterThan(150);
    expect(median(carbs)).toBeLessThan(300);
  });
  it('puts meals at plausible times of day', () => {
    const ds = bigCohort();
    const cho = ds.values[2];
    let big = 0;
    let bigInWindows = 0;
    let nightLarge = 0;
    const inMain = (h: number): boolean => (h >= 7 && h <= 8.75) || (h >= 12 && h <= 13.75) || (h >= 18.5 && h <= 20.25);
    for (const seg of ds.segments) {
      for (let k = 0; k < seg.length; k++) {
        const c = cho[seg.offset + k];
        if (c <= 0) continue;
        const hour = ((k * 5) % 1440) / 60;
        if (c > 40) {
          big++;
          if (inMain(hour)) bigInWindows++;
        }
        // Between 01:00 and 06:00 only hypoglycaemia treatment (≤ 40 g) is eaten.
        if (hour >= 1 && hour < 6 && c > 40) nightLarge++;
      }
    }
    expect(big).toBeGreaterThan(20 * 14 * 2);
    expect(bigInWindows / big).toBeGreaterThan(0.98);
    expect(nightLarge).toBe(0);
    // Every patient eats on most days at breakfast, lunch and dinner time.
    const dailyMeals = big / (20 * 14);
    expect(dailyMeals).toBeGreaterThan(2);
    expect(dailyMeals).toBeLessThan(3.5);
  });
});

describe('realism (20 patients × 14 days, seed 42) against adult T1D CGM cohorts', () => {
  it('lands in the ranges reported by registries and the TIR consensus', () => {
    const s = cohortStatistics(bigCohort());
    expect(s.meanGlucose).toBeGreaterThan(140);
    expect(s.meanGlucose).toBeLessThan(190);
    expect(s.timeInRange).toBeGreaterThan(45);
    expect(s.timeInRange).toBeLessThan(80);
    expect(s.timeBelow70).toBeGreaterThan(1);
    expect(s.timeBelow70).toBeLessThan(8);
    expect(s.timeBelow54).toBeGreaterThan(0.1);
    expect(s.timeBelow54).toBeLessThan(3);
    expect(s.cv).toBeGreaterThan(25);
    expect(s.cv).toBeLessThan(45);
    expect(s.timeAbove180).toBeGreaterThan(15);
    expect(s.timeAbove180).toBeLessThan(50);
    expect(s.timeAbove250).toBeGreaterThan(1);
    expect(s.timeAbove250).toBeLessThan(20);
    expect(s.hypoEventsPerWeek).toBeGreaterThan(0.5);
    expect(s.hypoEventsPerWeek).toBeLessThan(12);
    const total = s.timeInRange + s.timeBelow70 + s.timeAbove180;
    expect(total).toBeCloseTo(100, 6);
  });
  it('nights (00:00-06:00) against CGM studies of nocturnal hypoglycaemia (REALISM.md)', () => {
    const n = cohortStatistics(bigCohort()).night;
    console.log(`simulated nights: ${JSON.stringify(n)}`);
    expect(n.nights).toBe(20 * 14);
    expect(n.timeBelow70).toBeGreaterThan(1);
    expect(n.timeBelow70).toBeLessThan(5);
    expect(n.timeBelow54).toBeLessThan(1);
    // JDRF CGM study: <= 60 mg/dL for 20 min on 8.5 % of nights (per patient IQR 3.7-12.1 %); Wilson 2015: 25 % (<60, 30 min)
    expect(n.nightsBelow60For20MinPercent).toBeGreaterThan(3);
    expect(n.nightsBelow60For20MinPercent).toBeLessThan(20);
    // any reading < 70 (the nocturnal task's label): 10-30 % of nights (Shanghai T1DM: 26 %)
    expect(n.hypoNightsPercent).toBeGreaterThan(10);
    expect(n.hypoNightsPercent).toBeLessThan(30);
    expect(n.hypoNightsPerWeek).toBeCloseTo((7 * n.hypoNightsPercent) / 100, 9);
  });
  it('patients differ: between-patient spread of mean glucose', () => {
    const ds = bigCohort();
    const means = ds.segments.map((seg) => {
      let m = 0;
      for (let r = seg.offset; r < seg.offset + seg.length; r++) m += ds.values[0][r];
      return m / seg.length;
    });
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(20);
  });
});

describe('cohortStatistics', () => {
  it('computes the consensus metrics on a known series', () => {
    // 12 readings at 5 min: 3 × 60 (one 15-min event), 3 × 100, 3 × 200, 3 × 300.
    const g = new Float32Array([60, 60, 60, 100, 100, 100, 200, 200, 200, 300, 300, 300]);
    const ds: TimeSeriesDataset = {
      name: 't',
      version: 'v',
      intervalMs: 300_000,
      timeZone: 'UTC',
      channels: [{ name: 'glucose', role: 'target', unit: 'mg/dL' }],
      values: [g],
      series: [{ id: 'a' }],
      segments: [{ series: 0, offset: 0, length: 12, startMs: 0 }],
      report: {
        files: [],
        rowsRead: 12,
        rowsKept: 12,
        pointsInterpolated: 0,
        dropped: {},
        gapsSplit: 0,
        segments: 1,
        series: 1,
        warnings: [],
      },
    };
    const s = cohortStatistics(ds);
    expect(s.meanGlucose).toBeCloseTo(165, 5);
    expect(s.timeBelow70).toBeCloseTo(25, 5);
    expect(s.timeBelow54).toBe(0);
    expect(s.timeInRange).toBeCloseTo(25, 5);
    expect(s.timeAbove180).toBeCloseTo(50, 5);
    expect(s.timeAbove250).toBeCloseTo(25, 5);
    const sd = Math.sqrt((3 * (105 ** 2 + 65 ** 2 + 35 ** 2 + 135 ** 2)) / 12);
    expect(s.sdGlucose).toBeCloseTo(sd, 3);
    expect(s.cv).toBeCloseTo((100 * sd) / 165, 3);
    // 1 event in 1 hour of data = 168 per week.
    expect(s.hypoEventsPerWeek).toBeCloseTo(168, 6);
  });
});

describe('simulateOptionsFromConfig', () => {
  it('reads the dataset YAML fields', () => {
    expect(
      simulateOptionsFromConfig({
        format: 'simulated',
        patients: 20,
        days: 14,
        seed: 42,
        interval: '5min',
        name: 'simulated_t1d',
        start_date: '2024-01-01',
      }),
    ).toEqual({
      patients: 20,
      days: 14,
      seed: 42,
      intervalMinutes: 5,
      name: 'simulated_t1d',
      startDate: '2024-01-01',
    });
    expect(simulateOptionsFromConfig({ interval: '1h' }).intervalMinutes).toBe(60);
    expect(simulateOptionsFromConfig({ interval: 15 }).intervalMinutes).toBe(15);
    expect(simulateOptionsFromConfig({ start_date: new Date(Date.UTC(2024, 2, 1)) }).startDate).toBe('2024-03-01');
    expect(() => simulateOptionsFromConfig({ format: 'csv' })).toThrow();
  });
  it('matches configs/datasets/simulated_t1d.yaml', async () => {
    const { readFile } = await import('node:fs/promises');
    const { parse } = await import('yaml');
    const cfg = parse(await readFile(new URL('../../../configs/datasets/simulated_t1d.yaml', import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >;
    const o = simulateOptionsFromConfig(cfg);
    expect(o).toEqual({ patients: 20, days: 14, seed: 42, intervalMinutes: 5, name: 'simulated_t1d', startDate: '2024-01-01' });
  });
});
