import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../ts/config/index.js';
import { DEFAULT_UNITS, metricUnit, SCALED } from '../../../ts/runs/units.js';
import { settingChanges } from '../../../ts/train/resume.js';

describe('metric units', () => {
  const glucose = { test: 'mg/dL', validation: SCALED };
  it('names the axis of every metric: test and baselines in the target unit, validation on the scaled axis', () => {
    expect(metricUnit('test_rmse', glucose)).toBe('mg/dL');
    expect(metricUnit('baseline_last_value_medianRmse', glucose)).toBe('mg/dL');
    expect(metricUnit('test_mse', glucose)).toBe('(mg/dL)²');
    expect(metricUnit('val_rmse', glucose)).toBe('scaled (z-score of the training scaler)');
    expect(metricUnit('val_mse', glucose)).toBe('scaled (z-score of the training scaler), squared');
    expect(metricUnit('val_loss', glucose)).toBe('loss on the scaled axis');
    expect(metricUnit('train_loss', glucose)).toBe('loss on the scaled axis');
    expect(metricUnit('best_epoch', glucose)).toBe('epoch (counted from 1)');
    expect(metricUnit('test_windows', glucose)).toBe('windows');
    expect(metricUnit('samples_per_sec', glucose)).toBe('samples/s');
    // data.scaler none: validation in the target's own units too
    expect(metricUnit('val_rmse', { test: 'mg/dL', validation: 'mg/dL' })).toBe('mg/dL');
    expect(metricUnit('val_rmse', DEFAULT_UNITS)).toMatch(/^scaled/);
    expect(metricUnit('test_rmse', DEFAULT_UNITS)).toBe('original units');
  });
});

describe('resolved params and resume', () => {
  it('a config that leaves out family params the run recorded (the core defaults) is not a change', () => {
    const c = defaultConfig();
    const recorded = { ...c, model: { ...c.model, params: { ...c.model.params, some_default: 3 } } };
    expect(settingChanges(recorded, c)).toEqual({});
    const changed = { ...c, model: { ...c.model, params: { ...c.model.params, some_default: 4 } } };
    expect(settingChanges(recorded, changed)).toEqual({ 'model.params.some_default': ['3', '4'] });
  });
});
