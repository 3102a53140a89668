// Tidepool exports (JSON as the web export writes it, and CSV of its fields) and OhioT1DM XML, written here to
// the published layouts with their quirks, plus the bad variants: truncated, another device's file, mixed units.
import { describe, expect, test } from 'vitest';
import { configForDataFile } from '../../../ts/data/autodetect.js';
import { ingestDataset } from '../../../ts/data/ingest.js';
import { renderIngestReport } from '../../../ts/data/report.js';
import { sniffFile } from '../../../ts/data/sniff.js';
import { MGDL_PER_MMOLL } from '../../../ts/data/units.js';
import { expectReconciled, tmpDir, writeText } from './helpers.js';
import { dexcomFile, nightscoutFile, ohioFile, tidepoolCsv, tidepoolFile, tidepoolMmol } from './device-fixtures.js';

describe('Tidepool', () => {
  test('cbg records in mmol/L converted with MGDL_PER_MMOLL; out-of-range annotations kept at the threshold; other types counted', async () => {
    const dir = await tmpDir();
    const file = await writeText(dir, 'TidepoolExport.json', tidepoolFile([100, 104, 'Low', 'Low', 60, 'High', 380]));
    expect((await sniffFile(file)).kind).toBe('tidepool');
    const ds = await ingestDataset({ name: 'tp', format: 'tidepool', path: file, interval: '5min', time_zone: 'America/Los_Angeles' });
    expectReconciled(ds);
    expect(ds.segments[0]!.startMs).toBe(Date.UTC(2024, 2, 10, 8, 0)); // the UTC `time`
    const v = Array.from(ds.values[0]);
    expect(v[0]).toBeCloseTo(tidepoolMmol(100) * MGDL_PER_MMOLL, 3);
    expect(v.slice(2, 4)).toEqual([40, 40]);
    expect(v[5]).toBe(400);
    expect(ds.report.counters).toMatchObject({ censored_low: 2, censored_high: 1, tidepool_upload_ignored: 1 });
    expect(ds.series[0]).toEqual({ id: 'TidepoolExport', attributes: { source: 'tidepool', device: 'DexG6MobRec_SM12345678' } });
    expect(renderIngestReport(ds)).toMatch(/censored readings kept at the device limits: 2 low, 1 high/);
  });

  test('daylight saving in timezoneOffset is reported; the series stays on its UTC times; UTC zone gets a hint', async () => {
    const dir = await tmpDir();
    // 2024-03-10 10:00Z: Pacific standard (-480) to daylight (-420) time.
    const file = await writeText(
      dir,
      'dst.json',
      tidepoolFile(
        Array.from({ length: 30 }, (_, k) => 100 + k),
        { offsetMin: (k) => (k < 24 ? -480 : -420) },
      ),
    );
    const ds = await ingestDataset({ name: 'tp', format: 'tidepool', path: file });
    expect(ds.segments).toHaveLength(1);
    expect(ds.segments[0]!.length).toBe(30);
    const w = ds.report.warnings.join('\n');
    expect(w).toMatch(/the UTC offset changes 1 time in 0\.1 days \(first at line 1: -08:00 to -07:00\) \(daylight saving or travel\)/);
    expect(w).toMatch(/readings were taken at UTC-8 \(timezoneOffset\).*set time_zone/);
    expect(ds.report.counters?.utc_offset_changes).toBe(1);
  });

  test('a CSV of the fields: cbg rows read, smbg counted; mg/dL exports read as written', async () => {
    const dir = await tmpDir();
    const csv = await writeText(dir, 'tp.csv', tidepoolCsv([100, 110, 120]));
    expect((await sniffFile(csv)).kind).toBe('tidepool');
    const ds = await ingestDataset({ name: 'tp', format: 'tidepool', path: csv });
    expectReconciled(ds);
    expect(ds.report.rowsRead).toBe(3);
    expect(ds.report.counters).toMatchObject({ tidepool_smbg_ignored: 1 });
    expect(ds.values[0][2]).toBeCloseTo(tidepoolMmol(120) * MGDL_PER_MMOLL, 3);
    const mg = await writeText(dir, 'mg.json', tidepoolFile([100, 101], { units: () => 'mg/dL' }));
    expect(Array.from((await ingestDataset({ name: 'tp', format: 'tidepool', path: mg })).values[0])).toEqual([100, 101]);
    const note = (await configForDataFile(csv)).note;
    expect(note).toBe('read tp.csv as a Tidepool export (format: tidepool): the cbg records, one series');
  });

  test('bad files: truncated, wrong device, mixed units, no CGM records — one line each', async () => {
    const dir = await tmpDir();
    const full = tidepoolFile([100, 101, 102]);
    const cut = await writeText(dir, 'cut.json', full.slice(0, full.length - 40));
    await expect(ingestDataset({ name: 't', format: 'tidepool', path: cut })).rejects.toThrow(
      new RegExp(`^${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON \\(.*\\): a truncated Tidepool export\\?$`),
    );
    const ns = await writeText(dir, 'entries.json', nightscoutFile([100, 101]));
    await expect(ingestDataset({ name: 't', format: 'tidepool', path: ns })).rejects.toThrow(
      `${ns}: not a Tidepool export (no cbg records); it looks like Nightscout entries JSON: use format: nightscout`,
    );
    const dex = await writeText(dir, 'dex.csv', dexcomFile(['100', '101']));
    await expect(ingestDataset({ name: 't', format: 'tidepool', path: dex })).rejects.toThrow(
      `${dex}: not a Tidepool export (line 1 has no 'time', 'value', 'units' and 'timezoneOffset' or 'deviceId' columns); it looks like a Dexcom Clarity export: use format: dexcom_clarity`,
    );
    const mixed = await writeText(dir, 'mixed.json', tidepoolFile([100, 101, 102], { units: (k) => (k === 2 ? 'mg/dL' : 'mmol/L') }));
    await expect(ingestDataset({ name: 't', format: 'tidepool', path: mixed })).rejects.toThrow(
      `${mixed}:1: a cbg record in mg/dL where line 1 is in mmol/L: mixed units in one file (two exports joined?)`,
    );
    const big = await writeText(dir, 'big.json', tidepoolFile([100, 101]).replace(`"value":${tidepoolMmol(100)}`, '"value":100'));
    await expect(ingestDataset({ name: 't', format: 'tidepool', path: big })).rejects.toThrow(
      /big\.json:1: column 'value': glucose 100 looks like mg\/dL in a mmol\/L file \(mixed units in one file\?\)/,
    );
    const none = await writeText(
      dir,
      'none.json',
      JSON.stringify([
        { type: 'upload', id: 'u' },
        { type: 'bolus', normal: 2 },
      ]),
    );
    await expect(ingestDataset({ name: 't', format: 'tidepool', path: none })).rejects.toThrow(
      `${none}: no cbg (CGM) records in 0 record(s): a truncated export, or one without CGM data?`,
    );
    await expect(
      ingestDataset({ name: 't', format: 'tidepool', path: await writeText(dir, 'ok.json', full), units: 'mg/dL' }),
    ).rejects.toThrow(/says mmol\/L but the dataset config says units: mg\/dL/);
  });
});

