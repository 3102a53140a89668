/**
 * Affine scalers fitted on training rows only.
 *
 * Training rows = rows covered by the training windows (context and target rows). Statistics are
 * per channel, computed in float64 over finite values: mean and population std (ddof = 0, as
 * sklearn's StandardScaler). A std below STD_FLOOR (a constant or near-constant channel, e.g. an
 * event channel with no events) is replaced by 1, so scaling only centres it.
 * - 'none': mean 0, std 1.
 * - 'global': one mean/std per channel, repeated for every series.
 * - 'per_series': per series and channel from that series' training rows; series without training
 *   rows (held-out patients in series/hybrid/glucobench splits) get the global statistics, so a
 *   model can be applied to unseen patients without peeking at their data.
 */
import type { ScalerState, TimeSeriesDataset, WindowSet } from './types.js';
import { coverageMask, rowSeries } from './windows.js';

export const STD_FLOOR = 1e-6;

export type ScalerKind = ScalerState['kind'];

export function fitScaler(ds: TimeSeriesDataset, trainWindows: WindowSet, kind: ScalerKind): ScalerState {
  const S = ds.series.length;
  const C = ds.channels.length;
  const mean = new Float32Array(S * C);
  const std = new Float32Array(S * C).fill(1);
  if (kind === 'none') return { kind, mean, std };
  const rows = ds.values.length ? ds.values[0].length : 0;
  const mask = coverageMask(trainWindows, rows, 'all');
  const rs = rowSeries(ds);
  const gSum = new Float64Array(C);
  const gSq = new Float64Array(C);
  const gN = new Float64Array(C);
  const sSum = new Float64Array(S * C);
  const sSq = new Float64Array(S * C);
  const sN = new Float64Array(S * C);
  // shift by a per-channel reference value for numerical stability
  const ref = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const v = ds.values[c];
    for (let r = 0; r < rows; r++) {
      if (mask[r] && Number.isFinite(v[r])) {
        ref[c] = v[r];
        break;
      }
    }
  }
  for (let c = 0; c < C; c++) {
    const v = ds.values[c];
    const rc = ref[c];
    for (let r = 0; r < rows; r++) {
      if (!mask[r]) continue;
      const x = v[r];
      if (!Number.isFinite(x)) continue;
      const d = x - rc;
      gSum[c] += d;
      gSq[c] += d * d;
      gN[c]++;
      if (kind === 'per_series') {
        const k = rs[r] * C + c;
        sSum[k] += d;
        sSq[k] += d * d;
        sN[k]++;
      }
    }
  }
  const stats = (sum: number, sq: number, n: number, rc: number): [number, number] => {
    if (n === 0) return [0, 1];
    const m = sum / n;
    const varc = Math.max(0, sq / n - m * m);
    const sd = Math.sqrt(varc);
    return [m + rc, sd < STD_FLOOR || !Number.isFinite(sd) ? 1 : sd];
  };
  const gMean = new Float64Array(C);
  const gStd = new Float64Array(C);
  for (let c = 0; c < C; c++) [gMean[c], gStd[c]] = stats(gSum[c], gSq[c], gN[c], ref[c]);
  for (let s = 0; s < S; s++) {
    for (let c = 0; c < C; c++) {
      const k = s * C + c;
      if (kind === 'per_series' && sN[k] > 0) {
        const [m, sd] = stats(sSum[k], sSq[k], sN[k], ref[c]);
        mean[k] = m;
        std[k] = sd;
      } else {
        mean[k] = gMean[c];
        std[k] = gStd[c];
      }
    }
  }
  return { kind, mean, std };
}

/** mean and std of (series, channel). */
export function scalerParams(state: ScalerState, nChannels: number, series: number, channel: number): { mean: number; std: number } {
  const k = series * nChannels + channel;
  return { mean: state.mean[k], std: state.std[k] };
}

/** Scaled copies of every channel: (x - mean[series][c]) / std[series][c]. */
export function applyScaler(ds: TimeSeriesDataset, state: ScalerState): Float32Array[] {
  const C = ds.channels.length;
  return ds.values.map((v, c) => {
    const out = new Float32Array(v.length);
    for (const seg of ds.segments) {
      const k = seg.series * C + c;
      const m = state.mean[k];
      const inv = 1 / state.std[k];
      for (let r = seg.offset; r < seg.offset + seg.length; r++) out[r] = (v[r] - m) * inv;
    }
    return out;
  });
}

/** Scales values of one (series, channel) in place. */
export function scaleInPlace(
  state: ScalerState,
  nChannels: number,
  series: number,
  channel: number,
  values: Float32Array | Float64Array,
): void {
  const { mean, std } = scalerParams(state, nChannels, series, channel);
  const inv = 1 / std;
  for (let i = 0; i < values.length; i++) values[i] = (values[i] - mean) * inv;
}

/** Inverse of scaleInPlace, for predictions of one (series, channel): x = y * std + mean. */
export function inverseScaleInPlace(
  state: ScalerState,
  nChannels: number,
  series: number,
  channel: number,
  values: Float32Array | Float64Array,
): void {
  const { mean, std } = scalerParams(state, nChannels, series, channel);
  for (let i = 0; i < values.length; i++) values[i] = values[i] * std + mean;
}

/**
 * Inverse-scales a batch of predictions laid out [window][horizon][channel] (channels = the listed
 * channel indices, e.g. the targets), given each window's series.
 */
export function applyInverse(
  state: ScalerState,
  nChannels: number,
  preds: Float32Array,
  windowSeries: ArrayLike<number>,
  horizon: number,
  channels: readonly number[],
): Float32Array {
  const out = new Float32Array(preds.length);
  const K = channels.length;
  const per = horizon * K;
  if (preds.length !== windowSeries.length * per)
    throw new RangeError(`applyInverse: expected ${windowSeries.length}x${horizon}x${K} values, got ${preds.length}`);
  for (let w = 0; w < windowSeries.length; w++) {
    const s = windowSeries[w];
    for (let k = 0; k < K; k++) {
      const idx = s * nChannels + channels[k];
      const m = state.mean[idx];
      const sd = state.std[idx];
      for (let h = 0; h < horizon; h++) {
        const i = w * per + h * K + k;
        out[i] = preds[i] * sd + m;
      }
    }
  }
  return out;
}

/** Scaler state as plain JSON (for checkpoints). */
export function scalerToJSON(state: ScalerState): { kind: ScalerKind; mean: number[]; std: number[] } {
  return { kind: state.kind, mean: Array.from(state.mean), std: Array.from(state.std) };
}

export function scalerFromJSON(j: { kind: ScalerKind; mean: number[]; std: number[] }): ScalerState {
  return { kind: j.kind, mean: Float32Array.from(j.mean), std: Float32Array.from(j.std) };
}
