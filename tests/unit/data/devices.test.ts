// CGM device exports (Dexcom Clarity CSV, LibreView CSV, Nightscout entries JSON), written here to the published
// layouts with their quirks: Clarity's metadata rows before the readings and Low/High cells, LibreView's title
// line, DD-MM-YYYY times, scan rows and LO/HI, Nightscout's newest-first entries, codes and mixed entry types.
import { describe, expect, test } from 'vitest';
import { ingestDataset } from '../../../ts/data/ingest.js';
import { renderIngestReport } from '../../../ts/data/report.js';
import { sniffFile } from '../../../ts/data/sniff.js';
import { MGDL_PER_MMOLL } from '../../../ts/data/units.js';
import { expectReconciled, tmpDir, writeText } from './helpers.js';
import {
  DEXCOM_HEADER,
  DEXCOM_META,
  LIBRE_HEADER,
  LIBRE_TITLE,
  dexcomFile,
  libreFile,
  nightscoutFile,
  nightscoutText,
} from './device-fixtures.js';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('sniffing', () => {
  test('device exports are told apart by their first lines', async () => {
    const dir = await tmpDir();
    expect((await sniffFile(await writeText(dir, 'd.csv', dexcomFile(['100', '101'])))).kind).toBe('dexcom_clarity');
    expect(await sniffFile(await writeText(dir, 'l.csv', libreFile(['100'])))).toMatchObject({ kind: 'libreview', headerLine: 2 });
    expect(await sniffFile(await writeText(dir, 'n.json', nightscoutFile([100, 101])))).toMatchObject({ kind: 'nightscout' });
    expect((await sniffFile(await writeText(dir, 'p.csv', 'time,glucose\n2024-01-01 00:00,100\n'))).kind).toBe('table');
  });
});

