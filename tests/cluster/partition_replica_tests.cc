// PartitionReplica (tools/ledgerd/cluster/partition_replica.h) against an
// in-memory log (fake_log.h): the applier's handling of gaps, repeats,
// lost readers, restarts and retention, and the publisher's bounds on what
// goes into one message and how many messages are in flight. The
// end-to-end cluster tests (test_*.py beside this file) run the same code
// on NATS; these pin each case on its own, in about a second, without one.
#include <algorithm>
#include <atomic>
#include <deque>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/service.pb.h"
#include "tests/cluster/fake_log.h"
#include "tests/test_util.h"
#include "tools/ledgerd/cluster/partition_replica.h"
#include "tools/workload/command_builders.h"

namespace ledger::cluster {
namespace {

using ::ledger::cluster::testing::FakeLog;
using ::ledger::testing::TempDir;
using ::ledger::testing::WaitUntil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kReceivedAtUs = 1772964000000000;  // 2026-03-08T10:00:00Z

v1::Command Buy(const std::string& tag, int i, size_t metadata_bytes = 0) {
  v1::Command c = workload::Purchase({.key = absl::StrCat("k", tag, i),
                                      .customer = absl::StrCat("c", i % 7),
                                      .at = "2026-03-08T10:00:00Z",
                                      .purchase_id = absl::StrCat("p", tag, i),
                                      .credits = 10});
  // Metadata only to make a command large (16 entries of at most 256 bytes).
  for (int m = 0; metadata_bytes > 0 && m < 16; ++m) {
    const size_t n = std::min<size_t>(256, metadata_bytes);
    (*c.mutable_metadata())[absl::StrCat("m", m)] = std::string(n, 'x');
    metadata_bytes -= n;
  }
  return c;
}

std::vector<v1::Command> Buys(const std::string& tag, int n,
                              size_t metadata_bytes = 0) {
  std::vector<v1::Command> out;
  for (int i = 0; i < n; ++i) out.push_back(Buy(tag, i, metadata_bytes));
  return out;
}

// A message as another node publishes it.
std::string Message(const std::vector<v1::Command>& commands) {
  v1::LogBatch batch;
  for (const v1::Command& c : commands) {
    *batch.add_commands() = c;
    batch.add_received_at_us(kReceivedAtUs);
    batch.add_actors("other-node");
  }
  return batch.SerializeAsString();
}

int CommandsIn(const std::string& payload) {
  v1::LogBatch batch;
  return batch.ParseFromString(payload) ? batch.commands_size() : -1;
}

class PartitionReplicaTest : public ::testing::Test {
 protected:
  PartitionReplicaTest() {
    log_.SetAckTarget([this](const std::string& id, absl::StatusOr<uint64_t> seq) {
      if (PartitionReplica* r = target_.load(); r != nullptr) {
        r->OnAck(id, std::move(seq));
      }
    });
  }
  ~PartitionReplicaTest() override { Stop(); }

  void Start() {
    absl::StatusOr<std::unique_ptr<PartitionReplica>> started =
        PartitionReplica::Start(0, dir_.path() + "/p0", &log_, "node1",
                                /*min_free_disk_bytes=*/0);
    ASSERT_TRUE(started.ok()) << started.status();
    replica_ = *std::move(started);
    target_.store(replica_.get());
  }
  void Stop() {
    target_.store(nullptr);
    replica_.reset();
  }
  bool AppliedUpTo(uint64_t position) {
    return WaitUntil([&] { return replica_->ledger().AppliedPosition() >= position; },
                     absl::Seconds(10));
  }
  absl::StatusOr<std::vector<SubmitResult>> Submit(std::vector<v1::Command> commands) {
    return replica_->Submit(std::move(commands), kReceivedAtUs, "client",
                            absl::Now() + absl::Seconds(20));
  }

  // One message of one purchase per tag, as other nodes publish them.
  void AppendEach(std::initializer_list<const char*> tags) {
    for (const char* tag : tags) log_.Append(0, Message(Buys(tag, 1)));
  }

