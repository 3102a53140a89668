#include "convert.h"

#include <c10/util/Exception.h>

#include <cmath>

namespace tsfm::binding {

std::string get_string(const Napi::Object& o, const char* key, const std::string& fallback) {
  auto v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), std::string(key) + ": expected a string");
  return v.As<Napi::String>().Utf8Value();
}

double get_number(const Napi::Object& o, const char* key, double fallback) {
  auto v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(key) + ": expected a number");
  return v.As<Napi::Number>().DoubleValue();
}

bool get_bool(const Napi::Object& o, const char* key, bool fallback) {
  auto v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsBoolean()) throw Napi::TypeError::New(o.Env(), std::string(key) + ": expected a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::vector<double> get_double_array(const Napi::Env& env, const Napi::Value& v, const char* what) {
  std::vector<double> out;
  if (v.IsTypedArray()) {
    auto ta = v.As<Napi::TypedArray>();
    switch (ta.TypedArrayType()) {
      case napi_float64_array: {
        auto a = v.As<Napi::Float64Array>();
        out.assign(a.Data(), a.Data() + a.ElementLength());
        return out;
      }
      case napi_float32_array: {
        auto a = v.As<Napi::Float32Array>();
        out.assign(a.Data(), a.Data() + a.ElementLength());
        return out;
      }
      case napi_int32_array: {
        auto a = v.As<Napi::Int32Array>();
        out.assign(a.Data(), a.Data() + a.ElementLength());
        return out;
      }
      case napi_bigint64_array: {
        auto a = v.As<Napi::BigInt64Array>();
        out.assign(a.Data(), a.Data() + a.ElementLength());
        return out;
      }
      default:
        throw Napi::TypeError::New(env, std::string(what) + ": unsupported typed array type");
    }
  }
  if (v.IsArray()) {
    auto a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      auto e = a.Get(i);
      if (!e.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + "[" + std::to_string(i) + "]: expected a number");
      out.push_back(e.As<Napi::Number>().DoubleValue());
    }
    return out;
  }
  throw Napi::TypeError::New(env, std::string(what) + ": expected an array or typed array of numbers");
}

std::vector<int64_t> get_int_array(const Napi::Env& env, const Napi::Value& v, const char* what) {
  std::vector<int64_t> out;
  for (double d : get_double_array(env, v, what)) {
    if (!std::isfinite(d) || d != std::floor(d)) throw Napi::RangeError::New(env, std::string(what) + ": expected integers");
    out.push_back(static_cast<int64_t>(d));
  }
  return out;
}

ModelSpec to_model_spec(const Napi::Object& o) {
  ModelSpec s;
  s.family = get_string(o, "family", "");
  s.context_length = static_cast<int64_t>(get_number(o, "contextLength", 0));
  s.horizon = static_cast<int64_t>(get_number(o, "horizon", 0));
  s.channels = static_cast<int64_t>(get_number(o, "channels", 1));
  if (s.context_length < 1 || s.horizon < 1 || s.channels < 1)
    throw Napi::RangeError::New(o.Env(), "model spec: contextLength, horizon and channels must be >= 1");
  auto q = o.Get("quantiles");
  if (!q.IsUndefined() && !q.IsNull()) s.quantiles = get_double_array(o.Env(), q, "quantiles");
  auto p = o.Get("params");
  if (!p.IsUndefined() && !p.IsNull()) {
    if (!p.IsObject()) throw Napi::TypeError::New(o.Env(), "params: expected an object of numbers");
    auto po = p.As<Napi::Object>();
    auto keys = po.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); ++i) {
      auto k = keys.Get(i).As<Napi::String>().Utf8Value();
      auto v = po.Get(k);
      if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), "params." + k + ": expected a number");
      s.params[k] = v.As<Napi::Number>().DoubleValue();
    }
  }
  return s;
}

// finetune: { strategy, loraRank, loraAlpha, loraTargets: string[] } (training.finetune); defaults when absent.
FinetuneOptions to_finetune_options(const Napi::Object& o) {
  FinetuneOptions f;
  auto ft = o.Get("finetune");
  if (ft.IsUndefined() || ft.IsNull()) return f;
  if (!ft.IsObject()) throw Napi::TypeError::New(o.Env(), "finetune: expected { strategy, loraRank, loraAlpha, loraTargets }");
  auto fo = ft.As<Napi::Object>();
  f.strategy = get_string(fo, "strategy", f.strategy);
  f.lora_rank = static_cast<int64_t>(get_number(fo, "loraRank", static_cast<double>(f.lora_rank)));
  f.lora_alpha = get_number(fo, "loraAlpha", f.lora_alpha);
  auto targets = fo.Get("loraTargets");
  if (!targets.IsUndefined() && !targets.IsNull()) {
    if (!targets.IsArray()) throw Napi::TypeError::New(o.Env(), "finetune.loraTargets: expected an array of strings");
    auto arr = targets.As<Napi::Array>();
    f.lora_targets.clear();
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      if (!arr.Get(i).IsString()) throw Napi::TypeError::New(o.Env(), "finetune.loraTargets: expected an array of strings");
      f.lora_targets.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
    }
  }
  return f;
}

