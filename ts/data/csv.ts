/**
 * Streaming RFC 4180 CSV parser: quoted fields (with "" escapes and embedded newlines), CRLF or LF,
 * BOM, gzip (by `.gz` extension or magic bytes). Unquoted fields are cut with indexOf/slice, so
 * there is no per-character string building in the hot path.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { DataError } from './errors.js';

const QUOTE = 34;
const CR = 13;
const LF = 10;

export interface CsvParseOptions {
  delimiter?: string;
}

/**
 * Incremental parser. `push` text chunks, then `end()`. Records are delivered with the 1-based
 * physical line number where they start (the header is line 1). Empty lines are skipped.
 */
export class CsvParser {
  private rest = '';
  private line = 1;
  private readonly delim: string;
  private readonly delimCode: number;
  private readonly onRecord: (fields: string[], line: number) => void;
  private first = true;
  /** Value of the quoted field readQuoted last read. */
  private quoted = '';

  constructor(onRecord: (fields: string[], line: number) => void, opts: CsvParseOptions = {}) {
    this.onRecord = onRecord;
    this.delim = opts.delimiter ?? ',';
    if (this.delim.length !== 1) throw new DataError(`CSV delimiter must be one character, got '${this.delim}'`);
    this.delimCode = this.delim.charCodeAt(0);
  }

