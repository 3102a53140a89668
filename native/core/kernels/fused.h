#pragma once
// Fused CPU operations for the models' training step, with autograd: inverted dropout and multi-head
// scaled dot-product attention. On CPU float32 tensors they run the kernels of cpu_kernels.h (AVX2 when the
// CPU has it); anything else (CUDA, other dtypes, TSFM_FUSED_KERNELS=0) takes the plain LibTorch ops, which
// are also the reference the self-check compares against.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace tsfm {
namespace kernels {

// "avx2" or "baseline" (the instruction set the fused kernels run with), or "off".
std::string fused_kernels_mode();
// Fused kernels are on unless the environment says TSFM_FUSED_KERNELS=0 (read once) or this is called.
void set_fused_kernels_enabled(bool enabled);

// Inverted dropout (PyTorch semantics: keep with probability 1 - p, scale kept values by 1 / (1 - p)).
// The mask comes from a counter-based hash keyed by 64 bits drawn from `generator` (default: LibTorch's
// default CPU generator, so torch::manual_seed makes it reproducible whatever the thread count).
torch::Tensor dropout(const torch::Tensor& x, double p, bool training,
                      c10::optional<at::Generator> generator = c10::nullopt);

// softmax(q k^T * scale) v per head, for q, k, v: [batch, seq, heads * head_dim] (projection outputs);
// returns [batch, seq, heads * head_dim] with the heads in the same interleaved layout.
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, int64_t heads,
                        double scale);
// The same attention in plain tensor ops (matmul + softmax): the fallback and the reference.
torch::Tensor attention_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                  int64_t heads, double scale);

struct KernelCheck {
  std::string name;
  bool ok = false;
  double max_error = 0.0;  // against the reference (0 for exact checks)
  std::string detail;
};
// Runs every fused kernel, for every instruction set this CPU can run, against the LibTorch reference:
// attention outputs and gradients, dropout statistics, scaling, gradients and reproducibility. Leaves the
// global random state and thread settings untouched.
std::vector<KernelCheck> check_fused_kernels();

}  // namespace kernels
}  // namespace tsfm
