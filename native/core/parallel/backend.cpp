#include "parallel/backend.h"

#ifdef TSFM_HAVE_DISTRIBUTED
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <stdexcept>

namespace tsfm::dist {

bool nccl_built() {
#ifdef USE_C10D_NCCL
  return true;
#else
  return false;
#endif
}

c10::intrusive_ptr<CommBackend> make_backend(const std::string& kind, const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                             int world, std::chrono::milliseconds timeout, const std::string& bind_host) {
  if (kind == "gloo") {
    auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
    // GLOO_SOCKET_IFNAME picks the interface as in PyTorch; otherwise loopback jobs bind to loopback and
    // others to this host's resolved address.
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    if (ifname && *ifname)
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (!bind_host.empty())
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(bind_host));
    else
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    opts->threads = 2;
    return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, opts);
  }
  if (kind == "nccl") {
#ifdef USE_C10D_NCCL
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world, opts);
#else
    throw std::runtime_error("distributed.backend: nccl asked for, but this LibTorch was built without NCCL (use gloo)");
#endif
  }
  throw std::invalid_argument("distributed.backend: unknown '" + kind + "' (expected auto, gloo or nccl)");
}

}  // namespace tsfm::dist
#endif
