#pragma once
// Early stopping: an epoch improves when its metric falls more than min_delta below the best so far; the
// run stops after `patience` epochs in a row without improvement (patience 0: never). The record it keeps
// (best epoch and metric, epochs since) is part of TrainState, so a resumed run counts on.
#include <cstdint>
#include <sstream>
#include <string>

#include "train/train_state.h"

namespace tsfm {

class EarlyStopping {
 public:
  EarlyStopping(std::string metric, int64_t patience, double min_delta)
      : metric_(std::move(metric)), patience_(patience), min_delta_(min_delta) {}

  // Records epoch `state.epoch`'s metric in `state`; true when it improved on the best.
  bool observe(TrainState& state, double metric) const {
    const bool improved = metric < state.best_metric - min_delta_;
    if (improved) {
      state.best_metric = metric;
      state.best_epoch = state.epoch;
      state.bad_epochs = 0;
    } else {
      ++state.bad_epochs;
    }
    return improved;
  }
  bool should_stop(const TrainState& state) const { return patience_ > 0 && state.bad_epochs >= patience_; }
  // Why should_stop said so, for the run's record.
  std::string reason(const TrainState& state) const {
    std::ostringstream o;
    o << "early stopping: " << metric_ << " did not improve by more than " << min_delta_ << " for " << state.bad_epochs
      << " epochs (best epoch " << state.best_epoch + 1 << ")";
    return o.str();
  }

 private:
  std::string metric_;
  int64_t patience_;
  double min_delta_;
};

}  // namespace tsfm