  TempDir dir_;
  FakeLog log_;
  std::unique_ptr<PartitionReplica> replica_;
  std::atomic<PartitionReplica*> target_{nullptr};
};

TEST_F(PartitionReplicaTest, AppliesTheStreamInOrderAndStoresItsPosition) {
  log_.Append(0, Message(Buys("a", 2)));
  log_.Append(0, Message(Buys("b", 3)));
  Start();
  ASSERT_TRUE(AppliedUpTo(2));
  EXPECT_EQ(replica_->ledger().LastSeq(), 5u);
  EXPECT_THAT(log_.ReadsFrom(), ElementsAre(1u));
}

TEST_F(PartitionReplicaTest, AMessageSkippedInDeliveryMakesItReadAgainFromTheGap) {
  AppendEach({"a", "b", "c"});
  log_.SkipOnce(2);  // the first reader delivers 1, then 3
  Start();
  ASSERT_TRUE(AppliedUpTo(3));
  // Message 3 was not applied in 2's place: the reader was opened again at 2.
  EXPECT_THAT(log_.ReadsFrom(), ElementsAre(1u, 2u));
  EXPECT_EQ(replica_->ledger().LastSeq(), 3u);
}

TEST_F(PartitionReplicaTest, AMessageDeliveredTwiceIsAppliedOnce) {
  log_.Append(0, Message(Buys("a", 2)));
  log_.Append(0, Message(Buys("b", 2)));
  log_.DuplicateOnce(1);
  Start();
  ASSERT_TRUE(AppliedUpTo(2));
  EXPECT_EQ(replica_->ledger().LastSeq(), 4u);
  // Dropped quietly: the reader did not need to be opened again.
  EXPECT_THAT(log_.ReadsFrom(), ElementsAre(1u));
  EXPECT_TRUE(replica_->Serving().ok());
}

TEST_F(PartitionReplicaTest, ALostReaderIsOpenedAgainAtTheNextUnappliedMessage) {
  AppendEach({"a", "b"});
  log_.FailReaderAt(2);
  Start();
  ASSERT_TRUE(AppliedUpTo(2));
  EXPECT_THAT(log_.ReadsFrom(), ElementsAre(1u, 2u));
  EXPECT_EQ(replica_->ledger().LastSeq(), 2u);
}

TEST_F(PartitionReplicaTest, ARestartReadsOnFromTheStoredPosition) {
  AppendEach({"a", "b"});
  Start();
  ASSERT_TRUE(AppliedUpTo(2));
  Stop();
  AppendEach({"c", "d"});
  Start();
  ASSERT_TRUE(AppliedUpTo(4));
  EXPECT_THAT(log_.ReadsFrom(), ElementsAre(1u, 3u));
  EXPECT_EQ(replica_->ledger().LastSeq(), 4u);
}

TEST_F(PartitionReplicaTest, RetentionThatDroppedOnlyAppliedMessagesLetsARestartCatchUp) {
  AppendEach({"a", "b"});
  Start();
  ASSERT_TRUE(AppliedUpTo(2));
  Stop();
  AppendEach({"c"});
  log_.DropBefore(0, 3);  // the stream starts at the next message to apply
  Start();
  ASSERT_TRUE(AppliedUpTo(3));
  EXPECT_FALSE(replica_->behind_retention());
  EXPECT_TRUE(replica_->Serving().ok());
}

TEST_F(PartitionReplicaTest, AReplicaWhoseNextMessageWasDroppedServesNothing) {
  AppendEach({"a"});
  Start();
  ASSERT_TRUE(AppliedUpTo(1));
  Stop();
  AppendEach({"b", "c", "d"});
  log_.DropBefore(0, 3);  // message 2, the next to apply here, is gone
  Start();
  ASSERT_TRUE(WaitUntil([&] { return replica_->behind_retention(); },
                        absl::Seconds(10)));
  EXPECT_THAT(replica_->Serving().message(), HasSubstr("seed this one"));
  EXPECT_TRUE(absl::IsUnavailable(replica_->Serving()));
  // It did not read on from the first message kept, skipping message 2.
  EXPECT_THAT(log_.ReadsFrom(), ElementsAre(1u));
  EXPECT_EQ(replica_->ledger().AppliedPosition(), 1u);
  // And takes no write: nothing is published for it.
  EXPECT_TRUE(absl::IsUnavailable(Submit(Buys("e", 1)).status()));
  EXPECT_EQ(log_.published(), 0u);
}

TEST_F(PartitionReplicaTest, ASubmitIsAnsweredWithItsResultsOnceLoggedAndApplied) {
  log_.SetAutoAck(true);
  Start();
  absl::StatusOr<std::vector<SubmitResult>> results = Submit(Buys("a", 3));
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 3u);
  for (const SubmitResult& r : *results) EXPECT_EQ(r.outcome, Outcome::kAccepted);
  EXPECT_EQ(replica_->ledger().AppliedPosition(), 1u);
}

TEST_F(PartitionReplicaTest, ABatchOverOneMessageIsRefusedAndNothingPublished) {
  Start();
  absl::StatusOr<std::vector<SubmitResult>> too_many =
      Submit(Buys("a", static_cast<int>(kMaxCommandsPerMessage) + 1));
  EXPECT_TRUE(absl::IsInvalidArgument(too_many.status())) << too_many.status();
  // 250 commands of 4 KiB: few commands, but over a message's bytes.
  absl::StatusOr<std::vector<SubmitResult>> too_big = Submit(Buys("b", 250, 4096));
  EXPECT_TRUE(absl::IsInvalidArgument(too_big.status())) << too_big.status();
  EXPECT_THAT(too_big.status().message(), HasSubstr("split it"));
  EXPECT_EQ(log_.published(), 0u);
}

// Clients of the publisher, each on its own thread.
class Clients {
 public:
  ~Clients() { Join(); }
  void Send(PartitionReplica* replica, std::vector<v1::Command> commands) {
    const size_t i = results_.size();
    results_.emplace_back(absl::UnknownError("not answered"));
    threads_.emplace_back([this, replica, i, c = std::move(commands)]() mutable {
      results_[i] = replica->Submit(std::move(c), kReceivedAtUs, "client",
                                    absl::Now() + absl::Seconds(20));
    });
  }
  void Join() {
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }
  // A slot per client, made before its thread starts; each thread writes
  // its own (a deque keeps the slots in place as more are added).
  std::deque<absl::StatusOr<std::vector<SubmitResult>>> results_;

