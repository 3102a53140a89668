#include "wraps.h"

#include <map>

#include "convert.h"
#include "workers.h"

namespace tsfm::binding {

// ---------------------------------------------------------------- Dataset

Napi::Function DatasetWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeDataset",
                     {InstanceMethod("dispose", &DatasetWrap::Dispose), InstanceMethod("info", &DatasetWrap::Info)});
}

DatasetWrap* DatasetWrap::FromValue(const Napi::Value& v, const char* what) {
  auto* ctor = v.Env().GetInstanceData<AddonData>();
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(ctor->dataset.Value()))
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a NativeDataset");
  return Napi::ObjectWrap<DatasetWrap>::Unwrap(v.As<Napi::Object>());
}

// new NativeDataset({ columns: Float32Array[], segmentOffsets, segmentLengths, segmentSeries, numSeries })
DatasetWrap::DatasetWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DatasetWrap>(info) {
  auto env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "NativeDataset: expected an options object");
  auto o = info[0].As<Napi::Object>();
  auto cols = o.Get("columns");
  if (!cols.IsArray()) throw Napi::TypeError::New(env, "columns: expected an array of Float32Array");
  auto arr = cols.As<Napi::Array>();
  int64_t rows = -1;
  for (uint32_t c = 0; c < arr.Length(); ++c) {
    auto v = arr.Get(c);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw Napi::TypeError::New(env, "columns[" + std::to_string(c) + "]: expected a Float32Array");
    auto f = v.As<Napi::Float32Array>();
    if (rows >= 0 && static_cast<int64_t>(f.ElementLength()) != rows)
      throw Napi::RangeError::New(env, "columns[" + std::to_string(c) + "]: length " + std::to_string(f.ElementLength()) +
                                           " differs from column 0 (" + std::to_string(rows) + ")");
    rows = static_cast<int64_t>(f.ElementLength());
    store_.channels.push_back(f.Data());  // zero-copy: the column's own memory
    buffers_.push_back(Napi::Persistent(f));
  }
  store_.rows = rows < 0 ? 0 : rows;
  store_.segment_offsets = get_int_array(env, o.Get("segmentOffsets"), "segmentOffsets");
  store_.segment_lengths = get_int_array(env, o.Get("segmentLengths"), "segmentLengths");
  for (int64_t s : get_int_array(env, o.Get("segmentSeries"), "segmentSeries")) store_.segment_series.push_back(static_cast<int32_t>(s));
  store_.num_series = static_cast<int64_t>(get_number(o, "numSeries", 0));
  try {
    store_.validate();
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, std::string("NativeDataset: ") + e.what());
  }
}

const SeriesStore& DatasetWrap::store() const {
  if (disposed_) throw std::runtime_error("dataset was disposed");
  return store_;
}

Napi::Value DatasetWrap::Dispose(const Napi::CallbackInfo& info) {
  disposed_ = true;
  store_.channels.clear();
  buffers_.clear();
  return info.Env().Undefined();
}

Napi::Value DatasetWrap::Info(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("rows", Napi::Number::New(info.Env(), static_cast<double>(store_.rows)));
  o.Set("channels", Napi::Number::New(info.Env(), static_cast<double>(store_.channels.size())));
  o.Set("segments", Napi::Number::New(info.Env(), static_cast<double>(store_.segment_offsets.size())));
  o.Set("disposed", Napi::Boolean::New(info.Env(), disposed_));
  return o;
}

