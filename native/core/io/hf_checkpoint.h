#pragma once
// Weights of a Hugging Face checkpoint directory (config.json + model.safetensors) in and out of a tsfm
// model whose state names are the checkpoint's tensor names (the granite_ttm family). The config.json
// itself is read and mapped to a ModelSpec by the TS layer (ts/pretrained); the core moves tensors.
#include <string>

#include "models/model.h"

namespace tsfm {

// Copies every tensor of <dir>/model.safetensors into the model's parameters and buffers of the same name
// (strict: a missing or unexpected tensor, a wrong shape or a dtype other than F32 is an error naming the
// file and the tensor; the model is left untouched unless everything matches). Returns the tensor count.
int64_t load_hf_weights(ForecastModelImpl& model, const std::string& dir);

// Writes the model's state as <dir>/model.safetensors (F32, the same tensor names, LoRA adapters merged into
// their weights W + (alpha / rank) B A, metadata
// {"format": "pt"} as transformers writes it), so the reference library can load a model tsfm trained.
void save_hf_weights(const ForecastModelImpl& model, const std::string& dir);

}  // namespace tsfm
