// An order-independent digest of a set of idempotency records, each the key
// and the exact bytes stored under it, so that replay can compare the
// records its log implies with the stored idempotency index in one pass
// over each, without holding every key in memory: equal sets give equal
// digests, and a missing, extra or changed record (any byte of its value,
// so an extra byte or an unknown field too) changes the count or, but for
// a chance of about 2^-64, the sum.
//
// It catches corruption and bugs, not a forger: the hash is not
// cryptographic (the hash chain and published digests are what catch a
// forger), and it is seeded per process, so both sides must be digested in
// the same process.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_KEY_INDEX_DIGEST_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_KEY_INDEX_DIGEST_H_

#include <cstdint>
#include <string_view>

#include "absl/hash/hash.h"

namespace ledger {

class KeyIndexDigest {
 public:
  // One record: its key and its value's bytes (hashed with their lengths,
  // so the split between them counts too).
  void Add(std::string_view key, std::string_view value) {
    ++count_;
    sum_ += static_cast<uint64_t>(absl::HashOf(key, value));  // wraps: fine
  }
  uint64_t count() const { return count_; }
  // Adds the records of `other`: digests of disjoint parts of a set add up
  // to the digest of the whole, so replay's workers digest their keys apart.
  void Merge(const KeyIndexDigest& other) {
    count_ += other.count_;
    sum_ += other.sum_;  // wraps: fine
  }

  friend bool operator==(const KeyIndexDigest&, const KeyIndexDigest&) = default;

 private:
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_KEY_INDEX_DIGEST_H_
