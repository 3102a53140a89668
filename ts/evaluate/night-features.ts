/**
 * Bedtime features of bedtime-anchored nights, read from a dataset: the glucose context, the day
 * before the anchor, and the minutes since the last meal and insulin dose where the dataset has
 * those channels. Only rows before the anchor are read.
 */
import type { Night } from '../data/nights.js';
import type { TimeSeriesDataset } from '../data/types.js';
import { bedtimeFeatures } from '../metrics/night-baselines.js';

/** Channel names read as meals (as prandialWindows reads them). */
const MEAL_CHANNELS = ['meal', 'carbs_g', 'food_g', 'carbs'];

/** Bolus-like insulin: event channels whose name says insulin (basal rates are states, not doses). */
function insulinChannels(ds: TimeSeriesDataset): number[] {
  return ds.channels.flatMap((c, i) => (c.kind === 'event' && /insulin|bolus/i.test(c.name) ? [i] : []));
}

/** Minutes from the last row before `end` (back to `start`) where any of `channels` is > 0, to `anchorMs`; undefined when none. */
function minutesSinceEvent(
  ds: TimeSeriesDataset,
  channels: number[],
  start: number,
  end: number,
  rowMs: (r: number) => number,
  anchorMs: number,
): number | undefined {
  if (!channels.length) return undefined;
  for (let r = end - 1; r >= start; r--) if (channels.some((c) => ds.values[c][r] > 0)) return (anchorMs - rowMs(r)) / 60_000;
  return undefined;
}

/**
 * One BEDTIME_FEATURES row per night: the context of `channel` (glucose), the `dayHours` (default
 * 18) hours before the anchor within the night's segment, and meal / insulin timing looked up over
 * that same span (unknown, NaN, when the dataset lacks the channel or no event falls in the span).
 */
export function nightBedtimeFeatures(
  ds: TimeSeriesDataset,
  nights: readonly Night[],
  channel: number,
  opts: { dayHours?: number } = {},
): number[][] {
  const I = ds.intervalMs;
  const daySteps = Math.round(((opts.dayHours ?? 18) * 3_600_000) / I);
  const meals = ds.channels.flatMap((c, i) => (MEAL_CHANNELS.includes(c.name) ? [i] : []));
  const insulin = insulinChannels(ds);
  const values = ds.values[channel];
  return nights.map((n) => {
    const end = n.night[0];
    const seg = ds.segments.find((s) => s.offset <= n.context[0] && n.context[0] < s.offset + s.length)!;
    const start = Math.max(seg.offset, end - daySteps);
    const rowMs = (r: number) => seg.startMs + (r - seg.offset) * I;
    return bedtimeFeatures({
      context: values.subarray(n.context[0], n.context[1]),
      day: values.subarray(start, end),
      intervalMinutes: I / 60_000,
      minutesSinceMeal: minutesSinceEvent(ds, meals, start, end, rowMs, n.anchorMs),
      minutesSinceInsulin: minutesSinceEvent(ds, insulin, start, end, rowMs, n.anchorMs),
    });
  });
}

/**
 * The night classifier's inputs: the model's own context window before the anchor (the rows the forecaster
 * sees), as means of `blockMinutes` (default 30) blocks of glucose oldest first, the insulin and carbohydrate
 * delivered in the last 2 and 6 hours of it where the dataset has those channels, then the bedtime features.
 * A block without a reading is NaN (the logistic fit imputes the training mean).
 */
export function nightContextFeatures(
  ds: TimeSeriesDataset,
  nights: readonly Night[],
  channel: number,
  opts: { blockMinutes?: number; dayHours?: number } = {},
): number[][] {
  const minutes = ds.intervalMs / 60_000;
  const block = Math.max(1, Math.round((opts.blockMinutes ?? 30) / minutes));
  const meals = ds.channels.flatMap((c, i) => (MEAL_CHANNELS.includes(c.name) ? [i] : []));
  const events = [...meals, ...insulinChannels(ds)];
  const bedtime = nightBedtimeFeatures(ds, nights, channel, opts);
  const values = ds.values[channel];
  return nights.map((n, k) => {
    const [a, b] = n.context;
    const out: number[] = [];
    // blocks aligned on the anchor, so that the last block ends at bedtime
    for (let end = b; end - block >= a; end -= block) {
      let s = 0,
        c = 0;
      for (let r = end - block; r < end; r++)
        if (Number.isFinite(values[r])) {
          s += values[r];
          c++;
        }
      out.unshift(c ? s / c : NaN);
    }
    for (const ch of events)
      for (const hours of [2, 6]) {
        let s = 0;
        for (let r = Math.max(a, b - Math.round((hours * 60) / minutes)); r < b; r++) if (ds.values[ch][r] > 0) s += ds.values[ch][r];
        out.push(s);
      }
    return [...out, ...bedtime[k]!];
  });
}
