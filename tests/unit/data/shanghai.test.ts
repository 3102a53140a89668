import { describe, expect, test } from 'vitest';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import { classifyInsulin, findShanghaiColumns, parseDietText, parseInsulinText } from '../../../ts/data/adapters/shanghai.js';
import { ingestDataset } from '../../../ts/data/ingest.js';
import { loadDatasetConfig } from '../../../ts/data/config.js';
import type { TimeSeriesDataset } from '../../../ts/data/types.js';
import { dataDir, expectReconciled, repoRoot } from './helpers.js';

// Reads every file of ../shared/data/shanghai_t1dm and ../shared/data/shanghai_t2dm.

describe('Shanghai text parsing', () => {
  test('s.c. insulin doses', () => {
    expect(parseInsulinText('Novolin R, 4 IU')).toEqual([{ name: 'Novolin R', units: 4, kind: 'bolus' }]);
    expect(parseInsulinText('insulin glargine, 12 IU')).toEqual([{ name: 'insulin glargine', units: 12, kind: 'long_acting' }]);
    expect(parseInsulinText('insulin\u00a0glargine, 6 IU')[0].kind).toBe('long_acting');
    expect(parseInsulinText('insulin glarigine, 12 IU')[0].kind).toBe('long_acting'); // typo in the source
    expect(parseInsulinText('insulin glargine, 14 IU, Humulin 70/30, 12 IU')).toEqual([
      { name: 'insulin glargine', units: 14, kind: 'long_acting' },
      { name: 'Humulin 70/30', units: 12, kind: 'premixed' },
    ]);
    expect(parseInsulinText('insulin detemir, 6 IU; Novolin R, 4 IU').map((d) => [d.kind, d.units])).toEqual([
      ['long_acting', 6],
      ['bolus', 4],
    ]);
    expect(parseInsulinText('Humulin 70/30  8 IU')).toEqual([{ name: 'Humulin 70/30', units: 8, kind: 'premixed' }]);
    expect(parseInsulinText('insulin aspart 70/30, 8 IU ')[0].kind).toBe('premixed');
    expect(parseInsulinText('insulin aspart, 5 IU')[0].kind).toBe('bolus');
    expect(parseInsulinText('insulin glulisine, 6 IU')[0].kind).toBe('bolus');
    expect(parseInsulinText('Gansulin R, 7 IU')[0]).toEqual({ name: 'Gansulin R', units: 7, kind: 'bolus' });
    expect(parseInsulinText('Novolin 30R, 14 IU')[0].kind).toBe('premixed');
    expect(parseInsulinText('SciLin M30, 25 IU')[0].kind).toBe('premixed');
    expect(parseInsulinText('insulin degludec, 10 IU')[0].kind).toBe('long_acting');
    expect(parseInsulinText('')).toEqual([]);
    expect(classifyInsulin('mystery insulin')).toBe('unknown');
  });

  test('dietary intake text', () => {
    expect(parseDietText('data not available')).toEqual({ meal: 0, grams: 0 });
    expect(parseDietText('')).toEqual({ meal: 0, grams: 0 });
    expect(parseDietText('Egg 62 g\nCoarse grain steamed bread 136 g\nBoiled vegetable 103 g')).toEqual({ meal: 1, grams: 301 });
    expect(parseDietText('Coarse grain 100 g\nMinced pork and cowpea 50g')).toEqual({ meal: 1, grams: 150 });
    expect(parseDietText('Egg\t 65 g')).toEqual({ meal: 1, grams: 65 });
    expect(parseDietText('1 piece of pie')).toEqual({ meal: 1, grams: 0 });
    expect(parseDietText('500ml milk')).toEqual({ meal: 1, grams: 0 });
  });

  test('columns are found by normalised header, whatever the Chinese diet header', () => {
    const h = [
      'Date',
      'CGM (mg / dl)',
      'CBG (mg / dl)',
      'Blood Ketone (mmol / L)',
      'Dietary intake',
      '进食量',
      'Insulin dose - s.c.',
      'Non-insulin hypoglycemic agents',
      'CSII - bolus insulin (Novolin R, IU)',
      'CSII - basal insulin (Novolin R, IU / H)',
      'Insulin dose - i.v.',
    ];
    expect(findShanghaiColumns(h)).toEqual({
      time: 'Date',
      cgm: 'CGM (mg / dl)',
      diet: 'Dietary intake',
      sc: 'Insulin dose - s.c.',
      bolus: 'CSII - bolus insulin (Novolin R, IU)',
      basal: 'CSII - basal insulin (Novolin R, IU / H)',
    });
  });
});

