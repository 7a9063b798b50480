// ledger.v1.LedgerService over one shared Ledger (docs/contract.md section 9).
// Every RPC of every client goes through the same Ledger, so concurrent Submits
// share its group commits; an answer is sent only once the library says the
// commands are durable (Submit returns only then).
//
// Each RPC is admitted in one fixed order, so its refusal is predictable:
// shutting down (UNAVAILABLE), deadline already expired (DEADLINE_EXCEEDED),
// token (UNAUTHENTICATED), role for everything the RPC carries
// (PERMISSION_DENIED, before any command is applied), in-flight bound
// (RESOURCE_EXHAUSTED), then the arguments (INVALID_ARGUMENT).
//
// Submit, SubmitBatch and GetBalance are raw callback methods: ledgerd
// parses their bytes itself, so a request protobuf refuses (a string that
// is not UTF-8) is INVALID_ARGUMENT naming the field. A single ledger's
// Submits go to the SubmitCoalescer, which commits every queued one with
// one SubmitBatch; SubmitBatch, GetBalance and the cluster's Submit make
// their blocking call on CallThreads, where as many calls wait together as
// are admitted. ReadEvents, a stream whose request holds no string, stays
// a sync method.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_SERVICE_IMPL_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_SERVICE_IMPL_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ledger/ledger.h"
#include "ledger/v1/service.grpc.pb.h"
#include "tools/edge/future_guard.h"
#include "tools/edge/past_guard.h"
#include "tools/ledgerd/cluster/cluster_api.h"
#include "tools/ledgerd/metrics.h"
#include "tools/ledgerd/call_threads.h"
#include "tools/ledgerd/submit_coalescer.h"
#include "tools/ledgerd/tokens.h"

namespace ledger::ledgerd {

// docs/contract.md section 9: a SubmitBatch carries at most this many commands.
inline constexpr size_t kMaxBatchCommands = 10000;

// Most concurrent Submits one library call commits (SubmitCoalescer): no
// more than a SubmitBatch may carry, and far more than are ever in flight
// at the default bound.
inline constexpr size_t kMaxCoalescedCommands = 1024;

// How often a follow stream with nothing new looks for a cancel or a drain:
// the bound on how long either waits for it.
inline constexpr absl::Duration kFollowPoll = absl::Milliseconds(200);

// How long one page of a forwarded ReadEvents (a partition another node
// hosts) may take before the stream ends UNAVAILABLE.
inline constexpr absl::Duration kForwardedPageTimeout = absl::Seconds(10);

using LedgerServiceBase = v1::LedgerService::WithRawCallbackMethod_Submit<
    v1::LedgerService::WithRawCallbackMethod_SubmitBatch<
        v1::LedgerService::WithRawCallbackMethod_GetBalance<
            v1::LedgerService::Service>>>;

class LedgerServiceImpl final : public LedgerServiceBase {
 public:
  // REQUIRES: ledger, tokens and metrics outlive the service.
  LedgerServiceImpl(Ledger* ledger, const TokenTable* tokens, Metrics* metrics,
                    int max_in_flight);

  // From now on new RPCs get UNAVAILABLE and follow streams end (with
  // UNAVAILABLE and the seq to resume from); RPCs already admitted finish.
  void BeginShutdown() { shutting_down_.store(true); }
  bool shutting_down() const { return shutting_down_.load(); }

  // The in-flight bound, shared with the HTTP API (docs/http.md): a
  // request of either counts against --max-in-flight. TryTakeSlot is false
  // at the bound; each slot taken is given back with GiveBackSlot.
  bool TryTakeSlot();
  void GiveBackSlot();
  int max_in_flight() const { return max_in_flight_; }

  // Cluster mode (docs/cluster.md): writes and reads go through `cluster`
  // instead of the ledger (which may then be null); ReadEvents reads the
  // named partition's ledger, here or, page by page, on a node hosting it. REQUIRES: cluster outlives the service; called before serving.
  void SetCluster(cluster::ClusterApi* cluster) { cluster_ = cluster; }

  // --max-future (docs/edge-guards.md): commands dated too far ahead of the
  // wall clock are answered REJECTED / INVALID_COMMAND here and never reach
  // the ledger. REQUIRES: guard outlives the service; called before serving.
  void SetFutureGuard(const edge::FutureGuard* guard) { future_guard_ = guard; }
  // --max-past (docs/contract.md section 16): likewise for commands dated
  // too far before it.
  void SetPastGuard(const edge::PastGuard* guard) { past_guard_ = guard; }

