// Comparing a full replay with the store: the meta records, every stored
// projection against the rebuilt one, the idempotency index against the
// keys the log names. CompareWithStore is the one place these checks are
// called, in the order their findings rank (ledger/audit/replayer.h).
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/audit/customer_index_check.h"
#include "ledger/audit/pending_refund_check.h"
#include "ledger/audit/replayer.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/store.h"

namespace ledger {
namespace replay_internal {
namespace {

// The seq a stored idempotency record names, 0 when it does not parse: what
// a record with no event behind it is blamed on.
uint64_t SeqNamedBy(std::string_view stored) {
  v1::KeyRecord record;
  if (!record.ParseFromArray(stored.data(), static_cast<int>(stored.size()))) {
    return 0;
  }
  return record.seq();
}

}  // namespace

// Each check records its finding in the report; the next runs only while
// there is none, so the first one found is the one reported. A check of a
// new stored record (an index, a projection of its own) is called here,
// last, in one line.
absl::Status Replayer::CompareWithStore(std::jthread& stored_keys_scan,
                                        CustomerIndexCheck& customer_index) {
  RETURN_IF_ERROR(CheckMeta());
  if (report_.problem.empty()) RETURN_IF_ERROR(CheckProjections());
  if (stored_keys_scan.joinable()) {
    stored_keys_scan.join();
  } else {
    DigestStoredKeys();
  }
  if (report_.problem.empty()) RETURN_IF_ERROR(CheckKeys());
  if (report_.problem.empty()) {
    RETURN_IF_ERROR(
        customer_index.Finish(last_seq_, logged_customer_events_, report_));
  }
  if (report_.problem.empty()) {
    RETURN_IF_ERROR(CheckPendingRefundQueue(
        store_, [this](const auto& fn) { ForEachRebuiltCustomer(fn); },
        report_));
  }
  return absl::OkStatus();
}

void Replayer::ForEachRebuiltCustomer(
    const std::function<void(const CustomerState&, uint64_t last_seq)>& fn)
    const {
  for (const auto& shard : shards_) {
    for (const auto& [id, customer] : shard->state.customers) {
      const CustomerAudit* audit = FindAudit(id);
      fn(customer, audit == nullptr ? 0 : audit->last_seq);
    }
  }
}

// The meta family must hold the format marker and, once an event is logged,
// the head naming the last event, each byte for byte as stored by the
// writer, and nothing else but a well-formed applied position and delivery
// cursors. (Store::Open already refuses a ledger whose
// format marker differs; it is compared here too so that replay names every
// record it checks.)
absl::Status Replayer::CheckMeta() {
  const std::string head = EncodeHead(last_seq_, prev_hash_);
  bool head_seen = false;
  absl::Status scanned = store_.ForEachMetaEntry(
      [&](std::string_view key, std::string_view value) {
        if (key == kHeadKey) {
          head_seen = true;
          return value == head ? absl::OkStatus() : HeadDiffers(value);
        }
        if (key == kAppliedPositionKey) {
          // A cluster replica's log position (docs/cluster.md): no event
          // names it, so only its form can be checked.
          absl::StatusOr<uint64_t> position = DecodeAppliedPosition(value);
          if (position.ok()) return absl::OkStatus();
          return Fail(0, absl::StrCat("the stored applied position (",
                                      Hex(value), ") is malformed: ",
                                      position.status().message()));
        }
        if (key.starts_with(kDeliveryCursorPrefix)) {
          // How far a consumer downstream got (Ledger::SetDeliveryCursor):
          // not a fact of the ledger and outside the hash chain, so only
          // its form is checked, and that it names no event past the log.
          absl::StatusOr<uint64_t> cursor = DecodeDeliveryCursor(value);
          if (!cursor.ok()) {
            return Fail(0, absl::StrCat("the stored delivery cursor '",
                                        Escaped(key), "' (", Hex(value),
                                        ") is malformed: ",
                                        cursor.status().message()));
          }
          if (*cursor > last_seq_) {
            return Fail(0, absl::StrCat("the stored delivery cursor '",
                                        Escaped(key), "' names seq ", *cursor,
                                        ", past the end of the log (seq ",
                                        last_seq_, ")"));
          }
          return absl::OkStatus();
        }
        if (key == kFormatKey) {
          if (value == kFormatValue) return absl::OkStatus();
          return Fail(0, absl::StrCat("the stored format marker '",
                                      Escaped(value), "' is not '",
                                      kFormatValue, "'"));
        }
        return Fail(0, absl::StrCat("stored meta record '", Escaped(key),
                                    "' has no event behind it"));
      });
  if (!report_.problem.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(scanned);
  // A ledger with no event has no head yet.
  if (!head_seen && last_seq_ != 0) HeadDiffers(std::nullopt).IgnoreError();
  return absl::OkStatus();
}

// Records how the stored head (nullopt: none) differs from the log's end:
// blamed on the first event the two disagree about when it names another
// event, else (extra bytes, an unknown field, or no parse) on no one event.
absl::Status Replayer::HeadDiffers(std::optional<std::string_view> stored) {
  v1::HeadRecord head;  // none stored: seq 0, as Store::ReadHead reads it
  if (stored.has_value() &&
      !head.ParseFromArray(stored->data(), static_cast<int>(stored->size()))) {
    return Fail(0, absl::StrCat("the stored head (",
                                Hex(*stored),
                                ") does not parse"));
  }
  if (head.seq() != last_seq_ || head.hash() != prev_hash_) {
    return Fail(std::min<uint64_t>(head.seq(), last_seq_) + 1,
                absl::StrCat("the stored head (seq ", head.seq(), ", hash ",
                             absl::BytesToHexString(head.hash()),
                             ") is not the end of the log (seq ",
                             last_seq_, ", hash ",
                             absl::BytesToHexString(prev_hash_), ")"));
  }
  return Fail(0, absl::StrCat("the stored head (",
                              Hex(*stored),
                              ") names the end of the log but is not stored "
                              "as the writer stores it (",
                              absl::BytesToHexString(
                                  EncodeHead(last_seq_, prev_hash_)),
                              ")"));
}

// Compares the rebuilt projections with the stored ones: every stored entry
// must be the encoding of a rebuilt entity, and there must be as many stored
// entries as rebuilt entities. A difference is blamed on the last event of
// the customer it belongs to. The stored entries are read in two halves at
// once, split at a customer near the middle; the first difference in key
// order is the one reported, as a single pass would.
absl::Status Replayer::CheckProjections() {
  // One thread: one range, on this thread.
  const std::string middle = threads_ > 1 ? CustomerNearTheMiddle() : "";
  ProjectionRange low;
  ProjectionRange high;
  if (middle.empty()) {
    low = CheckProjectionRange("", std::nullopt);
  } else {
    std::thread upper([&] { high = CheckProjectionRange(middle, std::nullopt); });
    low = CheckProjectionRange("", middle);
    upper.join();
  }
  for (const ProjectionRange* range : {&low, &high}) {
    if (!range->problem.empty()) {
      Record(range->bad_seq, range->problem);
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(range->status);
  }
  if (low.stored + high.stored != EntityCount()) return NameMissingProjection();
  return absl::OkStatus();
}

// Every stored entry matched a rebuilt one, but fewer are stored: an owner
// (a customer, or the policy versions) has none stored at all, which the
// range scans, seeing only owners with stored entries, cannot name. List
// every rebuilt key, holding them all as the index's second pass does (this
// is the failure path), and name the first missing in key order.
absl::Status Replayer::NameMissingProjection() {
  std::vector<std::string> rebuilt;
  auto put = [&](std::string key, std::string) {
    rebuilt.push_back(std::move(key));
  };
  for (const v1::PolicyState& p : policies().versions()) EncodePolicy(p, put);
  for (const auto& shard : shards_) {
    for (const auto& [id, customer] : shard->state.customers) {
      EncodeCustomer(customer, nullptr, put);
    }
    RETURN_IF_ERROR(shard->usages.ForEachSpilledIn(
        "", "", [&](std::string_view key, std::string_view) {
          rebuilt.emplace_back(key);
          return absl::OkStatus();
        }));
  }
  std::sort(rebuilt.begin(), rebuilt.end());
  size_t next = 0;  // stored keys are a subset of `rebuilt`, in order
  absl::Status scanned = store_.ForEachStateEntry(
      [&](std::string_view key, std::string_view) {
        if (next < rebuilt.size() && rebuilt[next] == key) {
          ++next;
          return absl::OkStatus();
        }
        return StopScan();
      });
  if (!absl::IsCancelled(scanned)) RETURN_IF_ERROR(scanned);
  if (next == rebuilt.size()) {  // not reached: the counts differed
    Record(0, "projections of the log are missing from the store");
    return absl::OkStatus();
  }
  const std::string& missing = rebuilt[next];
  const CustomerAudit* audit = FindAudit(missing.substr(0, missing.find('\0')));
  Record(audit == nullptr ? 0 : audit->last_seq,
         absl::StrCat("projection ", Escaped(missing),
                      " is missing from the store"));
  return absl::OkStatus();
}

// A customer id near the median of them all, from a sample (the hash map's
// order is as good as random); "" with fewer than two customers.
std::string Replayer::CustomerNearTheMiddle() const {
  constexpr size_t kSample = 1024;
  std::vector<std::string_view> sample;
  for (const auto& shard : shards_) {
    for (const auto& [id, customer] : shard->state.customers) {
      if (sample.size() == kSample) break;
      sample.emplace_back(id);
    }
  }
  if (sample.size() < 2) return "";
  auto middle = sample.begin() + sample.size() / 2;
  std::nth_element(sample.begin(), middle, sample.end());
  return std::string(*middle);
}

// The stored entries with keys from `from` up to (not including) `until`.
// A customer's entries all sort together (its id, then '\0'), and customer
// ids sort as their keys do, so a customer id splits the entries cleanly.
Replayer::ProjectionRange Replayer::CheckProjectionRange(
    std::string_view from, std::optional<std::string_view> until) const {
  ProjectionRange out;
  auto blame = [&](std::string_view key) -> uint64_t {
    std::string customer(key.substr(0, key.find('\0')));
    const CustomerAudit* audit = FindAudit(customer);
    return audit == nullptr ? 0 : audit->last_seq;
  };
  auto fail = [&](std::string_view key, std::string problem) {
    out.bad_seq = blame(key);
    out.problem = std::move(problem);
    return StopScan();
  };
  // Customers are encoded one at a time, as their entries come up in key
  // order, so only one customer's encoding is held at once.
  absl::flat_hash_map<std::string, std::string> rebuilt;
  auto missing = [&] {
    const std::string& key = rebuilt.begin()->first;
    return fail(key, absl::StrCat("projection ", absl::CEscape(key),
                                  " is missing from the store"));
  };
  std::string current;
  bool started = false;
  // The shards' spilled usages, read customer after customer in key order.
  std::vector<std::unique_ptr<ScratchDb::Cursor>> cursors(shards_.size());
  absl::Status scanned = store_.ForEachStateEntry(
      [&](std::string_view key, std::string_view value) {
        if (until.has_value() && key >= *until) return StopScan();
        ++out.stored;
        std::string owner(key.substr(0, key.find('\0')));
        if (!started || owner != current) {
          if (!rebuilt.empty()) return missing();
          started = true;
          current = owner;
          if (absl::Status encoded = EncodeOwner(owner, cursors, rebuilt);
              !encoded.ok()) {
            return encoded;
          }
        }
        auto it = rebuilt.find(absl::string_view(key.data(), key.size()));
        if (it == rebuilt.end()) {
          return fail(key, absl::StrCat("stored projection ",
                                        absl::CEscape(std::string(key)),
                                        " has no event behind it"));
        }
        // A header as written before headers named their entities is the
        // rebuilt one without the list: accepted, as loading reads the
        // customer's range for it; a list that is stored must be exact.
        if (it->second != value &&
            !(IsCustomerHeaderKey(key) && IsUnlistedFormOf(it->second, value))) {
          return fail(key, absl::StrCat("stored projection ",
                                        absl::CEscape(std::string(key)),
                                        " differs from the log"));
        }
        rebuilt.erase(it);
        return absl::OkStatus();
      },
      from);
  if (!out.problem.empty()) return out;
  if (!absl::IsCancelled(scanned)) out.status = scanned;
  if (out.status.ok() && !rebuilt.empty()) missing().IgnoreError();
  return out;
}

// Encodes the rebuilt entities of one owner: a customer, or "" for the
// policy versions.
absl::Status Replayer::EncodeOwner(
    const std::string& owner,
    std::vector<std::unique_ptr<ScratchDb::Cursor>>& cursors,
    absl::flat_hash_map<std::string, std::string>& out) const {
  auto put = [&](std::string key, std::string value) {
    out.emplace(std::move(key), std::move(value));
  };
  if (owner.empty()) {
    for (const v1::PolicyState& p : policies().versions()) EncodePolicy(p, put);
    return absl::OkStatus();
  }
  const CustomerState* customer = FindCustomer(owner);
  if (customer == nullptr) return absl::OkStatus();
  EncodeCustomer(*customer, nullptr, put);
  // Its spilled usages (a shard that spilled holds none then: SpillAll).
  const size_t shard = ShardOf(owner);
  return shards_[shard]->usages.ForEachSpilled(
      owner, cursors[shard], [&](std::string_view key, std::string_view value) {
        put(std::string(key), std::string(value));
        return absl::OkStatus();
      });
}

size_t Replayer::EntityCount() const {
  size_t count = policies().versions().size();
  for (const auto& shard : shards_) {
    for (const auto& [id, c] : shard->state.customers) {
      count += 1 + c.lots.size() + c.holds.size() + c.usages.size() + c.refunds.size();
    }
    count += shard->usages.spilled_count();
  }
  return count;
}

void Replayer::DigestStoredKeys() {
  stored_keys_status_ = store_.ForEachKeyBytes(
      [&](std::string_view key, std::string_view value) {
        stored_keys_.Add(key, value);
        return absl::OkStatus();
      });
}

// The stored idempotency index must hold exactly one record per event, the
// bytes the writer stored for it: its seq and its command's fingerprint.
absl::Status Replayer::CheckKeys() {
  RETURN_IF_ERROR(stored_keys_status_);
  if (stored_keys_ == logged_keys_) return absl::OkStatus();
  return FindKeyDifference();
}

// The index differs from the log: read both again, keeping every key with
// the record its event implies this time, to name the first record that
// differs.
absl::Status Replayer::FindKeyDifference() {
  struct Implied {
    uint64_t seq = 0;
    std::string record;
  };
  absl::flat_hash_map<std::string, Implied> logged;
  StoredEventDecoder decoder(store_);
  RETURN_IF_ERROR(store_.ForEachEvent(
      1, [&](std::string_view key, std::string_view value) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Event event, decoder.Next(key, value));
        const v1::EventHeader& h = event.header();
        logged[h.key()] = {h.seq(), EncodeKeyRecord(h.seq())};
        return absl::OkStatus();
      }));
  absl::Status scanned = store_.ForEachKeyBytes(
      [&](std::string_view key, std::string_view value) {
        auto it = logged.find(std::string(key));
        if (it == logged.end()) {
          return Fail(SeqNamedBy(value),
                      absl::StrCat("idempotency record of key '",
                                   std::string(key),
                                   "' has no event behind it"));
        }
        if (it->second.record != value) {
          return Fail(it->second.seq,
                      absl::StrCat("idempotency record of key '",
                                   std::string(key),
                                   "' does not match the log (stored ",
                                   Hex(value),
                                   ", the log implies ",
                                   absl::BytesToHexString(it->second.record),
                                   ")"));
        }
        logged.erase(it);
        return absl::OkStatus();
      });
  if (!report_.problem.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(scanned);
  if (!logged.empty()) {
    auto first = std::min_element(
        logged.begin(), logged.end(), [](const auto& a, const auto& b) {
          return a.second.seq < b.second.seq;
        });
    Record(first->second.seq, absl::StrCat("idempotency record of key '",
                                           first->first, "' is missing"));
  }
  return absl::OkStatus();
}

}  // namespace replay_internal
}  // namespace ledger
