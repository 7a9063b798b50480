#include "ledger/replay.h"

#include <deque>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "ledger/decide.h"
#include "ledger/event_check.h"
#include "ledger/sha256.h"
#include "ledger/status_macros.h"
#include "ledger/storage_layout.h"
#include "ledger/store.h"
#include "projections/apply.h"
#include "projections/balance.h"

namespace ledger {
namespace {

// Stops a scan at the first bad event; the report holds the finding.
absl::Status StopScan() { return absl::CancelledError("replay found a difference"); }

// Balances of the customer's own accounts, summed from postings, to be
// matched against the folded state (docs/accounting.md).
struct CustomerAccounts {
  int64_t lots = 0;
  int64_t held = 0;
  int64_t refund_pending = 0;
};

// A bounded queue of checked events from the reader thread to the replay.
class EventPipe {
 public:
  static constexpr size_t kBatchEvents = 512;
  static constexpr size_t kMaxBatches = 16;  // bounds the reader's lead

  // Reader: waits for room; false when the replay stopped listening.
  bool Push(std::vector<CheckedEvent> batch) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &EventPipe::HasRoom));
    if (stopped_) return false;
    batches_.push_back(std::move(batch));
    return true;
  }
  // Reader: no more batches; `status` is the scan's.
  void Close(absl::Status status) {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    status_ = std::move(status);
  }
  // Replay: the next batch, or false once closed and drained.
  bool Pop(std::vector<CheckedEvent>* batch) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &EventPipe::Readable));
    if (batches_.empty()) return false;
    *batch = std::move(batches_.front());
    batches_.pop_front();
    return true;
  }
  // Replay: stop the reader (it found what it was looking for).
  void Stop() {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  absl::Status status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopped_ || batches_.size() < kMaxBatches;
  }
  bool Readable() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || !batches_.empty();
  }

  absl::Mutex mu_;
  std::deque<std::vector<CheckedEvent>> batches_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

class Replayer {
 public:
  Replayer(const Store& store, const ReplayOptions& options)
      : store_(store), options_(options) {}

  absl::StatusOr<ReplayReport> Run() {
    RETURN_IF_ERROR(ResolveTarget());
    RETURN_IF_ERROR(ReplayLog());
    report_.last_seq = state_.last_seq;  // how far the rebuild got
    if (!report_.problem.empty()) return report_;
    if (report_.full) {
      RETURN_IF_ERROR(CheckHead());
      if (report_.problem.empty()) RETURN_IF_ERROR(CheckProjections());
      if (report_.problem.empty()) RETURN_IF_ERROR(CheckKeys());
    } else if (report_.events < target_) {
      // The head promised this event, but the log ends before it.
      Fail(report_.events + 1,
           absl::StrCat("event ", report_.events + 1,
                        " is missing: the log ends at seq ", report_.events))
          .IgnoreError();  // the report holds the finding
    }
    if (report_.problem.empty()) CheckAccounts();
    report_.customers = state_.customers.size();
    report_.ok = report_.problem.empty();
    return report_;
  }

  // The rebuilt state; call once, after Run.
  std::unique_ptr<LedgerState> TakeState() {
    return std::make_unique<LedgerState>(std::move(state_));
  }

 private:
  // Records the first problem found (later ones are consequences of it).
  void Record(uint64_t seq, std::string problem) {
    if (report_.problem.empty()) {
      report_.first_bad_seq = seq;
      report_.problem = std::move(problem);
    }
  }
  // Record, then the status that stops a scan over the store.
  absl::Status Fail(uint64_t seq, std::string problem) {
    Record(seq, std::move(problem));
    return StopScan();
  }

  absl::Status ResolveTarget();
  absl::Status LastSeqAtOrBefore(int64_t at_us, uint64_t head_seq);
  absl::Status ReplayLog();
  absl::Status Consume(const CheckedEvent& checked);
  absl::Status CheckDecision(uint64_t seq, const v1::Event& event);
  void AddPostings(const v1::Event& event);
  absl::Status CheckHead();
  absl::Status CheckProjections();
  void EncodeOwner(const std::string& owner,
                   absl::flat_hash_map<std::string, std::string>& out);
  size_t EntityCount() const;
  absl::Status CheckKeys();
  void CheckAccounts();

