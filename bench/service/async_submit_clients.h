// Callback clients of ledgerd's Submit, for the service benchmarks
// (bench/service): each client has a stub of its own and one Submit in
// flight at a time, and each answer's callback sends that client's next
// Submit, so the clients run on gRPC's own few threads instead of a thread
// each. service_bench runs them beside the server; service_clients runs
// them in a process of their own, pinned to a core.
#ifndef CREDIT_LEDGER_BENCH_SERVICE_ASYNC_SUBMIT_CLIENTS_H_
#define CREDIT_LEDGER_BENCH_SERVICE_ASYNC_SUBMIT_CLIENTS_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/synchronization/mutex.h"
#include "ledger/v1/service.grpc.pb.h"

namespace ledger::bench {

class AsyncSubmitClients {
 public:
  // The command each Submit sends, drawn with the client's own generator.
  using NextCommand = std::function<v1::Command(std::mt19937_64&)>;

  // One client per stub; client i's generator is seeded 5000 + i.
  AsyncSubmitClients(std::vector<std::unique_ptr<v1::LedgerService::Stub>> stubs,
                     int submits_each, NextCommand next)
      : submits_each_(submits_each), next_(std::move(next)) {
    for (size_t i = 0; i < stubs.size(); ++i) {
      auto c = std::make_unique<Client>();
      c->stub = std::move(stubs[i]);
      c->rng.seed(5000 + i);
      clients_.push_back(std::move(c));
    }
  }

  v1::LedgerService::Stub& any_stub() { return *clients_.front()->stub; }

  // Sends submits_each Submits from every client; false if any was not
  // accepted (each such answer is said on stderr).
  bool Run() {
    {
      absl::MutexLock lock(&mu_);
      running_ = static_cast<int>(clients_.size());
      failed_ = false;
    }
    for (auto& c : clients_) {
      c->left = submits_each_;
      Send(*c);
    }
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* running) { return *running == 0; }, &running_));
    return !failed_;
  }

 private:
  struct Client {
    std::unique_ptr<v1::LedgerService::Stub> stub;
    std::mt19937_64 rng;
    std::unique_ptr<grpc::ClientContext> context;
    v1::SubmitRequest request;
    v1::SubmitResponse response;
    int left = 0;
  };

  void Send(Client& c) {
    c.context = std::make_unique<grpc::ClientContext>();
    *c.request.mutable_command() = next_(c.rng);
    c.response.Clear();
    c.stub->async()->Submit(c.context.get(), &c.request, &c.response,
                            [this, &c](grpc::Status s) { Answered(c, s); });
  }

  void Answered(Client& c, const grpc::Status& s) {
    const bool accepted =
        s.ok() && c.response.result().status() == v1::Result::ACCEPTED;
    if (!accepted) {
      std::fprintf(stderr, "a use was not accepted: %s %s\n",
                   s.error_message().c_str(),
                   c.response.result().message().c_str());
    }
    if (accepted && --c.left > 0) {
      Send(c);
      return;
    }
    absl::MutexLock lock(&mu_);
    if (!accepted) failed_ = true;
    --running_;
  }

  const int submits_each_;
  const NextCommand next_;
  std::vector<std::unique_ptr<Client>> clients_;
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ledger::bench

#endif  // CREDIT_LEDGER_BENCH_SERVICE_ASYNC_SUBMIT_CLIENTS_H_
