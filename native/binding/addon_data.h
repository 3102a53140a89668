#pragma once
// Per-environment state of the addon: the class constructors, for InstanceOf checks and for building
// instances from native code (NativePredictor.open). Set once by addon.cpp, freed with the environment.
#include <napi.h>

namespace tsfm::binding {

struct AddonData {
  Napi::FunctionReference dataset, model, trainer, predictor;
};

}  // namespace tsfm::binding
