#include "kernels/fused.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <sstream>

#include "kernels/cpu_kernels.h"

namespace tsfm {
namespace kernels {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::atomic<int> g_enabled{-1};  // -1: not yet read from the environment

bool enabled() {
  int e = g_enabled.load();
  if (e < 0) {
    const char* v = std::getenv("TSFM_FUSED_KERNELS");
    e = (v && std::string(v) == "0") ? 0 : 1;
    g_enabled.store(e);
  }
  return e == 1;
}

bool cpu_has_avx2() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

// The tables this CPU can run, best first. The AVX2 table is only touched after the CPU check.
std::vector<const CpuKernelTable*> runnable_tables() {
  std::vector<const CpuKernelTable*> out;
  if (cpu_has_avx2() && avx2_kernels()) out.push_back(avx2_kernels());
  out.push_back(&base_kernels());
  return out;
}

const CpuKernelTable& active_table() {
  static const CpuKernelTable* table = runnable_tables().front();
  return *table;
}

int64_t encode(const CpuKernelTable* t) { return static_cast<int64_t>(reinterpret_cast<intptr_t>(t)); }
const CpuKernelTable* decode(const c10::IValue& v) {
  return reinterpret_cast<const CpuKernelTable*>(static_cast<intptr_t>(v.toInt()));
}

bool cpu_float(const Tensor& t) { return t.device().is_cpu() && t.scalar_type() == at::kFloat; }

uint64_t draw_seed(const c10::optional<at::Generator>& generator) {
  auto* gen = at::get_generator_or_default<at::CPUGeneratorImpl>(generator, at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(gen->mutex_);
  return gen->random64();
}

constexpr int64_t kElementGrain = 1 << 15;  // elementwise work per thread chunk

struct DropoutFn : torch::autograd::Function<DropoutFn> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, double p, int64_t seed, int64_t table) {
    const auto* t = reinterpret_cast<const CpuKernelTable*>(static_cast<intptr_t>(table));
    auto xc = x.contiguous();
    auto y = at::empty_like(xc);
    auto mask = at::empty(xc.sizes(), xc.options().dtype(at::kByte));
    const int32_t keep24 = static_cast<int32_t>(std::llround((1.0 - p) * 16777216.0));
    const float scale = static_cast<float>(1.0 / (1.0 - p));
    const float* xp = xc.data_ptr<float>();
    float* yp = y.data_ptr<float>();
    uint8_t* mp = mask.data_ptr<uint8_t>();
    at::parallel_for(0, xc.numel(), kElementGrain, [&](int64_t b, int64_t e) {
      t->dropout_forward(xp, yp, mp, b, e, keep24, scale, static_cast<uint64_t>(seed));
    });
    ctx->saved_data["mask"] = mask;
    ctx->saved_data["scale"] = static_cast<double>(scale);
    ctx->saved_data["table"] = table;
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto* t = decode(ctx->saved_data["table"]);
    auto mask = ctx->saved_data["mask"].toTensor();
    const float scale = static_cast<float>(ctx->saved_data["scale"].toDouble());
    auto g = grads[0].contiguous();
    auto gx = at::empty_like(g);
    const float* gp = g.data_ptr<float>();
    const uint8_t* mp = mask.data_ptr<uint8_t>();
    float* op = gx.data_ptr<float>();
    at::parallel_for(0, g.numel(), kElementGrain,
                     [&](int64_t b, int64_t e) { t->dropout_backward(gp, mp, op, b, e, scale); });
    return {gx, Tensor(), Tensor(), Tensor()};
  }
};

AttentionShape attention_shape(const Tensor& q, int64_t heads, double scale) {
  AttentionShape s;
  s.batch = q.size(0);
  s.seq = q.size(1);
  s.heads = heads;
  s.head_dim = q.size(2) / heads;
  s.scale = static_cast<float>(scale);
  return s;
}

// probs: [tasks, seq, seq] to keep for the backward pass, or undefined (inference: one row of scratch).
Tensor attention_forward(const CpuKernelTable& t, const AttentionShape& s, const Tensor& q, const Tensor& k,
                         const Tensor& v, const Tensor& probs) {
  auto out = at::empty_like(q);
  const float *qp = q.data_ptr<float>(), *kp = k.data_ptr<float>(), *vp = v.data_ptr<float>();
  float* op = out.data_ptr<float>();
  float* pp = probs.defined() ? probs.data_ptr<float>() : nullptr;
  at::parallel_for(0, s.tasks(), 1, [&](int64_t b, int64_t e) {
    std::vector<float> scratch(static_cast<size_t>(s.forward_scratch()));
    t.attention_forward(s, qp, kp, vp, op, pp, scratch.data(), b, e);
  });
  return out;
}

struct AttentionFn : torch::autograd::Function<AttentionFn> {
  static Tensor forward(AutogradContext* ctx, const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads,
                        double scale, int64_t table) {
    const auto* t = reinterpret_cast<const CpuKernelTable*>(static_cast<intptr_t>(table));
    auto s = attention_shape(q, heads, scale);
    auto qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
    auto probs = at::empty({s.tasks(), s.seq, s.seq}, qc.options());
    auto out = attention_forward(*t, s, qc, kc, vc, probs);
    ctx->save_for_backward({qc, kc, vc});
    ctx->saved_data["probs"] = probs;
    ctx->saved_data["heads"] = heads;
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["table"] = table;
    return out;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto* t = decode(ctx->saved_data["table"]);
    auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2];
    auto probs = ctx->saved_data["probs"].toTensor();
    auto s = attention_shape(q, ctx->saved_data["heads"].toInt(), ctx->saved_data["scale"].toDouble());
    auto g = grads[0].contiguous();
    auto dq = at::empty_like(q), dk = at::empty_like(k), dv = at::empty_like(v);
    const float *qp = q.data_ptr<float>(), *kp = k.data_ptr<float>(), *vp = v.data_ptr<float>();
    const float *pp = probs.data_ptr<float>(), *gp = g.data_ptr<float>();
    float *dqp = dq.data_ptr<float>(), *dkp = dk.data_ptr<float>(), *dvp = dv.data_ptr<float>();
    at::parallel_for(0, s.tasks(), 1, [&](int64_t b, int64_t e) {
      std::vector<float> scratch(static_cast<size_t>(s.backward_scratch()));
      t->attention_backward(s, qp, kp, vp, pp, gp, dqp, dkp, dvp, scratch.data(), b, e);
    });
    return {dq, dk, dv, Tensor(), Tensor(), Tensor()};
  }
};

