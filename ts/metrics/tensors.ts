/**
 * Native tensors -> metric layouts. The addon returns point forecasts and targets as [N, C, H]
 * (which is already [N*C, H] row-major: each (window, channel) pair is one forecast row) and
 * quantile forecasts as [N, Q, C, H], reordered here to [N*C, Q, H].
 */
export interface Tensor {
  data: Float32Array;
  shape: number[];
}

/** [N, Q, C, H] -> [N*C, Q, H]. */
export function quantilesByRow(pred: Tensor): Float32Array {
  const [N, Q, C, H] = pred.shape;
  const out = new Float32Array(pred.data.length);
  for (let n = 0; n < N; n++)
    for (let q = 0; q < Q; q++)
      for (let c = 0; c < C; c++) {
        const src = ((n * Q + q) * C + c) * H;
        const dst = ((n * C + c) * Q + q) * H;
        out.set(pred.data.subarray(src, src + H), dst);
      }
  return out;
}

/** Channel c of an [N, C, H] tensor as [N, H]. */
export function channelOf(t: Tensor, c: number): Float32Array {
  const [N, C, H] = t.shape;
  const out = new Float32Array(N * H);
  for (let n = 0; n < N; n++) out.set(t.data.subarray((n * C + c) * H, (n * C + c + 1) * H), n * H);
  return out;
}

/** Channel c of an [N, Q, C, H] tensor as [N, Q, H]. */
export function quantileChannelOf(t: Tensor, c: number): Float32Array {
  const [N, Q, C, H] = t.shape;
  const out = new Float32Array(N * Q * H);
  for (let n = 0; n < N; n++)
    for (let q = 0; q < Q; q++) out.set(t.data.subarray(((n * Q + q) * C + c) * H, ((n * Q + q) * C + c + 1) * H), (n * Q + q) * H);
  return out;
}