  push(chunk: string): void {
    if (this.first) {
      this.first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    this.rest = this.rest.length ? this.rest + chunk : chunk;
    this.parse(false);
  }

  end(): void {
    this.parse(true);
    this.rest = '';
  }

  /** Parses the buffered text record by record; an incomplete last record waits for the next chunk unless `final`. */
  private parse(final: boolean): void {
    const s = this.rest;
    const n = s.length;
    const delim = this.delim;
    const dc = this.delimCode;
    let i = 0;
    let line = this.line;
    let nl = s.indexOf('\n');
    if (nl === -1) nl = n;
    outer: while (i < n) {
      const recStart = i;
      const recLine = line;
      const fields: string[] = [];
      for (;;) {
        // at the start of a field
        if (i >= n) {
          if (!final) return this.suspend(s, recStart, recLine);
          fields.push('');
          break;
        }
        if (s.charCodeAt(i) === QUOTE) {
          const j = this.readQuoted(s, i, final, recLine);
          if (j < 0) return this.suspend(s, recStart, recLine);
          // count embedded newlines
          for (let k = s.indexOf('\n', i); k !== -1 && k < j; k = s.indexOf('\n', k + 1)) line++;
          i = j;
          fields.push(this.quoted);
          if (nl < i) {
            nl = s.indexOf('\n', i);
            if (nl === -1) nl = n;
          }
        } else {
          if (nl < i) {
            nl = s.indexOf('\n', i);
            if (nl === -1) nl = n;
          }
          let e = s.indexOf(delim, i);
          if (e === -1 || e > nl) e = nl;
          if (e === n && !final) return this.suspend(s, recStart, recLine);
          let end = e;
          if (end === nl && end > i && s.charCodeAt(end - 1) === CR) end--;
          fields.push(s.slice(i, end));
          i = e;
        }
        // after a field
        if (i >= n) break;
        const c = s.charCodeAt(i);
        if (c === dc) {
          i++;
          if (i >= n && !final) return this.suspend(s, recStart, recLine);
          continue;
        }
        if (c === CR) {
          i++;
          if (i < n && s.charCodeAt(i) === LF) i++;
          else if (i >= n && !final) return this.suspend(s, recStart, recLine);
          line++;
          break;
        }
        if (c === LF) {
          i++;
          line++;
          break;
        }
      }
      if (nl < i) {
        nl = s.indexOf('\n', i);
        if (nl === -1) nl = n;
      }
      if (fields.length === 1 && fields[0] === '' && s.charCodeAt(recStart) !== QUOTE) continue outer;
      this.onRecord(fields, recLine);
    }
    this.rest = '';
    this.line = line;
  }

  /** Keeps the incomplete record that starts at recStart for the next chunk. */
  private suspend(s: string, recStart: number, recLine: number): void {
    this.rest = s.slice(recStart);
    this.line = recLine;
  }

  /**
   * The quoted field opening at s[i] ("" unescaped, and any junk between the closing quote and the
   * delimiter appended, non-RFC): its value goes to `this.quoted`, and the index after it is returned;
   * -1 when the chunk ends inside it (and more may come). Called once per quoted field.
   */
  private readQuoted(s: string, i: number, final: boolean, recLine: number): number {
    const n = s.length;
    let j = i + 1;
    let value = '';
    let segStart = j;
    for (;;) {
      const q = s.indexOf('"', j);
      if (q === -1) {
        if (!final) return -1;
        throw new DataError(`unterminated quoted field starting on line ${recLine}`, { line: recLine });
      }
      if (q + 1 < n && s.charCodeAt(q + 1) === QUOTE) {
        value += s.slice(segStart, q + 1);
        j = q + 2;
        segStart = j;
        continue;
      }
      if (q + 1 >= n && !final) return -1;
      value += s.slice(segStart, q);
      j = q + 1;
      break;
    }
    // tolerate junk between closing quote and the delimiter (non-RFC): append it; it holds no newline
    if (j < n) {
      const c = s.charCodeAt(j);
      if (c !== this.delimCode && c !== CR && c !== LF) {
        let e = s.indexOf(this.delim, j);
        let e2 = s.indexOf('\n', j);
        if (e2 === -1) e2 = n;
        if (e === -1 || e > e2) e = e2;
        let end = e;
        if (end > j && s.charCodeAt(end - 1) === CR) end--;
        value += s.slice(j, end);
        j = end;
      }
    }
    this.quoted = value;
    return j;
  }
}

/** Parses a whole string (for tests and small inputs). */
export function parseCsvString(text: string, opts: CsvParseOptions = {}): { records: string[][]; lines: number[] } {
  const records: string[][] = [];
  const lines: number[] = [];
  const p = new CsvParser((f, l) => {
    records.push(f);
    lines.push(l);
  }, opts);
  p.push(text);
  p.end();
  return { records, lines };
}

/** True when the file starts with the gzip magic bytes. */
export async function isGzipFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** A CSV file read column-wise: only the requested columns are materialised. */
export interface CsvTable {
  path: string;
  header: string[];
  /** Good data rows. */
  rowCount: number;
  /** 1-based physical line of each good row. */
  lines: Int32Array;
  columns: Map<string, string[]>;
  /** Rows whose field count differs from the header (not included in rowCount). */
  malformed: Array<{ line: number; fields: number }>;
}

export interface ReadCsvOptions extends CsvParseOptions {
  /** Columns to keep (by header name); all when omitted. */
  columns?: (header: string[]) => string[];
  /** Records before the header that are skipped (a title line such as LibreView's). Line numbers stay physical. */
  skipRecords?: number;
}

/** Streams a (possibly gzipped) CSV file into columns. */
export async function readCsv(path: string, opts: ReadCsvOptions = {}): Promise<CsvTable> {
  const gz = path.toLowerCase().endsWith('.gz') || (await isGzipFile(path));
  const delimiter = opts.delimiter ?? (/\.tsv(\.gz)?$/i.test(path) ? '\t' : ',');
  let header: string[] | undefined;
  const keepIdx: number[] = [];
  let keepCols: string[][] = [];
  const names: string[] = [];
  let lines = new Int32Array(1024);
  let rowCount = 0;
  const malformed: Array<{ line: number; fields: number }> = [];
  let toSkip = opts.skipRecords ?? 0;
  const parser = new CsvParser(
    (fields, line) => {
      if (toSkip > 0) {
        toSkip--;
        return;
      }
      if (header === undefined) {
        header = fields.map((f) => f.trim());
        const wanted = opts.columns ? opts.columns(header) : header;
        for (const w of wanted) {
          const k = header.indexOf(w);
          if (k >= 0 && !names.includes(w)) {
            keepIdx.push(k);
            names.push(w);
          }
        }
        keepCols = keepIdx.map(() => []);
        return;
      }
      if (fields.length !== header.length) {
        malformed.push({ line, fields: fields.length });
        return;
      }
      if (rowCount === lines.length) {
        const bigger = new Int32Array(lines.length * 2);
        bigger.set(lines);
        lines = bigger;
      }
      lines[rowCount++] = line;
      for (let k = 0; k < keepIdx.length; k++) keepCols[k].push(fields[keepIdx[k]]);
    },
    { delimiter },
  );
  await new Promise<void>((resolve, reject) => {
    const raw = createReadStream(path);
    const fail = (e: unknown): void => {
      const err = e as NodeJS.ErrnoException;
      if (e instanceof DataError) reject(new DataError(`${path}: ${e.message}`, { file: path, line: e.line }));
      else if (err.code === 'ENOENT') reject(new DataError(`file not found: ${path}`, { file: path }));
      else reject(new DataError(`${path}: cannot read: ${err.message}`, { file: path }));
    };
    raw.on('error', fail);
    const stream = gz ? raw.pipe(createGunzip()) : raw;
    if (gz) stream.on('error', fail);
    const dec = new TextDecoder('utf-8');
    stream.on('data', (chunk: Buffer) => {
      try {
        parser.push(dec.decode(chunk, { stream: true }));
      } catch (e) {
        raw.destroy();
        fail(e);
      }
    });
    stream.on('end', () => {
      try {
        const tail = dec.decode();
        if (tail) parser.push(tail);
        parser.end();
        resolve();
      } catch (e) {
        fail(e);
      }
    });
  });
  if (header === undefined) throw new DataError(`${path}: file is empty (no header line)`, { file: path });
  const columns = new Map<string, string[]>();
  names.forEach((nm, k) => columns.set(nm, keepCols[k]));
  return { path, header, rowCount, lines: lines.subarray(0, rowCount), columns, malformed };
}
