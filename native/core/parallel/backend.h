#pragma once
// The one place that knows how c10d differs between LibTorch versions: in 1.x ProcessGroupGloo/NCCL are
// c10d::ProcessGroup subclasses; from 2.0 they are c10d::Backend subclasses (ProcessGroup became a
// dispatching wrapper). Both expose the collectives used here with the same signatures.
#ifdef TSFM_HAVE_DISTRIBUTED
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#include <torch/version.h>

#include <chrono>
#include <string>

#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
namespace tsfm::dist {
using CommBackend = c10d::Backend;
}
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
namespace tsfm::dist {
using CommBackend = c10d::ProcessGroup;
}
#endif

namespace tsfm::dist {
// kind: "gloo" or "nccl". The store must already hold every rank (rendezvous done).
c10::intrusive_ptr<CommBackend> make_backend(const std::string& kind, const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                             int world, std::chrono::milliseconds timeout, const std::string& bind_host);
bool nccl_built();
}  // namespace tsfm::dist
#endif
