#pragma once
// JS values <-> core structs. Mechanical: every check throws a TypeError/RangeError naming the field.
#include <napi.h>

#include <string>
#include <vector>

#include "data/batch.h"
#include "data/window_index.h"
#include "infer/predictor.h"
#include "models/model.h"
#include "train/options.h"

namespace tsfm::binding {

std::string get_string(const Napi::Object& o, const char* key, const std::string& fallback);
double get_number(const Napi::Object& o, const char* key, double fallback);
bool get_bool(const Napi::Object& o, const char* key, bool fallback);
std::vector<int64_t> get_int_array(const Napi::Env& env, const Napi::Value& v, const char* what);
std::vector<double> get_double_array(const Napi::Env& env, const Napi::Value& v, const char* what);

ModelSpec to_model_spec(const Napi::Object& o);
TrainOptions to_train_options(const Napi::Object& o);
PredictorOptions to_predictor_options(const Napi::Object& o);
FinetuneOptions to_finetune_options(const Napi::Object& o);
// { family, contextLength, horizon, channels, parameters, output, quantiles, params } of a built model.
Napi::Object model_info_to_js(Napi::Env env, const ModelSpec& spec, int64_t parameters);
WindowIndex to_window_index(const Napi::Object& o);
Scaling to_scaling(const Napi::Value& v);
BatchLayout to_layout(const Napi::Object& o);

// Throws the right JS error for a C++ exception (used on the JS thread).
[[noreturn]] void rethrow_as_js(const Napi::Env& env, const std::exception& e);
std::string message_of(const std::exception& e);

}  // namespace tsfm::binding