describe('Dexcom Clarity', () => {
  test('EGV rows after the metadata rows; Low/High kept at 40/400 and counted per series; other events not read', async () => {
    const dir = await tmpDir();
    const file = await writeText(dir, 'clarity_jane.csv', dexcomFile(['112', '115', 'Low', 'Low', '52', '180', 'High', '390']));
    const ds = await ingestDataset({ name: 'clarity', format: 'dexcom_clarity', path: file, interval: '5min' });
    expectReconciled(ds);
    expect(ds.channels).toEqual([{ name: 'glucose', role: 'target', kind: 'continuous', unit: 'mg/dL' }]);
    expect(ds.series).toEqual([{ id: 'clarity_jane', attributes: { source: 'dexcom_clarity', device: 'iOS G6' } }]);
    expect(Array.from(ds.values[0])).toEqual([112, 115, 40, 40, 52, 180, 400, 390]);
    expect(ds.segments[0]!.startMs).toBe(Date.UTC(2024, 2, 1, 0, 1, 47));
    expect(ds.report.rowsRead).toBe(8); // the EGV rows; metadata and the insulin event are counted apart
    expect(ds.report.counters).toMatchObject({
      censored_low: 2,
      censored_high: 1,
      'dexcom_rows_ignored:Insulin': 1,
      'dexcom_rows_ignored:FirstName': 1,
      'dexcom_rows_ignored:Alert': 5,
    });
    expect(ds.report.seriesCounters).toEqual({ clarity_jane: { censored_low: 2, censored_high: 1 } });
    expect(JSON.stringify(ds)).not.toMatch(/Jane|Doe/); // names in the metadata rows are never stored
    expect(renderIngestReport(ds)).toMatch(
      /censored readings kept at the device limits: 2 low, 1 high, in 1 series \(clarity_jane: 2 low, 1 high\)/,
    );
  });

  test('mmol/L exports are converted with MGDL_PER_MMOLL; Low is 40 mg/dL whatever the unit', async () => {
    const dir = await tmpDir();
    const file = await writeText(dir, 'c.csv', dexcomFile(['6.2', '6.4', 'Low', '7.0'], 'mmol/L'));
    const ds = await ingestDataset({ name: 'c', format: 'dexcom_clarity', path: file });
    expect(ds.values[0][0]).toBeCloseTo(6.2 * MGDL_PER_MMOLL, 3);
    expect(ds.values[0][2]).toBe(40);
    expect(ds.report.counters?.censored_low).toBe(1);
    await expect(ingestDataset({ name: 'c', format: 'dexcom_clarity', path: file, units: 'mg/dL' })).rejects.toThrow(
      /says mmol\/L but the dataset config says units: mg\/dL/,
    );
  });

  test('bad files: truncated, wrong device, mixed units — one line naming file and line', async () => {
    const dir = await tmpDir();
    const full = dexcomFile(['112', '115', '118', '120']);
    const cut = await writeText(dir, 'cut.csv', full.slice(0, full.lastIndexOf(',,,,,') + 2));
    await expect(ingestDataset({ name: 'x', format: 'dexcom_clarity', path: cut })).rejects.toThrow(
      new RegExp(`^${esc(cut)}:14: malformed row: expected 14 fields, found \\d+`),
    );
    const metaOnly = await writeText(dir, 'meta.csv', [DEXCOM_HEADER(), ...DEXCOM_META].join('\n'));
    await expect(ingestDataset({ name: 'x', format: 'dexcom_clarity', path: metaOnly })).rejects.toThrow(
      `${metaOnly}: no EGV rows (Event Type 'EGV') after 8 metadata/event row(s): a truncated or empty Dexcom Clarity export?`,
    );
    const libre = await writeText(dir, 'libre.csv', libreFile(['100', '101']));
    await expect(ingestDataset({ name: 'x', format: 'dexcom_clarity', path: libre })).rejects.toThrow(
      `${libre}: not a Dexcom Clarity export (line 1 has no 'Timestamp', 'Event Type' and 'Glucose Value' columns); it looks like a LibreView export: use format: libreview`,
    );
    const mixed = await writeText(dir, 'mixed.csv', dexcomFile(['112', '115', '6.4', '120']));
    await expect(ingestDataset({ name: 'x', format: 'dexcom_clarity', path: mixed })).rejects.toThrow(
      `${mixed}:12: column 'Glucose Value (mg/dL)': glucose 6.4 looks like mmol/L in a mg/dL file (mixed units in one file?) (set on_error: skip to drop such rows)`,
    );
    const joined = await writeText(
      dir,
      'joined.csv',
      dexcomFile(['112', '115']) + DEXCOM_HEADER('mmol/L') + '\n' + '20,2024-03-02T00:00:00,EGV,,,,iOS G6,6.1,,,,,1,8GXXXX\n',
    );
    await expect(ingestDataset({ name: 'x', format: 'dexcom_clarity', path: joined })).rejects.toThrow(
      `${joined}:13: a second header row says 'Glucose Value (mmol/L)' where line 1 says 'Glucose Value (mg/dL)': mixed units in one file`,
    );
  });
});

describe('quirks', () => {
  test("Clarity's 'YYYY-MM-DD H:MM:SS' times; mixed-unit rows counted in skip mode; Nightscout dateString without date", async () => {
    const dir = await tmpDir();
    const text = dexcomFile(['112', '6.3', '118']).replace(/2024-03-01T00:(\d\d):47/g, '2024-03-01 0:$1:47');
    const file = await writeText(dir, 'c.csv', text);
    const ds = await ingestDataset({ name: 'c', format: 'dexcom_clarity', path: file, on_error: 'skip', max_gap: '15min' });
    expectReconciled(ds);
    expect(ds.segments[0]!.startMs).toBe(Date.UTC(2024, 2, 1, 0, 1, 47));
    expect(ds.report.dropped).toEqual({ unit_mismatch: 1 });
    const ns = JSON.stringify([
      { type: 'sgv', sgv: 101, dateString: '2024-05-02T08:05:00.000+0200' },
      { type: 'sgv', sgv: 100, dateString: '2024-05-02T08:00:00.000+0200' },
    ]);
    const n = await ingestDataset({ name: 'n', format: 'nightscout', path: await writeText(dir, 'n.json', ns) });
    expect(n.segments[0]!.startMs).toBe(Date.UTC(2024, 4, 2, 6, 0));
    expect(Array.from(n.values[0])).toEqual([100, 101]);
  });
});

