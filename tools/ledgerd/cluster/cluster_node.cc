#include "tools/ledgerd/cluster/cluster_node.h"

#include <algorithm>
#include <iostream>
#include <optional>
#include <random>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "ledger/base/durable_file.h"
#include "ledger/base/status_macros.h"
#include "ledger/subscription.h"
#include "ledger/time_util.h"
#include "tools/ledgerd/cluster/forward_status.h"
#include "tools/ledgerd/cluster/partitioning.h"
#include "tools/ledgerd/conversions.h"
#include "tools/ledgerd/status_mapping.h"

namespace ledger::cluster {
namespace {

constexpr char kOpHeader[] = "Ledger-Op";
constexpr char kDeadlineHeader[] = "Ledger-Deadline-Ms";

std::string ForwardSubject(int partition) {
  return absl::StrCat("ledger.p", partition, ".rpc");
}

// Tells this process's batches apart from those of an earlier run of the
// same node, whose waiting clients are gone.
std::string RandomNonce() {
  std::random_device rd;
  return absl::StrCat(absl::Hex(rd(), absl::kZeroPad8));
}

std::string Header(natsMsg* msg, const char* key) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, key, &value) != NATS_OK || value == nullptr) return "";
  return value;
}

std::string PartitionMarkerPath(const std::string& dir) {
  return dir + "/" + kClusterMarkerFile;
}