describe('OhioT1DM', () => {
  test('glucose_level is the target; bolus and meal are event covariates on the grid; other streams counted', async () => {
    const dir = await tmpDir();
    const file = await writeText(dir, '559-ws-training.xml', ohioFile([101, 98, 104, 110, 121, 130]));
    expect((await sniffFile(file)).kind).toBe('ohiot1dm');
    const ds = await ingestDataset({ name: 'ohio', format: 'ohiot1dm', path: file, interval: '5min' });
    expectReconciled(ds);
    expect(ds.channels.map((c) => [c.name, c.role, c.kind, c.unit])).toEqual([
      ['glucose', 'target', 'continuous', 'mg/dL'],
      ['bolus_insulin', 'past_covariate', 'event', 'U'],
      ['carbs', 'past_covariate', 'event', 'g'],
    ]);
    expect(Array.from(ds.values[0])).toEqual([101, 98, 104, 110, 121, 130]);
    expect(Array.from(ds.values[1])).toEqual([0, 0, 4.2, 0, 0, 0].map(Math.fround));
    expect(Array.from(ds.values[2])).toEqual([0, 0, 45, 0, 0, 0]);
    expect(ds.segments[0]!.startMs).toBe(Date.UTC(2021, 11, 7, 1, 17)); // 07-12-2021 01:17:00, day first
    expect(ds.series[0]).toEqual({
      id: '559-ws-training',
      attributes: { source: 'ohiot1dm', patient: 559, insulin_type: 'Novalog', weight_kg: 99 },
    });
    expect(ds.report.counters).toMatchObject({
      ohio_finger_stick_ignored: 1,
      ohio_basal_ignored: 1,
      ohio_sleep_ignored: 1,
      bolus_insulin_events: 1,
      carbs_events: 1,
    });
    const withBasal = await ingestDataset({ name: 'ohio', format: 'ohiot1dm', path: file, past_covariates: ['basal_insulin'] });
    expect(withBasal.channels.map((c) => [c.name, c.kind])).toEqual([
      ['glucose', 'continuous'],
      ['basal_insulin', 'state'],
    ]);
    expect(withBasal.values[1]![5]).toBeCloseTo(0.9, 5);
    await expect(ingestDataset({ name: 'ohio', format: 'ohiot1dm', path: file, past_covariates: ['insulin'] })).rejects.toThrow(
      "dataset 'ohio': past_covariates: 'insulin' is not an OhioT1DM channel (available: bolus_insulin, carbs, basal_insulin)",
    );
  });

  test('local times across a daylight-saving change are placed in the zone and reported', async () => {
    const dir = await tmpDir();
    // US spring forward 2021-03-14 02:00 local: a pump clock not moved writes 02:xx times that do not exist.
    const file = await writeText(
      dir,
      'dst.xml',
      ohioFile(
        Array.from({ length: 36 }, (_, k) => 100 + k),
        { start: new Date(Date.UTC(2021, 2, 14, 1, 0)) },
      ),
    );
    const ds = await ingestDataset({ name: 'o', format: 'ohiot1dm', path: file, time_zone: 'America/New_York', interval: '5min' });
    expect(ds.report.counters?.dst_skipped_hour_rows).toBe(12);
    expect(ds.report.warnings.join('\n')).toMatch(/12 row\(s\) in a daylight-saving gap of America\/New_York/);
  });

  test('bad files: truncated, wrong device, mixed units — one line each', async () => {
    const dir = await tmpDir();
    const cut = await writeText(dir, 'cut.xml', ohioFile([101, 98, 104], { closing: false }));
    await expect(ingestDataset({ name: 'o', format: 'ohiot1dm', path: cut })).rejects.toThrow(
      `${cut}:24: the file ends before </patient> (truncated OhioT1DM file?)`,
    );
    const apple = await writeText(
      dir,
      'export.xml',
      '<?xml version="1.0"?>\n<HealthData locale="en_US">\n<Record type="HKQuantityTypeIdentifierBloodGlucose" value="101"/>\n</HealthData>\n',
    );
    await expect(ingestDataset({ name: 'o', format: 'ohiot1dm', path: apple })).rejects.toThrow(
      `${apple}: not an OhioT1DM XML file (no <patient> element with <glucose_level>); line 1 is '<?xml version="1.0"?>`,
    );
    const mixed = await writeText(dir, 'mixed.xml', ohioFile([101, 5.6, 104]));
    await expect(ingestDataset({ name: 'o', format: 'ohiot1dm', path: mixed })).rejects.toThrow(
      `${mixed}:5: column 'glucose_level value': glucose 5.6 looks like mmol/L in a mg/dL file (mixed units in one file?) (set on_error: skip to drop such rows)`,
    );
    await expect(
      ingestDataset({ name: 'o', format: 'ohiot1dm', path: await writeText(dir, 'ok.xml', ohioFile([100, 101])), units: 'mmol/L' }),
    ).rejects.toThrow(/OhioT1DM \(glucose_level is mg\/dL\) says mg\/dL but the dataset config says units: mmol\/L/);
    const badTs = await writeText(dir, 'ts.xml', ohioFile([101, 98]).replace(/ts="07-12-2021 01:22:00" value/, 'ts="2021/12/07" value'));
    await expect(ingestDataset({ name: 'o', format: 'ohiot1dm', path: badTs })).rejects.toThrow(
      `${badTs}:5: cannot parse ts '2021/12/07' (expected DD-MM-YYYY HH:mm:SS) (set on_error: skip to drop such rows)`,
    );
  });
});