describe('LibreView', () => {
  test('title line, DD-MM-YYYY times, historic rows only, LO/HI at 40/500', async () => {
    const dir = await tmpDir();
    const file = await writeText(dir, 'libre_jane.csv', libreFile(['98', '104', 'LO', '47', 'HI', '450']));
    const ds = await ingestDataset({ name: 'libre', format: 'libreview', path: file });
    expectReconciled(ds);
    expect(ds.intervalMs).toBe(900_000);
    expect(ds.segments[0]!.startMs).toBe(Date.UTC(2026, 1, 13, 23, 7)); // 13-02-2026 23:07
    expect(Array.from(ds.values[0])).toEqual([98, 104, 40, 47, 500, 450]);
    expect(ds.report.rowsRead).toBe(6);
    expect(ds.report.counters).toMatchObject({ censored_low: 1, censored_high: 1, libre_scans_ignored: 1, libre_record_type_5_ignored: 1 });
    expect(ds.series[0]).toEqual({ id: 'libre_jane', attributes: { source: 'libreview', device: 'FreeStyle LibreLink' } });
    expect(JSON.stringify(ds)).not.toMatch(/Jane/);
  });

  test('mmol/L; month-first dates are recognised; errors name the physical line', async () => {
    const dir = await tmpDir();
    const ds = await ingestDataset({
      name: 'l',
      format: 'libreview',
      path: await writeText(dir, 'm.csv', libreFile(['5.4', '5.9', 'LO'], 'mmol/L')),
    });
    expect(ds.values[0][0]).toBeCloseTo(5.4 * MGDL_PER_MMOLL, 3);
    expect(ds.values[0][2]).toBe(40);
    const us = libreFile(['100', '101', '102']).replace(/(\d{2})-(\d{2})-2026/g, '$2-$1-2026');
    const u = await ingestDataset({ name: 'l', format: 'libreview', path: await writeText(dir, 'us.csv', us) });
    expect(u.segments[0]!.startMs).toBe(Date.UTC(2026, 1, 13, 23, 7));
    const bad = await writeText(dir, 'bad.csv', libreFile(['100', 'x1', '102']));
    await expect(ingestDataset({ name: 'l', format: 'libreview', path: bad })).rejects.toThrow(
      `${bad}:4: column 'Historic Glucose mg/dL': cannot parse glucose 'x1'`,
    );
  });

  test('bad files: truncated after the title, wrong device, mixed units', async () => {
    const dir = await tmpDir();
    const title = await writeText(dir, 'title.csv', LIBRE_TITLE + '\nDevice,Serial Number,Device Ti');
    await expect(ingestDataset({ name: 'l', format: 'libreview', path: title })).rejects.toThrow(
      `${title}: not a LibreView export (no 'Device Timestamp,Record Type,Historic Glucose' header on line 1 or 2); line 1 is 'Glucose Data,Generated on`,
    );
    const dex = await writeText(dir, 'dex.csv', dexcomFile(['100', '101']));
    await expect(ingestDataset({ name: 'l', format: 'libreview', path: dex })).rejects.toThrow(
      /not a LibreView export .*it looks like a Dexcom Clarity export: use format: dexcom_clarity/,
    );
    const mixed = await writeText(dir, 'mixed.csv', libreFile(['100', '101', '5.8', '104']));
    await expect(ingestDataset({ name: 'l', format: 'libreview', path: mixed })).rejects.toThrow(
      `${mixed}:6: column 'Historic Glucose mg/dL': glucose 5.8 looks like mmol/L in a mg/dL file (mixed units in one file?)`,
    );
    const both = await writeText(
      dir,
      'both.csv',
      [
        LIBRE_TITLE,
        LIBRE_HEADER('mg/dL').replace('Scan Glucose mg/dL', 'Historic Glucose mmol/L'),
        'FreeStyle LibreLink,x,13-02-2026 23:07,0,100,,,,,,,,,,,,,,',
      ].join('\n'),
    );
    await expect(ingestDataset({ name: 'l', format: 'libreview', path: both })).rejects.toThrow(
      `${both}:2: expected one 'Historic Glucose mg/dL' or 'Historic Glucose mmol/L' column, found 'Historic Glucose mg/dL', 'Historic Glucose mmol/L': mixed units in one file?`,
    );
  });
});