 private:
  std::vector<std::thread> threads_;
};

// Fills the in-flight bound with one-command messages, one at a time.
void FillInFlight(PartitionReplica* replica, FakeLog& log, Clients& clients) {
  for (int i = 0; i < kMaxUnackedMessages; ++i) {
    clients.Send(replica, Buys(absl::StrCat("f", i), 1));
    ASSERT_TRUE(WaitUntil([&] { return log.published() == size_t(i) + 1; },
                          absl::Seconds(10)));
  }
}

// Once `messages` have been published in all (so no more come), acknowledges
// every one still waiting and lets the clients finish.
void AckAll(FakeLog& log, Clients& clients, size_t messages) {
  ASSERT_TRUE(WaitUntil([&] { return log.published() == messages; },
                        absl::Seconds(10)));
  while (log.AckNext()) {
  }
  clients.Join();
}

TEST_F(PartitionReplicaTest, ClientsQueuedBehindTheInFlightBoundLeaveInOneMessage) {
  Start();
  Clients clients;
  FillInFlight(replica_.get(), log_, clients);
  for (const char* tag : {"x", "y", "z"}) clients.Send(replica_.get(), Buys(tag, 2));
  ASSERT_TRUE(WaitUntil([&] { return replica_->queued_requests() == 3; },
                        absl::Seconds(10)));
  EXPECT_EQ(log_.published(), size_t(kMaxUnackedMessages));
  ASSERT_TRUE(log_.AckNext());  // one message leaves the bound
  ASSERT_TRUE(WaitUntil([&] { return log_.published() == size_t(kMaxUnackedMessages) + 1; },
                        absl::Seconds(10)));
  EXPECT_EQ(CommandsIn(log_.PublishedPayload(kMaxUnackedMessages)), 6);
  AckAll(log_, clients, kMaxUnackedMessages + 1);
  ASSERT_TRUE(AppliedUpTo(kMaxUnackedMessages + 1));
  for (const auto& r : clients.results_) {
    ASSERT_TRUE(r.ok()) << r.status();
    for (const SubmitResult& one : *r) EXPECT_EQ(one.outcome, Outcome::kAccepted);
  }
  EXPECT_EQ(replica_->ledger().LastSeq(), uint64_t(kMaxUnackedMessages) + 6);
}

TEST_F(PartitionReplicaTest, AMessageStopsBeforeTheCommandBoundAndNeverSplitsAClient) {
  Start();
  Clients clients;
  FillInFlight(replica_.get(), log_, clients);
  // 3 x 4000 commands: two fit under 10 000, the third waits for the next.
  for (const char* tag : {"x", "y", "z"}) clients.Send(replica_.get(), Buys(tag, 4000));
  ASSERT_TRUE(WaitUntil([&] { return replica_->queued_requests() == 3; },
                        absl::Seconds(10)));
  ASSERT_TRUE(log_.AckNext());
  ASSERT_TRUE(WaitUntil([&] { return log_.published() == kMaxUnackedMessages + 1u; },
                        absl::Seconds(10)));
  EXPECT_EQ(CommandsIn(log_.PublishedPayload(kMaxUnackedMessages)), 8000);
  EXPECT_EQ(replica_->queued_requests(), 1u);
  ASSERT_TRUE(log_.AckNext());
  ASSERT_TRUE(WaitUntil([&] { return log_.published() == kMaxUnackedMessages + 2u; },
                        absl::Seconds(10)));
  EXPECT_EQ(CommandsIn(log_.PublishedPayload(kMaxUnackedMessages + 1)), 4000);
  AckAll(log_, clients, kMaxUnackedMessages + 2);
  for (const auto& r : clients.results_) ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(clients.results_.back()->size(), 4000u);
}

TEST_F(PartitionReplicaTest, AMessageStopsBeforeTheByteBound) {
  Start();
  Clients clients;
  FillInFlight(replica_.get(), log_, clients);
  // 3 x 100 commands of about 4 KiB: two fit under kMaxMessageBytes, not three.
  for (const char* tag : {"x", "y", "z"}) {
    clients.Send(replica_.get(), Buys(tag, 100, 4096));
  }
  ASSERT_TRUE(WaitUntil([&] { return replica_->queued_requests() == 3; },
                        absl::Seconds(10)));
  ASSERT_TRUE(log_.AckNext());
  ASSERT_TRUE(WaitUntil([&] { return log_.published() == kMaxUnackedMessages + 1u; },
                        absl::Seconds(10)));
  const std::string first = log_.PublishedPayload(kMaxUnackedMessages);
  EXPECT_EQ(CommandsIn(first), 200);
  EXPECT_LE(first.size(), kMaxMessageBytes);
  EXPECT_EQ(replica_->queued_requests(), 1u);
  ASSERT_TRUE(log_.AckNext());  // the third leaves alone in the next
  AckAll(log_, clients, kMaxUnackedMessages + 2);
  EXPECT_EQ(CommandsIn(log_.PublishedPayload(kMaxUnackedMessages + 1)), 100);
  for (const auto& r : clients.results_) ASSERT_TRUE(r.ok()) << r.status();
}

TEST_F(PartitionReplicaTest, ARefusedAckFailsTheBatchAsMaybeLogged) {
  Start();
  Clients clients;
  clients.Send(replica_.get(), Buys("a", 2));
  ASSERT_TRUE(WaitUntil([&] { return log_.published() == 1; }, absl::Seconds(10)));
  ASSERT_TRUE(log_.AckNext(absl::UnavailableError("no quorum")));
  clients.Join();
  const absl::Status& status = clients.results_[0].status();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("no quorum"));
  EXPECT_THAT(status.message(), HasSubstr("retry with the same keys"));
  EXPECT_EQ(replica_->ledger().LastSeq(), 0u);
}

TEST_F(PartitionReplicaTest, APublishTheLogRefusesFailsTheBatchAndTheNextGoesThrough) {
  log_.SetAutoAck(true);
  Start();
  log_.RefuseNextPublish(absl::UnavailableError("not connected"));
  absl::StatusOr<std::vector<SubmitResult>> refused = Submit(Buys("a", 1));
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("not connected"));
  // The in-flight count was given back: later batches are not held up.
  for (int i = 0; i < kMaxUnackedMessages + 1; ++i) {
    absl::StatusOr<std::vector<SubmitResult>> next =
        Submit(Buys(absl::StrCat("b", i), 1));
    ASSERT_TRUE(next.ok()) << next.status();
  }
}

}  // namespace
}  // namespace ledger::cluster
