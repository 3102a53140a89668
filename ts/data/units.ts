import { DataError } from './errors.js';

/** mg/dL per mmol/L of glucose (molar mass 180.182 g/mol / 10). The one constant used everywhere. */
export const MGDL_PER_MMOLL = 18.0182;

export type GlucoseUnit = 'mg/dL' | 'mmol/L';

export function mmolToMgdl(x: number): number {
  return x * MGDL_PER_MMOLL;
}
export function mgdlToMmol(x: number): number {
  return x / MGDL_PER_MMOLL;
}

/** Converts in place to mg/dL. */
export function toMgdlInPlace(values: Float64Array | Float32Array, unit: GlucoseUnit): void {
  if (unit === 'mg/dL') return;
  for (let i = 0; i < values.length; i++) values[i] *= MGDL_PER_MMOLL;
}

/** Median of the finite values (NaN when none). Sorts a copy of at most `sample` evenly spaced values. */
export function finiteMedian(values: ArrayLike<number>, sample = 200_000): number {
  const n = values.length;
  const step = Math.max(1, Math.floor(n / sample));
  const tmp: number[] = [];
  for (let i = 0; i < n; i += step) {
    const v = values[i];
    if (Number.isFinite(v)) tmp.push(v);
  }
  if (tmp.length === 0) return NaN;
  tmp.sort((a, b) => a - b);
  const m = tmp.length >> 1;
  return tmp.length % 2 ? tmp[m] : (tmp[m - 1] + tmp[m]) / 2;
}

/**
 * Glucose unit sanity check on raw values (before conversion). Human CGM glucose lies in about
 * 40–400 mg/dL = 2.2–22 mmol/L, so a median below 30 cannot be mg/dL and above 35 cannot be mmol/L.
 */
export function checkGlucoseUnits(values: ArrayLike<number>, declared: GlucoseUnit, file: string, column: string): void {
  const med = finiteMedian(values);
  if (!Number.isFinite(med)) return;
  if (declared === 'mg/dL' && med < 30) {
    throw new DataError(
      `${file}: glucose column '${column}' is declared mg/dL but its median is ${med.toFixed(2)}, which looks like mmol/L; set \`units: mmol/L\` in the dataset config`,
      { file, column },
    );
  }
  if (declared === 'mmol/L' && med > 35) {
    throw new DataError(
      `${file}: glucose column '${column}' is declared mmol/L but its median is ${med.toFixed(1)}, which looks like mg/dL; set \`units: mg/dL\` in the dataset config`,
      { file, column },
    );
  }
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  t: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** Parses '15min', '5 min', '1h', '30s', '1d', '90' (minutes when unitless) or ISO 'PT15M' into ms. */
export function parseDuration(spec: string | number): number {
  if (typeof spec === 'number') {
    if (!(spec > 0)) throw new DataError(`invalid duration ${spec}`);
    return spec * 60_000;
  }
  const s = spec.trim();
  const iso = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(s);
  if (iso && s.length > 1 && s.toUpperCase() !== 'PT') {
    const [, d, h, m, sec] = iso;
    return Math.round((+(d ?? 0) * 86400 + +(h ?? 0) * 3600 + +(m ?? 0) * 60 + +(sec ?? 0)) * 1000);
  }
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(s);
  if (!m) throw new DataError(`invalid duration '${spec}' (use e.g. 5min, 15min, 1h, 30s)`);
  const unit = m[2].toLowerCase();
  const mult = unit === '' ? 60_000 : DURATION_UNITS[unit];
  if (mult === undefined) throw new DataError(`invalid duration unit in '${spec}' (use ms, s, min, h or d)`);
  const ms = Math.round(+m[1] * mult);
  if (!(ms > 0)) throw new DataError(`invalid duration '${spec}': must be positive`);
  return ms;
}

/** Formats ms as the shortest of '5min', '1h', '30s', '250ms', '1d'. */
export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