describe('Shanghai covariate names', () => {
  test('the food mass is food_g; a config that still names meal_g is refused with the new name', async () => {
    const cfg = await loadDatasetConfig(path.join(repoRoot, 'configs/datasets/shanghai_t1dm.yaml'));
    expect(cfg.past_covariates).toContain('food_g');
    await expect(ingestDataset({ ...cfg, past_covariates: ['meal', 'meal_g'] }, { baseDir: repoRoot })).rejects.toThrow(
      "dataset 'shanghai_t1dm': Shanghai covariate 'meal_g' is now 'food_g' (the grams stated in the diet text are the mass of the food, not carbohydrate); rename it in the dataset config",
    );
  });
});

describe('Shanghai ingest (all 125 files)', () => {
  let t1: TimeSeriesDataset;
  let t2: TimeSeriesDataset;

  test('T1DM: 16 files, counts reconcile per file, channels and attributes', async () => {
    const cfg = await loadDatasetConfig(path.join(repoRoot, 'configs/datasets/shanghai_t1dm.yaml'));
    t1 = await ingestDataset(cfg, { baseDir: repoRoot });
    expect(t1.report.files.length).toBe(readdirSync(path.join(dataDir, 'shanghai_t1dm')).length);
    expect(t1.report.files.length).toBe(16);
    expect(t1.series.length).toBe(16);
    expectReconciled(t1);
    expect(t1.intervalMs).toBe(900_000);
    expect(t1.timeZone).toBe('Asia/Shanghai');
    expect(t1.channels.map((c) => [c.name, c.role, c.kind])).toEqual([
      ['glucose', 'target', 'continuous'],
      ['bolus_insulin', 'past_covariate', 'event'],
      ['basal_insulin', 'past_covariate', 'state'],
      ['long_acting_insulin', 'past_covariate', 'event'],
      ['premixed_insulin', 'past_covariate', 'event'],
      ['meal', 'past_covariate', 'event'],
      ['food_g', 'past_covariate', 'event'],
    ]);
    expect(t1.series[0]).toEqual({ id: '1001_0', attributes: { patient: '1001', visit: 0, diabetes_type: 1 } });
    expect(t1.series.filter((s) => s.attributes?.patient === '1002').map((s) => s.id)).toEqual(['1002_0', '1002_1', '1002_2']);
    // processed_1001_0_20210730.csv starts 2021-07-30 16:43:00 local (UTC+8) with CGM 113.4, basal 0.3 U/h; bolus 4 U at 16:58
    const seg = t1.segments[0];
    expect(seg.startMs).toBe(Date.UTC(2021, 6, 30, 8, 43));
    const [g, bolus, basal] = t1.values;
    expect(g[0]).toBeCloseTo(113.4, 3);
    expect(basal[0]).toBeCloseTo(0.3, 6);
    expect(basal[1]).toBeCloseTo(0.3, 6); // forward-filled
    expect(bolus[0]).toBe(0);
    expect(bolus[1]).toBe(4);
    // glucose values are plausible mg/dL
    for (let i = 0; i < g.length; i++) expect(g[i] > 20 && g[i] < 700).toBe(true);
  });

  test('T2DM: 109 files incl. the two with a different Chinese header, counts reconcile', async () => {
    const cfg = await loadDatasetConfig(path.join(repoRoot, 'configs/datasets/shanghai_t2dm.yaml'));
    t2 = await ingestDataset(cfg, { baseDir: repoRoot });
    expect(t2.report.files.length).toBe(109);
    expectReconciled(t2);
    expect(new Set(t2.series.map((s) => s.attributes?.diabetes_type))).toEqual(new Set([2]));
    // the 13 empty CGM cells of processed_2029_0_20210526.csv are missing_target drops
    const f2029 = t2.report.files.find((f) => f.path.includes('processed_2029_0'))!;
    expect(f2029.dropped?.missing_target).toBe(13);
    expect(t2.report.warnings.filter((w) => /no '.*' column/.test(w))).toEqual([]);
    const meal = t2.channels.findIndex((c) => c.name === 'meal');
    const mealsPlaced = t2.values[meal].reduce((a, b) => a + b, 0);
    expect(mealsPlaced).toBeGreaterThan(2500);
    const longActing = t2.channels.findIndex((c) => c.name === 'long_acting_insulin');
    expect(t2.values[longActing].some((v) => v > 0)).toBe(true);
  });

  test('all 125 files in one dataset, min_segment_length drops short segments with exact accounting', async () => {
    const ds = await ingestDataset(
      {
        name: 'shanghai',
        format: 'shanghai',
        path: [path.join(dataDir, 'shanghai_t1dm'), path.join(dataDir, 'shanghai_t2dm')],
        interval: '15min',
        max_gap: '30min',
        min_segment_length: 200,
      },
      {},
    );
    expect(ds.report.files.length).toBe(125);
    expectReconciled(ds);
    for (const s of ds.segments) expect(s.length).toBeGreaterThanOrEqual(200);
    expect(ds.report.dropped.short_segment).toBeGreaterThan(0);
    expect(t1.values[0].length + t2.values[0].length).toBeGreaterThanOrEqual(ds.values[0].length);
  });
});