// The marker guards the partition ledgers against a start with another
// partition count, so it must outlive a power cut with them: written whole
// or not at all, synced with its folder's entry (docs/reliability.md).
absl::Status WriteMarker(const ClusterConfig& config) {
  RETURN_IF_ERROR(CreateFoldersDurably(config.dir));
  absl::StatusOr<int> recorded = ReadNodePartitions(config.dir);
  if (recorded.ok() && *recorded != config.partitions) {
    return absl::FailedPreconditionError(absl::StrCat(
        config.dir, " belongs to a cluster of ", *recorded,
        " partitions, not ", config.partitions,
        ": repartitioning is not supported"));
  }
  if (!recorded.ok() && !absl::IsNotFound(recorded.status())) {
    return recorded.status();
  }
  return WriteFileDurably(PartitionMarkerPath(config.dir),
                          NodeMarkerText(config.partitions));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClusterNode>> ClusterNode::Start(
    const ClusterConfig& config) {
  if (absl::Status s = WriteMarker(config); !s.ok()) return s;
  std::unique_ptr<ClusterNode> node(new ClusterNode(config));
  ClusterNode* raw = node.get();
  absl::StatusOr<std::unique_ptr<NatsLog>> log = NatsLog::Connect(
      config.nats_urls, absl::StrCat("ledgerd-", config.node),
      [raw](const std::string& id, absl::StatusOr<uint64_t> seq) {
        raw->RouteAck(id, std::move(seq));
      });
  if (!log.ok()) return log.status();
  node->log_ = *std::move(log);
  for (int p = 0; p < config.partitions; ++p) {
    absl::Status s = node->log_->EnsureStream(p, config.replicas, absl::Seconds(30),
                                             config.retention);
    if (!s.ok()) return s;
  }
  node->replicas_.resize(config.partitions);
  const std::string prefix = absl::StrCat(config.node, ".", RandomNonce());
  for (int p : config.hosted) {
    absl::StatusOr<std::unique_ptr<PartitionReplica>> r = PartitionReplica::Start(
        p, PartitionFolder(config.dir, p), node->log_.get(), prefix,
        config.min_free_disk_bytes, config.rejection_retention);
    if (!r.ok()) {
      return absl::Status(r.status().code(),
                          absl::StrCat("partition ", p, ": ", r.status().message()));
    }
    node->replicas_[p] = *std::move(r);
  }
  if (absl::Status s = node->ServeForwarding(); !s.ok()) return s;
  return node;
}

ClusterNode::~ClusterNode() {
  for (natsSubscription* sub : forward_subs_) {
    (void)natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
  }
  {
    absl::MutexLock lock(&forward_mu_);
    forward_stopped_ = true;
  }
  for (std::thread& t : forward_workers_) t.join();
  for (natsMsg* m : forward_queue_) natsMsg_Destroy(m);
  {
    absl::MutexLock lock(&acks_mu_);
    acks_stopped_ = true;
  }
  replicas_.clear();
  log_.reset();
}

void ClusterNode::RouteAck(const std::string& batch_id,
                           absl::StatusOr<uint64_t> seq) {
  // node.nonce.partition.counter (PartitionReplica's prefix).
  std::vector<std::string> parts = absl::StrSplit(batch_id, '.');
  int partition = -1;
  if (parts.size() != 4 || !absl::SimpleAtoi(parts[2], &partition) ||
      partition < 0 || partition >= config_.partitions) {
    return;
  }
  absl::ReaderMutexLock lock(&acks_mu_);
  if (acks_stopped_ || replicas_[partition] == nullptr) return;
  replicas_[partition]->OnAck(batch_id, std::move(seq));
}

absl::Status ClusterNode::SubmitBatch(const std::vector<v1::Command>& commands,
                                      const std::string& actor,
                                      absl::Time deadline,
                                      std::vector<v1::Result>* results) {
  const int partitions = config_.partitions;
  // This node received the batch: its clock stamps the commands without
  // `at`, once for every partition, so a set_policy without `at` gets the
  // same time in each (docs/contract.md section 15). Taken here, before
  // the log, never when a replica applies.
  const int64_t received_at_us = absl::ToUnixMicros(absl::Now());
  // Which commands go to each partition, in the batch's order.
  std::vector<std::vector<int>> routed(partitions);
  for (int i = 0; i < static_cast<int>(commands.size()); ++i) {
    const v1::Command& c = commands[i];
    if (c.has_set_policy()) {
      for (int p = 0; p < partitions; ++p) routed[p].push_back(i);
    } else {
      routed[PartitionOf(c.customer(), partitions)].push_back(i);
    }
  }
  std::vector<absl::StatusOr<std::vector<v1::Result>>> answers(
      partitions, absl::UnknownError("not asked"));
  std::vector<std::thread> threads;
  for (int p = 0; p < partitions; ++p) {
    if (routed[p].empty()) continue;
    std::vector<v1::Command> part;
    part.reserve(routed[p].size());
    for (int i : routed[p]) part.push_back(commands[i]);
    auto run = [this, p, &answers, received_at_us, &actor,
                deadline](std::vector<v1::Command> cmds) {
      answers[p] = SubmitToPartition(p, std::move(cmds), received_at_us,
                                     actor, deadline);
    };
    // The partitions of one batch are published at once, not one by one.
    threads.emplace_back(run, std::move(part));
  }
  for (std::thread& t : threads) t.join();
  results->assign(commands.size(), v1::Result());
  for (int p = 0; p < partitions; ++p) {
    if (routed[p].empty()) continue;
    if (!answers[p].ok()) return answers[p].status();
    if (answers[p]->size() != routed[p].size()) {
      return absl::InternalError(absl::StrCat(
          "partition ", p, " answered ", answers[p]->size(), " results for ",
          routed[p].size(), " commands"));
    }
    for (size_t j = 0; j < routed[p].size(); ++j) {
      v1::Result& slot = (*results)[routed[p][j]];
      // A set_policy reports the lowest partition's answer (partition 0).
      if (slot.has_partition()) continue;
      slot = std::move((*answers[p])[j]);
      slot.set_partition(p);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Result>> ClusterNode::SubmitToPartition(
    int partition, std::vector<v1::Command> commands, int64_t received_at_us,
    const std::string& actor, absl::Time deadline) {
  if (replicas_[partition] != nullptr) {
    return SubmitHere(*replicas_[partition], std::move(commands),
                      received_at_us, actor, deadline);
  }
  // A LogBatch reads as a SubmitBatchRequest, and carries this node's clock
  // and the caller's actor.
  v1::LogBatch request;
  for (v1::Command& c : commands) {
    *request.add_commands() = std::move(c);
    request.add_received_at_us(received_at_us);
    request.add_actors(actor);
  }
  std::string reply;
  absl::Status s = Forward(partition, "submit", request.SerializeAsString(),
                           deadline, &reply);
  if (!s.ok()) return s;
  v1::SubmitBatchResponse response;
  if (!response.ParseFromString(reply)) {
    return absl::InternalError("a forwarded submit's answer does not parse");
  }
  return std::vector<v1::Result>(response.results().begin(),
                                 response.results().end());
}

absl::StatusOr<std::vector<v1::Result>> ClusterNode::SubmitHere(
    PartitionReplica& replica, std::vector<v1::Command> commands,
    int64_t received_at_us, const std::string& actor, absl::Time deadline) {
  absl::StatusOr<std::vector<SubmitResult>> done =
      replica.Submit(std::move(commands), received_at_us, actor, deadline);
  if (!done.ok()) return done.status();
  std::vector<v1::Result> out;
  out.reserve(done->size());
  for (const SubmitResult& r : *done) out.push_back(ledgerd::ToResultProto(r));
  return out;
}

absl::Status ClusterNode::GetBalance(const v1::GetBalanceRequest& request,
                                     absl::Time deadline,
                                     v1::GetBalanceResponse* response) {
  const int p = PartitionOf(request.customer(), config_.partitions);
  if (replicas_[p] != nullptr) {
    return BalanceHere(*replicas_[p], request, deadline, response);
  }
  std::string reply;
  absl::Status s = Forward(p, "balance", request.SerializeAsString(), deadline,
                           &reply);
  if (!s.ok()) return s;
  if (!response->ParseFromString(reply)) {
    return absl::InternalError("a forwarded balance's answer does not parse");
  }
  return absl::OkStatus();
}

absl::StatusOr<Ledger*> ClusterNode::PartitionLedger(int partition) {
  if (partition < 0 || partition >= config_.partitions) {
    return absl::InvalidArgumentError(absl::StrCat(
        "partition ", partition, " does not exist: the cluster has partitions 0..",
        config_.partitions - 1));
  }
  if (replicas_[partition] == nullptr) return nullptr;
  return &replicas_[partition]->ledger();
}

absl::StatusOr<std::vector<v1::Event>> ClusterNode::ReadEventsPage(
    int partition, uint64_t from_seq, bool wait, absl::Time deadline) {
  v1::ReadEventsRequest request;
  request.set_from_seq(from_seq);
  request.set_follow(wait);
  std::string reply;
  RETURN_IF_ERROR(Forward(partition, "events", request.SerializeAsString(),
                          deadline, &reply));
  v1::EventPage page;
  if (!page.ParseFromString(reply)) {
    return absl::InternalError("a forwarded page of events does not parse");
  }
  return std::vector<v1::Event>(page.events().begin(), page.events().end());
}

absl::StatusOr<std::vector<v1::Event>> ClusterNode::ReadCustomerEventsPage(
    int partition, const std::string& customer, uint64_t from_seq,
    absl::Time deadline) {
  v1::ReadEventsRequest request;
  request.set_from_seq(from_seq);
  request.set_customer(customer);
  std::string reply;
  RETURN_IF_ERROR(Forward(partition, "events", request.SerializeAsString(),
                          deadline, &reply));
  v1::EventPage page;
  if (!page.ParseFromString(reply)) {
    return absl::InternalError("a forwarded page of events does not parse");
  }
  return std::vector<v1::Event>(page.events().begin(), page.events().end());
}

absl::Status ClusterNode::EventsHere(PartitionReplica& replica,
                                     const v1::ReadEventsRequest& request,
                                     v1::EventPage* page) {
  const uint64_t from_seq = std::max<uint64_t>(1, request.from_seq());
  if (request.has_customer()) {
    // One customer's page, through the index (ClusterApi::ReadCustomerEventsPage).
    absl::StatusOr<CustomerEventPage> customer = replica.ledger().ReadCustomerEvents(
        request.customer(), from_seq, kMaxCustomerEventPage);
    RETURN_IF_ERROR(ledgerd::FromLedger(customer.status()));
    for (CustomerEvent& e : customer->events) *page->add_events() = std::move(e.event);
    return absl::OkStatus();
  }
  size_t bytes = 0;
  RETURN_IF_ERROR(ledgerd::FromLedger(
      replica.ledger().ReadEvents(from_seq, [&](const v1::Event& event) {
        bytes += event.ByteSizeLong();
        *page->add_events() = event;
        return bytes < kMaxEventPageBytes;
      })));
  if (page->events_size() > 0 || !request.follow()) return absl::OkStatus();
  // A follow stream that has read everything: wait a little for the next
  // event here, so the forwarding node does not ask again at once.
  absl::StatusOr<std::unique_ptr<Subscription>> sub =
      replica.ledger().Subscribe(from_seq);
  RETURN_IF_ERROR(ledgerd::FromLedger(sub.status()));
  absl::StatusOr<std::optional<v1::Event>> next =
      (*sub)->Next(absl::Now() + kEventPageWait);
  RETURN_IF_ERROR(ledgerd::FromLedger(next.status()));
  if (next->has_value()) *page->add_events() = **std::move(next);
  return absl::OkStatus();
}

absl::Status ClusterNode::BalanceHere(PartitionReplica& replica,
                                      const v1::GetBalanceRequest& request,
                                      absl::Time deadline,
                                      v1::GetBalanceResponse* response) {
  RETURN_IF_ERROR(replica.Serving());  // no stale answer from a replica behind
  if (request.min_seq() > 0) {
    absl::Status reached = replica.WaitForSeq(request.min_seq(), deadline);
    if (!reached.ok()) return reached;
  }
  ASSIGN_OR_RETURN(const absl::StatusOr<Balance> balance,
                   ledgerd::AnswerBalance(replica.ledger(), request));
  if (!balance.ok()) return ledgerd::FromLedger(balance.status());
  *response->mutable_balance() = ledgerd::ToBalanceProto(*balance);
  return absl::OkStatus();
}

absl::Status ClusterNode::Forward(int partition, const char* op,
                                  const std::string& body, absl::Time deadline,
                                  std::string* reply) {
  const int64_t wait_ms =
      std::max<int64_t>(1, absl::ToInt64Milliseconds(deadline - absl::Now()));
  const std::string subject = ForwardSubject(partition);
  natsMsg* request = nullptr;
  natsStatus s = natsMsg_Create(&request, subject.c_str(), nullptr, body.data(),
                                static_cast<int>(body.size()));
  if (s == NATS_OK) s = natsMsgHeader_Set(request, kOpHeader, op);
  if (s == NATS_OK) {
    s = natsMsgHeader_Set(request, kDeadlineHeader,
                          absl::StrCat(wait_ms).c_str());
  }
  natsMsg* answer = nullptr;
  if (s == NATS_OK) {
    s = natsConnection_RequestMsg(&answer, log_->connection(), request, wait_ms);
  }
  natsMsg_Destroy(request);
  if (s != NATS_OK) return ForwardFailed(partition, s);
  absl::Status answered = FromAnswerHeaders(Header(answer, kCodeHeader),
                                            Header(answer, kMessageHeader));
  reply->assign(natsMsg_GetData(answer),
                static_cast<size_t>(natsMsg_GetDataLength(answer)));
  natsMsg_Destroy(answer);
  return answered;
}

absl::Status ClusterNode::ServeForwarding() {
  for (int p : config_.hosted) {
    natsSubscription* sub = nullptr;
    const std::string subject = ForwardSubject(p);
    const std::string group = absl::StrCat("ledger.p", p);
    natsStatus s = natsConnection_QueueSubscribe(
        &sub, log_->connection(), subject.c_str(), group.c_str(),
        &ClusterNode::OnForwarded, this);
    if (s != NATS_OK) return FromNats(s, "serving forwarded requests");
    forward_subs_.push_back(sub);
  }
  for (int i = 0; i < kForwardWorkers; ++i) {
    forward_workers_.emplace_back([this] { ForwardWorker(); });
  }
  return absl::OkStatus();
}

// nats.c delivers a subscription's messages on one thread: the work is
// handed to the workers so one slow batch does not hold up the others.
void ClusterNode::OnForwarded(natsConnection*, natsSubscription*, natsMsg* msg,
                              void* closure) {
  auto* node = static_cast<ClusterNode*>(closure);
  absl::MutexLock lock(&node->forward_mu_);
  if (node->forward_stopped_ || node->forward_queue_.size() >= kMaxForwardQueue) {
    natsMsg_Destroy(msg);  // the sender times out and retries elsewhere
    return;
  }
  node->forward_queue_.push_back(msg);
}

void ClusterNode::ForwardWorker() {
  for (;;) {
    natsMsg* msg = nullptr;
    {
      absl::MutexLock lock(&forward_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(forward_mu_) {
        return forward_stopped_ || !forward_queue_.empty();
      };
      forward_mu_.Await(absl::Condition(&ready));
      if (forward_stopped_) return;
      msg = forward_queue_.front();
      forward_queue_.pop_front();
    }
    Answer(msg);
    natsMsg_Destroy(msg);
  }
}

void ClusterNode::Answer(natsMsg* request) {
  const std::string subject = natsMsg_GetSubject(request);
  int partition = -1;
  std::vector<std::string> parts = absl::StrSplit(subject, '.');
  if (parts.size() == 3 && parts[1].size() > 1) {
    (void)absl::SimpleAtoi(parts[1].substr(1), &partition);
  }
  int64_t wait_ms = 0;
  (void)absl::SimpleAtoi(Header(request, kDeadlineHeader), &wait_ms);
  const absl::Time deadline =
      absl::Now() + absl::Milliseconds(std::min<int64_t>(wait_ms, 30000));
  const std::string op = Header(request, kOpHeader);
  const std::string body(natsMsg_GetData(request),
                         static_cast<size_t>(natsMsg_GetDataLength(request)));
  absl::Status status;
  std::string out;
  if (partition < 0 || partition >= config_.partitions ||
      replicas_[partition] == nullptr) {
    status = absl::UnavailableError("partition not hosted here");
  } else if (AnswerPage(op, *replicas_[partition], partition, body, &status,
                        &out)) {
    // The HTTP API's pages (cluster_pages.cc).
  } else if (op == "submit") {
    v1::LogBatch in;
    v1::SubmitBatchResponse response;
    if (!in.ParseFromString(body)) {
      status = absl::InvalidArgumentError("a forwarded submit that does not parse");
    } else {
      // The forwarding node's clock; a node that sent none (an older
      // build) leaves this one to be the receiving node.
      const int64_t received_at_us = in.received_at_us().empty()
                                         ? absl::ToUnixMicros(absl::Now())
                                         : in.received_at_us(0);
      // Likewise the actor the forwarding node authenticated; none from
      // an older build.
      const std::string actor = in.actors().empty() ? std::string() : in.actors(0);
      absl::StatusOr<std::vector<v1::Result>> r = SubmitHere(
          *replicas_[partition],
          std::vector<v1::Command>(in.commands().begin(), in.commands().end()),
          received_at_us, actor, deadline);
      status = r.status();
      if (r.ok()) for (v1::Result& x : *r) *response.add_results() = std::move(x);
    }
    out = response.SerializeAsString();
  } else if (op == "events") {
    v1::ReadEventsRequest in;
    v1::EventPage page;
    status = in.ParseFromString(body)
                 ? EventsHere(*replicas_[partition], in, &page)
                 : absl::InvalidArgumentError("a forwarded read that does not parse");
    out = page.SerializeAsString();
  } else {
    v1::GetBalanceRequest in;
    v1::GetBalanceResponse response;
    status = in.ParseFromString(body)
                 ? BalanceHere(*replicas_[partition], in, deadline, &response)
                 : absl::InvalidArgumentError("a forwarded read that does not parse");
    out = response.SerializeAsString();
  }
  const char* reply_to = natsMsg_GetReply(request);
  if (reply_to == nullptr) return;
  natsMsg* answer = nullptr;
  natsStatus s = natsMsg_Create(&answer, reply_to, nullptr, out.data(),
                                static_cast<int>(out.size()));
  const AnswerHeaders headers = ToAnswerHeaders(status);
  if (s == NATS_OK) s = natsMsgHeader_Set(answer, kCodeHeader, headers.code.c_str());
  if (s == NATS_OK && !status.ok()) {
    s = natsMsgHeader_Set(answer, kMessageHeader, headers.message.c_str());
  }
  if (s == NATS_OK) (void)natsConnection_PublishMsg(log_->connection(), answer);
  natsMsg_Destroy(answer);
}

}  // namespace ledger::cluster