describe('Nightscout', () => {
  test('sgv entries newest first: times from date, 39 kept as low, error codes missing, other entry types not read', async () => {
    const dir = await tmpDir();
    const file = await writeText(
      dir,
      'ns.json',
      nightscoutFile(
        [120, 118, 39, 5, 90, 95],
        [
          { type: 'mbg', mbg: 101, date: Date.UTC(2024, 4, 2, 5) },
          { type: 'cal', slope: 1, date: Date.UTC(2024, 4, 2, 5) },
        ],
      ),
    );
    const ds = await ingestDataset({ name: 'ns', format: 'nightscout', path: file, interval: '5min', max_gap: '15min' });
    expectReconciled(ds);
    expect(ds.segments[0]!.startMs).toBe(Date.UTC(2024, 4, 2, 5, 35));
    expect(Array.from(ds.values[0])).toEqual([120, 118, 40, 65, 90, 95]); // the code-5 slot is interpolated
    expect(ds.report.dropped).toEqual({ missing_target: 1 });
    expect(ds.report.counters).toMatchObject({
      censored_low: 1,
      sensor_error_code: 1,
      nightscout_mbg_ignored: 1,
      nightscout_cal_ignored: 1,
    });
    expect(ds.series[0]!.attributes).toEqual({ source: 'nightscout', device: 'xDrip-DexcomG6' });
    expect(ds.report.warnings.join('\n')).toMatch(/recorded at UTC\+2 \(dateString\) but time_zone is UTC/);
  });

  test('entries.csv and entries.txt (no header; dateString, date, sgv, direction, device) read as the JSON is', async () => {
    const dir = await tmpDir();
    const sgvs = [120, 118, 39, 90, 95];
    const json = await ingestDataset({ name: 'n', format: 'nightscout', path: await writeText(dir, 'n.json', nightscoutFile(sgvs)) });
    for (const [name, sep] of [
      ['entries.csv', ','],
      ['entries.txt', '\t'],
    ] as const) {
      const file = await writeText(dir, name, nightscoutText(sgvs, sep));
      expect(await sniffFile(file)).toMatchObject({ kind: 'nightscout' });
      const ds = await ingestDataset({ name: 'n', format: 'nightscout', path: file });
      expect(Array.from(ds.values[0])).toEqual(Array.from(json.values[0]));
      expect(ds.segments[0]!.startMs).toBe(json.segments[0]!.startMs);
      expect(ds.report.counters).toMatchObject({ censored_low: 1 });
    }
    const bad = await writeText(dir, 'bad.csv', nightscoutText([120, 118], ',') + 'garbage,line\n');
    await expect(ingestDataset({ name: 'n', format: 'nightscout', path: bad })).rejects.toThrow(
      `${bad}:3: not a Nightscout entries line (expected dateString, date in epoch ms, sgv, direction, device; got 'garbage,line')`,
    );
  });

  test('bad files: truncated JSON, not entries, mixed units (names the line of the entry)', async () => {
    const dir = await tmpDir();
    const text = nightscoutFile([120, 118, 116]);
    const cut = await writeText(dir, 'cut.json', text.slice(0, text.length - 40));
    await expect(ingestDataset({ name: 'n', format: 'nightscout', path: cut })).rejects.toThrow(
      new RegExp(`^${esc(cut)}: not valid JSON \\(.*\\): a truncated Nightscout export\\?`),
    );
    const obj = await writeText(dir, 'obj.json', JSON.stringify({ status: 'ok', treatments: [] }));
    await expect(ingestDataset({ name: 'n', format: 'nightscout', path: obj })).rejects.toThrow(
      `${obj}: not Nightscout entries JSON (expected a JSON array of entries, found an object with status, treatments)`,
    );
    const mixed = await writeText(dir, 'mixed.json', nightscoutFile([120, 6.7, 116]));
    // newest first: 116 (its entry opens on line 2), 6.7 (line 18)
    await expect(ingestDataset({ name: 'n', format: 'nightscout', path: mixed })).rejects.toThrow(
      `${mixed}:18: column 'sgv': glucose 6.7 looks like mmol/L in a mg/dL file (mixed units in one file?)`,
    );
  });
});
