/**
 * OhioT1DM XML (Marling & Bunescu 2018/2020): one file per patient and part (`559-ws-training.xml`),
 * `<patient id weight insulin_type>` holding one element per data stream, each a list of
 * `<event ts="dd-mm-yyyy hh:mm:ss" value=".."/>` (intervals as `ts_begin`/`ts_end`). Read:
 * - `glucose_level` (CGM, mg/dL, every 5 min): the target `glucose`;
 * - `bolus` (`dose`, U at `ts_begin`; an extended bolus counts at its start): `bolus_insulin`;
 * - `meal` (`carbs`, g, self-reported): `carbs`;
 * - `basal` (`value`, U/h, forward-filled; `temp_basal` is not applied): `basal_insulin`, on request.
 * The covariates are `past_covariates` (default bolus_insulin and carbs). The other streams (finger_stick,
 * sleep, work, exercise, basis_* sensors, ...) are counted and not read. Times are the pump's local clock
 * with no zone; the dataset's dates are shifted for de-identification.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import type { RawTable } from '../readers.js';
import { RowFilter, bump, newFileStat, requireSomeNumeric } from '../raw.js';
import type { AdapterResult, ChannelSpec } from '../raw.js';
import { wrongFormatError } from '../sniff.js';
import { makeWallParser } from '../time.js';
import type { ParsedTime, ZoneConverter } from '../time.js';
import type { AdapterContext } from './generic.js';
import { DEVICE_LIMITS_MGDL, DeviceRun, GLUCOSE, parseGlucoseCells } from './devices.js';

/** Covariate channels an OhioT1DM file offers: name -> (stream, attribute, time attribute, channel). */
const COVARIATES: Record<string, { stream: string; attr: string; ts: string; spec: ChannelSpec }> = {
  bolus_insulin: {
    stream: 'bolus',
    attr: 'dose',
    ts: 'ts_begin',
    spec: { name: 'bolus_insulin', role: 'past_covariate', unit: 'U', fill: 'zero' },
  },
  carbs: { stream: 'meal', attr: 'carbs', ts: 'ts', spec: { name: 'carbs', role: 'past_covariate', unit: 'g', fill: 'zero' } },
  basal_insulin: {
    stream: 'basal',
    attr: 'value',
    ts: 'ts',
    spec: { name: 'basal_insulin', role: 'past_covariate', unit: 'U/h', fill: 'ffill' },
  },
};
const DEFAULT_COVARIATES = ['bolus_insulin', 'carbs'];
const TIME_FORMAT = 'DD-MM-YYYY HH:mm:SS';

interface OhioEvent {
  attrs: Record<string, string>;
  line: number;
}

interface OhioFile {
  attrs: Record<string, string>;
  streams: Map<string, OhioEvent[]>;
}

const attrsOf = (s: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([A-Za-z_][\w.-]*)\s*=\s*"([^"]*)"/g)) out[m[1]!] = m[2]!;
  return out;
};

/** The patient element and its streams' events, with source lines; a file cut short fails naming its last line. */
async function parseOhio(file: string): Promise<OhioFile> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch {
    throw new DataError(`file not found or unreadable: ${file}`, { file });
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const text = buf.toString('utf8').replace(/^\ufeff/, '');
  const patient = /<patient\b([^>]*)>/.exec(text);
  if (!patient || !/<glucose_level[\s>/]/.test(text))
    throw await wrongFormatError(file, 'ohiot1dm', 'no <patient> element with <glucose_level>');
  const lineAt = lineCounter(text);
  if (!/<\/patient>\s*$/.test(text)) {
    throw new DataError(`${file}:${lineAt(text.trimEnd().length)}: the file ends before </patient> (truncated OhioT1DM file?)`, {
      file,
      line: lineAt(text.trimEnd().length),
    });
  }
  const streams = new Map<string, OhioEvent[]>();
  const section = /<([a-z_]+)\s*(\/>|>([\s\S]*?)<\/\1>)/g;
  section.lastIndex = patient.index + patient[0].length;
  for (let m = section.exec(text); m; m = section.exec(text)) {
    const events: OhioEvent[] = [];
    const body = m[3] ?? '';
    const base = m.index + m[0].indexOf(body);
    for (const e of body.matchAll(/<event\b([^>]*?)\/?>/g)) events.push({ attrs: attrsOf(e[1]!), line: lineAt(base + e.index!) });
    streams.set(m[1]!, events);
  }
  return { attrs: attrsOf(patient[1]!), streams };
}

/** Line number at a character offset, for offsets read in increasing order (falls back to a scan). */
function lineCounter(text: string): (at: number) => number {
  let pos = 0;
  let line = 1;
  return (at: number) => {
    if (at < pos) {
      pos = 0;
      line = 1;
    }
    for (; pos < at && pos < text.length; pos++) if (text.charCodeAt(pos) === 10) line++;
    return line;
  };
}

/** One table of the rows read: glucose readings, then the covariate events (glucose empty). */
function ohioTable(file: string, rows: Array<{ ts: string; glucose: string | null; line: number }>): RawTable {
  const ts = rows.map((r) => r.ts);
  const glu = rows.map((r) => r.glucose);
  return {
    path: file,
    format: 'json',
    header: ['ts', 'value'],
    rowCount: rows.length,
    lineOf: (i) => rows[i]!.line,
    lineWord: 'line',
    malformed: [],
    column: (name) => ({ kind: 'string', values: name === 'ts' ? ts : glu }),
  };
}

