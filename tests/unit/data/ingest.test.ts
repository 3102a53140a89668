import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import path from 'node:path';
import { ingestDataset } from '../../../ts/data/ingest.js';
import { loadDatasetConfig } from '../../../ts/data/config.js';
import { DataError } from '../../../ts/data/errors.js';
import { MGDL_PER_MMOLL } from '../../../ts/data/units.js';
import { dataDir, expectReconciled, repoRoot, tmpDir, writeText } from './helpers.js';

describe('real files', () => {
  test('iglu/Broll (../shared/data/broll_iglu): 5 subjects, 5-min grid, reconciled', async () => {
    const cfg = await loadDatasetConfig(path.join(repoRoot, 'configs/datasets/broll.yaml'));
    const ds = await ingestDataset(cfg, { baseDir: repoRoot });
    expect(ds.series.map((s) => s.id)).toEqual(['Subject 1', 'Subject 2', 'Subject 3', 'Subject 4', 'Subject 5']);
    expect(ds.report.rowsRead).toBe(13866);
    expect(ds.intervalMs).toBe(300_000);
    expectReconciled(ds);
    expect(ds.report.pointsInterpolated).toBeGreaterThan(0);
    expect(ds.report.gapsSplit).toBeGreaterThan(0);
    expect(ds.report.counters?.snapped).toBeGreaterThan(0); // 299/301 s steps
    // first row: "1","Subject 1",2015-06-06 16:50:27,153
    expect(ds.segments[0].startMs).toBe(Date.UTC(2015, 5, 6, 16, 50, 27));
    expect(ds.values[0][0]).toBe(153);
  });

  test('ETTh1 and ETTm1 (gzip): one series, 7 target channels, no gaps', async () => {
    const h1 = await ingestDataset(await loadDatasetConfig(path.join(repoRoot, 'configs/datasets/etth1.yaml')), { baseDir: repoRoot });
    expect(h1.channels.map((c) => c.name)).toEqual(['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT']);
    expect(h1.channels.every((c) => c.role === 'target')).toBe(true);
    expect(h1.values[0].length).toBe(17420);
    expect(h1.segments).toEqual([{ series: 0, offset: 0, length: 17420, startMs: Date.UTC(2016, 6, 1) }]);
    expect(h1.values[6][0]).toBeCloseTo(30.531, 3);
    expectReconciled(h1);
    const m1 = await ingestDataset(await loadDatasetConfig(path.join(repoRoot, 'configs/datasets/ettm1.yaml')), { baseDir: repoRoot });
    expect(m1.values[0].length).toBe(69680);
    expect(m1.intervalMs).toBe(900_000);
    expect(m1.segments.length).toBe(1);
  });
});

