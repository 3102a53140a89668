/**
 * Matrix-multiply FLOPs of one forward pass per sample, from the model's resolved spec (the layer shapes
 * in native/core/models/*.cpp). Element-wise work (norms, activations, softmax) is left out, as MFU
 * conventions do; a training step counts 3x the forward (forward + two backward products).
 */
export interface FlopSpec {
  family: string;
  contextLength: number;
  horizon: number;
  channels: number;
  quantiles?: number[];
  params: Record<string, number>;
}

/** Outputs per horizon step: one for a point model, one per quantile level. */
const outputsPerStep = (spec: FlopSpec) => Math.max(1, spec.quantiles?.length ?? 0);

/** FLOPs of x @ W for `rows` rows of a Linear(inF -> outF). */
const linear = (rows: number, inF: number, outF: number) => 2 * rows * inF * outF;

export function forwardFlopsPerSample(spec: FlopSpec): number {
  const { contextLength: L, channels: C, params: p } = spec;
  const out = spec.horizon * outputsPerStep(spec);
  switch (spec.family) {
    case 'dlinear':
      return C * 2 * linear(1, L, out); // seasonal + trend heads, per channel
    case 'ttm': {
      const P = p.patch_length,
        D = p.d_model,
        e = p.expansion,
        N = Math.floor(L / P),
        gated = p.gated_attention ? 1 : 0;
      const mlp = (rows: number, n: number) => linear(rows, n, n * e) + linear(rows, n * e, n) + gated * linear(rows, n, n);
      const layer = mlp(C * D, N) + mlp(C * N, D) + (p.channel_mix ? mlp(N * D, C) : 0);
      return linear(C * N, P, D) + p.num_layers * layer + linear(C, N * D, out);
    }
    case 'patchtst': {
      const P = p.patch_length,
        S = p.stride,
        D = p.d_model,
        F = p.d_ff,
        N = Math.floor((L - P) / S) + 2;
      const attention = 4 * linear(N, D, D) + 2 * 2 * N * N * D; // Q, K, V, out; QK^T and AV
      const ffn = linear(N, D, F) + linear(N, F, D);
      return C * (linear(N, P, D) + p.num_layers * (attention + ffn) + linear(1, N * D, out));
    }
    case 'tsmixer': {
      const F = p.ff_dim;
      // per block: time mixing Linear(L, L) on every channel, feature mixing C -> F -> C at every step
      const block = linear(C, L, L) + linear(L, C, F) + linear(L, F, C);
      return p.num_blocks * block + linear(C, L, out);
    }
    case 'nhits':
      return nhitsFlops(spec);
    case 'tide':
      return tideFlops(spec);
    case 'lstm':
    case 'gru':
      return recurrentFlops(spec, spec.family === 'lstm' ? 4 : 3);
    default:
      throw new Error(`flops: unknown model family '${spec.family}'`);
  }
}

/** N-HiTS: per block, the pooled input through the MLP to backcast + interpolation knots (interpolation is element-wise). */
function nhitsFlops(spec: FlopSpec): number {
  const { contextLength: L, horizon: H, channels: C, params: p } = spec;
  const Q = outputsPerStep(spec);
  const S = p.num_stacks;
  let total = 0;
  for (let s = 0; s < S; s++) {
    const kernel = Math.min(p.pool_base ** (S - 1 - s), L);
    const coefficients = Math.max(Math.floor(H / p.downsample_base ** (S - 1 - s)), 1);
    const sizes = [Math.ceil(L / kernel), ...Array<number>(p.mlp_layers).fill(p.hidden_size)];
    let block = linear(C, sizes[sizes.length - 1], L + coefficients * Q);
    for (let i = 0; i < p.mlp_layers; i++) block += linear(C, sizes[i], sizes[i + 1]);
    total += p.blocks_per_stack * block;
  }
  return total;
}

/** TiDE's residual block: in -> hidden -> out plus the in -> out skip, on `rows` rows. */
const residualBlock = (rows: number, inF: number, hidden: number, outF: number) =>
  linear(rows, inF, hidden) + linear(rows, hidden, outF) + linear(rows, inF, outF);

/** TiDE: feature projection per step, dense encoder/decoder per channel, temporal decoder per step, global residual. */
function tideFlops(spec: FlopSpec): number {
  const { contextLength: L, horizon: H, channels: C, params: p } = spec;
  const Q = outputsPerStep(spec);
  const hidden = p.hidden_size,
    tw = p.temporal_width,
    outDim = p.decoder_output_dim;
  let total = tw > 0 ? residualBlock(L, C, hidden, tw) : 0;
  for (let i = 0; i < p.num_encoder_layers; i++) total += residualBlock(C, i === 0 ? L + L * tw + C : hidden, hidden, hidden);
  for (let i = 0; i < p.num_decoder_layers; i++)
    total += residualBlock(C, hidden, hidden, i + 1 === p.num_decoder_layers ? H * outDim : hidden);
  return total + residualBlock(C * H, outDim, p.temporal_decoder_hidden, Q) + linear(C, L, H * Q);
}

/** LSTM (4 gates) or GRU (3 gates): input and recurrent products at every step of every layer, then the linear head. */
function recurrentFlops(spec: FlopSpec, gates: number): number {
  const { contextLength: L, channels: C, params: p } = spec;
  const out = spec.horizon * outputsPerStep(spec);
  const h = p.hidden_size;
  let perStep = 0;
  for (let layer = 0; layer < p.num_layers; layer++) perStep += linear(1, layer === 0 ? C : h, gates * h) + linear(1, h, gates * h);
  return L * perStep + linear(1, h, C * out);
}

export const trainFlopsPerSample = (spec: FlopSpec) => 3 * forwardFlopsPerSample(spec);
