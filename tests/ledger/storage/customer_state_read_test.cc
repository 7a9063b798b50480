// Loading a customer the writer does not hold (ledger/storage/
// customer_state_read.h): the header names its lots and pending holds and
// refunds, one MultiGet reads them, and the result is the state the range
// read of the whole customer gives; a header without the names (written
// before them) is loaded by that range read; and replay finds a header
// whose names are wrong.
#include "ledger/storage/customer_state_read.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/replay.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/store.h"
#include "ledger/v1/state.pb.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::RawLog;
using testing::TestLedger;

// c1: a lot used up (p0), two lots with credits (p1, p2), a hold pending
// (h1), one released (h2) and one captured (h3), a refund pending (r1, of
// p2) and one denied (r2, of p3), and usages. c2: one lot.
void WriteCustomerWithHistory(TestLedger& db) {
  for (const char* json : {
           R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p0","credits":10,"amount_minor":99,"currency":"USD"}})",
           R"({"key":"k2","customer":"c1","at":"2026-03-08T10:01:00Z","use":{"usage_id":"u0","category":"AI_PROCESSING","credits":10}})",
           R"({"key":"k3","customer":"c1","at":"2026-03-08T10:02:00Z","purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD"}})",
           R"({"key":"k4","customer":"c1","at":"2026-03-08T10:03:00Z","purchase":{"purchase_id":"p2","credits":50,"amount_minor":99,"currency":"USD"}})",
           R"({"key":"k5","customer":"c1","at":"2026-03-08T10:04:00Z","purchase":{"purchase_id":"p3","credits":30,"amount_minor":59,"currency":"USD"}})",
           R"({"key":"k6","customer":"c1","at":"2026-03-08T10:05:00Z","hold":{"hold_id":"h1","credits":100,"expires_at":"2026-03-09T10:00:00Z"}})",
           R"({"key":"k7","customer":"c1","at":"2026-03-08T10:06:00Z","hold":{"hold_id":"h2","credits":20,"expires_at":"2026-03-09T10:00:00Z"}})",
           R"({"key":"k8","customer":"c1","at":"2026-03-08T10:07:00Z","release":{"hold_id":"h2"}})",
           R"({"key":"k9","customer":"c1","at":"2026-03-08T10:08:00Z","hold":{"hold_id":"h3","credits":10,"expires_at":"2026-03-09T10:00:00Z"}})",
           R"({"key":"k10","customer":"c1","at":"2026-03-08T10:09:00Z","capture":{"hold_id":"h3","usage_id":"u1","category":"AUTOMATED_CALL","credits":5}})",
           R"({"key":"k11","customer":"c1","at":"2026-03-08T10:10:00Z","request_refund":{"refund_id":"r1","purchase_id":"p2"}})",
           R"({"key":"k12","customer":"c1","at":"2026-03-08T10:11:00Z","request_refund":{"refund_id":"r2","purchase_id":"p3"}})",
           R"({"key":"k13","customer":"c1","at":"2026-03-08T10:12:00Z","deny_refund":{"refund_id":"r2"}})",
           R"({"key":"k14","customer":"c1","at":"2026-03-08T10:13:00Z","use":{"usage_id":"u2","category":"AI_PROCESSING","credits":7}})",
           R"({"key":"k15","customer":"c2","at":"2026-03-08T10:14:00Z","purchase":{"purchase_id":"p1","credits":300,"amount_minor":500,"currency":"EUR"}})",
       }) {
    ASSERT_EQ(db.Code(json), "ACCEPTED") << json;
  }
  db.Close();
}