TrainOptions to_train_options(const Napi::Object& o) {
  TrainOptions t;
  t.epochs = static_cast<int64_t>(get_number(o, "epochs", t.epochs));
  t.batch_size = static_cast<int64_t>(get_number(o, "batchSize", t.batch_size));
  t.lr = get_number(o, "lr", t.lr);
  t.weight_decay = get_number(o, "weightDecay", t.weight_decay);
  t.warmup_fraction = get_number(o, "warmupFraction", t.warmup_fraction);
  t.warmup_steps = static_cast<int64_t>(get_number(o, "warmupSteps", t.warmup_steps));
  t.schedule = get_string(o, "schedule", t.schedule);
  t.grad_clip = get_number(o, "gradClip", t.grad_clip);
  t.loss = get_string(o, "loss", t.loss);
  t.early_metric = get_string(o, "earlyStoppingMetric", t.early_metric);
  t.patience = static_cast<int64_t>(get_number(o, "patience", t.patience));
  t.min_delta = get_number(o, "minDelta", t.min_delta);
  t.seed = static_cast<uint64_t>(get_number(o, "seed", static_cast<double>(t.seed)));
  t.threads = static_cast<int64_t>(get_number(o, "threads", t.threads));
  t.device = get_string(o, "device", t.device);
  t.precision = get_string(o, "precision", t.precision);
  t.max_steps_per_epoch = static_cast<int64_t>(get_number(o, "maxStepsPerEpoch", 0));
  t.val_max_windows = static_cast<int64_t>(get_number(o, "valMaxWindows", 0));
  t.log_every = static_cast<int64_t>(get_number(o, "logEvery", t.log_every));
  t.deterministic = get_bool(o, "deterministic", t.deterministic);
  t.checkpoint_dir = get_string(o, "checkpointDir", "");
  t.checkpoint_every_epochs = static_cast<int64_t>(get_number(o, "checkpointEveryEpochs", 1));
  t.stop_after_steps = static_cast<int64_t>(get_number(o, "stopAfterSteps", 0));
  t.grad_accum_steps = static_cast<int64_t>(get_number(o, "gradAccumSteps", 1));
  t.fault_kind = get_string(o, "faultKind", "");
  t.fault_step = static_cast<int64_t>(get_number(o, "faultStep", -1));
  // distributed: { rank, worldSize, masterAddr, masterPort, backend, timeoutMs, bucketMb }
  auto d = o.Get("distributed");
  if (!d.IsUndefined() && !d.IsNull()) {
    if (!d.IsObject()) throw Napi::TypeError::New(o.Env(), "distributed: expected { rank, worldSize, masterAddr, masterPort }");
    auto dobj = d.As<Napi::Object>();
    t.dist.rank = static_cast<int64_t>(get_number(dobj, "rank", 0));
    t.dist.world_size = static_cast<int64_t>(get_number(dobj, "worldSize", 1));
    t.dist.master_addr = get_string(dobj, "masterAddr", t.dist.master_addr);
    t.dist.master_port = static_cast<int64_t>(get_number(dobj, "masterPort", static_cast<double>(t.dist.master_port)));
    t.dist.backend = get_string(dobj, "backend", t.dist.backend);
    t.dist.timeout_ms = static_cast<int64_t>(get_number(dobj, "timeoutMs", static_cast<double>(t.dist.timeout_ms)));
    t.dist.rendezvous_timeout_ms =
        static_cast<int64_t>(get_number(dobj, "rendezvousTimeoutMs", static_cast<double>(t.dist.rendezvous_timeout_ms)));
    t.dist.bucket_mb = get_number(dobj, "bucketMb", t.dist.bucket_mb);
    t.dist.force = get_bool(dobj, "force", false);
  }
  t.finetune = to_finetune_options(o);
  t.profile_steps = get_bool(o, "profileSteps", false);
  t.prefetch = get_string(o, "prefetch", t.prefetch);
  t.time_from_step = static_cast<int64_t>(get_number(o, "timeFromStep", -1));
  if (t.prefetch != "auto" && t.prefetch != "on" && t.prefetch != "off")
    throw Napi::RangeError::New(o.Env(), "prefetch: expected 'auto', 'on' or 'off', got '" + t.prefetch + "'");
  if (t.epochs < 1) throw Napi::RangeError::New(o.Env(), "epochs: must be >= 1");
  if (t.batch_size < 1) throw Napi::RangeError::New(o.Env(), "batchSize: must be >= 1");
  if (!(t.lr > 0)) throw Napi::RangeError::New(o.Env(), "lr: must be > 0");
  return t;
}

