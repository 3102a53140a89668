/** Forecast tables written as CSV, Arrow IPC or Parquet (chosen by the file extension). */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { writeFileAtomic } from '../runs/atomic.js';

export interface ForecastColumns {
  series: string[];
  /** Time of the last observed step (the forecast origin), ISO 8601 UTC. */
  origin_time: string[];
  /** Time the forecast is for, ISO 8601 UTC. */
  time: string[];
  step: Int32Array;
  channel: string[];
  /** Point forecast (the median for quantile models). */
  forecast: Float32Array;
  /** Observed value at `time` where the data has it, else NaN. */
  actual: Float32Array;
  /** Quantile forecasts, one column per level (quantile models only). */
  quantiles: Array<{ level: number; values: Float32Array }>;
}

export function forecastsCsv(c: ForecastColumns): string {
  const qHeader = c.quantiles.map((q) => `q${q.level}`);
  const lines = [['series', 'origin_time', 'time', 'step', 'channel', 'forecast', 'actual', ...qHeader].join(',')];
  const num = (v: number) => (Number.isFinite(v) ? String(+v.toPrecision(7)) : '');
  for (let i = 0; i < c.forecast.length; i++) {
    lines.push(
      [
        JSON.stringify(c.series[i]),
        c.origin_time[i],
        c.time[i],
        c.step[i],
        c.channel[i],
        num(c.forecast[i]!),
        num(c.actual[i]!),
        ...c.quantiles.map((q) => num(q.values[i]!)),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

function arrowTable(c: ForecastColumns) {
  const cols: Record<string, unknown> = {
    series: c.series,
    origin_time: c.origin_time,
    time: c.time,
    step: c.step,
    channel: c.channel,
    forecast: c.forecast,
    actual: c.actual,
  };
  for (const q of c.quantiles) cols[`q${q.level}`] = q.values;
  return tableFromArrays(cols as Parameters<typeof tableFromArrays>[0]);
}

const FORMATS = /\.(parquet|pq|arrow|feather|ipc|csv)$/i;

/** Checked before any forecasting: an unknown format or a missing folder fails at once, naming `--out`. */
export function checkForecastsTarget(file: string): void {
  if (!FORMATS.test(file)) throw new Error(`--out ${file}: unknown format; use .csv, .arrow or .parquet`);
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir)) throw new Error(`--out ${file}: the folder ${dir} does not exist (create it first)`);
  if (!statSync(dir).isDirectory()) throw new Error(`--out ${file}: ${dir} is a file, not a folder`);
}

/** Writes the forecasts to `file` (.csv, .arrow/.feather/.ipc, .parquet/.pq), atomically. */
export async function writeForecasts(file: string, c: ForecastColumns): Promise<void> {
  if (/\.(parquet|pq)$/i.test(file)) {
    const pq = await import('parquet-wasm');
    const wasmTable = pq.Table.fromIPCStream(tableToIPC(arrowTable(c), 'stream'));
    writeFileAtomic(file, pq.writeParquet(wasmTable));
  } else if (/\.(arrow|feather|ipc)$/i.test(file)) {
    writeFileAtomic(file, tableToIPC(arrowTable(c), 'file'));
  } else if (/\.csv$/i.test(file)) {
    writeFileAtomic(file, forecastsCsv(c));
  } else {
    throw new Error(`--out ${file}: unknown format; use .csv, .arrow or .parquet`);
  }
}