SplitHandle to_split(const Napi::Value& v, const char* what) {
  auto env = v.Env();
  if (!v.IsObject()) throw Napi::TypeError::New(env, std::string(what) + ": expected { dataset, windows, inputChannels, targetChannels }");
  auto o = v.As<Napi::Object>();
  auto* ds = DatasetWrap::FromValue(o.Get("dataset"), (std::string(what) + ".dataset").c_str());
  SplitHandle h;
  if (!o.Get("windows").IsObject()) throw Napi::TypeError::New(env, std::string(what) + ".windows: expected a window set");
  try {
    h.split.store = &ds->store();
    h.split.index = to_window_index(o.Get("windows").As<Napi::Object>());
    h.split.index.check_within_segments(*h.split.store);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, std::string(what) + ": " + e.what());
  }
  h.split.scaling = to_scaling(o.Get("scaling"));
  h.split.layout = to_layout(o);
  const int64_t nch = h.split.store->num_channels();
  for (int64_t c : h.split.layout.input_channels)
    if (c < 0 || c >= nch) throw Napi::RangeError::New(env, std::string(what) + ".inputChannels: channel " + std::to_string(c) + " out of range");
  for (int64_t c : h.split.layout.target_channels)
    if (c < 0 || c >= nch) throw Napi::RangeError::New(env, std::string(what) + ".targetChannels: channel " + std::to_string(c) + " out of range");
  if (!h.split.scaling.identity()) {
    if (h.split.scaling.num_channels != nch ||
        static_cast<int64_t>(h.split.scaling.mean.size()) != nch * h.split.store->num_series)
      throw Napi::RangeError::New(env, std::string(what) + ".scaling: expected [series][channel] = " +
                                           std::to_string(h.split.store->num_series) + "x" + std::to_string(nch) + " entries");
  }
  h.dataset_ref = std::make_shared<Napi::ObjectReference>(Napi::Persistent(o.Get("dataset").As<Napi::Object>()));
  return h;
}

// ---------------------------------------------------------------- Model

Napi::Function ModelWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeModel",
                     {InstanceMethod("dispose", &ModelWrap::Dispose), InstanceMethod("info", &ModelWrap::Info),
                      InstanceMethod("forward", &ModelWrap::Forward), InstanceMethod("stateDict", &ModelWrap::StateDict),
                      InstanceMethod("writeReferenceDump", &ModelWrap::WriteReferenceDump)});
}

ModelWrap* ModelWrap::FromValue(const Napi::Value& v, const char* what) {
  auto* data = v.Env().GetInstanceData<AddonData>();
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(data->model.Value()))
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a NativeModel");
  return Napi::ObjectWrap<ModelWrap>::Unwrap(v.As<Napi::Object>());
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  auto env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "NativeModel: expected a model spec object");
  auto spec = to_model_spec(info[0].As<Napi::Object>());
  // A seed makes the initial weights reproducible (resume tests, seeds in experiments).
  const double seed = get_number(info[0].As<Napi::Object>(), "seed", -1);
  try {
    if (seed >= 0) torch::manual_seed(static_cast<uint64_t>(seed));
    model_ = create_model(spec);
  } catch (const std::exception& e) {
    rethrow_as_js(env, e);
  }
  for (const auto& p : model_->parameters()) reported_bytes_ += p.numel() * static_cast<int64_t>(p.element_size());
  Napi::MemoryManagement::AdjustExternalMemory(env, reported_bytes_);  // V8 sees the weights' weight
}

ModelWrap::~ModelWrap() {
  // The finalizer may run at shutdown: only free native memory here, no JS calls.
  model_.reset();
}

void ModelWrap::release(Napi::Env env) {
  if (!model_) return;
  model_.reset();
  Napi::MemoryManagement::AdjustExternalMemory(env, -reported_bytes_);
  reported_bytes_ = 0;
}

std::shared_ptr<ForecastModelImpl> ModelWrap::model() const {
  if (!model_) throw std::runtime_error("model was disposed");
  return model_;
}

Napi::Value ModelWrap::Dispose(const Napi::CallbackInfo& info) {
  release(info.Env());
  return info.Env().Undefined();
}

Napi::Value ModelWrap::Info(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!model_) throw Napi::Error::New(env, "model was disposed");
  return model_info_to_js(env, model_->spec(), model_->parameter_count());
}