describe('regularisation rules', () => {
  const base = { name: 't', format: 'long', id: 'id', time: 't', target: 'g', interval: '5min' } as const;

  test('sorting, duplicates (mean), snapping, interpolation, splitting, short segments, events', async () => {
    const dir = await tmpDir();
    const csv = [
      'id,t,g,bolus,hr',
      'a,2021-01-01 00:10:00,120,,61', // out of order
      'a,2021-01-01 00:00:00,100,,60',
      'a,2021-01-01 00:05:00,110,2,',
      'a,2021-01-01 00:05:00,112,1,62', // exact duplicate: mean 111, events summed
      'a,2021-01-01 00:21:00,150,,64', // slot 00:20 (snapped by 1 min); 1 point interpolated
      'a,2021-01-01 00:30:00,,5,', // missing target; its event still lands on the 00:30 slot
      'a,2021-01-01 00:36:00,160,,', // slot 00:35 (snapped by 1 min); 2 interpolated
      'a,2021-01-01 03:00:00,90,,', // gap > 45 min: new segment of length 1 -> short segment
      'b,2021-01-01 00:00:00,80,,70',
      'b,2021-01-01 00:05:00,81,,',
      'b,2021-01-01 00:10:00,82,,',
    ].join('\n');
    const file = await writeText(dir, 'x.csv', csv);
    const ds = await ingestDataset({
      ...base,
      path: file,
      max_gap: '45min',
      min_segment_length: 2,
      past_covariates: ['bolus', 'hr'],
      fill: { bolus: 'zero' },
    });
    expectReconciled(ds);
    const r = ds.report;
    expect(r.rowsRead).toBe(11);
    expect(r.dropped).toEqual({ duplicate_timestamp: 1, missing_target: 1, short_segment: 1 });
    expect(r.pointsInterpolated).toBe(3);
    expect(r.counters?.unsorted_series).toBe(1);
    expect(r.counters?.snapped).toBe(2);
    expect(r.gapsSplit).toBe(1);
    expect(ds.series.map((s) => s.id)).toEqual(['a', 'b']);
    expect(ds.segments.map((s) => [s.series, s.offset, s.length])).toEqual([
      [0, 0, 8],
      [1, 8, 3],
    ]);
    const [g, bolus, hr] = ds.values;
    // slots a: 00:00 00:05 00:10 00:15* 00:20(=00:21) 00:25* 00:30* 00:35(=00:36)
    expect(Array.from(g.subarray(0, 8))).toEqual([100, 111, 120, 135, 150, 150 + 10 / 3, 150 + 20 / 3, 160].map(Math.fround));
    expect(Array.from(bolus.subarray(0, 8))).toEqual([0, 3, 0, 0, 0, 0, 5, 0]);
    // continuous covariate: missing at 00:05 dup-merged (62), interpolated elsewhere, trailing edge = last value
    expect(Array.from(hr.subarray(0, 5))).toEqual([60, 62, 61, 62.5, 64]);
    expect(hr[7]).toBe(64);
    expect(Array.from(hr.subarray(8))).toEqual([70, 70, 70]);
  });

  test('property: with any clock drift, jitter and gaps, every row is within interval/2 of its source time', async () => {
    const dir = await tmpDir();
    let k = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.97, max: 1.03, noNaN: true }),
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 1000 }),
        async (rate, jitter, gapAt, seed) => {
          const I = 300;
          let rnd = seed;
          const next = (): number => (rnd = (rnd * 1103515245 + 12345) % 2147483648) / 2147483648;
          const lines = ['id,t,g,src'];
          let t = 0;
          for (let i = 0; i < 600; i++) {
            t += I * rate + (next() - 0.5) * 2 * jitter;
            if (gapAt.includes(i % 97)) t += I * (1 + Math.floor(next() * 12));
            const ts = Math.round(t);
            lines.push(`a,${new Date(Date.UTC(2022, 0, 1) + ts * 1000).toISOString()},${100 + (i % 9)},${ts}`);
          }
          const file = await writeText(dir, `p${k++}.csv`, lines.join('\n'));
          const ds = await ingestDataset({
            name: 'p',
            format: 'long',
            path: file,
            id: 'id',
            time: 't',
            target: 'g',
            past_covariates: ['src'],
            interval: '5min',
            max_gap: '30min',
          });
          expectReconciled(ds);
          const src = ds.values[1];
          let worst = 0;
          for (const seg of ds.segments) {
            for (let j = 0; j < seg.length; j++) {
              const grid = (seg.startMs - Date.UTC(2022, 0, 1)) / 1000 + j * I;
              worst = Math.max(worst, Math.abs(src[seg.offset + j] - grid));
            }
          }
          expect(worst).toBeLessThanOrEqual(I / 2 + 1);
        },
      ),
      { numRuns: 25 },
    );
  });

  test("duplicates: 'first' keeps the first row's value", async () => {
    const dir = await tmpDir();
    const file = await writeText(dir, 'x.csv', 'id,t,g\na,2021-01-01 00:00:00,100\na,2021-01-01 00:01:00,130\na,2021-01-01 00:05:00,110\n');
    const ds = await ingestDataset({ ...base, path: file, duplicates: 'first' });
    expect(Array.from(ds.values[0])).toEqual([100, 110]);
    expect(ds.report.dropped.duplicate_timestamp).toBe(1);
  });

  test('mmol/L is converted with MGDL_PER_MMOLL; time zones convert local wall time to UTC', async () => {
    const dir = await tmpDir();
    const file = await writeText(dir, 'x.csv', 'id,t,g\na,2021-03-14 01:55:00,5.5\na,2021-03-14 03:00:00,6.0\na,2021-03-14 03:05:00,6.5\n');
    const ds = await ingestDataset({ ...base, path: file, units: 'mmol/L', time_zone: 'America/New_York' });
    expect(ds.values[0][0]).toBeCloseTo(5.5 * MGDL_PER_MMOLL, 3);
    expect(ds.channels[0].unit).toBe('mg/dL');
    // 01:55 EST = 06:55Z; 03:00 EDT = 07:00Z (the DST jump is 5 minutes of real time)
    expect(ds.segments[0].startMs).toBe(Date.UTC(2021, 2, 14, 6, 55));
    expect(ds.segments[0].length).toBe(3);
  });

  test('DST fall-back: a repeated local hour in a time-ordered file maps to the second occurrence', async () => {
    const dir = await tmpDir();
    const rows = ['00:30', '01:00', '01:30', '01:00', '01:30', '02:00'].map((t, i) => `a,2021-11-07 ${t}:00,${100 + i}`);
    const file = await writeText(dir, 'x.csv', ['id,t,g', ...rows].join('\n'));
    const ds = await ingestDataset({ ...base, interval: '30min', path: file, time_zone: 'America/New_York' });
    expect(ds.report.dropped).toEqual({});
    expect(ds.report.counters?.unsorted_series).toBeUndefined();
    expect(ds.segments).toEqual([{ series: 0, offset: 0, length: 6, startMs: Date.UTC(2021, 10, 7, 4, 30) }]);
    expect(Array.from(ds.values[0])).toEqual([100, 101, 102, 103, 104, 105]);
  });

  test('explicit UTC offsets: a daylight-saving change is placed by its offsets; offsets that flip back and forth fail naming the line', async () => {
    const dir = await tmpDir();
    const pad = (n: number) => String(n).padStart(2, '0');
    const iso = (ms: number, off: number) => {
      const d = new Date(ms + off * 3_600_000);
      return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:00+${pad(off)}:00`;
    };
    const t0 = Date.UTC(2024, 2, 30, 20);
    // Two days of 5-min readings; the clock moves from +01:00 to +02:00 half way (the instants stay regular).
    const dst = Array.from({ length: 576 }, (_, i) => `a,${iso(t0 + i * 300_000, i < 288 ? 1 : 2)},${100 + (i % 40)}`);
    const ok = await ingestDataset({
      name: 'dst',
      format: 'long',
      path: await writeText(dir, 'dst.csv', ['id,t,g', ...dst].join('\n')),
      id: 'id',
      time: 't',
      target: 'g',
      interval: '5min',
    });
    expect(ok.segments).toHaveLength(1);
    expect(ok.values[0]).toHaveLength(576);
    expect(ok.report.warnings.join('\n')).toMatch(
      /series 'a': the UTC offset changes 1 time in 2\.0 days \(first at line 290: \+01:00 to \+02:00\) \(daylight saving or travel\)/,
    );
    // The same instants written with offsets that alternate between +00:00 and +05:00 (a broken export).
    const bad = Array.from(
      { length: 576 },
      (_, i) => `a,${iso(t0 + i * 300_000, 0).replace('+00:00', i % 3 === 1 ? '+05:00' : '+00:00')},100`,
    );
    const file = await writeText(dir, 'bad.csv', ['id,t,g', ...bad].join('\n'));
    await expect(
      ingestDataset({ name: 'bad', format: 'long', path: file, id: 'id', time: 't', target: 'g', interval: '5min' }),
    ).rejects.toThrow(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: series 'a': the UTC offset changes 384 times in [\\d.]+ days \\(first at line 3: \\+00:00 to \\+05:00\\); timestamps with inconsistent offsets cannot be placed in time`,
      ),
    );
  });

  test('wide layout: channels of one series (default) or one series per column', async () => {
    const dir = await tmpDir();
    const file = await writeText(
      dir,
      'w.csv',
      'when,x,y\n2020-01-01T00:00:00Z,1,10\n2020-01-01T01:00:00Z,2,20\n2020-01-01T02:00:00Z,3,30\n',
    );
    const ch = await ingestDataset({ name: 'w', format: 'wide', path: file, time: 'when' });
    expect(ch.series.map((s) => s.id)).toEqual(['w']);
    expect(ch.channels.map((c) => c.name)).toEqual(['x', 'y']);
    expect(ch.intervalMs).toBe(3_600_000);
    const se = await ingestDataset({ name: 'w', format: 'wide', path: file, time: 'when', wide_as: 'series' });
    expect(se.series.map((s) => s.id)).toEqual(['x', 'y']);
    expect(Array.from(se.values[0])).toEqual([1, 2, 3, 10, 20, 30]);
    expectReconciled(se);
  });

  test('static columns become series attributes; custom time_format', async () => {
    const dir = await tmpDir();
    const file = await writeText(
      dir,
      's.csv',
      'pid,when,bg,age\np1,31/12/2020 23:50,100,40\np1,31/12/2020 23:55,101,40\np2,01/01/2021 00:00,90,\n',
    );
    const ds = await ingestDataset({
      name: 's',
      format: 'long',
      path: file,
      id: 'pid',
      time: 'when',
      target: 'bg',
      static: ['age'],
      time_format: 'DD/MM/YYYY HH:mm',
    });
    expect(ds.series).toEqual([{ id: 'p1', attributes: { age: 40 } }, { id: 'p2' }]);
    expect(ds.segments[0].startMs).toBe(Date.UTC(2020, 11, 31, 23, 50));
  });
});

