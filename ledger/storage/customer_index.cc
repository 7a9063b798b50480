// The customer index: its layout (declared in storage_layout.h), reading a
// customer's events through it, and building it for a ledger written
// before it (docs/storage.md, "The customer index").
#include "ledger/storage/customer_index.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/time_util.h"
#include "projections/apply.h"
#include "projections/balance.h"

namespace ledger {
namespace {

constexpr char kComplete[] = "complete";

std::string BigEndian(uint64_t n) { return EventKey(n); }

uint64_t FromBigEndian(std::string_view bytes) {
  uint64_t n = 0;
  for (unsigned char c : bytes) n = (n << 8) | c;
  return n;
}

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// Releases a snapshot when the read that took it ends. Only a writable
// store changes under a read: a read-only or secondary instance is a fixed
// view until it catches up (and a secondary refuses snapshots).
class SnapshotHold {
 public:
  SnapshotHold(rocksdb::DB* db, bool writable)
      : db_(db), snapshot_(writable ? db->GetSnapshot() : nullptr) {}
  ~SnapshotHold() {
    if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
  }
  SnapshotHold(const SnapshotHold&) = delete;
  SnapshotHold& operator=(const SnapshotHold&) = delete;
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace

std::string CustomerEventPrefix(std::string_view customer) {
  std::string prefix(customer);
  prefix.push_back('\0');
  return prefix;
}

std::string CustomerEventKey(std::string_view customer, uint64_t seq) {
  return absl::StrCat(CustomerEventPrefix(customer), BigEndian(seq));
}

std::string EncodeCustomerEventValue(int64_t at_us) {
  return BigEndian(static_cast<uint64_t>(at_us));
}

absl::StatusOr<std::pair<std::string, uint64_t>> DecodeCustomerEventKey(
    std::string_view key) {
  const size_t end = key.find('\0');
  if (end == 0 || end == std::string_view::npos || key.size() != end + 9) {
    return absl::DataLossError(
        "a customer index key is not a customer, \\0 and 8 bytes of seq");
  }
  return std::make_pair(std::string(key.substr(0, end)),
                        FromBigEndian(key.substr(end + 1)));
}

absl::StatusOr<int64_t> DecodeCustomerEventValue(std::string_view value) {
  if (value.size() != 8) {
    return absl::DataLossError(absl::StrCat(
        "a customer index entry holds ", value.size(), " bytes, not 8"));
  }
  return static_cast<int64_t>(FromBigEndian(value));
}

std::string EncodeCustomerIndexStatus(const CustomerIndexStatus& status) {
  return status.complete ? std::string(kComplete) : BigEndian(status.through_seq);
}

absl::StatusOr<CustomerIndexStatus> DecodeCustomerIndexStatus(
    std::string_view value) {
  CustomerIndexStatus status;
  if (value == kComplete) {
    status.complete = true;
  } else if (value.size() == 8) {
    status.through_seq = FromBigEndian(value);
  } else {
    return absl::DataLossError(
        "the customer index's status is neither `complete` nor a seq");
  }
  return status;
}

absl::StatusOr<IndexedFields> SkimStoredEvent(std::string_view bytes) {
  using google::protobuf::internal::WireFormatLite;
  constexpr int kHeader = 1;      // Event.header
  constexpr int kCommand = 2;     // Event.command
  constexpr int kAtUs = 4;        // EventHeader.at_us
  constexpr int kCustomer = 2;    // Command.customer
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  IndexedFields out;
  const absl::Status bad = absl::DataLossError("a stored event does not parse");
  while (const uint32_t tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    if ((field != kHeader && field != kCommand) ||
        WireFormatLite::GetTagWireType(tag) !=
            WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!WireFormatLite::SkipField(&in, tag)) return bad;
      continue;
    }
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) return bad;
    const auto limit = in.PushLimit(static_cast<int>(length));
    while (const uint32_t inner = in.ReadTag()) {
      const int f = WireFormatLite::GetTagFieldNumber(inner);
      const auto type = WireFormatLite::GetTagWireType(inner);
      if (field == kHeader && f == kAtUs &&
          type == WireFormatLite::WIRETYPE_VARINT) {
        uint64_t at = 0;
        if (!in.ReadVarint64(&at)) return bad;
        out.at_us = static_cast<int64_t>(at);
      } else if (field == kCommand && f == kCustomer &&
                 type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
        uint32_t n = 0;
        if (!in.ReadVarint32(&n) || !in.ReadString(&out.customer, static_cast<int>(n))) {
          return bad;
        }
      } else if (!WireFormatLite::SkipField(&in, inner)) {
        return bad;
      }
    }
    if (!in.ConsumedEntireMessage()) return bad;
    in.PopLimit(limit);
  }
  if (!in.ConsumedEntireMessage()) return bad;
  return out;
}

absl::StatusOr<CustomerIndexStatus> Store::ReadCustomerIndexStatus() const {
  if (customer_events_ == nullptr) return CustomerIndexStatus();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), customer_events_,
                               rocksdb::Slice(kCustomerIndexStatusKey.data(),
                                              kCustomerIndexStatusKey.size()),
                               &value);
  if (s.IsNotFound()) return CustomerIndexStatus();
  RETURN_IF_ERROR(FromRocks(s, "reading the customer index's status"));
  return DecodeCustomerIndexStatus(value);
}

