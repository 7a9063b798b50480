// Replay's digest of the idempotency index (ledger/audit/key_index_digest.h):
// independent of order, changed by any record added, missing or moved, and
// by any byte of a record's value.
#include "ledger/audit/key_index_digest.h"

#include "gtest/gtest.h"

namespace ledger {
namespace {

KeyIndexDigest Of(
    std::initializer_list<std::pair<const char*, const char*>> records) {
  KeyIndexDigest digest;
  for (const auto& [key, value] : records) digest.Add(key, value);
  return digest;
}

TEST(KeyIndexDigest, TheSameRecordsInAnyOrderDigestEqual) {
  EXPECT_EQ(Of({{"k1", "1"}, {"k2", "2"}, {"k3", "3"}}),
            Of({{"k3", "3"}, {"k1", "1"}, {"k2", "2"}}));
  EXPECT_EQ(Of({}).count(), 0u);
}

TEST(KeyIndexDigest, AMissingExtraOrChangedRecordDigestsDifferently) {
  const KeyIndexDigest logged = Of({{"k1", "1"}, {"k2", "2"}, {"k3", "3"}});
  EXPECT_NE(logged, Of({{"k1", "1"}, {"k3", "3"}}));                  // missing
  EXPECT_NE(logged,
            Of({{"k1", "1"}, {"k2", "2"}, {"k3", "3"}, {"k4", "4"}}));  // extra
  EXPECT_NE(logged, Of({{"k1", "1"}, {"k2", "3"}, {"k3", "3"}}));  // other value
  EXPECT_NE(logged, Of({{"k1", "1"}, {"k2", "2"}, {"k9", "3"}}));  // other key
  // Two values swapped between keys: same keys, same values, other pairs.
  EXPECT_NE(logged, Of({{"k1", "2"}, {"k2", "1"}, {"k3", "3"}}));
}

TEST(KeyIndexDigest, AValueWithAByteMoreOrAByteChangedDigestsDifferently) {
  const KeyIndexDigest logged = Of({{"k1", "ab"}});
  EXPECT_NE(logged, Of({{"k1", "abX"}}));  // an extra byte (unknown field)
  EXPECT_NE(logged, Of({{"k1", "aB"}}));
  // The same bytes split otherwise between key and value.
  EXPECT_NE(Of({{"k1a", "b"}}), logged);
}

}  // namespace
}  // namespace ledger
