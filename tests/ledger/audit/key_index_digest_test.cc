// Replay's digest of the idempotency index (ledger/key_index_digest.h):
// independent of order, changed by any record added, missing or moved.
#include "ledger/audit/key_index_digest.h"

#include "gtest/gtest.h"

namespace ledger {
namespace {

KeyIndexDigest Of(std::initializer_list<std::pair<const char*, uint64_t>> records) {
  KeyIndexDigest digest;
  for (const auto& [key, seq] : records) digest.Add(key, seq);
  return digest;
}

TEST(KeyIndexDigest, TheSameRecordsInAnyOrderDigestEqual) {
  EXPECT_EQ(Of({{"k1", 1}, {"k2", 2}, {"k3", 3}}),
            Of({{"k3", 3}, {"k1", 1}, {"k2", 2}}));
  EXPECT_EQ(Of({}).count(), 0u);
}

TEST(KeyIndexDigest, AMissingExtraOrChangedRecordDigestsDifferently) {
  const KeyIndexDigest logged = Of({{"k1", 1}, {"k2", 2}, {"k3", 3}});
  EXPECT_NE(logged, Of({{"k1", 1}, {"k3", 3}}));                       // missing
  EXPECT_NE(logged, Of({{"k1", 1}, {"k2", 2}, {"k3", 3}, {"k4", 4}}));  // extra
  EXPECT_NE(logged, Of({{"k1", 1}, {"k2", 3}, {"k3", 3}}));             // other seq
  EXPECT_NE(logged, Of({{"k1", 1}, {"k2", 2}, {"k9", 3}}));             // other key
  // Two records swapped between keys: same keys, same seqs, other pairs.
  EXPECT_NE(logged, Of({{"k1", 2}, {"k2", 1}, {"k3", 3}}));
}

}  // namespace
}  // namespace ledger
