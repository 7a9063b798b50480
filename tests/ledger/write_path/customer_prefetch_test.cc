// A group's uncached customers read ahead on a helper thread
// (customer_prefetch.h): each listed customer is read at most once, by the
// helper or by the leader, and handed out at most once; the leader waits
// for a read in progress, reads itself what the helper has not reached,
// and gets the helper's errors as its own read would have given them.
#include "ledger/write_path/customer_prefetch.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::WaitUntil;
using StoredCustomer = CustomerPrefetch::StoredCustomer;

// A customer whose header names it, so a test can tell whose state it got.
StoredCustomer Named(const std::string& customer) {
  CustomerState c;
  c.header.set_customer(customer);
  return std::optional<CustomerState>(std::move(c));
}

// Counts the reads of each customer, from whatever thread makes them.
class CountedReads {
 public:
  CustomerPrefetch::ReadFn Fn() {
    return [this](const std::string& customer) {
      std::lock_guard<std::mutex> lock(mu_);
      ++reads_[customer];
      return Named(customer);
    };
  }
  int Of(const std::string& customer) {
    std::lock_guard<std::mutex> lock(mu_);
    return reads_[customer];
  }

 private:
  std::mutex mu_;
  absl::flat_hash_map<std::string, int> reads_;
};

TEST(CustomerPrefetch, EachListedCustomerIsReadOnceAndHandedOutOnce) {
  std::vector<std::string> customers;
  for (int i = 0; i < 200; ++i) customers.push_back(absl::StrCat("c", i));
  CountedReads reads;
  CustomerPrefetch prefetch(customers, reads.Fn());
  ASSERT_TRUE(WaitUntil([&] { return prefetch.ReadAheadForTest() == 200; }));
  for (const std::string& c : customers) {
    std::optional<StoredCustomer> got = prefetch.Take(c);
    ASSERT_TRUE(got.has_value()) << c;
    ASSERT_TRUE(got->ok()) << got->status();
    ASSERT_TRUE(got->value().has_value());
    EXPECT_EQ(got->value()->header.customer(), c);
    EXPECT_FALSE(prefetch.Take(c).has_value()) << c << " handed out twice";
    EXPECT_EQ(reads.Of(c), 1) << c;
  }
}

TEST(CustomerPrefetch, ACustomerNotListedIsLeftToTheCaller) {
  CountedReads reads;
  CustomerPrefetch prefetch({"a", "b"}, reads.Fn());
  EXPECT_FALSE(prefetch.Take("z").has_value());
  ASSERT_TRUE(WaitUntil([&] { return prefetch.ReadAheadForTest() == 2; }));
  EXPECT_EQ(reads.Of("z"), 0);
}

// The helper is held inside its read of `a` while the leader asks for `b`,
// not reached yet: the leader reads `b` itself and the helper skips it;
// asking for `a` then waits for the helper's read rather than reading again.
TEST(CustomerPrefetch, TheLeaderReadsWhatTheHelperHasNotReachedAndWaitsForTheRest) {
  std::atomic<bool> in_a{false};
  std::atomic<bool> release_a{false};
  CountedReads counted;
  CustomerPrefetch::ReadFn count = counted.Fn();
  CustomerPrefetch prefetch({"a", "b"}, [&](const std::string& customer) {
    if (customer == "a") {
      in_a = true;
      // Bounded: the test releases it well before.
      for (int i = 0; i < 10000 && !release_a; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    return count(customer);
  });
  ASSERT_TRUE(WaitUntil([&] { return in_a.load(); }));
  EXPECT_FALSE(prefetch.Take("b").has_value()) << "b was not reached yet";
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    release_a = true;
  });
  std::optional<StoredCustomer> a = prefetch.Take("a");
  releaser.join();
  ASSERT_TRUE(a.has_value()) << "the leader did not wait for the read in progress";
  ASSERT_TRUE(a->ok());
  EXPECT_EQ(a->value()->header.customer(), "a");
  ASSERT_TRUE(WaitUntil([&] { return counted.Of("a") == 1; }));
  // The helper has passed `b` by now (it is the last): it did not read it.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(counted.Of("b"), 0);
  EXPECT_EQ(prefetch.ReadAheadForTest(), 1u);
}

TEST(CustomerPrefetch, AFailedReadAndAnUnknownCustomerReachTheLeaderAsTheyAre) {
  CustomerPrefetch prefetch({"broken", "unknown"}, [](const std::string& customer)
                                                       -> StoredCustomer {
    if (customer == "broken") return absl::DataLossError("header of broken does not parse");
    return std::optional<CustomerState>();
  });
  ASSERT_TRUE(WaitUntil([&] { return prefetch.ReadAheadForTest() == 2; }));
  std::optional<StoredCustomer> broken = prefetch.Take("broken");
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(broken->status().message(), "header of broken does not parse");
  std::optional<StoredCustomer> unknown = prefetch.Take("unknown");
  ASSERT_TRUE(unknown.has_value());
  ASSERT_TRUE(unknown->ok());
  EXPECT_FALSE(unknown->value().has_value());
}

// A group that stops judging early (a failed write before it) must not wait
// for the helper to read every customer it listed.
TEST(CustomerPrefetch, DestroyedEarlyItStopsReadingAhead) {
  std::vector<std::string> customers;
  for (int i = 0; i < 1000; ++i) customers.push_back(absl::StrCat("c", i));
  std::atomic<int> reads{0};
  {
    CustomerPrefetch prefetch(customers, [&](const std::string& customer) {
      ++reads;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return Named(customer);
    });
    ASSERT_TRUE(WaitUntil([&] { return reads.load() >= 1; }));
  }
  EXPECT_LT(static_cast<size_t>(reads.load()), customers.size() / 2);
}

}  // namespace
}  // namespace ledger
