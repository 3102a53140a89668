import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CsvParser, parseCsvString, readCsv } from '../../../ts/data/csv.js';
import { tmpDir, writeText } from './helpers.js';

describe('CSV parser (RFC 4180)', () => {
  test('quoted fields, escaped quotes, embedded newlines, CRLF, BOM, line numbers', () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","he said ""hi"""\r\n2,"multi\nline\nfield",\r\n\r\n3,,last\n';
    const { records, lines } = parseCsvString(text);
    expect(records).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'he said "hi"'],
      ['2', 'multi\nline\nfield', ''],
      ['3', '', 'last'],
    ]);
    expect(lines).toEqual([1, 2, 3, 7]);
  });

  test('no trailing newline, empty trailing field, tab delimiter', () => {
    expect(parseCsvString('a,b\n1,').records).toEqual([
      ['a', 'b'],
      ['1', ''],
    ]);
    expect(parseCsvString('a\tb\n1\t"2\t3"', { delimiter: '\t' }).records).toEqual([
      ['a', 'b'],
      ['1', '2\t3'],
    ]);
  });

  test('unterminated quote is an error naming the line', () => {
    expect(() => parseCsvString('a,b\n1,"open\n2,3\n')).toThrow(/line 2/);
  });

  test('property: any chunking gives the same records as one chunk', () => {
    const field = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('"', '""', ',', '\n', '\r\n', 'a"b', ' '));
    const rec = fc.array(field, { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(
        fc.array(rec, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
        (rows, cuts) => {
          const enc = (f: string): string => (/[",\r\n]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f);
          const text = rows.map((r) => r.map(enc).join(',')).join('\r\n') + '\r\n';
          const whole = parseCsvString(text).records;
          const got: string[][] = [];
          const p = new CsvParser((f) => got.push(f));
          let i = 0;
          let k = 0;
          while (i < text.length) {
            const n = cuts[k++ % cuts.length];
            p.push(text.slice(i, i + n));
            i += n;
          }
          p.end();
          expect(got).toEqual(whole);
          // every quoted record round-trips exactly
          expect(whole).toEqual(rows);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('readCsv: gzip by extension and by magic bytes; selected columns; malformed rows', async () => {
    const dir = await tmpDir();
    const text = 'time,v,w\n2021-01-01 00:00:00,1,"a\nb"\n2021-01-01 00:05:00,2\n2021-01-01 00:10:00,3,c\n';
    const gz = path.join(dir, 'x.csv.gz');
    await writeFile(gz, gzipSync(text));
    const disguised = path.join(dir, 'y.csv');
    await writeFile(disguised, gzipSync(text));
    for (const p of [gz, disguised, await writeText(dir, 'z.csv', text)]) {
      const t = await readCsv(p, { columns: () => ['v', 'time'] });
      expect(t.header).toEqual(['time', 'v', 'w']);
      expect(t.rowCount).toBe(2);
      expect([...t.lines]).toEqual([2, 5]);
      expect(t.columns.get('v')).toEqual(['1', '3']);
      expect(t.columns.has('w')).toBe(false);
      expect(t.malformed).toEqual([{ line: 4, fields: 2 }]);
    }
  });

  test('readCsv: 10^6 rows in a few seconds', async () => {
    const dir = await tmpDir();
    const n = 1_000_000;
    const parts: string[] = ['id,time,gl\n'];
    const t0 = Date.UTC(2021, 0, 1);
    for (let i = 0; i < n; i++)
      parts.push(`s${i % 7},${new Date(t0 + i * 300_000).toISOString().slice(0, 19).replace('T', ' ')},${100 + (i % 50)}\n`);
    const p = await writeText(dir, 'big.csv', parts.join(''));
    const start = performance.now();
    const t = await readCsv(p);
    const ms = performance.now() - start;
    expect(t.rowCount).toBe(n);
    expect(t.columns.get('gl')![n - 1]).toBe(String(100 + ((n - 1) % 50)));
    expect(ms).toBeLessThan(10_000);
  });
});