PredictorOptions to_predictor_options(const Napi::Object& o) {
  PredictorOptions p;
  p.finetune = to_finetune_options(o);  // a LoRA run's checkpoints carry adapters: the model gets the same ones
  p.device = get_string(o, "device", p.device);
  p.precision = get_string(o, "precision", p.precision);
  p.batch_size = static_cast<int64_t>(get_number(o, "batchSize", static_cast<double>(p.batch_size)));
  p.threads = static_cast<int64_t>(get_number(o, "threads", static_cast<double>(p.threads)));
  if (p.batch_size < 1) throw Napi::RangeError::New(o.Env(), "batchSize: must be >= 1");
  return p;
}

Napi::Object model_info_to_js(Napi::Env env, const ModelSpec& s, int64_t parameters) {
  auto o = Napi::Object::New(env);
  o.Set("family", s.family);
  o.Set("contextLength", Napi::Number::New(env, static_cast<double>(s.context_length)));
  o.Set("horizon", Napi::Number::New(env, static_cast<double>(s.horizon)));
  o.Set("channels", Napi::Number::New(env, static_cast<double>(s.channels)));
  o.Set("parameters", Napi::Number::New(env, static_cast<double>(parameters)));
  o.Set("output", s.quantiles.empty() ? "point" : "quantile");
  auto q = Napi::Array::New(env, s.quantiles.size());
  for (size_t i = 0; i < s.quantiles.size(); ++i) q.Set(static_cast<uint32_t>(i), s.quantiles[i]);
  o.Set("quantiles", q);
  auto params = Napi::Object::New(env);
  for (const auto& [k, v] : s.params) params.Set(k, v);
  o.Set("params", params);
  return o;
}

WindowIndex to_window_index(const Napi::Object& o) {
  auto env = o.Env();
  auto starts = get_int_array(env, o.Get("spanStart"), "windows.spanStart");
  auto counts = get_int_array(env, o.Get("spanCount"), "windows.spanCount");
  return WindowIndex(std::move(starts), std::move(counts), static_cast<int64_t>(get_number(o, "stride", 1)),
                     static_cast<int64_t>(get_number(o, "context", 0)), static_cast<int64_t>(get_number(o, "horizon", 0)));
}

Scaling to_scaling(const Napi::Value& v) {
  Scaling s;
  if (v.IsUndefined() || v.IsNull()) return s;
  if (!v.IsObject()) throw Napi::TypeError::New(v.Env(), "scaling: expected { mean, std, channels } or null");
  auto o = v.As<Napi::Object>();
  auto kind = get_string(o, "kind", "");
  if (kind == "none") return s;
  auto mean = get_double_array(v.Env(), o.Get("mean"), "scaling.mean");
  auto sd = get_double_array(v.Env(), o.Get("std"), "scaling.std");
  if (mean.size() != sd.size()) throw Napi::RangeError::New(v.Env(), "scaling: mean and std differ in length");
  s.mean.assign(mean.begin(), mean.end());
  s.stdev.assign(sd.begin(), sd.end());
  s.num_channels = static_cast<int64_t>(get_number(o, "channels", 0));
  for (float x : s.stdev)
    if (!(x > 0)) throw Napi::RangeError::New(v.Env(), "scaling.std: every entry must be > 0");
  return s;
}

BatchLayout to_layout(const Napi::Object& o) {
  BatchLayout l;
  l.input_channels = get_int_array(o.Env(), o.Get("inputChannels"), "inputChannels");
  l.target_channels = get_int_array(o.Env(), o.Get("targetChannels"), "targetChannels");
  if (l.input_channels.empty() || l.target_channels.empty())
    throw Napi::RangeError::New(o.Env(), "inputChannels and targetChannels must not be empty");
  return l;
}

std::string message_of(const std::exception& e) {
  if (auto* c10e = dynamic_cast<const c10::Error*>(&e)) return c10e->what_without_backtrace();
  return e.what();
}

void rethrow_as_js(const Napi::Env& env, const std::exception& e) {
  if (dynamic_cast<const std::out_of_range*>(&e)) throw Napi::RangeError::New(env, message_of(e));
  throw Napi::Error::New(env, message_of(e));
}

}  // namespace tsfm::binding