// forward(x: Float32Array, batch) -> { data: Float32Array, shape } (synchronous; small inputs, tests and tools)
Napi::Value ModelWrap::Forward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!model_) throw Napi::Error::New(env, "model was disposed");
  if (info.Length() < 2 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, "forward(x: Float32Array, batch: number)");
  auto x = info[0].As<Napi::Float32Array>();
  const int64_t b = info[1].As<Napi::Number>().Int64Value();
  const auto& s = model_->spec();
  if (b < 1 || static_cast<int64_t>(x.ElementLength()) != b * s.channels * s.context_length)
    throw Napi::RangeError::New(env, "forward: x must hold batch*channels*context = " +
                                         std::to_string(b * s.channels * s.context_length) + " values");
  try {
    torch::NoGradGuard ng;
    model_->eval();
    auto in = torch::from_blob(x.Data(), {b, s.channels, s.context_length});  // view over the JS buffer
    auto out = model_->forward(in).contiguous().to(torch::kCPU);
    return tensor_to_js(env, out);
  } catch (const std::exception& e) {
    rethrow_as_js(env, e);
  }
}

// stateDict() -> { name: { data: Float32Array, shape } } (copies; for checks against the Python reference)
Napi::Value ModelWrap::StateDict(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!model_) throw Napi::Error::New(env, "model was disposed");
  auto o = Napi::Object::New(env);
  for (const auto& item : model_->named_parameters()) o.Set(item.key(), tensor_to_js(env, item.value().detach().to(torch::kCPU).clone()));
  for (const auto& item : model_->named_buffers()) o.Set(item.key(), tensor_to_js(env, item.value().detach().to(torch::kCPU).to(torch::kFloat32).clone()));
  return o;
}

// writeReferenceDump(x: Float32Array, batch, path): weights, input and eval-mode output in a file that
// bench/python/check_equivalence.py loads (synchronous; small inputs, for the equivalence test).
Napi::Value ModelWrap::WriteReferenceDump(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!model_) throw Napi::Error::New(env, "model was disposed");
  if (info.Length() < 3 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
      !info[2].IsString())
    throw Napi::TypeError::New(env, "writeReferenceDump(x: Float32Array, batch: number, path: string)");
  auto x = info[0].As<Napi::Float32Array>();
  const int64_t b = info[1].As<Napi::Number>().Int64Value();
  const auto& s = model_->spec();
  if (b < 1 || static_cast<int64_t>(x.ElementLength()) != b * s.channels * s.context_length)
    throw Napi::RangeError::New(env, "writeReferenceDump: x must hold batch*channels*context = " +
                                         std::to_string(b * s.channels * s.context_length) + " values");
  try {
    auto in = torch::from_blob(x.Data(), {b, s.channels, s.context_length}).clone();
    write_reference_dump(*model_, in, info[2].As<Napi::String>().Utf8Value());
  } catch (const std::exception& e) {
    rethrow_as_js(env, e);
  }
  return env.Undefined();
}

// ---------------------------------------------------------------- Trainer

Napi::Function TrainerWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeTrainer",
                     {InstanceMethod("fit", &TrainerWrap::Fit), InstanceMethod("stop", &TrainerWrap::Stop),
                      InstanceMethod("evaluate", &TrainerWrap::Evaluate), InstanceMethod("predict", &TrainerWrap::Predict),
                      InstanceMethod("targets", &TrainerWrap::Targets),
                      InstanceMethod("saveCheckpoint", &TrainerWrap::SaveCheckpoint),
                      InstanceMethod("loadCheckpoint", &TrainerWrap::LoadCheckpoint),
                      InstanceMethod("loadWeights", &TrainerWrap::LoadWeights), InstanceMethod("dispose", &TrainerWrap::Dispose)});
}

// new NativeTrainer(model, options)
TrainerWrap::TrainerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TrainerWrap>(info) {
  auto env = info.Env();
  if (info.Length() < 2 || !info[1].IsObject()) throw Napi::TypeError::New(env, "NativeTrainer(model, options)");
  auto* mw = ModelWrap::FromValue(info[0], "model");
  auto opts = to_train_options(info[1].As<Napi::Object>());
  try {
    trainer_ = std::make_unique<Trainer>(mw->model(), opts);
  } catch (const std::exception& e) {
    rethrow_as_js(env, e);
  }
  model_ref_ = Napi::Persistent(info[0].As<Napi::Object>());  // the model lives as long as its trainer
}

