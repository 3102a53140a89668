/**
 * Reading a dataset config such as configs/datasets/simulated_t1d.yaml (already parsed from YAML) into
 * SimulateOptions:
 *
 *   format: simulated
 *   name: simulated_t1d
 *   patients: 20
 *   days: 14
 *   seed: 42
 *   interval: 5min        # "5min", "5m", "300s", "1h" or a number of minutes
 *   start_date: 2024-01-01
 */
import type { SimulateOptions } from './cohort.js';

function parseIntervalMinutes(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') throw new Error(`simulated dataset: interval must be a string like "5min" or a number of minutes`);
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr)?\s*$/i.exec(v);
  if (!m) throw new Error(`simulated dataset: cannot parse interval "${v}"`);
  const x = Number(m[1]);
  const unit = (m[2] ?? 'min').toLowerCase();
  return unit.startsWith('s') ? x / 60 : unit.startsWith('h') ? x * 60 : x;
}

function dateString(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  // The yaml package may hand back a Date for an unquoted date scalar.
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v);
}

export function simulateOptionsFromConfig(cfg: Record<string, unknown>): SimulateOptions {
  if (cfg.format !== undefined && cfg.format !== 'simulated') {
    throw new Error(`simulated dataset: format must be "simulated", got ${String(cfg.format)}`);
  }
  const num = (key: string, dflt?: number): number => {
    const v = cfg[key];
    if (v === undefined) {
      if (dflt === undefined) throw new Error(`simulated dataset: missing ${key}`);
      return dflt;
    }
    const x = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(x)) throw new Error(`simulated dataset: ${key} must be a number`);
    return x;
  };
  const interval = cfg.interval ?? cfg.interval_minutes ?? cfg.intervalMinutes;
  const opts: SimulateOptions = {
    patients: num('patients', 20),
    days: num('days', 14),
    seed: num('seed', 42),
    intervalMinutes: interval === undefined ? 5 : parseIntervalMinutes(interval),
  };
  if (typeof cfg.name === 'string') opts.name = cfg.name;
  const start = dateString(cfg.start_date ?? cfg.startDate);
  if (start !== undefined) opts.startDate = start;
  return opts;
}