// A loaded customer's stored form (EncodeCustomer), sorted by key: equal
// for two loads exactly when their header, lots, holds and refunds are.
std::vector<std::pair<std::string, std::string>> Encoded(const CustomerState& c) {
  std::vector<std::pair<std::string, std::string>> out;
  EncodeCustomer(c, nullptr, [&](std::string key, std::string value) {
    out.emplace_back(std::move(key), std::move(value));
  });
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<Store> OpenReadOnly(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(dir, Store::Mode::kReadOnly, /*create_if_missing=*/false);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

// The ids the stored header of `customer` names (nullopt: none).
std::optional<v1::CustomerEntityIds> NamedIds(const std::string& dir,
                                              const std::string& customer) {
  v1::CustomerHeader header;
  std::optional<v1::CustomerEntityIds> ids;
  EXPECT_TRUE(DecodeStoredHeader(customer,
                                 RawLog(dir).GetState(CustomerHeaderKey(customer)),
                                 header, ids)
                  .ok());
  return ids;
}

// Loads `customer` both ways, for the rules and for a balance, and expects
// the same state; returns the named load for the rules.
CustomerState ExpectSameLoadBothWays(const std::string& dir,
                                     const std::string& customer) {
  std::unique_ptr<Store> store = OpenReadOnly(dir);
  CustomerState for_rules;
  if (store == nullptr) return for_rules;
  for (bool rules : {true, false}) {
    absl::StatusOr<std::optional<CustomerState>> named =
        ReadStoredCustomer(*store, customer, rules);
    absl::StatusOr<std::optional<CustomerState>> ranged =
        ReadStoredCustomerByRange(*store, customer, rules);
    EXPECT_TRUE(named.ok()) << named.status();
    EXPECT_TRUE(ranged.ok()) << ranged.status();
    if (!named.ok() || !ranged.ok()) continue;
    EXPECT_TRUE(named->has_value() && ranged->has_value());
    if (!named->has_value() || !ranged->has_value()) continue;
    EXPECT_EQ(Encoded(**named), Encoded(**ranged)) << "for_rules " << rules;
    EXPECT_EQ((*named)->lot_index, (*ranged)->lot_index) << "for_rules " << rules;
    if (rules) for_rules = std::move(**named);
  }
  EXPECT_TRUE(store->Close().ok());
  return for_rules;
}

// `mutate` applied to the entity ids stored in c1's header.
void RewriteNamedIds(const std::string& dir,
                     const std::function<void(v1::CustomerEntityIds&)>& mutate) {
  RawLog raw(dir);
  const std::string key = CustomerHeaderKey("c1");
  v1::CustomerHeader header;
  ASSERT_TRUE(header.ParseFromString(raw.GetState(key)));
  ASSERT_TRUE(header.has_entity_ids());
  mutate(*header.mutable_entity_ids());
  raw.PutState(key, SerializeDeterministic(header));
}

// An audit spills usages one at a time with StoredUsage: its value is the
// one EncodeCustomer stores under the usage's key, id left out.
TEST(CustomerStateRead, StoredUsageIsWhatEncodeCustomerStoresForTheUsage) {
  CustomerState c;
  c.header.set_customer("c1");
  v1::UsageState usage;
  usage.set_usage_id("u-7");
  usage.set_category(v1::VOICE_GENERATION);
  usage.set_credits(120);
  usage.set_at_us(1772964000000000);
  usage.set_call_id("call-9");
  usage.set_hold_id("h-2");
  usage.set_compensated(20);
  c.usages.emplace("u-7", usage);
  v1::UsageState other = usage;
  other.set_usage_id("u-8");
  c.usages.emplace("u-8", other);
  TouchedEntities only;
  only.customer = "c1";
  only.usages.push_back("u-7");
  std::vector<std::pair<std::string, std::string>> emitted;
  EncodeCustomer(c, &only, [&](std::string key, std::string value) {
    emitted.emplace_back(std::move(key), std::move(value));
  });
  const std::string key = UsageKey("c1", "u-7");
  auto stored = std::find_if(emitted.begin(), emitted.end(),
                             [&](const auto& e) { return e.first == key; });
  ASSERT_NE(stored, emitted.end());
  EXPECT_EQ(StoredUsage(usage), stored->second);
  v1::UsageState back;
  ASSERT_TRUE(DecodeStoredEntity("u-7", StoredUsage(usage), back).ok());
  EXPECT_EQ(back.SerializeAsString(), usage.SerializeAsString());
}

TEST(CustomerStateRead, TheHeaderNamesEveryLotAndThePendingHoldsAndRefunds) {
  TestLedger db;
  WriteCustomerWithHistory(db);
  std::optional<v1::CustomerEntityIds> ids = NamedIds(db.dir(), "c1");
  ASSERT_TRUE(ids.has_value());
  EXPECT_THAT(ids->lot_ids(), ElementsAre("p0", "p1", "p2", "p3"));
  EXPECT_THAT(ids->pending_hold_ids(), ElementsAre("h1"));
  EXPECT_THAT(ids->pending_refund_ids(), ElementsAre("r1"));
}

TEST(CustomerStateRead, AMissLoadsTheSameStateAsTheRangeRead) {
  TestLedger db;
  WriteCustomerWithHistory(db);
  CustomerState c1 = ExpectSameLoadBothWays(db.dir(), "c1");
  // What the rules walk: every lot (p0 used up among them) and only the
  // pending hold and refund.
  EXPECT_EQ(c1.lots.size(), 4u);
  EXPECT_EQ(c1.lots[0].remaining(), 0);
  EXPECT_EQ(c1.holds.size(), 1u);
  EXPECT_TRUE(c1.holds.contains("h1"));
  EXPECT_EQ(c1.refunds.size(), 1u);
  EXPECT_TRUE(c1.refunds.contains("r1"));
  EXPECT_TRUE(c1.usages.empty());
  CustomerState c2 = ExpectSameLoadBothWays(db.dir(), "c2");
  EXPECT_EQ(c2.lots.size(), 1u);
  // An unknown customer is none, not an error.
  std::unique_ptr<Store> store = OpenReadOnly(db.dir());
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::optional<CustomerState>> none =
      ReadStoredCustomer(*store, "nobody", true);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  EXPECT_TRUE(store->Close().ok());
}

TEST(CustomerStateRead, ALedgerWithATinyCacheAnswersAsOneThatHoldsEveryone) {
  Options small;
  small.state_cache_customers = 1;
  TestLedger tiny(small);
  TestLedger whole;
  WriteCustomerWithHistory(tiny);
  WriteCustomerWithHistory(whole);
  tiny.Reopen();
  whole.Reopen();
  // c2 then c1 again: every command of c1 below loads it from the store.
  for (const char* json : {
           R"({"key":"k20","customer":"c2","at":"2026-03-08T11:00:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":1}})",
           R"({"key":"k21","customer":"c1","at":"2026-03-08T11:01:00Z","capture":{"hold_id":"h1","usage_id":"u3","category":"AUTOMATED_CALL","credits":40}})",
           R"({"key":"k22","customer":"c2","at":"2026-03-08T11:02:00Z","use":{"usage_id":"u2","category":"AI_PROCESSING","credits":1}})",
           R"({"key":"k23","customer":"c1","at":"2026-03-08T11:03:00Z","approve_refund":{"refund_id":"r1"}})",
           R"({"key":"k24","customer":"c2","at":"2026-03-08T11:04:00Z","use":{"usage_id":"u3","category":"AI_PROCESSING","credits":1}})",
           R"({"key":"k25","customer":"c1","at":"2026-03-08T11:05:00Z","release":{"hold_id":"h2"}})",
       }) {
    EXPECT_EQ(tiny.Code(json), whole.Code(json)) << json;
  }
  const Balance a = tiny.BalanceAt("c1", "2026-03-08T12:00:00Z");
  const Balance b = whole.BalanceAt("c1", "2026-03-08T12:00:00Z");
  EXPECT_EQ(a.available, b.available);
  EXPECT_EQ(a.held, b.held);
  EXPECT_EQ(a.lots.size(), b.lots.size());
  tiny.Close();
  whole.Close();
  EXPECT_EQ(RawLog(tiny.dir()).Entries(kStateFamily),
            RawLog(whole.dir()).Entries(kStateFamily));
}

TEST(CustomerStateRead, AHeaderWithoutNamesIsLoadedByTheRangeAndNamesThemOnItsNextWrite) {
  TestLedger db;
  WriteCustomerWithHistory(db);
  const std::string named = RawLog(db.dir()).GetState(CustomerHeaderKey("c1"));
  // The header as a build before the names wrote it.
  {
    RawLog raw(db.dir());
    v1::CustomerHeader header;
    ASSERT_TRUE(header.ParseFromString(named));
    header.clear_entity_ids();
    raw.PutState(CustomerHeaderKey("c1"), SerializeDeterministic(header));
  }
  ASSERT_FALSE(NamedIds(db.dir(), "c1").has_value());
  CustomerState c1 = ExpectSameLoadBothWays(db.dir(), "c1");
  EXPECT_EQ(c1.lots.size(), 4u);
  EXPECT_EQ(c1.holds.size(), 1u);
  EXPECT_EQ(c1.refunds.size(), 1u);
  // Replay takes the older form for what it is.
  absl::StatusOr<ReplayReport> report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
  // A ledger opens on it and answers; c1's next write names them again.
  db.Reopen();
  EXPECT_EQ(db.BalanceAt("c1", "2026-03-08T12:00:00Z").held, 100);
  ASSERT_EQ(db.Code(R"({"key":"k30","customer":"c1","at":"2026-03-08T11:00:00Z","use":{"usage_id":"u9","category":"AI_PROCESSING","credits":1}})"),
            "ACCEPTED");
  db.Close();
  EXPECT_EQ(NamedIds(db.dir(), "c1").has_value(), true);
  report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST(CustomerStateRead, ACustomerOfMoreThanTheListedMostStoresNoNamesAndLoadsByRange) {
  TestLedger db;
  for (size_t i = 0; i <= kListedIdsMax; ++i) {
    ASSERT_EQ(db.Code(absl::StrCat(
                  R"({"key":"g)", i, R"(","customer":"c1","at":"2026-03-08T10:00:)",
                  i < 10 ? "0" : "", i,
                  R"(Z","purchase":{"purchase_id":"p)", i,
                  R"(","credits":10,"amount_minor":99,"currency":"USD"}})")),
              "ACCEPTED");
  }
  db.Close();
  EXPECT_FALSE(NamedIds(db.dir(), "c1").has_value());
  CustomerState c1 = ExpectSameLoadBothWays(db.dir(), "c1");
  EXPECT_EQ(c1.lots.size(), kListedIdsMax + 1);
}

TEST(CustomerStateRead, AHeaderNamingWhatIsNotStoredIsDataLoss) {
  TestLedger db;
  WriteCustomerWithHistory(db);
  const std::string named = RawLog(db.dir()).GetState(CustomerHeaderKey("c1"));
  auto load = [&] {
    std::unique_ptr<Store> store = OpenReadOnly(db.dir());
    absl::Status status = ReadStoredCustomer(*store, "c1", true).status();
    EXPECT_TRUE(store->Close().ok());
    return status;
  };
  RewriteNamedIds(db.dir(), [](v1::CustomerEntityIds& ids) {
    ids.set_pending_hold_ids(0, "h9");
  });
  EXPECT_THAT(load().message(), HasSubstr("names hold h9, which is not stored"));
  RawLog(db.dir()).PutState(CustomerHeaderKey("c1"), named);
  RewriteNamedIds(db.dir(), [](v1::CustomerEntityIds& ids) {
    ids.add_pending_hold_ids("h2");  // released, not pending
  });
  EXPECT_TRUE(absl::IsDataLoss(load()));
  RawLog(db.dir()).PutState(CustomerHeaderKey("c1"), named);
  RewriteNamedIds(db.dir(), [](v1::CustomerEntityIds& ids) {
    ids.mutable_lot_ids()->SwapElements(0, 1);
  });
  EXPECT_THAT(load().message(), HasSubstr("out of grant order"));
}

// Each way of getting the names wrong, and replay's report of it.
TEST(CustomerStateRead, ReplayFindsAHeaderWhoseNamesAreWrong) {
  TestLedger db;
  WriteCustomerWithHistory(db);
  const std::string named = RawLog(db.dir()).GetState(CustomerHeaderKey("c1"));
  const std::vector<std::pair<const char*, std::function<void(v1::CustomerEntityIds&)>>>
      wrongs = {
          {"a pending hold dropped",
           [](v1::CustomerEntityIds& ids) { ids.clear_pending_hold_ids(); }},
          {"a pending refund dropped",
           [](v1::CustomerEntityIds& ids) { ids.clear_pending_refund_ids(); }},
          {"a lot dropped",
           [](v1::CustomerEntityIds& ids) { ids.mutable_lot_ids()->RemoveLast(); }},
          {"a lot id's byte flipped",
           [](v1::CustomerEntityIds& ids) { ids.mutable_lot_ids(1)->back() ^= 1; }},
          {"a settled hold named",
           [](v1::CustomerEntityIds& ids) { ids.add_pending_hold_ids("h2"); }},
          {"the names emptied",
           [](v1::CustomerEntityIds& ids) { ids.Clear(); }},
      };
  for (const auto& [what, mutate] : wrongs) {
    RewriteNamedIds(db.dir(), mutate);
    absl::StatusOr<ReplayReport> report = ReplayLedger(db.dir());
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_FALSE(report->ok) << what;
    EXPECT_THAT(report->problem,
                HasSubstr("stored projection c1\\000H differs from the log"))
        << what;
    RawLog(db.dir()).PutState(CustomerHeaderKey("c1"), named);
  }
  absl::StatusOr<ReplayReport> clean = ReplayLedger(db.dir());
  ASSERT_TRUE(clean.ok()) << clean.status();
  EXPECT_TRUE(clean->ok) << clean->problem;
}

}  // namespace
}  // namespace ledger