  const Store& store_;
  const ReplayOptions& options_;
  // The last event to fold (a partial replay) or the stored head's seq (a
  // full one, for the progress total only: a full replay reads to the end).
  uint64_t target_ = 0;
  LedgerState state_;
  ReplayReport report_;
  std::string prev_hash_ = std::string(kHashBytes, '\0');
  absl::flat_hash_map<std::string, uint64_t> keys_;
  absl::flat_hash_map<std::string, uint64_t> last_seq_of_customer_;
  absl::flat_hash_map<std::string, CustomerAccounts> accounts_;
};

// Decides where the replay stops, and refuses a point the log cannot have.
absl::Status Replayer::ResolveTarget() {
  if (options_.until_seq.has_value() && options_.as_of_us.has_value()) {
    return absl::InvalidArgumentError(
        "give either a sequence number or a time to replay to, not both");
  }
  ASSIGN_OR_RETURN(v1::HeadRecord head, store_.ReadHead());
  report_.full = !options_.until_seq.has_value() && !options_.as_of_us.has_value();
  target_ = head.seq();
  if (options_.until_seq.has_value()) {
    if (*options_.until_seq > head.seq()) {
      return absl::OutOfRangeError(absl::StrCat(
          "seq ", *options_.until_seq, " is past the head of the log (seq ",
          head.seq(), ")"));
    }
    target_ = *options_.until_seq;
  }
  if (options_.as_of_us.has_value()) {
    return LastSeqAtOrBefore(*options_.as_of_us, head.seq());
  }
  return absl::OkStatus();
}

// A first pass over the log for the last event whose `at` is at or before
// `at_us`. Events of different customers may be logged out of time order,
// so the whole log up to the head is read; an event that cannot be read
// stops the pass, as the replay that follows would not get past it either.
absl::Status Replayer::LastSeqAtOrBefore(int64_t at_us, uint64_t head_seq) {
  target_ = 0;
  absl::Status scanned = store_.ForEachEvent(
      1, [&](std::string_view key, std::string_view value) {
        absl::StatusOr<uint64_t> seq = DecodeEventKey(key);
        if (!seq.ok()) return seq.status();
        if (*seq > head_seq) return StopScan();
        v1::Event event;
        if (value.size() < kHashBytes ||
            !event.ParseFromArray(value.data() + kHashBytes,
                                  static_cast<int>(value.size() - kHashBytes))) {
          return Fail(*seq, "event does not parse");
        }
        if (event.header().at_us() <= at_us) target_ = *seq;
        return absl::OkStatus();
      });
  if (!report_.problem.empty() || absl::IsCancelled(scanned)) {
    return absl::OkStatus();
  }
  return scanned;
}

// Two stages on two threads: a reader scans the log and runs the checks
// that need no state (CheckStoredEvent), and this thread judges and folds
// the events in order. The reader stops at the first event it finds bad;
// an earlier event found bad here stops it too.
absl::Status Replayer::ReplayLog() {
  if (!report_.problem.empty()) return absl::OkStatus();  // the first pass failed
  EventPipe pipe;
  std::thread reader([&] {
    std::string prev_hash(kHashBytes, '\0');
    uint64_t expected = 1;
    std::vector<CheckedEvent> batch;
    absl::Status scanned = store_.ForEachEvent(
        1, [&](std::string_view key, std::string_view value) {
          if (!report_.full && expected > target_) return StopScan();
          batch.push_back(CheckStoredEvent(key, value, expected, prev_hash));
          const bool bad = !batch.back().problem.empty();
          if (!bad) {
            prev_hash = batch.back().hash;
            ++expected;
          }
          if ((bad || batch.size() == EventPipe::kBatchEvents) &&
              !pipe.Push(std::exchange(batch, {}))) {
            return StopScan();
          }
          return bad ? StopScan() : absl::OkStatus();
        });
    if (!batch.empty()) pipe.Push(std::move(batch));
    pipe.Close(absl::IsCancelled(scanned) ? absl::OkStatus() : scanned);
  });
  std::vector<CheckedEvent> batch;
  while (report_.problem.empty() && pipe.Pop(&batch)) {
    for (const CheckedEvent& checked : batch) {
      if (!Consume(checked).ok()) break;
    }
  }
  pipe.Stop();
  reader.join();
  if (!report_.problem.empty()) return absl::OkStatus();
  return pipe.status();
}