absl::Status Store::ForEachCustomerIndexEntry(
    const std::function<absl::Status(std::string_view, std::string_view)>& fn)
    const {
  if (customer_events_ == nullptr) return absl::OkStatus();
  rocksdb::ReadOptions read;
  read.verify_checksums = true;
  read.fill_cache = false;  // RocksDB's own readahead, as Store's scans
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, customer_events_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    RETURN_IF_ERROR(fn(View(it->key()), View(it->value())));
  }
  return FromRocks(it->status(), "scanning the customer index");
}

absl::StatusOr<std::optional<std::string>> Store::ReadCustomerIndexEntry(
    std::string_view customer, uint64_t seq) const {
  if (customer_events_ == nullptr) return std::optional<std::string>();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), customer_events_,
                               CustomerEventKey(customer, seq), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  RETURN_IF_ERROR(FromRocks(s, "reading the customer index"));
  return std::optional<std::string>(std::move(value));
}

absl::Status Store::ForEachCustomerEvent(
    std::string_view customer, uint64_t from_seq,
    const std::function<absl::StatusOr<CustomerEventStep>(uint64_t, int64_t)>&
        step,
    const std::function<absl::Status(const v1::Event&, std::string_view,
                                     std::string_view)>& fn) const {
  from_seq = std::max<uint64_t>(from_seq, 1);
  SnapshotHold snapshot(db_, !read_only_);
  rocksdb::ReadOptions read;
  read.verify_checksums = true;
  read.snapshot = snapshot.get();
  // The events named, with the hash of the event before each (its derived
  // prev_hash), read by point lookups in batches of kCustomerReadBatch
  // events: one MultiGet of the 2 x kCustomerReadBatch keys (each event and
  // the one before it), sorted, so that RocksDB takes each table file once
  // for the keys it holds. Not a seek of an iterator over the log per
  // event: a seek positions itself in every table file of every level (the
  // log's keys ascend, so each level's first file holds a key past any
  // older seq), a cost that grew with the log's levels; a lookup skips each
  // file whose key range misses the seq. Batched, because a MultiGet's own
  // setup (the current version, the snapshot, its key lists) cost as much
  // as a lookup when asked one event at a time (docs/benchmarks.md, "Years
  // of history: as-of reads, replay's memory and rate").
  struct Named {
    uint64_t seq;
    int64_t at_us;
  };
  std::vector<Named> named;
  named.reserve(kCustomerReadBatch);
  std::vector<std::string> keys;
  std::vector<rocksdb::Slice> key_slices;
  std::vector<rocksdb::PinnableSlice> values(2 * kCustomerReadBatch);
  std::vector<rocksdb::Status> statuses(2 * kCustomerReadBatch);
  auto read_named = [&]() -> absl::Status {
    if (named.empty()) return absl::OkStatus();
    keys.clear();
    key_slices.clear();
    for (const Named& n : named) {
      // Seqs ascend, so the keys do: the event before a named one may be
      // the named one before it, read twice.
      if (n.seq > 1) keys.push_back(EventKey(n.seq - 1));
      keys.push_back(EventKey(n.seq));
    }
    for (const std::string& k : keys) key_slices.emplace_back(k);
    for (size_t i = 0; i < keys.size(); ++i) values[i].Reset();
    db_->MultiGet(read, events(), keys.size(), key_slices.data(), values.data(),
                  statuses.data(), /*sorted_input=*/true);
    size_t at = 0;
    for (const Named& n : named) {
      std::string prev_hash(kHashBytes, '\0');
      if (n.seq > 1) {
        if (statuses[at].IsNotFound() || values[at].size() < kHashBytes) {
          return absl::DataLossError(absl::StrCat(
              "stored event ", n.seq - 1, ", which event ", n.seq,
              " chains onto, is missing: run `ledgerctl replay`"));
        }
        RETURN_IF_ERROR(FromRocks(statuses[at], "reading the log"));
        prev_hash.assign(values[at].data(), kHashBytes);
        ++at;
      }
      const size_t own = at++;
      if (statuses[own].IsNotFound()) {
        return absl::DataLossError(absl::StrCat(
            "the customer index names event ", n.seq, " of customer ",
            std::string(customer),
            ", which is not in the log: run `ledgerctl replay`"));
      }
      RETURN_IF_ERROR(FromRocks(statuses[own], "reading the log"));
      const std::string_view value = View(values[own]);
      ASSIGN_OR_RETURN(v1::Event event,
                       DecodeStoredEvent(keys[own], value, prev_hash));
      if (event.header().customer() != customer ||
          event.header().at_us() != n.at_us) {
        return absl::DataLossError(absl::StrCat(
            "the customer index names event ", n.seq, " of customer ",
            std::string(customer),
            ", but that event is another's or of another time: run "
            "`ledgerctl replay`"));
      }
      RETURN_IF_ERROR(
          fn(event, value.substr(0, kHashBytes), value.substr(kHashBytes)));
    }
    named.clear();
    return absl::OkStatus();
  };
  // `step` answers for an entry before the events named ahead of it are
  // read (it must not wait on `fn`), so a batch is read when it is full,
  // and when the walk ends.
  auto deliver = [&](uint64_t seq, int64_t at_us) -> absl::Status {
    named.push_back({seq, at_us});
    if (named.size() < kCustomerReadBatch) return absl::OkStatus();
    return read_named();
  };

  std::string status_value;
  rocksdb::Status s =
      customer_events_ == nullptr
          ? rocksdb::Status::NotFound()
          : db_->Get(read, customer_events_,
                     rocksdb::Slice(kCustomerIndexStatusKey.data(),
                                    kCustomerIndexStatusKey.size()),
                     &status_value);
  if (!s.IsNotFound()) RETURN_IF_ERROR(FromRocks(s, "reading the customer index"));
  CustomerIndexStatus status;
  if (s.ok()) {
    ASSIGN_OR_RETURN(status, DecodeCustomerIndexStatus(status_value));
  }

  if (status.complete) {
    const std::string prefix = CustomerEventPrefix(customer);
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(read, customer_events_));
    for (it->Seek(CustomerEventKey(customer, from_seq));
         it->Valid() && View(it->key()).starts_with(prefix); it->Next()) {
      ASSIGN_OR_RETURN(auto key, DecodeCustomerEventKey(View(it->key())));
      ASSIGN_OR_RETURN(int64_t at_us, DecodeCustomerEventValue(View(it->value())));
      ASSIGN_OR_RETURN(CustomerEventStep next, step(key.second, at_us));
      if (next == CustomerEventStep::kStop) return read_named();
      if (next == CustomerEventStep::kRead) {
        RETURN_IF_ERROR(deliver(key.second, at_us));
      }
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading the customer index"));
    return read_named();
  }
  // No complete index (a ledger no writer of this build has opened yet):
  // the same answer from a scan of the log, at the log's cost.
  std::unique_ptr<rocksdb::Iterator> log(db_->NewIterator(read, events()));
  for (log->Seek(EventKey(from_seq)); log->Valid(); log->Next()) {
    if (log->value().size() < kHashBytes) {
      return absl::DataLossError("a stored event is shorter than its hash");
    }
    ASSIGN_OR_RETURN(IndexedFields fields,
                     SkimStoredEvent(View(log->value()).substr(kHashBytes)));
    if (fields.customer != customer) continue;
    ASSIGN_OR_RETURN(uint64_t seq, DecodeEventKey(View(log->key())));
    ASSIGN_OR_RETURN(CustomerEventStep next, step(seq, fields.at_us));
    if (next == CustomerEventStep::kStop) return read_named();
    if (next == CustomerEventStep::kRead) RETURN_IF_ERROR(deliver(seq, fields.at_us));
  }
  RETURN_IF_ERROR(FromRocks(log->status(), "scanning the log"));
  return read_named();
}