bool attention_shapes_ok(const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads) {
  return q.dim() == 3 && q.sizes() == k.sizes() && q.sizes() == v.sizes() && heads > 0 && q.size(2) % heads == 0 &&
         q.size(1) > 0;
}

Tensor attention_with(const CpuKernelTable& t, const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads,
                      double scale) {
  const bool grad = torch::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad());
  if (grad) return AttentionFn::apply(q, k, v, heads, scale, encode(&t));
  return attention_forward(t, attention_shape(q, heads, scale), q.contiguous(), k.contiguous(), v.contiguous(), Tensor());
}

Tensor dropout_with(const CpuKernelTable& t, const Tensor& x, double p, uint64_t seed) {
  return DropoutFn::apply(x, p, static_cast<int64_t>(seed), encode(&t));
}

}  // namespace

std::string fused_kernels_mode() { return enabled() ? active_table().isa : "off"; }

void set_fused_kernels_enabled(bool on) { g_enabled.store(on ? 1 : 0); }

Tensor dropout(const Tensor& x, double p, bool training, c10::optional<at::Generator> generator) {
  if (!training || p == 0.0) return x;
  if (!enabled() || !cpu_float(x) || !(p > 0.0 && p < 1.0)) return torch::dropout(x, p, training);
  return dropout_with(active_table(), x, p, draw_seed(generator));
}

