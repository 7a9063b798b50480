#include "tools/ledgerd/service_impl.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/base/check.h"
#include "ledger/base/status_macros.h"
#include "ledger/time_util.h"
#include "tools/ledgerd/conversions.h"
#include "tools/ledgerd/request_parsing.h"
#include "tools/ledgerd/status_mapping.h"

namespace ledger::ledgerd {
namespace {

// set_policy changes the rules for every customer: admin only (docs/contract.md
// section 9).
Role NeededRole(const v1::Command& command) {
  return command.has_set_policy() ? Role::kAdmin : Role::kWriter;
}

std::optional<std::string_view> AuthorizationOf(
    const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return std::nullopt;
  return std::string_view(it->second.data(), it->second.size());
}

// A cluster call's deadline: the client's, at most kClusterWait away (a
// call without a deadline must not wait forever for a partition).
absl::Time ClusterDeadline(const grpc::ServerContextBase& context) {
  constexpr absl::Duration kClusterWait = absl::Seconds(30);
  const absl::Time cap = absl::Now() + kClusterWait;
  const auto d = context.deadline();
  if (d >= std::chrono::system_clock::now() + std::chrono::seconds(30)) return cap;
  return std::min(cap, absl::FromChrono(d));
}

}  // namespace

LedgerServiceImpl::LedgerServiceImpl(Ledger* ledger, const TokenTable* tokens,
                                     Metrics* metrics, int max_in_flight)
    : ledger_(ledger),
      tokens_(tokens),
      metrics_(metrics),
      max_in_flight_(max_in_flight),
      call_threads_(max_in_flight) {
  if (ledger_ != nullptr) {
    coalescer_ = std::make_unique<SubmitCoalescer>(ledger_, kMaxCoalescedCommands);
  }
}

bool LedgerServiceImpl::TryTakeSlot() {
  if (in_flight_.fetch_add(1) >= max_in_flight_) {
    in_flight_.fetch_sub(1);
    return false;
  }
  metrics_->InFlightChanged(1);
  return true;
}

void LedgerServiceImpl::GiveBackSlot() {
  in_flight_.fetch_sub(1);
  metrics_->InFlightChanged(-1);
}

bool LedgerServiceImpl::InFlightSlot::TryAcquire() {
  held_ = service_->TryTakeSlot();
  return held_;
}

LedgerServiceImpl::InFlightSlot::~InFlightSlot() {
  if (held_) service_->GiveBackSlot();
}

absl::Status LedgerServiceImpl::Admit(grpc::ServerContextBase& context,
                                      std::string_view rpc, Role needed,
                                      std::string_view why,
                                      InFlightSlot& slot, std::string* actor) {
  if (shutting_down_.load()) {
    return absl::UnavailableError(
        "ledgerd is shutting down: retry, with the same keys, once it is back");
  }
  if (context.deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError(
        "the deadline expired before the call started: nothing was done");
  }
  absl::StatusOr<Caller> caller = tokens_->Authenticate(AuthorizationOf(context));
  if (!caller.ok()) {
    std::cerr << "ledgerd: refused " << rpc << " from " << context.peer()
              << ": " << caller.status().message() << std::endl;
    return caller.status();
  }
  if (caller->role < needed) {
    std::cerr << "ledgerd: denied " << rpc << " to token " << caller->name
              << " (" << RoleName(caller->role) << "): " << why << " needs "
              << RoleName(needed) << std::endl;
    return absl::PermissionDeniedError(absl::StrCat(
        "role ", RoleName(caller->role), " may not ", std::string(why), " (needs ",
        RoleName(needed), "): nothing of this call was applied"));
  }
  if (!slot.TryAcquire()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "ledgerd is serving its bound of ", max_in_flight_,
        " calls (--max-in-flight): retry with backoff"));
  }
  if (actor != nullptr) *actor = caller->name;
  return absl::OkStatus();
}