absl::Status Replayer::Consume(const CheckedEvent& checked) {
  if (!checked.problem.empty()) return Fail(checked.seq, checked.problem);
  const v1::Event& event = checked.event;
  RETURN_IF_ERROR(CheckDecision(checked.seq, event));
  absl::Status applied = ApplyEvent(event, state_, nullptr);
  if (!applied.ok()) return Fail(checked.seq, std::string(applied.message()));
  AddPostings(event);
  keys_[event.header().key()] = checked.seq;
  if (!event.header().customer().empty()) {
    last_seq_of_customer_[event.header().customer()] = checked.seq;
  }
  prev_hash_ = checked.hash;
  ++report_.events;
  if (options_.progress) options_.progress(report_.events, target_);
  return absl::OkStatus();
}

// True when the two repeated fields hold the same messages, byte for byte.
template <typename Repeated>
bool SameMessages(const Repeated& a, const Repeated& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    if (SerializeDeterministic(a.Get(i)) != SerializeDeterministic(b.Get(i))) {
      return false;
    }
  }
  return true;
}

// Judges the event's command again against the state rebuilt so far: the
// same code and the same state must give the same decision.
absl::Status Replayer::CheckDecision(uint64_t seq, const v1::Event& event) {
  const v1::EventHeader& h = event.header();
  if (keys_.contains(h.key())) {
    return Fail(seq, absl::StrCat("idempotency key '", h.key(), "' used twice"));
  }
  v1::Event again;
  // The command was checked valid and canonical by CheckStoredEvent.
  Decision decision = Decide(event.command(), state_, &again);
  if (!decision.accepted) {
    return Fail(seq, absl::StrCat("judged again, the command is rejected ",
                                  v1::RejectionCode_Name(decision.code), ": ",
                                  decision.message));
  }
  if (h.policy_version() != again.header().policy_version() ||
      !SameMessages(event.effects(), again.effects()) ||
      !SameMessages(event.postings(), again.postings())) {
    return Fail(seq, "judged again, the command decides other effects or postings");
  }
  return absl::OkStatus();
}

void Replayer::AddPostings(const v1::Event& event) {
  if (event.header().customer().empty()) return;
  CustomerAccounts& a = accounts_[event.header().customer()];
  for (const v1::Posting& p : event.postings()) {
    switch (p.account()) {
      case v1::CUSTOMER_LOTS:
        a.lots += p.amount();
        break;
      case v1::CUSTOMER_HELD:
        a.held += p.amount();
        break;
      case v1::CUSTOMER_REFUND_PENDING:
        a.refund_pending += p.amount();
        break;
      default:
        break;
    }
  }
}

absl::Status Replayer::CheckHead() {
  ASSIGN_OR_RETURN(v1::HeadRecord head, store_.ReadHead());
  if (head.seq() != state_.last_seq || head.hash() != prev_hash_) {
    Record(std::min<uint64_t>(head.seq(), state_.last_seq) + 1,
         absl::StrCat("the stored head (seq ", head.seq(), ", hash ",
                      ToHex(head.hash()), ") is not the end of the log (seq ",
                      state_.last_seq, ", hash ", ToHex(prev_hash_), ")"));
  }
  return absl::OkStatus();
}