TrainerWrap::~TrainerWrap() { stop_.store(true); }

void TrainerWrap::check_usable(const Napi::Env& env) {
  if (!trainer_) throw Napi::Error::New(env, "trainer was disposed");
}

Napi::Value TrainerWrap::Stop(const Napi::CallbackInfo& info) {
  stop_.store(true);
  return info.Env().Undefined();
}

Napi::Value TrainerWrap::Dispose(const Napi::CallbackInfo& info) {
  if (busy_.load()) throw Napi::Error::New(info.Env(), "trainer is busy: stop() it and await the running call before dispose()");
  trainer_.reset();
  if (!model_ref_.IsEmpty()) model_ref_.Reset();
  return info.Env().Undefined();
}

Napi::Value TrainerWrap::Fit(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  check_usable(env);
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "fit({ train, val? }, onProgress?)");
  auto o = info[0].As<Napi::Object>();
  auto train = to_split(o.Get("train"), "train");
  std::optional<SplitHandle> val;
  if (!o.Get("val").IsUndefined() && !o.Get("val").IsNull()) val = to_split(o.Get("val"), "val");
  Napi::Function progress;
  if (info.Length() > 1 && info[1].IsFunction()) progress = info[1].As<Napi::Function>();
  if (!try_acquire()) throw Napi::Error::New(env, "trainer is busy with another call");
  stop_.store(false);
  auto* worker = new FitWorker(env, this, Value(), std::move(train), std::move(val), progress);
  auto promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value TrainerWrap::Evaluate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  check_usable(env);
  auto split = to_split(info[0], "split");
  if (!try_acquire()) throw Napi::Error::New(env, "trainer is busy with another call");
  auto* w = new TrainerTask(env, this, Value(), TrainerTask::Kind::Evaluate, std::move(split), false, "");
  auto p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value TrainerWrap::Predict(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  check_usable(env);
  auto split = to_split(info[0], "split");
  bool unscale = info.Length() > 1 && info[1].IsObject() ? get_bool(info[1].As<Napi::Object>(), "unscale", true) : true;
  if (!try_acquire()) throw Napi::Error::New(env, "trainer is busy with another call");
  auto* w = new TrainerTask(env, this, Value(), TrainerTask::Kind::Predict, std::move(split), unscale, "");
  auto p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value TrainerWrap::Targets(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  check_usable(env);
  auto split = to_split(info[0], "split");
  bool unscale = info.Length() > 1 && info[1].IsObject() ? get_bool(info[1].As<Napi::Object>(), "unscale", true) : true;
  if (!try_acquire()) throw Napi::Error::New(env, "trainer is busy with another call");
  auto* w = new TrainerTask(env, this, Value(), TrainerTask::Kind::Targets, std::move(split), unscale, "");
  auto p = w->Promise();
  w->Queue();
  return p;
}

static Napi::Value path_task(TrainerWrap* self, const Napi::CallbackInfo& info, TrainerTask::Kind kind, Napi::Object thisObj) {
  auto env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "expected a checkpoint path");
  if (!self->try_acquire()) throw Napi::Error::New(env, "trainer is busy with another call");
  auto* w = new TrainerTask(env, self, thisObj, kind, {}, false, info[0].As<Napi::String>().Utf8Value());
  auto p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value TrainerWrap::SaveCheckpoint(const Napi::CallbackInfo& info) {
  check_usable(info.Env());
  return path_task(this, info, TrainerTask::Kind::Save, Value());
}
Napi::Value TrainerWrap::LoadCheckpoint(const Napi::CallbackInfo& info) {
  check_usable(info.Env());
  return path_task(this, info, TrainerTask::Kind::Load, Value());
}
Napi::Value TrainerWrap::LoadWeights(const Napi::CallbackInfo& info) {
  check_usable(info.Env());
  return path_task(this, info, TrainerTask::Kind::LoadWeights, Value());
}

}  // namespace tsfm::binding
