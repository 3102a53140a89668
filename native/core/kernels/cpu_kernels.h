#pragma once
// Fused CPU kernels on raw float pointers, compiled once per instruction set (cpu_base.cpp for the
// baseline, cpu_avx2.cpp with AVX2+FMA) from cpu_impl.inl and picked at run time. Plain C++ with no ATen
// inside: code compiled with -mavx2 must not share inline functions with the rest of the library, or the
// linker could hand the AVX2 copy to a CPU without AVX2. The ATen side (autograd, threads) is in fused.cpp.
#include <cstdint>

namespace tsfm {
namespace kernels {

// Multi-head scaled dot-product attention over [batch, seq, heads * head_dim] row-major tensors (the
// layout a Linear projection produces), one task per (batch, head) pair.
struct AttentionShape {
  int64_t batch = 0, seq = 0, heads = 0, head_dim = 0;
  float scale = 1.0f;
  int64_t tasks() const { return batch * heads; }
  int64_t model_dim() const { return heads * head_dim; }
  // floats of scratch one thread needs for one task
  int64_t forward_scratch() const { return head_dim * seq + seq; }
  int64_t backward_scratch() const { return head_dim * seq + seq * seq; }
};

struct CpuKernelTable {
  const char* isa;
  // out = softmax(q k^T * scale) v per head; probs ([tasks, seq, seq]) receives the softmax when not null.
  void (*attention_forward)(const AttentionShape& s, const float* q, const float* k, const float* v, float* out,
                            float* probs, float* scratch, int64_t task_begin, int64_t task_end);
  // Gradients of attention_forward from the saved probabilities; dq, dk, dv are overwritten.
  void (*attention_backward)(const AttentionShape& s, const float* q, const float* k, const float* v,
                             const float* probs, const float* grad_out, float* dq, float* dk, float* dv,
                             float* scratch, int64_t task_begin, int64_t task_end);
  // Inverted dropout on [begin, end): element i is kept when the top 24 bits of a keyed hash of
  // (seed, i) fall below keep24; kept values are scaled, the mask records which were kept. The mask
  // depends only on (seed, i), not on how the range is split across threads.
  void (*dropout_forward)(const float* x, float* y, uint8_t* mask, int64_t begin, int64_t end, int32_t keep24,
                          float scale, uint64_t seed);
  void (*dropout_backward)(const float* grad, const uint8_t* mask, float* grad_in, int64_t begin, int64_t end,
                           float scale);
};

const CpuKernelTable& base_kernels();
// nullptr when the library was built without an AVX2 variant (non-x86 targets).
const CpuKernelTable* avx2_kernels();

}  // namespace kernels
}  // namespace tsfm