Tensor attention_reference(const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads, double scale) {
  const int64_t b = q.size(0), n = q.size(1), d = q.size(2), dk = d / heads;
  auto qh = q.reshape({b, n, heads, dk}).transpose(1, 2);     // [b, h, N, dk]
  auto kh = k.reshape({b, n, heads, dk}).permute({0, 2, 3, 1});  // [b, h, dk, N]
  auto vh = v.reshape({b, n, heads, dk}).transpose(1, 2);     // [b, h, N, dk]
  auto attn = torch::softmax(torch::matmul(qh, kh) * scale, -1);
  return torch::matmul(attn, vh).transpose(1, 2).contiguous().view({b, n, d});
}

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads, double scale) {
  if (!enabled() || !cpu_float(q) || !cpu_float(k) || !cpu_float(v) || !attention_shapes_ok(q, k, v, heads)) {
    return attention_reference(q, k, v, heads, scale);
  }
  return attention_with(active_table(), q, k, v, heads, scale);
}

// ------------------------------------------------------------------ self-check

namespace {

double max_abs_diff(const Tensor& a, const Tensor& b) { return (a - b).abs().max().item<double>(); }

std::string shape_name(int64_t b, int64_t n, int64_t h, int64_t dk) {
  std::ostringstream os;
  os << "[" << b << "x" << n << ", " << h << " heads of " << dk << "]";
  return os.str();
}

void check_attention(const CpuKernelTable& t, std::vector<KernelCheck>& out) {
  struct Case { int64_t b, n, h, dk; };
  const Case cases[] = {{3, 17, 4, 8}, {2, 42, 16, 8}, {1, 5, 1, 3}, {2, 64, 2, 32}, {1, 1, 2, 4}, {2, 9, 3, 5}, {2, 33, 4, 16}, {1, 20, 2, 64}};
  auto gen = at::make_generator<at::CPUGeneratorImpl>(20261125);
  double fwd_err = 0.0, grad_err = 0.0;
  std::string worst = "";
  for (const auto& c : cases) {
    const int64_t d = c.h * c.dk;
    const double scale = 1.0 / std::sqrt(static_cast<double>(c.dk));
    auto opts = torch::TensorOptions().dtype(torch::kFloat);
    auto q = (torch::randn({c.b, c.n, d}, gen, opts) * 2).requires_grad_();
    auto k = (torch::randn({c.b, c.n, d}, gen, opts) * 2).requires_grad_();
    auto v = torch::randn({c.b, c.n, d}, gen, opts).requires_grad_();
    auto w = torch::randn({c.b, c.n, d}, gen, opts);
    torch::AutoGradMode grad_on(true);
    auto fused = attention_with(t, q, k, v, c.h, scale);
    auto ref = attention_reference(q, k, v, c.h, scale);
    const double ref_max = 1.0 + ref.abs().max().item<double>();
    double fe = max_abs_diff(fused, ref) / ref_max;
    {
      torch::NoGradGuard no_grad;  // the inference path (no saved probabilities)
      fe = std::max(fe, max_abs_diff(attention_with(t, q, k, v, c.h, scale), ref.detach()) / ref_max);
    }
    auto gf = torch::autograd::grad({(fused * w).sum()}, {q, k, v});
    auto gr = torch::autograd::grad({(ref * w).sum()}, {q, k, v});
    double ge = 0.0;
    for (size_t i = 0; i < 3; ++i) ge = std::max(ge, max_abs_diff(gf[i], gr[i]) / (1.0 + gr[i].abs().max().item<double>()));
    if (fe > fwd_err || ge > grad_err) worst = shape_name(c.b, c.n, c.h, c.dk);
    fwd_err = std::max(fwd_err, fe);
    grad_err = std::max(grad_err, ge);
  }
  const std::string isa = t.isa;
  out.push_back({"attention forward (" + isa + ")", fwd_err < 1e-5, fwd_err,
                 "max |fused - matmul/softmax| / (1 + max |output|), training and inference paths, 5 shapes; worst " + worst});
  out.push_back({"attention gradients (" + isa + ")", grad_err < 1e-5, grad_err,
                 "max |fused - autograd| / (1 + max |grad|) for q, k, v"});
}

void check_dropout(const CpuKernelTable& t, std::vector<KernelCheck>& out) {
  const std::string isa = t.isa;
  const int64_t n = 1 << 20;
  const double p = 0.3;
  auto x = torch::ones({n}, torch::kFloat).requires_grad_();
  torch::AutoGradMode grad_on(true);
  auto y = dropout_with(t, x, p, 0x5eed1234abcdULL);
  y.backward(torch::ones_like(y));
  auto kept = (y != 0);
  const double frac = kept.to(torch::kDouble).mean().item<double>();
  const double sigma = std::sqrt(p * (1 - p) / n);
  const double pairs = (kept.narrow(0, 0, n - 1) & kept.narrow(0, 1, n - 1)).to(torch::kDouble).mean().item<double>();
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  const bool scaled = (y.masked_select(kept) == scale).all().item<bool>();
  const bool grad_ok = torch::equal(x.grad(), y.detach());
  out.push_back({"dropout keep rate (" + isa + ")", std::abs(frac - 0.7) < 6 * sigma && std::abs(pairs - 0.49) < 0.01,
                 std::abs(frac - 0.7),
                 "kept " + std::to_string(frac) + " of 2^20 (expected 0.7 +- " + std::to_string(6 * sigma) +
                     "), adjacent pairs kept " + std::to_string(pairs) + " (expected 0.49)"});
  out.push_back({"dropout scaling and gradient (" + isa + ")", scaled && grad_ok, 0.0,
                 std::string("kept values x / (1 - p): ") + (scaled ? "yes" : "no") +
                     "; gradient = mask / (1 - p): " + (grad_ok ? "yes" : "no")});

  // The mask depends on (seed, index) only: one call over the range equals uneven pieces, and the same
  // seed drawn from equal generator states gives the same mask.
  torch::NoGradGuard no_grad;
  const int64_t m = 100003;
  auto ones = torch::ones({m}, torch::kFloat);
  auto whole = torch::empty({m}), pieces = torch::empty({m});
  auto mw = torch::empty({m}, torch::kByte), mp = torch::empty({m}, torch::kByte);
  const int32_t keep24 = static_cast<int32_t>(std::llround(0.5 * 16777216.0));
  t.dropout_forward(ones.data_ptr<float>(), whole.data_ptr<float>(), mw.data_ptr<uint8_t>(), 0, m, keep24, 2.0f, 42);
  const int64_t cuts[] = {0, 1, 7, 4096, 33333, 99999, m};
  for (size_t i = 0; i + 1 < sizeof(cuts) / sizeof(cuts[0]); ++i) {
    t.dropout_forward(ones.data_ptr<float>(), pieces.data_ptr<float>(), mp.data_ptr<uint8_t>(), cuts[i], cuts[i + 1],
                      keep24, 2.0f, 42);
  }
  auto g1 = at::make_generator<at::CPUGeneratorImpl>(7), g2 = at::make_generator<at::CPUGeneratorImpl>(7);
  auto g3 = at::make_generator<at::CPUGeneratorImpl>(8);
  auto a = dropout_with(t, ones, 0.5, draw_seed(g1)), b = dropout_with(t, ones, 0.5, draw_seed(g2));
  auto c = dropout_with(t, ones, 0.5, draw_seed(g3));
  const bool split_ok = torch::equal(whole, pieces) && torch::equal(mw, mp);
  const bool seed_ok = torch::equal(a, b) && !torch::equal(a, c);
  out.push_back({"dropout reproducibility (" + isa + ")", split_ok && seed_ok, 0.0,
                 std::string("same mask however the range is split: ") + (split_ok ? "yes" : "no") +
                     "; same seed -> same mask, other seed -> other mask: " + (seed_ok ? "yes" : "no")});
}

}  // namespace

std::vector<KernelCheck> check_fused_kernels() {
  std::vector<KernelCheck> out;
  for (const auto* t : runnable_tables()) {
    check_attention(*t, out);
    check_dropout(*t, out);
  }
  return out;
}

}  // namespace kernels
}  // namespace tsfm
