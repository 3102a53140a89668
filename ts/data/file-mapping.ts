/**
 * The column mapping of a data file named directly (`--time COL --target COL ...`) as dataset-YAML keys, so that
 * a run records it in `data.overrides` (its resolved config says how the file was read) and `predict` can read
 * a new file the same way.
 */
import type { FileMappingOptions } from './autodetect.js';

/** Mapping option -> dataset-YAML key. */
const YAML_KEY: Record<keyof FileMappingOptions, string> = {
  time: 'time',
  target: 'target',
  id: 'id',
  units: 'units',
  interval: 'interval',
  timeFormat: 'time_format',
  timeZone: 'time_zone',
};

/** The options that are set, as dataset-YAML keys (`timeFormat` -> `time_format`). */
export function mappingAsOverrides(m: FileMappingOptions = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, key] of Object.entries(YAML_KEY)) {
    const v = m[k as keyof FileMappingOptions];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Splits dataset overrides into the file mapping they hold (for auto-detection) and the other keys. */
export function mappingFromOverrides(overrides: Record<string, unknown> = {}): { file: FileMappingOptions; rest: Record<string, unknown> } {
  const rest = { ...overrides };
  const file: Record<string, unknown> = {};
  for (const [k, key] of Object.entries(YAML_KEY)) {
    if (typeof rest[key] === 'string') {
      file[k] = rest[key];
      delete rest[key];
    }
  }
  return { file: file as FileMappingOptions, rest };
}
