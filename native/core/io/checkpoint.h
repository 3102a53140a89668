#pragma once
// Reading tsfm checkpoints (.pt archives written by Trainer::save_checkpoint): the model's weights under
// "model", its spec signature under "meta/signature", the training position beside them. The trainer (resume,
// best weights) and the predictor (inference) both read them through here.
#include <torch/torch.h>

#include <string>

#include "models/model.h"

namespace tsfm {

// One line describing the model a checkpoint belongs to; a mismatch on load is a clear error.
std::string spec_signature(const ModelSpec& spec);

// Opens `path` and checks that it is a tsfm checkpoint of a model built from `spec`. Throws
// std::runtime_error naming the file when it is missing, unreadable, not a tsfm checkpoint or another model's.
torch::serialize::InputArchive open_checkpoint(const std::string& path, const ModelSpec& spec);

// How the checkpoint's model was set up for fine-tuning (models/lora.h finetune_signature): "full" for
// checkpoints written before training.finetune existed.
std::string checkpoint_finetune(torch::serialize::InputArchive& archive);

// Reads the model's parameters and buffers from an opened checkpoint.
void read_model_weights(torch::serialize::InputArchive& archive, ForecastModelImpl& model);

}  // namespace tsfm
