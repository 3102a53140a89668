/**
 * Checks split, windows, baseline and metric together against a published number: GlucoBench's
 * linear regression on Broll (../shared/data/broll_iglu/example_data_5_subject.csv), in-distribution
 * test, 12-step horizon, median over test windows of the per-window RMSE = 11.68 mg/dL (MAE 9.71).
 * GlucoBench's protocol (IrinaStatsLab/GlucoBench config/iglu.yaml, bin/linreg.py): context
 * (in_len) 192, test forecasts every 6 points (stride = horizon / 2), one OOD subject held out,
 * the statistics averaged over the random splits of seeds 10..19.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../ts/config/index.js';
import { loadConfiguredDataset } from '../../../ts/pipeline/dataset.js';
import { makeSplits } from '../../../ts/data/splits.js';
import { windowStarts } from '../../../ts/data/windows.js';
import { fitLinReg, linRegForecast } from '../../../ts/metrics/baselines.js';
import { evaluatePoint } from '../../../ts/metrics/point.js';

describe('Broll LinReg against GlucoBench', () => {
  it('median-per-window RMSE within 10% of 11.68 mg/dL (and MAE within 10% of 9.71)', async () => {
    const C = 192,
      H = 12;
    const { config } = loadConfig(undefined, {
      overrides: ['data.dataset=broll', `model.context_length=${C}`, `model.horizon=${H}`, 'data.split.protocol=glucobench'],
    });
    const ds = await loadConfiguredDataset(config);
    const v = ds.values[0];
    const rmse: number[] = [],
      mae: number[] = [];
    for (let seed = 10; seed < 20; seed++) {
      const sp = makeSplits(ds, { context: C, horizon: H, stride: 1, evalStride: H / 2 }, { kind: 'glucobench', seed });
      const starts = windowStarts(sp.test);
      const f = linRegForecast(fitLinReg(v, sp.train, C, H), v, starts, C);
      const truth = new Float64Array(starts.length * H);
      starts.forEach((s, w) => {
        for (let h = 0; h < H; h++) truth[w * H + h] = v[s + C + h];
      });
      const e = evaluatePoint(truth, f, starts.length, H);
      rmse.push(e.medianPerWindow.rmse);
      mae.push(e.medianPerWindow.mae);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean(rmse) / 11.68 - 1)).toBeLessThan(0.1);
    expect(Math.abs(mean(mae) / 9.71 - 1)).toBeLessThan(0.1);
  });
});
