#include "tools/ledgerd/cluster/delivery_lease.h"

#include <cstdio>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/ledgerd/cluster/nats_log.h"

namespace ledger::cluster {
namespace {

// Between two tries of a cursor write NATS did not answer.
constexpr absl::Duration kRetryPause = absl::Milliseconds(200);

int64_t Ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

// The key's current value: NotFound when absent.
struct Entry {
  uint64_t revision = 0;
  std::string value;
};
absl::StatusOr<Entry> GetEntry(kvStore* kv, const std::string& key) {
  kvEntry* e = nullptr;
  natsStatus s = kvStore_Get(&e, kv, key.c_str());
  if (s == NATS_NOT_FOUND) return absl::NotFoundError(key);
  if (s != NATS_OK) return FromNats(s, "reading the webhook lease " + key);
  Entry out;
  out.revision = kvEntry_Revision(e);
  const void* data = kvEntry_Value(e);
  const int len = kvEntry_ValueLen(e);
  if (data != nullptr && len > 0) {
    out.value.assign(static_cast<const char*>(data), static_cast<size_t>(len));
  }
  kvEntry_Destroy(e);
  return out;
}

}  // namespace

DeliveryLease::DeliveryLease(kvStore* kv, int partition, std::string node)
    : kv_(kv),
      partition_(partition),
      key_(absl::StrCat("p", partition)),
      node_(std::move(node)) {}

void DeliveryLease::Hold(uint64_t revision, const LeaseRecord& record,
                         Clock::time_point start) {
  revision_ = revision;
  record_ = record;
  last_write_ = start;
  valid_until_ns_.store(Ns(start + kLeaseValidFor));
  holding_.store(true);
}

void DeliveryLease::Lose() {
  holding_.store(false);
  valid_until_ns_.store(0);
}

bool DeliveryLease::MaySend() {
  return holding_.load() && Ns(Clock::now()) < valid_until_ns_.load();
}

std::map<std::string, uint64_t> DeliveryLease::Cursors() {
  absl::MutexLock lock(&mu_);
  return record_.cursors;
}

absl::StatusOr<bool> DeliveryLease::TryTake() {
  absl::MutexLock lock(&mu_);
  if (holding_.load()) return true;
  absl::StatusOr<Entry> entry = GetEntry(kv_, key_);
  const Clock::time_point now = Clock::now();
  if (absl::IsNotFound(entry.status())) {
    // The first lease of the partition: Create fails if another node
    // created it first.
    LeaseRecord first;
    first.holder = node_;
    const std::string value = EncodeLeaseRecord(first);
    uint64_t revision = 0;
    if (kvStore_Create(&revision, kv_, key_.c_str(), value.data(),
                       static_cast<int>(value.size())) != NATS_OK) {
      return false;
    }
    Hold(revision, first, now);
    return true;
  }
  if (!entry.ok()) return entry.status();
  absl::StatusOr<LeaseRecord> record = DecodeLeaseRecord(entry->value);
  if (!record.ok()) {
    // Not written by ledgerd: leave it to an operator rather than lose
    // the cursors it may hold.
    return absl::FailedPreconditionError(
        absl::StrCat("the webhook lease ", kWebhookBucket, "/", key_,
                     " does not parse: ", record.status().message()));
  }
  if (entry->revision != seen_revision_) {
    seen_revision_ = entry->revision;
    seen_since_ = now;
  }
  const bool may_take = record->holder.empty() || record->holder == node_ ||
                        now - seen_since_ >= kLeaseTakeOverAfter;
  if (!may_take) return false;
  LeaseRecord next = *record;
  next.holder = node_;
  const std::string value = EncodeLeaseRecord(next);
  uint64_t revision = 0;
  if (kvStore_Update(&revision, kv_, key_.c_str(), value.data(),
                     static_cast<int>(value.size()),
                     entry->revision) != NATS_OK) {
    return false;  // another node was first, or no answer: look again later
  }
  Hold(revision, next, now);
  return true;
}

DeliveryLease::Written DeliveryLease::WriteLocked(const LeaseRecord& next) {
  const Clock::time_point start = Clock::now();
  const std::string value = EncodeLeaseRecord(next);
  uint64_t revision = 0;
  if (kvStore_Update(&revision, kv_, key_.c_str(), value.data(),
                     static_cast<int>(value.size()), revision_) == NATS_OK) {
    Hold(revision, next, start);
    return Written::kDone;
  }
  // Refused, or no answer (the write may have happened): look.
  absl::StatusOr<Entry> entry = GetEntry(kv_, key_);
  if (!entry.ok()) return Written::kUnknown;
  if (entry->revision == revision_) return Written::kUnknown;  // not written
  if (entry->value == value) {
    // Only this node writes while it holds the lease: it was our write.
    Hold(entry->revision, next, start);
    return Written::kDone;
  }
  Lose();
  return Written::kLost;
}

bool DeliveryLease::Renew() {
  absl::MutexLock lock(&mu_);
  if (!holding_.load()) return false;
  if (Clock::now() - last_write_ < kLeaseRenewEvery && MaySend()) return true;
  switch (WriteLocked(record_)) {
    case Written::kDone:
      return true;
    case Written::kLost:
      return false;
    case Written::kUnknown:
      if (MaySend()) return true;
      Lose();
      return false;
  }
  return false;
}

bool DeliveryLease::CursorStored(const std::string& endpoint, uint64_t seq) {
  absl::MutexLock lock(&mu_);
  for (;;) {
    if (!MaySend()) {
      Lose();
      return false;
    }
    LeaseRecord next = record_;
    next.cursors[endpoint] = seq;
    switch (WriteLocked(next)) {
      case Written::kDone:
        return true;
      case Written::kLost:
        std::fputs(absl::StrCat("ledgerd: webhooks: partition ", partition_,
                                ": another node took the lease\n")
                       .c_str(),
                   stderr);
        return false;
      case Written::kUnknown:
        // The POSTed event stays unconfirmed to the others until this
        // succeeds; the next POST waits for it.
        mu_.Unlock();
        absl::SleepFor(kRetryPause);
        mu_.Lock();
        break;
    }
  }
}

void DeliveryLease::Release() {
  absl::MutexLock lock(&mu_);
  if (!holding_.load()) return;
  LeaseRecord next = record_;
  next.holder.clear();
  const std::string value = EncodeLeaseRecord(next);
  (void)kvStore_Update(nullptr, kv_, key_.c_str(), value.data(),
                       static_cast<int>(value.size()), revision_);
  Lose();
}

}  // namespace ledger::cluster