/** Local times in a daylight-saving gap (moved forward) or a repeated hour (read in time order), counted and reported. */
function reportDst(run: DeviceRun, file: string, series: string, walls: number[], zone: ZoneConverter): void {
  let skipped = 0;
  let repeated = 0;
  for (const w of walls) {
    const c = zone.classify(w);
    if (c === 'skipped') skipped++;
    else if (c === 'repeated') repeated++;
  }
  run.count(series, 'dst_skipped_hour_rows', skipped);
  run.count(series, 'dst_repeated_hour_rows', repeated);
  if (skipped || repeated)
    run.warnings.push(
      `${file}: ${skipped} row(s) in a daylight-saving gap of ${zone.zone} (moved forward by the jump) and ${repeated} in a repeated hour (placed in time order)`,
    );
}

function selectedCovariates(ctx: AdapterContext): string[] {
  const asked = ctx.cfg.past_covariates ?? DEFAULT_COVARIATES;
  for (const c of asked)
    if (!COVARIATES[c])
      throw new DataError(
        `dataset '${ctx.cfg.name}': past_covariates: '${c}' is not an OhioT1DM channel (available: ${Object.keys(COVARIATES).join(', ')})`,
      );
  if (ctx.cfg.future_covariates?.length)
    throw new DataError(`dataset '${ctx.cfg.name}': future_covariates: OhioT1DM has none (its covariates are past_covariates)`);
  return asked;
}

/** Reads OhioT1DM XML files, one series per file. */
export async function readOhioT1dm(ctx: AdapterContext): Promise<AdapterResult> {
  const covs = selectedCovariates(ctx);
  const run = new DeviceRun(ctx, 'ohiot1dm', 1 + covs.length);
  const parser = ctx.cfg.time_format ? ctx.parser : makeWallParser(TIME_FORMAT);
  const label = ctx.cfg.time_format ? ctx.timeFormatLabel : TIME_FORMAT;
  run.checkDeclared(ctx.files[0] ?? ctx.cfg.name, 'mg/dL', 'OhioT1DM (glucose_level is mg/dL)');
  for (let fi = 0; fi < ctx.files.length; fi++) {
    const file = ctx.files[fi]!;
    const stat = newFileStat(file);
    run.files.push(stat);
    const x = await parseOhio(file);
    const glucoseEvents = x.streams.get('glucose_level') ?? [];
    if (glucoseEvents.length === 0)
      throw new DataError(`${file}: <glucose_level> has no events: an empty or truncated OhioT1DM file?`, { file });
    for (const [name, ev] of x.streams)
      if (name !== 'glucose_level' && !covs.some((c) => COVARIATES[c]!.stream === name))
        bump(run.counters, `ohio_${name}_ignored`, ev.length);
    const rows: Array<{ ts: string; glucose: string | null; line: number; cov?: [number, number] }> = glucoseEvents.map((e) => ({
      ts: e.attrs.ts ?? '',
      glucose: e.attrs.value ?? null,
      line: e.line,
    }));
    covs.forEach((c, k) => {
      const spec = COVARIATES[c]!;
      for (const e of x.streams.get(spec.stream) ?? []) {
        const v = Number(e.attrs[spec.attr]);
        rows.push({ ts: e.attrs[spec.ts] ?? e.attrs.ts ?? '', glucose: null, line: e.line, cov: [k, Number.isFinite(v) ? v : NaN] });
      }
    });
    const table = ohioTable(file, rows);
    stat.rowsRead = rows.length;
    const f = new RowFilter(table, stat, run.onError, run.warnings);
    const tmp: ParsedTime = { ms: 0, absolute: false };
    const walls = rows.map((r, i) => {
      const w = parser(r.ts, tmp);
      if (w !== w) f.reject(i, 'unparseable_time', `cannot parse ts '${r.ts}' (expected ${label})`);
      return w;
    });
    const order = rows
      .map((_, i) => i)
      .filter((i) => f.ok[i])
      .sort((a, b) => walls[a]! - walls[b]! || a - b);
    const times = new Float64Array(rows.length).fill(NaN);
    let prev: number | undefined;
    for (const i of order) prev = times[i] = ctx.zone.wallToUtc(walls[i]!, prev);
    const attributes: Record<string, string | number> = {};
    if (x.attrs.id) attributes.patient = /^\d+$/.test(x.attrs.id) ? Number(x.attrs.id) : x.attrs.id;
    if (x.attrs.insulin_type) attributes.insulin_type = x.attrs.insulin_type;
    if (x.attrs.weight && Number.isFinite(Number(x.attrs.weight)) && Number(x.attrs.weight) > 0)
      attributes.weight_kg = Number(x.attrs.weight);
    const b = run.seriesFor(file, attributes);
    const gluRows = order.filter((i) => !rows[i]!.cov);
    const glucose = new Float64Array(rows.length).fill(NaN);
    const censored = new Int8Array(rows.length);
    parseGlucoseCells(
      table.column('value').values as (string | null)[],
      gluRows,
      f,
      'glucose_level value',
      'mg/dL',
      DEVICE_LIMITS_MGDL.ohiot1dm,
      glucose,
      censored,
      run,
      b.id,
    );
    requireSomeNumeric(glucose, f.ok, file, 'glucose_level value');
    reportDst(
      run,
      file,
      b.id,
      order.map((i) => walls[i]!),
      ctx.zone,
    );
    const one = new Float64Array(1 + covs.length);
    for (const i of order) {
      if (!f.ok[i]) continue;
      one.fill(NaN);
      const r = rows[i]!;
      if (r.cov) one[1 + r.cov[0]] = r.cov[1];
      else one[0] = glucose[i]!;
      b.push(times[i]!, one, fi, r.line);
      stat.rowsParsed++;
    }
    for (const c of covs) run.count(b.id, `${c}_events`, rows.filter((r, i) => f.ok[i] && r.cov && covs[r.cov[0]] === c).length);
  }
  return run.result([{ ...GLUCOSE }, ...covs.map((c) => ({ ...COVARIATES[c]!.spec }))]);
}