grpc::Status LedgerServiceImpl::Finish(std::string_view rpc,
                                       const absl::Status& status) {
  grpc::Status answer = ToGrpcStatus(status);
  metrics_->CountRpc(rpc, absl::StatusCodeToString(status.code()));
  return answer;
}

grpc::ServerUnaryReactor* LedgerServiceImpl::Refuse(
    grpc::CallbackServerContext& context, std::string_view rpc,
    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context.DefaultReactor();
  reactor->Finish(Finish(rpc, status));
  return reactor;
}

// Parsed and admitted on gRPC's thread, which must not block. On a single
// ledger the command goes to the coalescer, which answers from its own
// thread once the command is durable; in cluster mode the call waits for
// its partition on call_threads_. A request that does not parse needs the
// role of any Submit and is refused INVALID_ARGUMENT after the caller's
// checks, so a caller without a token learns nothing from it.
grpc::ServerUnaryReactor* LedgerServiceImpl::Submit(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  absl::Time start = absl::Now();
  auto parsed = std::make_shared<v1::SubmitRequest>();
  absl::Status valid = ParseRequest(*request, *parsed);
  auto slot = std::make_shared<InFlightSlot>(this);
  const v1::Command& command = parsed->command();
  auto actor = std::make_shared<std::string>();
  absl::Status status =
      Admit(*context, "Submit", valid.ok() ? NeededRole(command) : Role::kWriter,
            valid.ok() ? CommandKind(command) : "submit", *slot, actor.get());
  if (status.ok()) status = valid;
  if (!status.ok()) return Refuse(*context, "Submit", status);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (cluster_ == nullptr) {
    SubmitToLedger(std::move(*parsed->mutable_command()), std::move(*actor),
                   reactor, response, start, std::move(slot));
    return reactor;
  }
  const absl::Time deadline = ClusterDeadline(*context);
  call_threads_.Run([this, reactor, response, start, parsed, slot, actor,
                     deadline]() mutable {
    v1::SubmitResponse answer;
    absl::Status status = DoSubmit(*parsed, *actor, answer, deadline);
    if (status.ok()) {
      *response = SerializeResponse(answer);
      metrics_->ObserveSubmit("Submit", absl::ToDoubleSeconds(absl::Now() - start), 1);
    }
    slot.reset();
    reactor->Finish(Finish("Submit", status));
  });
  return reactor;
}

void LedgerServiceImpl::SubmitToLedger(v1::Command command, std::string actor,
                                       grpc::ServerUnaryReactor* reactor,
                                       grpc::ByteBuffer* response,
                                       absl::Time start,
                                       std::shared_ptr<InFlightSlot> slot) {
  // Answers the call, with `result` when `status` is OK. The in-flight slot
  // is given back before the answer leaves, so a client that calls again at
  // once is not refused for a slot its last call still held.
  auto finish = [this, reactor, response, start, slot = std::move(slot)](
                    const absl::Status& status,
                    const v1::Result* result) mutable {
    if (status.ok()) {
      v1::SubmitResponse message;
      *message.mutable_result() = *result;
      *response = SerializeResponse(message);
      metrics_->ObserveSubmit("Submit",
                              absl::ToDoubleSeconds(absl::Now() - start), 1);
    }
    slot.reset();
    reactor->Finish(Finish("Submit", status));
  };
  if (std::optional<v1::Result> refused = RefusedAtTheEdge(command)) {
    finish(absl::OkStatus(), &*refused);
    return;
  }
  // The library judges a command from protobuf exactly as the same JSON
  // (docs/contract.md section 5 check 1 is its ValidateAndCanonicalize,
  // unknown fields included): nothing is checked here a second time.
  coalescer_->Submit(
      std::move(command),
      [this, finish = std::move(finish)](
          const v1::Command& submitted,
          absl::StatusOr<SubmitResult> result) mutable {
        if (!result.ok()) {
          finish(FromLedger(result.status()), nullptr);
          return;
        }
        metrics_->CountCommand(submitted, *result);
        const v1::Result answer = ToResultProto(*result);
        finish(absl::OkStatus(), &answer);
      },
      std::move(actor));
}

