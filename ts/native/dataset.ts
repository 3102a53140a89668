import type { TimeSeriesDataset } from '../data/types.js';
import { loadNative } from './loader.js';
import type { NativeDataset } from './types.js';

/** A native view over a dataset's channel buffers (no copy; the buffers stay alive with it). */
export function toNativeDataset(ds: TimeSeriesDataset): NativeDataset {
  const native = loadNative();
  return new native.NativeDataset({
    columns: ds.values,
    segmentOffsets: ds.segments.map((s) => s.offset),
    segmentLengths: ds.segments.map((s) => s.length),
    segmentSeries: ds.segments.map((s) => s.series),
    numSeries: ds.series.length,
  });
}
