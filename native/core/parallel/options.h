#pragma once
// Where this process sits in a data-parallel job and how it reaches its peers.
#include <cstdint>
#include <string>

namespace tsfm {

struct DistOptions {
  int64_t rank = 0;
  int64_t world_size = 1;             // 1 = not distributed: no process group, no collectives
  std::string master_addr = "127.0.0.1";
  int64_t master_port = 29500;
  std::string backend = "auto";       // auto (nccl for CUDA, gloo for CPU) | gloo | nccl
  int64_t timeout_ms = 300000;        // every collective: how long a crashed or hung peer can hold the others
  int64_t rendezvous_timeout_ms = 300000;  // how long to wait for every rank to join
  double bucket_mb = 25.0;            // gradient bucket size (PyTorch DDP's default)
  bool force = false;                 // run the process group and gradient sync even at world size 1 (overhead benchmark)
  bool enabled() const { return world_size > 1 || force; }
};

}  // namespace tsfm
