/**
 * The contract between the data layer (ingest, splits, scalers) and the rest of tsfm.
 *
 * A dataset is stored in one canonical long layout: rows sorted by (series, time), regular in time
 * within each segment. Segments are maximal gap-free runs of one series; windows never cross them.
 * Every channel is one contiguous Float32Array over all rows (the Arrow column's own buffer), so the
 * native windowing code reads the very same memory without copying it.
 */

/** How a channel is used by models. */
export type ChannelRole = 'target' | 'past_covariate' | 'future_covariate';

export interface ChannelInfo {
  name: string;
  role: ChannelRole;
  /** Unit after ingest, e.g. 'mg/dL', 'U', 'g'. Glucose is always mg/dL. */
  unit?: string;
  /**
   * How the channel was put on the grid: 'continuous' (interpolated over short gaps; all targets),
   * 'event' (doses, meals: summed per slot, 0 elsewhere), 'state' (rates such as basal insulin:
   * forward-filled). Absent means continuous.
   */
  kind?: 'continuous' | 'event' | 'state';
}

export interface Segment {
  /** Index into `series`. */
  series: number;
  /** First row of the segment in the channel arrays. */
  offset: number;
  /** Number of rows. */
  length: number;
  /** Timestamp of the first row, epoch milliseconds (UTC). */
  startMs: number;
}

export interface SeriesInfo {
  id: string;
  /** Static attributes (patient type, age, ...) where the source has them. */
  attributes?: Record<string, string | number>;
}

/** Counted account of everything ingest did; saved next to the dataset. */
export interface IngestReport {
  /**
   * Per source file. rowsRead = rowsKept + sum(dropped) exactly; rows of the dataset that came from
   * this file = rowsKept + pointsInterpolated (interpolated points are attributed to the file of the
   * row after the gap).
   */
  files: Array<{
    path: string;
    rowsRead: number;
    rowsParsed: number;
    error?: string;
    rowsKept?: number;
    pointsInterpolated?: number;
    dropped?: Record<string, number>;
  }>;
  rowsRead: number;
  rowsKept: number;
  /** Grid points filled by interpolation (rows that did not exist in the source). */
  pointsInterpolated: number;
  /** Source rows dropped, by reason (e.g. 'unparseable_time', 'duplicate_timestamp', 'short_segment'). */
  dropped: Record<string, number>;
  /** Gaps longer than the interpolation limit, which split segments. */
  gapsSplit: number;
  segments: number;
  series: number;
  warnings: string[];
  /**
   * Other counts that are not row drops: 'snapped' (rows moved onto the grid by at most the
   * tolerance), 'off_grid' (moved further, up to interval/2), 'unsorted_series', 'events_unplaced', 'covariate_cells_filled',
   * adapter counts (e.g. 'meals', 'sc_doses_bolus'), ...
   */
  counters?: Record<string, number>;
  /**
   * Counts per series id, where a reader keeps them: device exports count source readings reported only as
   * out of range ('censored_low', 'censored_high'; kept at the device limits), 'outside_device_range', 'sensor_error_code'.
   */
  seriesCounters?: Record<string, Record<string, number>>;
}

export interface TimeSeriesDataset {
  name: string;
  /** Content hash of source bytes + ingest config. */
  version: string;
  /** Sampling interval in milliseconds. */
  intervalMs: number;
  /** IANA zone the local timestamps of the source were in (for nocturnal windows). */
  timeZone: string;
  channels: ChannelInfo[];
  /** values[c] is channel c over all rows; same length for every channel. */
  values: Float32Array[];
  series: SeriesInfo[];
  segments: Segment[];
  report: IngestReport;
}

/**
 * A set of windows on a dataset, as arithmetic spans so that 10^8 windows cost no memory:
 * span i holds windows whose first context row is spanStart[i] + k * stride, k < spanCount[i].
 * Contexts cover [start, start + context), targets [start + context, start + context + horizon).
 * A span never crosses a segment boundary. Explicit origins (nocturnal windows) are spans of count 1.
 */
export interface WindowSet {
  context: number;
  horizon: number;
  stride: number;
  spanStart: Float64Array;
  spanCount: Float64Array;
}

/** Per-series, per-channel affine scaling fitted on training rows only: scaled = (x - mean) / std. */
export interface ScalerState {
  kind: 'none' | 'global' | 'per_series';
  /** [series][channel] flattened, length series.length * channels.length. */
  mean: Float32Array;
  std: Float32Array;
}
