#include "parallel/comm.h"

#include <algorithm>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "parallel/backend.h"

#ifdef TSFM_HAVE_DISTRIBUTED
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace tsfm::dist {

#ifdef TSFM_HAVE_DISTRIBUTED

bool distributed_available() { return true; }
bool nccl_available() { return nccl_built(); }

struct Communicator::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<CommBackend> backend;
  std::chrono::milliseconds timeout{0};
};

namespace {
using Clock = std::chrono::steady_clock;
const char* kJoined = "tsfm/joined";

std::string where(const DistOptions& o) { return o.master_addr + ":" + std::to_string(o.master_port); }

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

// Every rank announces itself; all wait until the count reaches the world size, so a missing peer gives one
// error that names it instead of a hang inside the backend's own connect.
void rendezvous(c10d::Store& store, const DistOptions& o) {
  store.set("tsfm/rank/" + std::to_string(o.rank), std::vector<uint8_t>{1});
  store.add(kJoined, 1);
  const auto deadline = Clock::now() + std::chrono::milliseconds(o.rendezvous_timeout_ms);
  for (;;) {
    const int64_t joined = store.add(kJoined, 0);
    if (joined >= o.world_size) return;
    if (Clock::now() >= deadline) {
      std::ostringstream missing;
      int shown = 0;
      for (int64_t r = 0; r < o.world_size && shown < 8; ++r)
        if (!store.check({"tsfm/rank/" + std::to_string(r)})) missing << (shown++ ? ", " : "") << r;
      std::ostringstream secs;
      secs << o.rendezvous_timeout_ms / 1000.0;
      throw std::runtime_error("distributed: rendezvous at " + where(o) + " timed out after " + secs.str() + " s: " + std::to_string(joined) +
                               " of " + std::to_string(o.world_size) + " ranks joined (missing rank " + missing.str() + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// A failed collective means a peer is gone or stuck: say so, with the backend's own reason.
[[noreturn]] void collective_failed(const std::exception& e, int64_t timeout_ms) {
  std::string msg = e.what();
  if (auto* c10e = dynamic_cast<const c10::Error*>(&e)) msg = c10e->what_without_backtrace();
  msg = msg.substr(0, msg.find('\n'));
  throw std::runtime_error("distributed: a collective failed (a peer crashed, or hung past the " +
                           std::to_string(timeout_ms / 1000) + " s timeout): " + msg);
}

class WorkPending : public Communicator::Pending {
 public:
  WorkPending(c10::intrusive_ptr<c10d::Work> w, int64_t timeout_ms) : work_(std::move(w)), timeout_ms_(timeout_ms) {}
  void wait() override {
    try {
      work_->wait();
    } catch (const std::exception& e) {
      collective_failed(e, timeout_ms_);
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  int64_t timeout_ms_;
};
}  // namespace

std::unique_ptr<Communicator> Communicator::connect(const DistOptions& o, const torch::Device& device) {
  if (o.world_size < 1 || o.rank < 0 || o.rank >= o.world_size)
    throw std::invalid_argument("distributed: rank " + std::to_string(o.rank) + " outside world of size " + std::to_string(o.world_size));
  if (o.master_port < 1 || o.master_port > 65535)
    throw std::invalid_argument("distributed: master port " + std::to_string(o.master_port) + " out of range");
  std::string kind = o.backend;
  if (kind == "auto") kind = device.is_cuda() ? "nccl" : "gloo";
  if (kind == "nccl" && !device.is_cuda()) throw std::invalid_argument("distributed.backend: nccl needs a CUDA device (use gloo on CPU)");
  if (kind == "gloo" && device.is_cuda())
    throw std::invalid_argument("distributed.backend: this build reduces CUDA tensors with nccl only (use nccl or auto)");
  const auto timeout = std::chrono::milliseconds(o.timeout_ms);

  auto c = std::unique_ptr<Communicator>(new Communicator());
  c->impl_ = std::make_unique<Impl>();
  c->rank_ = o.rank;
  c->world_ = o.world_size;
  c->backend_name_ = kind;
  c->device_ = device;
  c->impl_->timeout = timeout;
  c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(o.master_port);
  so.isServer = o.rank == 0;
  so.waitWorkers = false;  // our own rendezvous below waits, with a better error
  so.timeout = std::chrono::milliseconds(std::max(o.timeout_ms, o.rendezvous_timeout_ms));
  try {
    c->impl_->store = c10::make_intrusive<c10d::TCPStore>(o.master_addr, so);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    msg = msg.substr(0, msg.find('\n'));
    throw std::runtime_error("distributed: rank " + std::to_string(o.rank) + " could not " +
                             (o.rank == 0 ? "open the rendezvous store on port " + std::to_string(o.master_port)
                                          : "reach the rendezvous store at " + where(o)) +
                             " within " + std::to_string(o.rendezvous_timeout_ms / 1000) + " s (" + msg + ")");
  }
  rendezvous(*c->impl_->store, o);
  c->impl_->backend = make_backend(kind, c->impl_->store, static_cast<int>(o.rank), static_cast<int>(o.world_size), timeout,
                                   is_loopback(o.master_addr) ? "127.0.0.1" : "");
  return c;
}

Communicator::~Communicator() = default;

void Communicator::broadcast(std::vector<torch::Tensor>& tensors) {
  c10d::BroadcastOptions bo;
  bo.rootRank = 0;
  for (auto& t : tensors) {
    std::vector<at::Tensor> one{t};
    WorkPending(impl_->backend->broadcast(one, bo), impl_->timeout.count()).wait();
  }
}

void Communicator::allreduce_sum(torch::Tensor& t) { allreduce_sum_async(t)->wait(); }

std::unique_ptr<Communicator::Pending> Communicator::allreduce_sum_async(torch::Tensor& t) {
  c10d::AllreduceOptions ao;
  ao.reduceOp = c10d::ReduceOp::SUM;
  std::vector<at::Tensor> one{t};
  try {
    return std::make_unique<WorkPending>(impl_->backend->allreduce(one, ao), impl_->timeout.count());
  } catch (const std::exception& e) {
    collective_failed(e, impl_->timeout.count());
  }
}

void Communicator::barrier() {
  auto t = torch::zeros({1}, torch::TensorOptions().device(device_));
  allreduce_sum(t);
}


#else  // no c10d in this LibTorch

bool distributed_available() { return false; }
bool nccl_available() { return false; }
struct Communicator::Impl {};
std::unique_ptr<Communicator> Communicator::connect(const DistOptions&, const torch::Device&) {
  throw std::runtime_error("distributed: this LibTorch was built without torch.distributed (c10d); train with one process");
}
Communicator::~Communicator() = default;
void Communicator::broadcast(std::vector<torch::Tensor>&) {}
void Communicator::allreduce_sum(torch::Tensor&) {}
std::unique_ptr<Communicator::Pending> Communicator::allreduce_sum_async(torch::Tensor&) { return nullptr; }
void Communicator::barrier() {}

#endif

}  // namespace tsfm::dist