std::optional<v1::Result> LedgerServiceImpl::RefusedAtTheEdge(
    const v1::Command& command) const {
  if (!command.has_at()) return std::nullopt;
  // A time that does not parse passes: the ledger rejects it with the
  // precise reason.
  absl::StatusOr<int64_t> at_us = ParseTimeUs(command.at());
  if (!at_us.ok()) return std::nullopt;
  absl::Status refused = absl::OkStatus();
  if (future_guard_ != nullptr) refused = future_guard_->CheckAt(*at_us);
  if (refused.ok() && past_guard_ != nullptr) refused = past_guard_->CheckAt(*at_us);
  if (refused.ok()) return std::nullopt;
  v1::Result result;
  if (command.has_key()) result.set_key(command.key());
  result.set_status(v1::Result::REJECTED);
  result.set_code(v1::INVALID_COMMAND);
  result.set_message(std::string(refused.message()));
  return result;
}

absl::Status LedgerServiceImpl::DoSubmit(const v1::SubmitRequest& request,
                                         const std::string& actor,
                                         v1::SubmitResponse& response,
                                         absl::Time cluster_deadline) {
  if (std::optional<v1::Result> refused = RefusedAtTheEdge(request.command())) {
    *response.mutable_result() = *std::move(refused);
    return absl::OkStatus();
  }
  std::vector<v1::Result> results;
  RETURN_IF_ERROR(cluster_->SubmitBatch({request.command()}, actor,
                                        cluster_deadline, &results));
  *response.mutable_result() = std::move(results.front());
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* LedgerServiceImpl::SubmitBatch(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  absl::Time start = absl::Now();
  auto parsed = std::make_shared<v1::SubmitBatchRequest>();
  absl::Status valid = ParseRequest(*request, *parsed);
  auto slot = std::make_shared<InFlightSlot>(this);
  // Every command's role is checked before any is submitted, so a denied
  // batch applies nothing.
  Role needed = Role::kWriter;  // even for an empty or unparsed batch
  std::string why = "submit";
  for (const v1::Command& command : parsed->commands()) {
    if (valid.ok() && NeededRole(command) > needed) {
      needed = NeededRole(command);
      why = CommandKind(command);
    }
  }
  auto actor = std::make_shared<std::string>();
  absl::Status status =
      Admit(*context, "SubmitBatch", needed, why, *slot, actor.get());
  if (status.ok()) status = valid;
  if (!status.ok()) return Refuse(*context, "SubmitBatch", status);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Time deadline = ClusterDeadline(*context);
  call_threads_.Run([this, reactor, response, start, parsed, slot, actor,
                     deadline]() mutable {
    v1::SubmitBatchResponse answer;
    absl::Status status = DoSubmitBatch(*parsed, *actor, answer, deadline);
    if (status.ok()) {
      *response = SerializeResponse(answer);
      metrics_->ObserveSubmit("SubmitBatch",
                              absl::ToDoubleSeconds(absl::Now() - start),
                              parsed->commands_size());
    }
    slot.reset();
    reactor->Finish(Finish("SubmitBatch", status));
  });
  return reactor;
}

absl::Status LedgerServiceImpl::DoSubmitBatch(
    const v1::SubmitBatchRequest& request, const std::string& actor,
    v1::SubmitBatchResponse& response, absl::Time cluster_deadline) {
  if (static_cast<size_t>(request.commands_size()) > kMaxBatchCommands) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a batch of ", request.commands_size(), " commands exceeds ",
        kMaxBatchCommands, ": split it; nothing was applied"));
  }
  // The library takes a contiguous span; a RepeatedPtrField is not one.
  // Commands the future guard refuses are answered here and left out; the
  // rest keep their order and go as one group.
  std::vector<v1::Command> commands;
  commands.reserve(request.commands_size());
  std::vector<std::optional<v1::Result>> refused(request.commands_size());
  for (int i = 0; i < request.commands_size(); ++i) {
    refused[i] = RefusedAtTheEdge(request.commands(i));
    if (!refused[i].has_value()) commands.push_back(request.commands(i));
  }
  std::vector<v1::Result> results;
  results.reserve(commands.size());
  if (commands.empty()) {
    // Nothing reaches the ledger.
  } else if (cluster_ != nullptr) {
    RETURN_IF_ERROR(
        cluster_->SubmitBatch(commands, actor, cluster_deadline, &results));
  } else {
    const std::vector<std::string> actors(commands.size(), actor);
    absl::StatusOr<std::vector<SubmitResult>> submitted =
        ledger_->SubmitBatchAs(commands, actors);
    RETURN_IF_ERROR(FromLedger(submitted.status()));
    for (size_t i = 0; i < submitted->size(); ++i) {
      metrics_->CountCommand(commands[i], (*submitted)[i]);
      results.push_back(ToResultProto((*submitted)[i]));
    }
  }
  LEDGER_CHECK(results.size() == commands.size())
      << "one result per command sent";
  size_t next = 0;
  for (std::optional<v1::Result>& r : refused) {
    *response.add_results() =
        r.has_value() ? *std::move(r) : std::move(results[next++]);
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* LedgerServiceImpl::GetBalance(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  auto parsed = std::make_shared<v1::GetBalanceRequest>();
  absl::Status valid = ParseRequest(*request, *parsed);
  auto slot = std::make_shared<InFlightSlot>(this);
  absl::Status status =
      Admit(*context, "GetBalance", Role::kReader, "read balances", *slot);
  if (status.ok()) status = valid;
  if (!status.ok()) return Refuse(*context, "GetBalance", status);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // A balance of a customer whose group is being synced waits for the sync.
  const absl::Time deadline = ClusterDeadline(*context);
  call_threads_.Run([this, reactor, response, parsed, slot,
                     deadline]() mutable {
    v1::GetBalanceResponse answer;
    absl::Status status = DoGetBalance(*parsed, answer, deadline);
    if (status.ok()) *response = SerializeResponse(answer);
    slot.reset();
    reactor->Finish(Finish("GetBalance", status));
  });
  return reactor;
}

absl::Status LedgerServiceImpl::DoGetBalance(
    const v1::GetBalanceRequest& request, v1::GetBalanceResponse& response,
    absl::Time cluster_deadline) {
  if (request.customer().empty()) {
    return absl::InvalidArgumentError("customer is required");
  }
  if (cluster_ != nullptr) {
    return cluster_->GetBalance(request, cluster_deadline, &response);
  }
  ASSIGN_OR_RETURN(const absl::StatusOr<Balance> balance,
                   AnswerBalance(*ledger_, request));
  RETURN_IF_ERROR(FromLedger(balance.status()));
  *response.mutable_balance() = ToBalanceProto(*balance);
  return absl::OkStatus();
}

grpc::Status LedgerServiceImpl::ReadEvents(
    grpc::ServerContext* context, const v1::ReadEventsRequest* request,
    grpc::ServerWriter<v1::ReadEventsResponse>* writer) {
  InFlightSlot slot(this);
  absl::Status status =
      Admit(*context, "ReadEvents", Role::kReader, "read events", slot);
  // Seqs start at 1; from_seq 0 (the field's default) means the beginning.
  uint64_t from_seq = request->from_seq() == 0 ? 1 : request->from_seq();
  absl::StatusOr<Ledger*> ledger = absl::UnknownError("not admitted");
  if (status.ok() && request->has_customer()) {
    return Finish("ReadEvents", ReadCustomerEvents(*context, *request, *writer));
  }
  if (status.ok()) {
    ledger = LedgerToRead(*request);
    status = ledger.status();
  }
  const uint32_t partition = request->partition();
  if (status.ok() && *ledger == nullptr) {
    status = ReadForwarded(*context, partition, from_seq, request->follow(),
                           *writer);
  } else if (status.ok()) {
    status = request->follow()
                 ? Follow(*context, **ledger, partition, from_seq, *writer)
                 : ReadOnce(*context, **ledger, partition, from_seq, *writer);
  }
  return Finish("ReadEvents", status);
}

absl::StatusOr<Ledger*> LedgerServiceImpl::LedgerToRead(
    const v1::ReadEventsRequest& request) {
  if (cluster_ == nullptr) {
    if (request.partition() != 0) {
      return absl::InvalidArgumentError(
          "partition: this ledgerd serves one ledger, partition 0");
    }
    return ledger_;
  }
  if (!request.has_partition() && cluster_->partitions() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "partition: required in a cluster of ", cluster_->partitions(),
        " partitions, each a log with its own seqs (0..",
        cluster_->partitions() - 1, ")"));
  }
  return cluster_->PartitionLedger(static_cast<int>(request.partition()));
}

