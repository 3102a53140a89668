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

/** FLOPs of x @ W for `rows` rows of a Linear(inF -> outF). */
const linear = (rows: number, inF: number, outF: number) => 2 * rows * inF * outF;

export function forwardFlopsPerSample(spec: FlopSpec): number {
  const { contextLength: L, channels: C, params: p } = spec;
  const out = spec.horizon * Math.max(1, spec.quantiles?.length ?? 0);
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
    default:
      throw new Error(`flops: unknown model family '${spec.family}'`);
  }
}

export const trainFlopsPerSample = (spec: FlopSpec) => 3 * forwardFlopsPerSample(spec);