absl::Status BuildCustomerIndex(Store& store) {
  if (store.customer_events() == nullptr) {
    return absl::FailedPreconditionError(
        "the customer index is built by a writer, which opens its family");
  }
  ASSIGN_OR_RETURN(CustomerIndexStatus status, store.ReadCustomerIndexStatus());
  if (status.complete) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  uint64_t in_batch = 0;
  RETURN_IF_ERROR(store.ForEachEvent(
      status.through_seq + 1,
      [&](std::string_view key, std::string_view value) -> absl::Status {
        ASSIGN_OR_RETURN(uint64_t seq, DecodeEventKey(key));
        if (value.size() < kHashBytes) {
          return absl::DataLossError(absl::StrCat(
              "stored event ", seq, " is shorter than its hash: run "
              "`ledgerctl replay`"));
        }
        ASSIGN_OR_RETURN(IndexedFields fields,
                         SkimStoredEvent(value.substr(kHashBytes)));
        if (!fields.customer.empty()) {
          batch.Put(store.customer_events(),
                    CustomerEventKey(fields.customer, seq),
                    EncodeCustomerEventValue(fields.at_us));
        }
        if (++in_batch < kCustomerIndexBuildBatch) return absl::OkStatus();
        // Bounded memory, and a crash resumes after the last batch written.
        batch.Put(store.customer_events(), kCustomerIndexStatusKey,
                  EncodeCustomerIndexStatus({false, seq}));
        RETURN_IF_ERROR(store.Write(batch, /*sync=*/false));
        batch.Clear();
        in_batch = 0;
        return absl::OkStatus();
      }));
  batch.Put(store.customer_events(), kCustomerIndexStatusKey,
            EncodeCustomerIndexStatus({true, 0}));
  // Synced, and so are the unsynced batches before it (one WAL).
  return store.Write(batch, /*sync=*/true);
}