// Compares the rebuilt projections with the stored ones: every stored entry
// must be the encoding of a rebuilt entity, and there must be as many stored
// entries as rebuilt entities. A difference is blamed on the last event of
// the customer it belongs to.
absl::Status Replayer::CheckProjections() {
  absl::flat_hash_map<std::string, std::string> rebuilt;
  auto blame = [&](std::string_view key) -> uint64_t {
    std::string customer(key.substr(0, key.find('\0')));
    auto it = last_seq_of_customer_.find(customer);
    return it == last_seq_of_customer_.end() ? 0 : it->second;
  };
  // Customers are encoded one at a time, as their entries come up in key
  // order, so only one customer's encoding is held at once.
  std::string current;
  bool started = false;
  size_t stored = 0;
  absl::Status scanned = store_.ForEachStateEntry(
      [&](std::string_view key, std::string_view value) {
        ++stored;
        std::string owner(key.substr(0, key.find('\0')));
        if (!started || owner != current) {
          if (!rebuilt.empty()) {
            return Fail(blame(rebuilt.begin()->first),
                        absl::StrCat("projection ", absl::CEscape(rebuilt.begin()->first),
                                     " is missing from the store"));
          }
          started = true;
          current = owner;
          EncodeOwner(owner, rebuilt);
        }
        auto it = rebuilt.find(absl::string_view(key.data(), key.size()));
        if (it == rebuilt.end()) {
          return Fail(blame(key), absl::StrCat("stored projection ",
                                               absl::CEscape(std::string(key)),
                                               " has no event behind it"));
        }
        if (it->second != value) {
          return Fail(blame(key), absl::StrCat("stored projection ",
                                               absl::CEscape(std::string(key)),
                                               " differs from the log"));
        }
        rebuilt.erase(it);
        return absl::OkStatus();
      });
  if (!report_.problem.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(scanned);
  if (!rebuilt.empty() || stored != EntityCount()) {
    Record(rebuilt.empty() ? 0 : blame(rebuilt.begin()->first),
         "projections of the log are missing from the store");
  }
  return absl::OkStatus();
}

// Encodes the rebuilt entities of one owner: a customer, or "" for the
// policy versions.
void Replayer::EncodeOwner(const std::string& owner,
                           absl::flat_hash_map<std::string, std::string>& out) {
  auto put = [&](std::string key, std::string value) {
    out.emplace(std::move(key), std::move(value));
  };
  if (owner.empty()) {
    for (const v1::PolicyState& p : state_.policies.versions()) EncodePolicy(p, put);
    return;
  }
  const CustomerState* customer = state_.FindCustomer(owner);
  if (customer != nullptr) EncodeCustomer(*customer, nullptr, put);
}

size_t Replayer::EntityCount() const {
  size_t count = state_.policies.versions().size();
  for (const auto& [id, c] : state_.customers) {
    count += 1 + c.lots.size() + c.holds.size() + c.usages.size() + c.refunds.size();
  }
  return count;
}

absl::Status Replayer::CheckKeys() {
  size_t stored = 0;
  absl::Status scanned = store_.ForEachKey(
      [&](std::string_view key, const v1::KeyRecord& record) {
        ++stored;
        auto it = keys_.find(std::string(key));
        if (it == keys_.end() || it->second != record.seq()) {
          return Fail(it == keys_.end() ? record.seq() : it->second,
                      absl::StrCat("idempotency record of key '",
                                   std::string(key), "' does not match the log"));
        }
        return absl::OkStatus();
      });
  if (!report_.problem.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(scanned);
  if (stored != keys_.size()) {
    Record(0, absl::StrCat(keys_.size() - stored, " idempotency records are missing"));
  }
  return absl::OkStatus();
}

// Each customer's own accounts, summed from the postings, must mirror the
// folded state: CUSTOMER_LOTS is minus the lots' remaining, and so on.
void Replayer::CheckAccounts() {
  for (const auto& [id, customer] : state_.customers) {
    const CustomerAccounts& a = accounts_[id];
    if (a.lots != -customer.TotalRemaining() || a.held != -customer.header.held() ||
        a.refund_pending != -customer.header.refund_pending()) {
      Record(last_seq_of_customer_[id],
           absl::StrCat("the postings of customer ", id,
                        " do not match their lots, holds and refunds"));
      return;
    }
  }
}

}  // namespace

absl::StatusOr<ReplayReport> ReplayLedger(const std::string& dir) {
  return ReplayLedger(dir, ReplayOptions());
}

absl::StatusOr<ReplayReport> ReplayLedger(const std::string& dir,
                                          const ReplayOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  Replayer replayer(*store, options);
  return replayer.Run();
}

absl::StatusOr<std::unique_ptr<LedgerState>> RebuildState(
    const std::string& dir, const ReplayOptions& options,
    ReplayReport* report) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  Replayer replayer(*store, options);
  ASSIGN_OR_RETURN(ReplayReport done, replayer.Run());
  if (report != nullptr) *report = done;
  if (!done.ok) {
    // A state folded from a log that fails its checks is no state to show.
    return absl::DataLossError(
        done.first_bad_seq == 0
            ? done.problem
            : absl::StrCat("event ", done.first_bad_seq, ": ", done.problem));
  }
  return replayer.TakeState();
}

absl::StatusOr<Balance> BalanceAsOfSeq(const std::string& dir,
                                       const std::string& customer,
                                       int64_t at_us, uint64_t seq) {
  ReplayOptions options;
  options.until_seq = seq;
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerState> state,
                   RebuildState(dir, options));
  const CustomerState* c = state->FindCustomer(customer);
  if (c == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown customer '", customer,
                                            "' at seq ", seq));
  }
  return ComputeBalance(*c, state->policies, at_us);
}

}  // namespace ledger