  // `request` holds the method's request message (SubmitRequest, ...),
  // `response` gets its response message.
  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SubmitBatch(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetBalance(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::Status ReadEvents(
      grpc::ServerContext* context, const v1::ReadEventsRequest* request,
      grpc::ServerWriter<v1::ReadEventsResponse>* writer) override;
  // In backup_rpc.cc.
  grpc::Status Backup(grpc::ServerContext* context,
                      const v1::BackupRequest* request,
                      v1::BackupResponse* response) override;

 private:
  // An RPC's place under the in-flight bound, given back when it ends.
  class InFlightSlot {
   public:
    explicit InFlightSlot(LedgerServiceImpl* service) : service_(service) {}
    ~InFlightSlot();
    bool TryAcquire();

   private:
    LedgerServiceImpl* service_;
    bool held_ = false;
  };

  // On success `actor`, when given, gets the caller's token name
  // (`anonymous` without --tokens): the actor its events record
  // (docs/contract.md section 16).
  absl::Status Admit(grpc::ServerContextBase& context, std::string_view rpc,
                     Role needed, std::string_view why, InFlightSlot& slot,
                     std::string* actor = nullptr);
  grpc::Status Finish(std::string_view rpc, const absl::Status& status);

  // Answers a callback RPC that was refused before reaching the library.
  grpc::ServerUnaryReactor* Refuse(grpc::CallbackServerContext& context,
                                   std::string_view rpc,
                                   const absl::Status& status);
  // The library (or cluster) call of each RPC, on a call thread. In cluster
  // mode nothing waits for a partition past `cluster_deadline`.
  // The answer to a command the future guard refuses; nullopt when it
  // passes (or there is no guard).
  std::optional<v1::Result> RefusedAtTheEdge(const v1::Command& command) const;
  // A single ledger's Submit: the future guard, then the coalescer, which
  // answers on its thread once the command is durable.
  void SubmitToLedger(v1::Command command, std::string actor,
                      grpc::ServerUnaryReactor* reactor,
                      grpc::ByteBuffer* response, absl::Time start,
                      std::shared_ptr<InFlightSlot> slot);
  // Cluster mode's Submit, on a call thread.
  absl::Status DoSubmit(const v1::SubmitRequest& request,
                        const std::string& actor,
                        v1::SubmitResponse& response,
                        absl::Time cluster_deadline);
  absl::Status DoSubmitBatch(const v1::SubmitBatchRequest& request,
                             const std::string& actor,
                             v1::SubmitBatchResponse& response,
                             absl::Time cluster_deadline);
  absl::Status DoGetBalance(const v1::GetBalanceRequest& request,
                            v1::GetBalanceResponse& response,
                            absl::Time cluster_deadline);
  absl::Status DoBackup(const v1::BackupRequest& request,
                        v1::BackupResponse& response);
  // The ledger a ReadEvents reads: the single ledger (partition 0), or in
  // cluster mode the partition's ledger on this node (docs/cluster.md,
  // "Reading a partition's events"), nullptr when this node does not host
  // it. InvalidArgument for a partition missing where several exist, or
  // out of range.
  absl::StatusOr<Ledger*> LedgerToRead(const v1::ReadEventsRequest& request);
  // ReadEvents of a partition this node does not host: pages read on a
  // hosting node (ClusterApi::ReadEventsPage), one after the other; with
  // `follow`, until the client cancels or this node drains.
  absl::Status ReadForwarded(grpc::ServerContext& context, uint32_t partition,
                             uint64_t from_seq, bool follow,
                             grpc::ServerWriter<v1::ReadEventsResponse>& writer);
  // `partition` is copied into every response.
  absl::Status ReadOnce(grpc::ServerContext& context, Ledger& ledger,
                        uint32_t partition, uint64_t from_seq,
                        grpc::ServerWriter<v1::ReadEventsResponse>& writer);
  // ReadEvents of one customer (request.customer set); in
  // customer_events_rpc.cc.
  absl::Status ReadCustomerEvents(
      grpc::ServerContext& context, const v1::ReadEventsRequest& request,
      grpc::ServerWriter<v1::ReadEventsResponse>& writer);
  absl::Status Follow(grpc::ServerContext& context, Ledger& ledger,
                      uint32_t partition, uint64_t from_seq,
                      grpc::ServerWriter<v1::ReadEventsResponse>& writer);

  Ledger* const ledger_;
  cluster::ClusterApi* cluster_ = nullptr;
  const edge::FutureGuard* future_guard_ = nullptr;
  const edge::PastGuard* past_guard_ = nullptr;
  const TokenTable* const tokens_;
  Metrics* const metrics_;
  const int max_in_flight_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> shutting_down_{false};
  // Destroyed before the rest, they finish every call handed to them
  // while the rest is still there.
  CallThreads call_threads_;
  std::unique_ptr<SubmitCoalescer> coalescer_;  // null without a ledger
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_SERVICE_IMPL_H_