absl::Status CheckCustomerPageLimit(size_t limit) {
  if (limit == 0 || limit > kMaxCustomerEventPage) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a page of a customer's events holds 1 to ", kMaxCustomerEventPage,
        " events, not ", limit));
  }
  return absl::OkStatus();
}

absl::StatusOr<CustomerEventPage> ReadCustomerEventPage(
    const Store& store, const std::string& customer, uint64_t from_seq,
    size_t limit) {
  RETURN_IF_ERROR(CheckCustomerPageLimit(limit));
  CustomerEventPage page;
  size_t asked = 0;  // the events are read in batches, after their steps
  RETURN_IF_ERROR(store.ForEachCustomerEvent(
      customer, from_seq,
      [&](uint64_t seq, int64_t) -> absl::StatusOr<Store::CustomerEventStep> {
        if (asked < limit) {
          ++asked;
          return Store::CustomerEventStep::kRead;
        }
        page.next_from_seq = seq;
        return Store::CustomerEventStep::kStop;
      },
      [&](const v1::Event& event, std::string_view hash, std::string_view bytes) {
        page.events.push_back(CustomerEvent{event.header().seq(),
                                            std::string(hash),
                                            std::string(bytes), event});
        return absl::OkStatus();
      }));
  if (!page.events.empty()) return page;
  // An empty page past the end of a known customer's history is an answer;
  // for a customer with no event at all, NotFound.
  bool known = false;
  if (from_seq > 1) RETURN_IF_ERROR(store.ForEachCustomerEvent(
      customer, 1,
      [&](uint64_t, int64_t) -> absl::StatusOr<Store::CustomerEventStep> {
        known = true;
        return Store::CustomerEventStep::kStop;
      },
      [](const v1::Event&, std::string_view, std::string_view) {
        return absl::OkStatus();
      }));
  if (!known) {
    return absl::NotFoundError(absl::StrCat("unknown customer '", customer, "'"));
  }
  return page;
}

absl::StatusOr<Balance> CustomerBalanceAsOf(const Store& store,
                                            const std::string& customer,
                                            int64_t as_of_us) {
  if (as_of_us < kMinTimeUs || as_of_us > kMaxTimeUs) {
    return absl::InvalidArgumentError(absl::StrCat(
        "as_of_us ", as_of_us, " is outside [", kMinTimeUs, ", ", kMaxTimeUs,
        "]"));
  }
  LedgerState state;
  // The policy versions: few, and the one in force at as_of_us is looked up
  // by time, so versions set later in time change nothing.
  StateDecoder policies(state);
  RETURN_IF_ERROR(store.ForEachStateEntryIn(
      kPoliciesStart, kPoliciesEnd,
      [&](std::string_view key, std::string_view value) {
        return policies.Add(key, value);
      }));
  RETURN_IF_ERROR(policies.Finish());
  bool any = false;
  RETURN_IF_ERROR(store.ForEachCustomerEvent(
      customer, 1,
      [&](uint64_t, int64_t at_us) -> absl::StatusOr<Store::CustomerEventStep> {
        // A customer's times never go back in its own events (ApplyEvent
        // refuses it, and replay checks it), so the first one past as_of
        // ends the fold.
        return at_us <= as_of_us ? Store::CustomerEventStep::kRead
                                 : Store::CustomerEventStep::kStop;
      },
      [&](const v1::Event& event, std::string_view, std::string_view) {
        // Only this customer's events are folded: the others' seqs are
        // gaps, which the fold's sequence check must not see.
        state.last_seq = event.header().seq() - 1;
        any = true;
        return ApplyEvent(event, state, nullptr);
      }));
  const CustomerState* c = state.FindCustomer(customer);
  if (!any || c == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "unknown customer '", customer, "' as of ", FormatTimeUs(as_of_us),
        ": it has no event at or before that time"));
  }
  return ComputeBalance(*c, state.policies, as_of_us);
}

}  // namespace ledger