absl::Status LedgerServiceImpl::ReadForwarded(
    grpc::ServerContext& context, uint32_t partition, uint64_t from_seq,
    bool follow, grpc::ServerWriter<v1::ReadEventsResponse>& writer) {
  v1::ReadEventsResponse response;
  response.set_partition(partition);
  uint64_t next_seq = from_seq;
  for (;;) {
    if (context.IsCancelled()) {
      return absl::CancelledError("the client cancelled the stream");
    }
    if (shutting_down_.load()) {
      return absl::UnavailableError(absl::StrCat(
          "ledgerd is shutting down: resume with from_seq ", next_seq));
    }
    absl::StatusOr<std::vector<v1::Event>> page = cluster_->ReadEventsPage(
        static_cast<int>(partition), next_seq, follow,
        absl::Now() + kForwardedPageTimeout);
    if (!page.ok()) return page.status();
    if (page->empty() && !follow) return absl::OkStatus();
    for (v1::Event& event : *page) {
      next_seq = event.header().seq() + 1;
      *response.mutable_event() = std::move(event);
      if (!writer.Write(response)) {
        return absl::CancelledError("the client went away");
      }
    }
  }
}

absl::Status LedgerServiceImpl::ReadOnce(
    grpc::ServerContext& context, Ledger& ledger, uint32_t partition,
    uint64_t from_seq, grpc::ServerWriter<v1::ReadEventsResponse>& writer) {
  bool client_gone = false;
  v1::ReadEventsResponse response;
  response.set_partition(partition);
  RETURN_IF_ERROR(FromLedger(
      ledger.ReadEvents(from_seq, [&](const v1::Event& event) {
        *response.mutable_event() = event;
        client_gone = context.IsCancelled() || !writer.Write(response);
        return !client_gone && !shutting_down_.load();
      })));
  if (client_gone) return absl::CancelledError("the client went away");
  if (shutting_down_.load()) {
    return absl::UnavailableError("ledgerd is shutting down: read again");
  }
  return absl::OkStatus();
}

