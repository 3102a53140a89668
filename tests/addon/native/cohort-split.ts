/** A small simulated cohort as a native training split (globally scaled), shared by the addon tests. */
import { toNativeDataset } from '../../../ts/native/dataset.js';
import { simulateCohort } from '../../../ts/data/simulate/index.js';

export function cohortSplit(context = 48, horizon = 12) {
  const ds = simulateCohort({ patients: 3, days: 3, seed: 7 });
  const dataset = toNativeDataset(ds);
  const spanStart = new Float64Array(ds.segments.map((s) => s.offset));
  const spanCount = new Float64Array(ds.segments.map((s) => s.length - context - horizon + 1));
  const windows = { spanStart, spanCount, stride: 1, context, horizon };
  const nCh = ds.channels.length;
  const mean = new Float32Array(ds.series.length * nCh);
  const std = new Float32Array(ds.series.length * nCh).fill(1);
  for (let c = 0; c < nCh; c++) {
    const v = ds.values[c];
    let m = 0;
    for (const x of v) m += x;
    m /= v.length;
    let s = 0;
    for (const x of v) s += (x - m) ** 2;
    for (let k = 0; k < ds.series.length; k++) {
      mean[k * nCh + c] = m;
      std[k * nCh + c] = Math.sqrt(s / v.length) || 1;
    }
  }
  const split = {
    dataset,
    windows,
    scaling: { kind: 'global', mean, std, channels: nCh },
    inputChannels: ds.channels.map((_, i) => i),
    targetChannels: [0],
  };
  return { ds, dataset, split, nCh };
}
