// A data file named directly: column auto-detection for plain tables, the device reader for device exports,
// and the one line that says what was chosen and how to override it.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { configForDataFile, datasetNameFor } from '../../../ts/data/autodetect.js';
import { openDataset } from '../../../ts/data/resolve.js';
import { MGDL_PER_MMOLL } from '../../../ts/data/units.js';
import { dataDir, expectReconciled, tmpDir, writeText } from './helpers.js';
import { dexcomFile, libreFile, nightscoutFile } from './device-fixtures.js';

describe('plain tables', () => {
  test('the iglu/Broll CSV: time, gl (mg/dL by its median) and id found; the row-number column is not mentioned', async () => {
    const file = path.join(dataDir, 'broll_iglu/example_data_5_subject.csv');
    const { config, note } = await configForDataFile(file);
    expect(config).toEqual({
      name: 'example_data_5_subject',
      format: 'long',
      path: file,
      time: 'time',
      target: 'gl',
      id: 'id',
      units: 'mg/dL',
    });
    expect(note).toBe(
      "read example_data_5_subject.csv as a table: time 'time' (YYYY-MM-DD HH:MM:SS), target 'gl' (mg/dL, from its median 140), id 'id' (5 series); override with --time, --target, --id, --units",
    );
    const r = await openDataset(file, { cacheDir: false });
    expect(r.note).toBe(note);
    expect(r.dataset.series).toHaveLength(5);
    expectReconciled(r.dataset);
  });

  test('unit from the column name, day-first dates, names preferred over position, other columns listed', async () => {
    const dir = await tmpDir();
    const rows = ['13/01/2024 23:50', '13/01/2024 23:55', '14/01/2024 00:00'].map(
      (t, i) => `${i},${t},${(6 + i / 10).toFixed(1)},${70 + i},note`,
    );
    const file = await writeText(dir, 'My CGM (export).csv', ['row,Timestamp,Glucose (mmol/L),heart_rate,comment', ...rows].join('\n'));
    const { config, note } = await configForDataFile(file);
    expect(config).toMatchObject({
      name: 'My_CGM_export',
      time: 'Timestamp',
      target: 'Glucose (mmol/L)',
      units: 'mmol/L',
      time_format: 'DD/MM/YYYY HH:mm',
    });
    expect(config.id).toBeUndefined();
    expect(note).toMatch(
      /time 'Timestamp' \(DD\/MM\/YYYY HH:mm\), target 'Glucose \(mmol\/L\)' \(mmol\/L, from its name\), no id column \(one series\); not read: 'heart_rate', 'comment'/,
    );
    const r = await openDataset(file, { cacheDir: false });
    expect(r.dataset.values[0][0]).toBeCloseTo(6 * MGDL_PER_MMOLL, 3);
    expect(r.dataset.segments[0]!.startMs).toBe(Date.UTC(2024, 0, 13, 23, 50));
  });

  test('ambiguous day/month is said; epoch times; overrides win', async () => {
    const dir = await tmpDir();
    const amb = await writeText(dir, 'a.csv', 'when,bg\n01/02/2024 10:00,100\n01/02/2024 10:05,104\n');
    expect((await configForDataFile(amb)).note).toMatch(
      /time 'when' \(DD\/MM\/YYYY HH:mm; day\/month order ambiguous, read as DD\/MM\/YYYY HH:mm\).*override with --time, --target, --id, --units, --time-format/,
    );
    const us = await configForDataFile(amb, { timeFormat: 'MM/DD/YYYY HH:mm' });
    expect(us.config.time_format).toBe('MM/DD/YYYY HH:mm');
    const t0 = Date.UTC(2024, 0, 1);
    const ep = await writeText(dir, 'e.csv', ['date,sgv,other', ...[0, 1, 2].map((k) => `${t0 + k * 300_000},${110 + k},${k}`)].join('\n'));
    const e = await configForDataFile(ep);
    expect(e.config).toMatchObject({ time: 'date', target: 'sgv', time_format: 'epoch_ms', units: 'mg/dL' });
    const o = await configForDataFile(ep, { target: 'other', units: 'mg/dL', interval: '5min', timeZone: 'Europe/Berlin' });
    expect(o.config).toMatchObject({ target: 'other', units: 'mg/dL', interval: '5min', time_zone: 'Europe/Berlin' });
  });

  test('Arrow: a timestamp column and a float column named glucose', async () => {
    const dir = await tmpDir();
    const t = tableFromArrays({
      subject: ['a', 'a', 'b'],
      ts: [new Date(Date.UTC(2024, 0, 1)), new Date(Date.UTC(2024, 0, 1, 0, 5)), new Date(Date.UTC(2024, 0, 1))],
      glucose: Float64Array.from([100, 101, 90]),
    });
    const file = path.join(dir, 'cgm.arrow');
    await writeFile(file, tableToIPC(t, 'file'));
    const { config, note } = await configForDataFile(file);
    expect(config).toMatchObject({ time: 'ts', target: 'glucose', id: 'subject', units: 'mg/dL' });
    expect(note).toMatch(/time 'ts', target 'glucose' \(mg\/dL, from its median 100\), id 'subject' \(2 series\)/);
  });

  test('what cannot be detected says which flag to pass', async () => {
    const dir = await tmpDir();
    const noTime = await writeText(dir, 'n.csv', 'a,b\n1,2\n3,4\n');
    await expect(configForDataFile(noTime)).rejects.toThrow(
      `${noTime}: no column whose values parse as times (columns: 'a', 'b'); pass --time COL (and --time-format if it is not ISO)`,
    );
    const two = await writeText(dir, 't.csv', 'time,x,y\n2024-01-01 00:00,1,2\n2024-01-01 00:05,3,4\n');
    await expect(configForDataFile(two)).rejects.toThrow(
      `${two}: cannot tell which column is glucose (numeric columns: 'x', 'y'); pass --target COL`,
    );
    await expect(configForDataFile(two, { target: 'z' })).rejects.toThrow(
      /--target column 'z' not found \(did you mean 'x'\?\); available columns: 'time', 'x', 'y'/,
    );
    const one = await configForDataFile(await writeText(dir, 'o.csv', 'time,x\n2024-01-01 00:00,1\n'));
    expect(one.note).toMatch(
      /target 'x' \(the only numeric column\) \(mg\/dL, from its median 1\)|target 'x' \(the only numeric column\) \(mmol\/L, from its median 1\.0\)/,
    );
  });

  test('dataset names from file names', () => {
    expect(datasetNameFor('/x/My CGM (2024).csv.gz')).toBe('My_CGM_2024');
    expect(datasetNameFor('/x/((.csv')).toBe('data');
  });
});