describe('bad inputs give clear errors', () => {
  const base = { name: 'bad', format: 'long', id: 'id', time: 't', target: 'g', interval: '5min' } as const;

  test('missing file names the path', async () => {
    const missing = path.join(dataDir, 'nope', 'missing.csv');
    await expect(ingestDataset({ ...base, path: missing })).rejects.toThrow(missing);
  });

  test('unknown column lists available columns with did-you-mean', async () => {
    const dir = await tmpDir();
    const file = await writeText(dir, 'x.csv', 'id,time,glucose\na,2021-01-01 00:00:00,100\n');
    const err = await ingestDataset({ ...base, path: file, time: 'time', target: 'glucos' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(String((err as Error).message)).toMatch(
      /target column 'glucos' not found \(did you mean 'glucose'\?\); available columns: 'id', 'time', 'glucose'/,
    );
  });

  test('all-NaN target', async () => {
    const dir = await tmpDir();
    const file = await writeText(dir, 'x.csv', 'id,t,g\na,2021-01-01 00:00:00,\na,2021-01-01 00:05:00,NA\n');
    await expect(ingestDataset({ ...base, path: file })).rejects.toThrow(`${file}: column 'g' has no numeric values`);
    // one series of a multi-series file without values
    const two = await writeText(dir, 'y.csv', 'id,t,g\na,2021-01-01 00:00:00,100\nb,2021-01-01 00:00:00,\nb,2021-01-01 00:05:00,\n');
    await expect(ingestDataset({ ...base, path: two })).rejects.toThrow(`${two}: column 'g' has no numeric values for series 'b'`);
  });

  test('unparseable time names file, line and column; skip mode counts it', async () => {
    const dir = await tmpDir();
    const file = await writeText(
      dir,
      'x.csv',
      'id,t,g\na,2021-01-01 00:00:00,100\na,"2021-01-01\n00:05",101\na,yesterday,102\na,2021-01-01 00:10:00,103\n',
    );
    await expect(ingestDataset({ ...base, path: file })).rejects.toThrow(`${file}:3: column 't': cannot parse time '2021-01-01\n00:05'`);
    const ds = await ingestDataset({ ...base, path: file, on_error: 'skip', max_gap: '10min' });
    expect(ds.report.dropped.unparseable_time).toBe(2);
    expectReconciled(ds);
  });

  test('malformed number (error and skip)', async () => {
    const dir = await tmpDir();
    const file = await writeText(dir, 'x.csv', 'id,t,g\na,2021-01-01 00:00:00,100\na,2021-01-01 00:05:00,1O1\na,2021-01-01 00:10:00,102\n');
    await expect(ingestDataset({ ...base, path: file })).rejects.toThrow(`${file}:3: column 'g': cannot parse number '1O1'`);
    const ds = await ingestDataset({ ...base, path: file, on_error: 'skip', max_gap: '10min' });
    expect(ds.report.dropped.malformed_number).toBe(1);
    expect(ds.report.pointsInterpolated).toBe(1);
    expectReconciled(ds);
  });

  test('wrong field count', async () => {
    const dir = await tmpDir();
    const file = await writeText(dir, 'x.csv', 'id,t,g\na,2021-01-01 00:00:00,100,7\na,2021-01-01 00:05:00,101\n');
    await expect(ingestDataset({ ...base, path: file })).rejects.toThrow(`${file}:2: malformed row: expected 3 fields, found 4`);
    const ds = await ingestDataset({ ...base, path: file, on_error: 'skip' });
    expect(ds.report.dropped.malformed_row).toBe(1);
    expectReconciled(ds);
  });

  test('glucose unit mismatch in both directions names the file and the fix', async () => {
    const dir = await tmpDir();
    const mmol = await writeText(dir, 'mmol.csv', 'id,t,g\na,2021-01-01 00:00:00,5.5\na,2021-01-01 00:05:00,6.1\n');
    await expect(ingestDataset({ ...base, path: mmol, units: 'mg/dL' })).rejects.toThrow(
      new RegExp(`${mmol}.*declared mg/dL.*units: mmol/L`),
    );
    const mg = await writeText(dir, 'mg.csv', 'id,t,g\na,2021-01-01 00:00:00,120\na,2021-01-01 00:05:00,130\n');
    await expect(ingestDataset({ ...base, path: mg, units: 'mmol/L' })).rejects.toThrow(new RegExp(`${mg}.*declared mmol/L.*units: mg/dL`));
    // the Shanghai export declared as mmol/L is caught too
    await expect(
      ingestDataset({
        name: 'x',
        format: 'shanghai',
        path: path.join(dataDir, 'shanghai_t1dm/processed_1001_0_20210730.csv'),
        units: 'mmol/L',
      }),
    ).rejects.toThrow(/processed_1001_0_20210730\.csv.*units: mg\/dL/);
  });

  test('invalid config is reported with the field', async () => {
    await expect(ingestDataset({ name: 'x', format: 'csv', path: 'a.csv' })).rejects.toThrow(/format/);
    await expect(ingestDataset({ ...base, path: 'a.csv', bogus: 1 })).rejects.toThrow(/bogus/);
  });
});
