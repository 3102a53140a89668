// Bodies of the fused CPU kernels (see cpu_kernels.h). Included by one .cpp per instruction set, which
// defines TSFM_KERNEL_ISA (its name) and TSFM_KERNEL_TABLE (the function returning its table). Everything
// here has internal linkage and uses no library code, so each copy keeps the instructions it was built for.
// Inner loops run along a contiguous row and carry `omp simd` so the compiler vectorises them
// (reductions included) without -ffast-math.
#include <cstdint>
#include <cstring>

#include "kernels/cpu_kernels.h"

namespace {

using tsfm::kernels::AttentionShape;

// exp(x) for x <= 0 (softmax after subtracting the row maximum): Cephes' expf polynomial on
// x = n ln2 + r, relative error about 2e-7; below -87 the result is clamped to exp(-87) ~ 1.6e-38.
// Written once for a scalar or a GCC/Clang vector of floats (the compiler's auto-vectoriser would not
// take the bit tricks of the scalar loop), so one body serves the vector loop and its tail.
typedef float f32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));

template <typename F, typename I>
inline F exp_nonpositive(F x) {
  x = x < -87.0f ? F{} - 87.0f : x;
  const F n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest integer
  F r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  F y = F{} + 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  F two_n;  // 2^n, n in [-126, 0]: the exponent bits
  if constexpr (sizeof(F) == sizeof(float)) {
    const uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
    std::memcpy(&two_n, &bits, sizeof two_n);
  } else {
    const I bits = (__builtin_convertvector(n, I) + 127) << 23;
    std::memcpy(&two_n, &bits, sizeof two_n);
  }
  return y * two_n;
}

// In-place softmax of one row.
inline void softmax_row(float* s, int64_t n) {
  float m = s[0];
#pragma omp simd reduction(max : m)
  for (int64_t j = 0; j < n; ++j) m = s[j] > m ? s[j] : m;
  f32x8 acc = {};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    f32x8 x;
    std::memcpy(&x, s + j, sizeof x);
    const f32x8 e = exp_nonpositive<f32x8, i32x8>(x - m);
    std::memcpy(s + j, &e, sizeof e);
    acc += e;
  }
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; j < n; ++j) {
    s[j] = exp_nonpositive<float, int32_t>(s[j] - m);
    sum += s[j];
  }
  const float inv = 1.0f / sum;
#pragma omp simd
  for (int64_t k = 0; k < n; ++k) s[k] *= inv;
}

inline float dot(const float* a, const float* b, int64_t n) {
  float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
  for (int64_t j = 0; j < n; ++j) acc += a[j] * b[j];
  return acc;
}

inline void axpy(float a, const float* x, float* y, int64_t n) {  // y += a x
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) y[j] += a * x[j];
}

// rows [seq, head_dim] with row stride `stride` -> transposed [head_dim, seq], contiguous.
inline void load_transposed(const float* src, int64_t stride, int64_t seq, int64_t dim, float* dst) {
  for (int64_t j = 0; j < seq; ++j) {
    for (int64_t d = 0; d < dim; ++d) dst[d * seq + j] = src[j * stride + d];
  }
}

// out[0:dk] = sum_j w[j * w_stride] * rows[j * stride + 0:dk]: a weighted sum of n rows of one head. With
// the head size known at compile time (DK > 0) the accumulators live in registers, U of them so that the
// FMA chains overlap (one chain would wait on the FMA latency every step), and no horizontal sum is needed.
template <int DK>
inline void weighted_rows(const float* w, int64_t w_stride, const float* rows, int64_t stride, int64_t n, int64_t dk,
                          float* out) {
  if constexpr (DK > 0) {
    constexpr int U = DK >= 32 ? 1 : 32 / DK;
    float acc[U][DK] = {};
    int64_t j = 0;
    for (; j + U <= n; j += U) {
      for (int u = 0; u < U; ++u) {
        const float a = w[(j + u) * w_stride];
        const float* r = rows + (j + u) * stride;
#pragma omp simd
        for (int d = 0; d < DK; ++d) acc[u][d] += a * r[d];
      }
    }
    for (; j < n; ++j) {
      const float a = w[j * w_stride];
      const float* r = rows + j * stride;
#pragma omp simd
      for (int d = 0; d < DK; ++d) acc[0][d] += a * r[d];
    }
    for (int u = 1; u < U; ++u) {
#pragma omp simd
      for (int d = 0; d < DK; ++d) acc[0][d] += acc[u][d];
    }
    for (int d = 0; d < DK; ++d) out[d] = acc[0][d];
  } else {
    for (int64_t d = 0; d < dk; ++d) out[d] = 0.0f;
    for (int64_t j = 0; j < n; ++j) axpy(w[j * w_stride], rows + j * stride, out, dk);
  }
}

// out[j] = a * sum_d x[d] * cols[d * n + j] for j < n: one row times a [dk, n] matrix, vectorised along j
// with the sum over d kept in registers.
template <int DK>
inline void row_times_cols(const float* x, float a, const float* cols, int64_t n, int64_t dk_rt, float* out) {
  const int64_t dk = DK > 0 ? DK : dk_rt;
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    float acc = 0.0f;
    for (int64_t d = 0; d < dk; ++d) acc += x[d] * cols[d * n + j];
    out[j] = a * acc;
  }
}

