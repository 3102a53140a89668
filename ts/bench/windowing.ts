/**
 * Issue 3's windowing benchmark: 10^8 float32 points, context 512. Builds the native dataset, window
 * index and sampler over the Float32Array, gathers an epoch (or a fraction) of shuffled batches, and
 * checks resident-memory growth against the data's size and gather bandwidth against plain memcpy.
 */
import { loadNative } from '../native/loader.js';
import { residentBytes, resetPeakResident } from '../doctor/probe.js';
import { syntheticSeries, syntheticSplit } from './synthetic.js';
import { memcpyBench } from './micro.js';

export interface WindowingOptions { points: number; context: number; horizon: number; batch: number; segments: number; epochFraction: number; threads: number }

export interface WindowingResult {
  points: number; dataBytes: number; context: number; horizon: number; batch: number; threads: number;
  windows: number; windowsIterated: number; epochFraction: number;
  windowsPerSec: number; gatherGbPerSec: number; memcpyGbPerSec: number; bandwidthRatio: number;
  generateSeconds: number; indexSeconds: number;
  rssGrowthBytes: number; memoryRatio: number;
  targets: { memoryRatioMax: number; bandwidthRatioMin: number; memoryOk: boolean; bandwidthOk: boolean };
}

export const WINDOWING_DEFAULTS: WindowingOptions = { points: 1e8, context: 512, horizon: 64, batch: 256, segments: 100, epochFraction: 1, threads: 1 };

export async function windowingBench(o: WindowingOptions): Promise<WindowingResult> {
  const native = loadNative();
  const before = native.runtimeInfo().intraOpThreads;
  if (global.gc) global.gc();
  resetPeakResident();
  const rss0 = residentBytes().rss;
  let t = performance.now();
  const series = syntheticSeries(o.points, 11);
  const generateSeconds = (performance.now() - t) / 1e3;
  t = performance.now();
  const split = syntheticSplit(native, series, o.context, o.horizon, o.segments);
  const windows: number = native.windowCount(split);
  const indexSeconds = (performance.now() - t) / 1e3;
  const batches = Math.max(1, Math.floor((windows * o.epochFraction) / o.batch));
  // Same thread count as the memcpy peer (single-threaded), so the ratio compares like with like.
  native.setThreads(o.threads);
  let g;
  try {
    g = await native.benchGather(split, { batchSize: o.batch, batches, seed: 1 });
  } finally {
    native.setThreads(before);
  }
  const rssGrowthBytes = residentBytes().peak - rss0;
  split.dataset.dispose();
  // memcpy after the memory reading: its two buffers would otherwise count as windowing memory.
  const memcpy = await memcpyBench(256 << 20, 1.0);
  const dataBytes = series.byteLength;
  const gatherGbPerSec = g.bytes / g.seconds / 1e9;
  const memoryRatio = rssGrowthBytes / dataBytes, bandwidthRatio = gatherGbPerSec / memcpy.gbPerSec;
  return {
    points: o.points, dataBytes, context: o.context, horizon: o.horizon, batch: o.batch, threads: o.threads,
    windows, windowsIterated: g.windows, epochFraction: g.windows / windows,
    windowsPerSec: g.windows / g.seconds, gatherGbPerSec, memcpyGbPerSec: memcpy.gbPerSec, bandwidthRatio,
    generateSeconds, indexSeconds, rssGrowthBytes, memoryRatio,
    targets: { memoryRatioMax: 1.1, bandwidthRatioMin: 0.5, memoryOk: memoryRatio <= 1.1, bandwidthOk: bandwidthRatio >= 0.5 },
  };
}
