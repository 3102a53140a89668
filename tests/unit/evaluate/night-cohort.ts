/** A synthetic three-patient cohort with nightly dips, and a noisy forecaster of it, for the night task's tests. */
import type { TimeSeriesDataset } from '../../../ts/data/types.js';
import type { RowRange } from '../../../ts/data/windows.js';
import { mulberry32, normalSampler } from '../../../ts/util/random.js';

export const DAY = 288; // 5-minute readings
export const NIGHT = 72;

/**
 * Three patients, 50 days each from 2022-01-01 00:00 UTC. Glucose 140 with a daily swing and each
 * night a dip around 03:00 to a random depth of 55-93 mg/dL (deeper for patient 0). Never below 55.
 * Meals (carbs) at 19:00 each day.
 */
export function cohort(): { ds: TimeSeriesDataset; blocks: { train: RowRange[]; val: RowRange[]; test: RowRange[] } } {
  const rnd = mulberry32(21);
  const z = normalSampler(mulberry32(22));
  const S = 3,
    days = 50,
    len = days * DAY;
  const g = new Float32Array(S * len),
    carbs = new Float32Array(S * len);
  const blocks = { train: [] as RowRange[], val: [] as RowRange[], test: [] as RowRange[] };
  for (let s = 0; s < S; s++) {
    const off = s * len;
    let e = 0;
    for (let d = 0; d < days; d++) {
      // patients differ in how deep their nights go: about 50%, 35% and 15% of nights below 70
      const depth = 52 + 6 * s + 35 * rnd();
      for (let j = 0; j < DAY; j++) {
        const r = off + d * DAY + j;
        e = 0.95 * e + z();
        let v = 140 + 25 * Math.sin((2 * Math.PI * j) / DAY) + 2 * e;
        // the dip: a bump down between 01:30 and 04:30, deepest at 03:00
        if (j >= 18 && j <= 54) v = Math.max(depth, v - (v - depth) * Math.sin((Math.PI * (j - 18)) / 36));
        g[r] = Math.max(55, v);
        if (j === 19 * 12) carbs[r] = 50;
      }
    }
    blocks.train.push([off, off + 20 * DAY]);
    blocks.val.push([off + 20 * DAY, off + 30 * DAY]);
    blocks.test.push([off + 30 * DAY, off + len]);
  }
  const segments = Array.from({ length: S }, (_, s) => ({ series: s, offset: s * len, length: len, startMs: Date.UTC(2022, 0, 1) }));
  const ds: TimeSeriesDataset = {
    name: 'night-cohort',
    version: 'test',
    intervalMs: 300_000,
    timeZone: 'UTC',
    channels: [
      { name: 'glucose', role: 'target', unit: 'mg/dL' },
      { name: 'carbs', role: 'past_covariate', unit: 'g', kind: 'event' },
    ],
    values: [g, carbs],
    series: Array.from({ length: S }, (_, s) => ({ id: `p${s}` })),
    segments,
    report: {
      files: [],
      rowsRead: S * len,
      rowsKept: S * len,
      pointsInterpolated: 0,
      dropped: {},
      gapsSplit: 0,
      segments: S,
      series: S,
      warnings: [],
    },
  };
  return { ds, blocks };
}

/** A good forecaster: the truth plus AR(1) error of sd 12 mg/dL. */
export function noisyForecast(truth: Float64Array, seed: number): Float64Array {
  const z = normalSampler(mulberry32(seed));
  const out = new Float64Array(truth.length);
  let e = 0;
  for (let i = 0; i < truth.length; i++) {
    e = i % NIGHT === 0 ? 12 * z() : 0.9 * e + 12 * Math.sqrt(1 - 0.81) * z();
    out[i] = truth[i] + e;
  }
  return out;
}