template <int DK>
void attention_forward_dk(const AttentionShape& s, const float* q, const float* k, const float* v, float* out,
                          float* probs, float* scratch, int64_t task_begin, int64_t task_end) {
  const int64_t N = s.seq, dk = DK > 0 ? DK : s.head_dim, D = s.model_dim();
  float* kt = scratch;       // [dk, N]
  float* row = kt + dk * N;  // [N] when probabilities are not kept
  for (int64_t t = task_begin; t < task_end; ++t) {
    const int64_t offset = (t / s.heads) * N * D + (t % s.heads) * dk;
    load_transposed(k + offset, D, N, dk, kt);
    for (int64_t i = 0; i < N; ++i) {
      float* p = probs ? probs + (t * N + i) * N : row;
      row_times_cols<DK>(q + offset + i * D, s.scale, kt, N, dk, p);  // scores: q_i K^T * scale
      softmax_row(p, N);
      weighted_rows<DK>(p, 1, v + offset, D, N, dk, out + offset + i * D);  // out_i = p_i V
    }
  }
}

template <int DK>
void attention_backward_dk(const AttentionShape& s, const float* q, const float* k, const float* v,
                           const float* probs, const float* grad_out, float* dq, float* dk_out, float* dv,
                           float* scratch, int64_t task_begin, int64_t task_end) {
  const int64_t N = s.seq, dk = DK > 0 ? DK : s.head_dim, D = s.model_dim();
  float* vt = scratch;       // [dk, N]
  float* dS = vt + dk * N;   // [N, N]: dP, then the scaled softmax gradient dS, row by row
  for (int64_t t = task_begin; t < task_end; ++t) {
    const int64_t offset = (t / s.heads) * N * D + (t % s.heads) * dk;
    const float* P = probs + t * N * N;
    load_transposed(v + offset, D, N, dk, vt);
    for (int64_t i = 0; i < N; ++i) {
      const float* p = P + i * N;
      float* ds = dS + i * N;
      row_times_cols<DK>(grad_out + offset + i * D, 1.0f, vt, N, dk, ds);  // dP_i = dO_i V^T
      const float pdp = dot(p, ds, N);
#pragma omp simd
      for (int64_t j = 0; j < N; ++j) ds[j] = p[j] * (ds[j] - pdp) * s.scale;  // dS_i (softmax, then scale)
      weighted_rows<DK>(ds, 1, k + offset, D, N, dk, dq + offset + i * D);   // dQ_i = dS_i K
    }
    for (int64_t j = 0; j < N; ++j) {
      weighted_rows<DK>(P + j, N, grad_out + offset, D, N, dk, dv + offset + j * D);  // dV_j = P[:, j]^T dO
      weighted_rows<DK>(dS + j, N, q + offset, D, N, dk, dk_out + offset + j * D);    // dK_j = dS[:, j]^T Q
    }
  }
}

// Common head sizes get a compile-time copy; any other size runs the generic one.
#define TSFM_BY_HEAD_DIM(fn, ...)                        \
  switch (s.head_dim) {                                  \
    case 4: return fn<4>(__VA_ARGS__);                   \
    case 8: return fn<8>(__VA_ARGS__);                   \
    case 16: return fn<16>(__VA_ARGS__);                 \
    case 32: return fn<32>(__VA_ARGS__);                 \
    case 64: return fn<64>(__VA_ARGS__);                 \
    default: return fn<0>(__VA_ARGS__);                  \
  }

void attention_forward(const AttentionShape& s, const float* q, const float* k, const float* v, float* out,
                       float* probs, float* scratch, int64_t task_begin, int64_t task_end) {
  TSFM_BY_HEAD_DIM(attention_forward_dk, s, q, k, v, out, probs, scratch, task_begin, task_end)
}

void attention_backward(const AttentionShape& s, const float* q, const float* k, const float* v, const float* probs,
                        const float* grad_out, float* dq, float* dk, float* dv, float* scratch, int64_t task_begin,
                        int64_t task_end) {
  TSFM_BY_HEAD_DIM(attention_backward_dk, s, q, k, v, probs, grad_out, dq, dk, dv, scratch, task_begin, task_end)
}
#undef TSFM_BY_HEAD_DIM

// Two rounds of Wellons' lowbias32 integer hash: a counter-based generator, so any split of the index
// range across threads gives the same mask.
inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

void dropout_forward(const float* x, float* y, uint8_t* mask, int64_t begin, int64_t end, int32_t keep24, float scale,
                     uint64_t seed) {
  const uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  while (begin < end) {  // segments within one 2^32 block, so the 32-bit counter below never wraps
    const int64_t block = begin >> 32;
    const int64_t seg_end = end < ((block + 1) << 32) ? end : ((block + 1) << 32);
    const uint32_t key = k1 ^ (block ? mix32(static_cast<uint32_t>(block) * 0x9e3779b9U) : 0U);
    const uint32_t first = static_cast<uint32_t>(begin);
    const int64_t n = seg_end - begin;
    const float* xs = x + begin;
    float* ys = y + begin;
    uint8_t* ms = mask + begin;
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) {
      const uint32_t r = mix32(mix32((first + static_cast<uint32_t>(j)) ^ k0) + key);
      const int32_t keep = static_cast<int32_t>(r >> 8) < keep24 ? 1 : 0;
      ys[j] = xs[j] * (scale * static_cast<float>(keep));  // x * 0 as in PyTorch's dropout (inf -> NaN)
      ms[j] = static_cast<uint8_t>(keep);
    }
    begin = seg_end;
  }
}

void dropout_backward(const float* grad, const uint8_t* mask, float* grad_in, int64_t begin, int64_t end, float scale) {
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) grad_in[i] = grad[i] * (scale * static_cast<float>(mask[i]));
}

const tsfm::kernels::CpuKernelTable kTable = {TSFM_KERNEL_ISA, &attention_forward, &attention_backward,
                                              &dropout_forward, &dropout_backward};

}  // namespace

namespace tsfm {
namespace kernels {
const CpuKernelTable& TSFM_KERNEL_TABLE() { return kTable; }
}  // namespace kernels
}  // namespace tsfm