describe('device exports named directly', () => {
  test('Dexcom, LibreView and Nightscout files go to their readers; mapping flags are refused', async () => {
    const dir = await tmpDir();
    const dex = await writeText(dir, 'clarity.csv', dexcomFile(['100', '104', 'High']));
    const d = await openDataset(dex, { cacheDir: false });
    expect(d.note).toBe(
      "read clarity.csv as a Dexcom Clarity export (format: dexcom_clarity): the EGV rows' glucose, one series; local clock times kept as written (pass --time-zone to place them in the wearer's zone)",
    );
    expect(d.dataset.report.counters?.censored_high).toBe(1);
    const lib = await openDataset(await writeText(dir, 'libre.csv', libreFile(['100', '104', '108'])), {
      cacheDir: false,
      file: { timeZone: 'Europe/Oslo' },
    });
    expect(lib.note).toMatch(/as a LibreView export \(format: libreview\): the historic glucose \(Record Type 0\), one series$/);
    expect(lib.dataset.timeZone).toBe('Europe/Oslo');
    expect(lib.dataset.segments[0]!.startMs).toBe(Date.UTC(2026, 1, 13, 22, 7));
    const ns = await openDataset(await writeText(dir, 'entries.json', nightscoutFile([100, 101, 102])), { cacheDir: false });
    expect(ns.note).toMatch(/as Nightscout entries JSON \(format: nightscout\): the sgv entries, one series$/);
    await expect(openDataset(dex, { cacheDir: false, file: { target: 'Glucose Value (mg/dL)' } })).rejects.toThrow(
      /is a Dexcom Clarity export, whose columns are known; --target does not apply/,
    );
  });

  test('a missing data file, and mapping flags with a dataset name, are one clear line', async () => {
    await expect(openDataset('my_cgm.csv')).rejects.toThrow(`data file not found: ${path.resolve('my_cgm.csv')}`);
    await expect(openDataset('broll', { file: { time: 't', units: 'mg/dL' } })).rejects.toThrow(
      "--time, --units apply only to a data file named directly; 'broll' is a dataset name or YAML",
    );
  });
});
