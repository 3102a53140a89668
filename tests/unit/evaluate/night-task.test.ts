import { describe, expect, it } from 'vitest';
import { windowStarts } from '../../../ts/data/windows.js';
import { nightBedtimeFeatures } from '../../../ts/evaluate/night-features.js';
import { evaluateNightTask, nightForecastWindows, nightTaskSets, nightTruth } from '../../../ts/evaluate/night-task.js';
import { cohort, NIGHT, noisyForecast } from './night-cohort.js';

describe('night task', () => {
  const { ds, blocks } = cohort();
  const sets = nightTaskSets(ds, blocks, { context: 48 });

  it('nights per split, windows for a forecaster, truths and bedtime features', () => {
    // train: days 1..19 (day 0's anchor is the first reading, no context); val days 20..29; test 30..49
    expect([sets.train.nights.length, sets.val.nights.length, sets.test.nights.length]).toEqual([3 * 19, 3 * 10, 3 * 20]);
    expect(sets.test.nightSteps).toBe(NIGHT);
    expect(sets.test.windowNames).toEqual(['night', '00:00-03:00', '03:00-06:00']);
    const w = nightForecastWindows(sets.test.nights, 48, NIGHT);
    expect(w.horizon).toBe(NIGHT);
    expect(Array.from(windowStarts(w))).toEqual(sets.test.nights.map((n) => n.night[0] - 48));
    const truth = nightTruth(ds, sets.test.nights, 0, NIGHT);
    expect(truth[NIGHT + 5]).toBe(ds.values[0][sets.test.nights[1].night[0] + 5]);
    const f = nightBedtimeFeatures(ds, sets.test.nights.slice(0, 1), 0)[0];
    const n0 = sets.test.nights[0].night[0];
    expect(f[0]).toBe(ds.values[0][n0 - 1]);
    expect(f[1]).toBeCloseTo(ds.values[0][n0 - 1] - ds.values[0][n0 - 7], 4);
    // the meal at 19:00: 5 h before the anchor; no insulin channel
    expect(f[6]).toBe(300);
    expect(f[7]).toBeNaN();
  });

  const forecasts = () => ({
    val: { point: noisyForecast(nightTruth(ds, sets.val.nights, 0, NIGHT), 1) },
    test: { point: noisyForecast(nightTruth(ds, sets.test.nights, 0, NIGHT), 2) },
  });
  const options = { paths: 2000, reps: 300, seed: 3 };
  const r = evaluateNightTask({ ds, sets, forecasts: forecasts(), options });

  it('scores every threshold x window with the model and the baselines', () => {
    expect(r.results.map((x) => `${x.threshold} ${x.window}`)).toEqual([
      '70 night',
      '70 00:00-03:00',
      '70 03:00-06:00',
      '54 night',
      '54 00:00-03:00',
      '54 03:00-06:00',
    ]);
    expect(r.copula).toMatchObject({ source: 'residuals', target: 'ar1', valNights: 30 });
    // the forecaster's error has lag-1 correlation 0.9
    expect(r.copula.targetRho).toBeGreaterThan(0.8);
    expect(r.counts).toMatchObject({ train_nights: 57, val_nights: 30, test_nights: 60 });
    const night70 = r.results[0];
    expect(Object.keys(night70.forecasters).sort()).toEqual([
      'bedtime_logistic',
      'model',
      'model_max_step',
      'model_raw',
      'night_classifier',
      'patient_rate',
      'threshold_crossing',
    ]);
    expect(night70.positives).toBeGreaterThanOrEqual(10);
    const model = night70.forecasters.model.discrimination;
    if (!model.reportable) throw new Error('expected a reportable AUROC at 70 mg/dL');
    // a noisy forecaster (error sd 12 mg/dL, lag-1 correlation 0.9) still ranks nights better than the baselines
    expect(model.auroc).toBeGreaterThan(0.75);
    for (const b of ['threshold_crossing', 'patient_rate', 'bedtime_logistic']) {
      const d = night70.forecasters[b].discrimination;
      expect(d.reportable && d.auroc).toBeLessThan(model.auroc);
    }
    // its raw probability is off (ECE ~0.3 here); the Platt map fitted on validation nights lowers the test Brier score
    expect(night70.forecasters.model.brier.brier).toBeLessThan(night70.forecasters.model_raw.brier.brier);
    expect(night70.forecasters.model.operating).toBeDefined();
    // nothing below 54 mg/dL: no positives, no point AUROC, and no bedtime logistic to fit
    expect(r.results[3].positives).toBe(0);
    expect(r.results[3].forecasters.model.discrimination.reportable).toBe(false);
    expect(r.results[3].forecasters.bedtime_logistic).toBeUndefined();
    expect(r.notes.some((n) => /54 mg\/dL night: bedtime_logistic not fitted/.test(n))).toBe(true);
  });

  it('night trajectory errors of the point forecast', () => {
    expect(r.trajectory.perHour.length).toBe(6);
    for (const h of r.trajectory.perHour) {
      expect(h.rmse).toBeGreaterThan(8);
      expect(h.rmse).toBeLessThan(16);
    }
    expect(r.trajectory.minima.length).toBe(60);
  });

  it('panels: up to 8 test nights for figures, positive nights first, rounded to 0.1 mg/dL', () => {
    const panels = r.panels!;
    expect(panels).toHaveLength(8);
    const labels = r.results[0].labels;
    const positives = labels.filter((y) => y).length;
    expect(panels.slice(0, Math.min(8, positives)).every((p) => labels[p.night] === 1)).toBe(true);
    // one night per patient in turn
    expect(
      panels
        .slice(0, 3)
        .map((p) => sets.test.nights[p.night].patient)
        .sort(),
    ).toEqual(['p0', 'p1', 'p2']);
    const p = panels[0];
    const n = sets.test.nights[p.night];
    expect(p.minutes).toHaveLength(NIGHT);
    expect(p.minutes[1]).toBe(5);
    // context ends with the last reading before the anchor
    expect(p.contextMinutes).toHaveLength(48);
    expect(p.contextMinutes.at(-1)).toBe(-5);
    expect(p.context.at(-1)).toBe(Math.round(ds.values[0][n.night[0] - 1] * 10) / 10);
    expect(p.truth[3]).toBe(Math.round(ds.values[0][n.night[0] + 3] * 10) / 10);
    expect(p.forecast.every((v) => v !== null && Math.abs(v * 10 - Math.round(v * 10)) < 1e-9)).toBe(true);
    expect(p.band).toBeUndefined();
  });

  it('fits copula and calibration on validation nights only, and is deterministic', () => {
    const f = forecasts();
    const shifted = { ...f, test: { point: f.test.point.map((v) => v + 20) } };
    const s = evaluateNightTask({ ds, sets, forecasts: shifted, options });
    expect(s.copula).toEqual(r.copula);
    expect(s.results.map((x) => x.calibration)).toEqual(r.results.map((x) => x.calibration));
    expect(s.results[0].forecasters.model.brier.brier).not.toBe(r.results[0].forecasters.model.brier.brier);
    expect(evaluateNightTask({ ds, sets, forecasts: forecasts(), options })).toEqual(r);
  });

  it('night classifier: fitted on training nights, calibrated on validation nights, never given test nights', () => {
    const f = forecasts();
    const nights = 30;
    // the first 30 test nights only: the classifier's scores on them stay the same (no test night reached its fit)
    const fewer = { ...sets, test: { ...sets.test, nights: sets.test.nights.slice(0, nights) } };
    const cut = { ...f, test: { point: f.test.point.slice(0, nights * NIGHT) } };
    // the classifier's scores do not depend on the copula's paths or the bootstrap: cheap settings here
    const quick = { paths: 200, reps: 20, seed: 3 };
    const s = evaluateNightTask({ ds, sets: fewer, forecasts: cut, options: quick });
    expect(s.results[0].scores.night_classifier).toEqual(r.results[0].scores.night_classifier.slice(0, nights));
    // fewer validation nights: a different calibration, so different test scores (the check above can fail)
    const lessVal = { ...sets, val: { ...sets.val, nights: sets.val.nights.slice(0, 12) } };
    const cutVal = { ...f, val: { point: f.val.point.slice(0, 12 * NIGHT) } };
    const v = evaluateNightTask({ ds, sets: lessVal, forecasts: cutVal, options: quick });
    expect(v.results[0].scores.night_classifier).not.toEqual(r.results[0].scores.night_classifier);
    const c = r.results[0].forecasters.night_classifier;
    expect(c.discrimination.positives).toBe(r.results[0].positives);
    expect(c.ece).toBeLessThan(0.5);
    expect(r.notes.some((n) => /54 mg\/dL night: night_classifier not fitted/.test(n))).toBe(true);
  });

  it("quantile forecasts: the copula joins the quantiles' marginals (PIT normal scores)", () => {
    const f = forecasts();
    const levels = [0.1, 0.5, 0.9];
    // a central 80% band of +-1.2816 * 12 mg/dL around the point forecast
    const quantiles = (point: Float64Array) => {
      const steps = NIGHT,
        nights = point.length / steps;
      const values = new Float64Array(nights * 3 * steps);
      for (let k = 0; k < nights; k++)
        for (let h = 0; h < steps; h++)
          levels.forEach((_, q) => (values[(k * 3 + q) * steps + h] = point[k * steps + h] + (q - 1) * 1.2816 * 12));
      return { levels, values };
    };
    const q = evaluateNightTask({
      ds,
      sets,
      forecasts: { val: { ...f.val, quantiles: quantiles(f.val.point) }, test: { ...f.test, quantiles: quantiles(f.test.point) } },
      options,
    });
    expect(q.copula.source).toBe('quantiles');
    // the panels carry the 10-90% band
    const band = q.panels![0].band!;
    const k = q.panels![0].night;
    expect(band.lo[0]).toBeCloseTo(f.test.point[k * NIGHT] - 1.2816 * 12, 1);
    expect(band.hi[0]).toBeCloseTo(f.test.point[k * NIGHT] + 1.2816 * 12, 1);
    const d = q.results[0].forecasters.model.discrimination;
    if (!d.reportable) throw new Error('expected a reportable AUROC');
    expect(d.auroc).toBeGreaterThan(0.75);
  });

  it('refuses forecasts of the wrong shape and too few validation nights', () => {
    const f = forecasts();
    expect(() => evaluateNightTask({ ds, sets, forecasts: { ...f, test: { point: f.test.point.subarray(1) } } })).toThrow(/test forecasts/);
    const few = { ...sets, val: { ...sets.val, nights: sets.val.nights.slice(0, 1) } };
    expect(() => evaluateNightTask({ ds, sets: few, forecasts: { ...f, val: { point: f.val.point.subarray(0, NIGHT) } } })).toThrow(
      /at least 2/,
    );
  });
});
