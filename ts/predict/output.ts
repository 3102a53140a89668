/**
 * Forecast tables written as CSV, JSON, Arrow IPC or Parquet (chosen by the file extension). Times are real
 * timestamps (UTC milliseconds) in Arrow and Parquet; the run id, model and window in the file's metadata
 * (Arrow/Parquet schema metadata, JSON's top-level keys; CSV has no place for them).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Float32, Int32, Table, TimestampMillisecond, Utf8, Vector, tableToIPC, vectorFromArray } from 'apache-arrow';
import { writeFileAtomic } from '../runs/atomic.js';

export interface ForecastMeta {
  runId: string;
  /** Model family (e.g. dlinear) and output kind. */
  model: string;
  output: 'point' | 'quantile';
  context: number;
  horizon: number;
  intervalMs: number;
  origins: 'last' | 'rolling';
  /** Unit of the forecasts (mg/dL for glucose). */
  unit?: string;
}

export interface ForecastColumns {
  series: string[];
  /** Time of the last observed step (the forecast origin), epoch ms UTC. */
  origin: Float64Array;
  /** Time the forecast is for, epoch ms UTC. */
  time: Float64Array;
  step: Int32Array;
  channel: string[];
  /** Point forecast (the median for quantile models). */
  forecast: Float32Array;
  /**
   * Observed value at `time` where the data has it, else NaN; rolling origins only (a 'last' forecast is of
   * the future, past the end of the data, so it has no actuals and no such column).
   */
  actual?: Float32Array;
  /** Quantile forecasts, one column per level (quantile models only). */
  quantiles: Array<{ level: number; values: Float32Array }>;
  meta: ForecastMeta;
  /** Series not forecast because they are shorter than the context (id, rows of their usable part). */
  skipped: Array<{ series: string; rows: number }>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const num = (v: number) => (Number.isFinite(v) ? +v.toPrecision(7) : null);

function header(c: ForecastColumns): string[] {
  return [
    'series',
    'origin_time',
    'time',
    'step',
    'channel',
    'forecast',
    ...(c.actual ? ['actual'] : []),
    ...c.quantiles.map((q) => `q${q.level}`),
  ];
}

function row(c: ForecastColumns, i: number): Array<string | number | null> {
  return [
    c.series[i]!,
    iso(c.origin[i]!),
    iso(c.time[i]!),
    c.step[i]!,
    c.channel[i]!,
    num(c.forecast[i]!),
    ...(c.actual ? [num(c.actual[i]!)] : []),
    ...c.quantiles.map((q) => num(q.values[i]!)),
  ];
}

export function forecastsCsv(c: ForecastColumns): string {
  const lines = [header(c).join(',')];
  for (let i = 0; i < c.forecast.length; i++) {
    const r = row(c, i);
    lines.push([JSON.stringify(r[0]), ...r.slice(1).map((v) => (v === null ? '' : String(v)))].join(','));
  }
  return lines.join('\n') + '\n';
}

function metaRecord(m: ForecastMeta): Record<string, string | number> {
  return {
    run_id: m.runId,
    model: m.model,
    output: m.output,
    context_length: m.context,
    horizon: m.horizon,
    interval_minutes: m.intervalMs / 60_000,
    origins: m.origins,
    ...(m.unit ? { unit: m.unit } : {}),
  };
}

/** `{ run_id, model, ..., skipped, forecasts: [{ series, origin_time, time, step, channel, forecast, ... }] }`. */
export function forecastsJson(c: ForecastColumns): string {
  const keys = header(c);
  const forecasts = Array.from({ length: c.forecast.length }, (_, i) => {
    const r = row(c, i);
    return Object.fromEntries(keys.map((k, j) => [k, r[j]]));
  });
  return JSON.stringify({ ...metaRecord(c.meta), skipped: c.skipped, forecasts }) + '\n';
}

/** The forecasts as an Arrow table: timestamps in ms UTC, plain UTF-8 ids, metadata under `tsfm:` keys. */
export function forecastsTable(c: ForecastColumns): Table {
  const cols: Record<string, Vector> = {
    series: vectorFromArray(c.series, new Utf8()),
    origin_time: vectorFromArray(Array.from(c.origin), new TimestampMillisecond('UTC')),
    time: vectorFromArray(Array.from(c.time), new TimestampMillisecond('UTC')),
    step: vectorFromArray(Array.from(c.step), new Int32()),
    channel: vectorFromArray(c.channel, new Utf8()),
    forecast: vectorFromArray(Array.from(c.forecast), new Float32()),
  };
  if (c.actual) cols.actual = vectorFromArray(Array.from(c.actual), new Float32());
  for (const q of c.quantiles) cols[`q${q.level}`] = vectorFromArray(Array.from(q.values), new Float32());
  const table = new Table(cols);
  for (const [k, v] of Object.entries(metaRecord(c.meta))) table.schema.metadata.set(`tsfm:${k}`, String(v));
  return table;
}

const FORMATS = /\.(parquet|pq|arrow|feather|ipc|csv|json)$/i;
const FORMAT_HINT = 'use .csv, .json, .arrow or .parquet';

/** Checked before any forecasting: an unknown format or a missing folder fails at once, naming `--out`. */
export function checkForecastsTarget(file: string): void {
  if (!FORMATS.test(file)) throw new Error(`--out ${file}: unknown format; ${FORMAT_HINT}`);
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir)) throw new Error(`--out ${file}: the folder ${dir} does not exist (create it first)`);
  if (!statSync(dir).isDirectory()) throw new Error(`--out ${file}: ${dir} is a file, not a folder`);
}

/** Writes the forecasts to `file` (.csv, .json, .arrow/.feather/.ipc, .parquet/.pq), atomically. */
export async function writeForecasts(file: string, c: ForecastColumns): Promise<void> {
  if (/\.(parquet|pq)$/i.test(file)) {
    const pq = await import('parquet-wasm');
    const wasmTable = pq.Table.fromIPCStream(tableToIPC(forecastsTable(c), 'stream'));
    writeFileAtomic(file, pq.writeParquet(wasmTable));
  } else if (/\.(arrow|feather|ipc)$/i.test(file)) {
    writeFileAtomic(file, tableToIPC(forecastsTable(c), 'file'));
  } else if (/\.csv$/i.test(file)) {
    writeFileAtomic(file, forecastsCsv(c));
  } else if (/\.json$/i.test(file)) {
    writeFileAtomic(file, forecastsJson(c));
  } else {
    throw new Error(`--out ${file}: unknown format; ${FORMAT_HINT}`);
  }
}