absl::Status LedgerServiceImpl::Follow(
    grpc::ServerContext& context, Ledger& ledger, uint32_t partition,
    uint64_t from_seq, grpc::ServerWriter<v1::ReadEventsResponse>& writer) {
  absl::StatusOr<std::unique_ptr<Subscription>> subscribed =
      ledger.Subscribe(from_seq);
  RETURN_IF_ERROR(FromLedger(subscribed.status()));
  std::unique_ptr<Subscription> subscription = *std::move(subscribed);
  v1::ReadEventsResponse response;
  response.set_partition(partition);
  for (;;) {
    if (context.IsCancelled()) {
      return absl::CancelledError("the client cancelled the stream");
    }
    if (shutting_down_.load()) {
      return absl::UnavailableError(
          absl::StrCat("ledgerd is shutting down: resume with from_seq ",
                       subscription->next_seq()));
    }
    absl::StatusOr<std::optional<v1::Event>> event =
        subscription->Next(absl::Now() + kFollowPoll);
    RETURN_IF_ERROR(FromLedger(event.status()));
    if (!event->has_value()) continue;
    *response.mutable_event() = **std::move(event);
    if (!writer.Write(response)) {
      return absl::CancelledError("the client went away");
    }
  }
}

}  // namespace ledger::ledgerd
