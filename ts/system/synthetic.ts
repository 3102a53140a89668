import type { NativeAddon } from '../native/types.js';
/**
 * Deterministic synthetic series for benchmarks: two seasonal components and LCG noise, written straight
 * into a Float32Array (10^8 points in about a second, no per-point allocation).
 */
export function syntheticSeries(points: number, seed = 1): Float32Array {
  const out = new Float32Array(points);
  // Rotating phasors (cos/sin recurrences) instead of Math.sin per point.
  const a1 = (2 * Math.PI) / 288,
    a2 = (2 * Math.PI) / 2016;
  const c1 = Math.cos(a1),
    s1 = Math.sin(a1),
    c2 = Math.cos(a2),
    s2 = Math.sin(a2);
  let x1 = 1,
    y1 = 0,
    x2 = 1,
    y2 = 0;
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < points; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = 120 + 30 * y1 + 10 * y2 + (state / 4294967296 - 0.5) * 8;
    const nx1 = x1 * c1 - y1 * s1;
    y1 = x1 * s1 + y1 * c1;
    x1 = nx1;
    const nx2 = x2 * c2 - y2 * s2;
    y2 = x2 * s2 + y2 * c2;
    x2 = nx2;
    if ((i & 0xffff) === 0xffff) {
      // renormalise so rounding never lets the phasors drift in length
      const r1 = Math.hypot(x1, y1),
        r2 = Math.hypot(x2, y2);
      x1 /= r1;
      y1 /= r1;
      x2 /= r2;
      y2 /= r2;
    }
  }
  return out;
}

/** A native split over `series` cut into `segments` equal series, every window of context + horizon. */
export function syntheticSplit(native: NativeAddon, series: Float32Array, context: number, horizon: number, segments = 1) {
  const per = Math.floor(series.length / segments);
  const offsets = Array.from({ length: segments }, (_, i) => i * per);
  const dataset = new native.NativeDataset({
    columns: [series],
    segmentOffsets: offsets,
    segmentLengths: offsets.map(() => per),
    segmentSeries: offsets.map((_, i) => i),
    numSeries: segments,
  });
  const windows = {
    context,
    horizon,
    stride: 1,
    spanStart: Float64Array.from(offsets),
    spanCount: Float64Array.from(offsets.map(() => per - context - horizon + 1)),
  };
  return { dataset, windows, scaling: null, inputChannels: [0], targetChannels: [0] };
}
