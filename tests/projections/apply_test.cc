// The fold of one event into the state (projections/apply.h), tested on
// events built from the schema: an event changes exactly the entities it
// touches, reports those as touched, and a broken invariant is DataLoss.
#include "projections/apply.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/projections/lots.h"

namespace ledger {
namespace {

using testing::Hours;
using testing::kT0;
using testing::LotSpec;
using testing::MakeLot;

v1::Event Header(uint64_t seq, const std::string& customer, int64_t at_us) {
  v1::Event e;
  e.mutable_header()->set_seq(seq);
  e.mutable_header()->set_customer(customer);
  e.mutable_header()->set_at_us(at_us);
  return e;
}

v1::Draw MakeDraw(const std::string& lot_id, int64_t credits) {
  v1::Draw d;
  d.set_lot_id(lot_id);
  d.set_credits(credits);
  return d;
}

// Every stored entity of the state, keyed "customer/kind/id", as text: what
// an event changed is the keys whose text differs.
std::map<std::string, std::string> Entities(const LedgerState& state) {
  std::map<std::string, std::string> out;
  for (const auto& [id, c] : state.customers) {
    out[id + "/header"] = c.header.ShortDebugString();
    for (const v1::LotState& lot : c.lots) {
      out[id + "/lot/" + lot.lot_id()] = lot.ShortDebugString();
    }
    for (const auto& [k, v] : c.holds) out[id + "/hold/" + k] = v.ShortDebugString();
    for (const auto& [k, v] : c.usages) out[id + "/usage/" + k] = v.ShortDebugString();
    for (const auto& [k, v] : c.refunds) out[id + "/refund/" + k] = v.ShortDebugString();
  }
  for (const v1::PolicyState& p : state.policies.versions()) {
    out["policy/" + p.version()] = p.ShortDebugString();
  }
  return out;
}

std::set<std::string> Changed(const std::map<std::string, std::string>& before,
                              const std::map<std::string, std::string>& after) {
  std::set<std::string> changed;
  for (const auto& [k, v] : after) {
    auto it = before.find(k);
    if (it == before.end() || it->second != v) changed.insert(k);
  }
  for (const auto& [k, v] : before) {
    if (!after.contains(k)) changed.insert(k + " (gone)");
  }
  return changed;
}

// The keys of Entities() that `touched` names.
std::set<std::string> Named(const TouchedEntities& t) {
  std::set<std::string> out;
  const std::string& c = t.customer;
  for (const std::string& id : t.lots) out.insert(c + "/lot/" + id);
  for (const std::string& id : t.holds) out.insert(c + "/hold/" + id);
  for (const std::string& id : t.usages) out.insert(c + "/usage/" + id);
  for (const std::string& id : t.refunds) out.insert(c + "/refund/" + id);
  return out;
}

// Folds `event`, checks it succeeded, and returns what it changed; the
// header of the event's customer is left out (every event sets last_at_us).
std::set<std::string> Fold(const v1::Event& event, LedgerState& state,
                           TouchedEntities* touched) {
  const auto before = Entities(state);
  absl::Status s = ApplyEvent(event, state, touched);
  EXPECT_TRUE(s.ok()) << s;
  std::set<std::string> changed = Changed(before, Entities(state));
  changed.erase(event.header().customer() + "/header");
  return changed;
}

// c1 with lots p1 (100, expires in a day), p2 (50) and p3 (20), seq 1..2,
// and c2 with lot q1 (10), seq 3.
LedgerState TwoCustomers() {
  LedgerState state;
  v1::Event open = Header(1, "c1", kT0);
  open.add_effects()->mutable_customer_opened();
  LotSpec p1{.id = "p1", .expires_at_us = kT0 + Hours(24)};
  v1::LotState lot = MakeLot(p1);
  *open.add_effects()->mutable_lot_granted()->mutable_lot() = lot;
  lot = MakeLot({.id = "p2", .granted = 50});
  lot.set_grant_index(1);
  *open.add_effects()->mutable_lot_granted()->mutable_lot() = lot;
  EXPECT_TRUE(ApplyEvent(open, state, nullptr).ok());
  v1::Event more = Header(2, "c1", kT0);
  lot = MakeLot({.id = "p3", .granted = 20});
  lot.set_grant_index(2);
  *more.add_effects()->mutable_lot_granted()->mutable_lot() = lot;
  EXPECT_TRUE(ApplyEvent(more, state, nullptr).ok());
  v1::Event other = Header(3, "c2", kT0);
  other.add_effects()->mutable_customer_opened();
  *other.add_effects()->mutable_lot_granted()->mutable_lot() =
      MakeLot({.id = "q1", .granted = 10});
  EXPECT_TRUE(ApplyEvent(other, state, nullptr).ok());
  return state;
}

TEST(ApplyEvent, AUseChangesOnlyTheLotsItDrawsFromAndAddsItsUsage) {
  LedgerState state = TwoCustomers();
  v1::Event use = Header(4, "c1", kT0 + Hours(1));
  v1::UsageRecorded* u = use.add_effects()->mutable_usage_recorded();
  u->mutable_usage()->set_usage_id("u1");
  u->mutable_usage()->set_credits(120);
  *u->add_draws() = MakeDraw("p1", 100);
  *u->add_draws() = MakeDraw("p2", 20);
  TouchedEntities touched;
  std::set<std::string> changed = Fold(use, state, &touched);
  EXPECT_EQ(changed, (std::set<std::string>{"c1/lot/p1", "c1/lot/p2",
                                            "c1/usage/u1"}));
  EXPECT_EQ(Named(touched), changed);
  EXPECT_EQ(touched.customer, "c1");
  EXPECT_FALSE(touched.policy);
  const CustomerState& c1 = *state.FindCustomer("c1");
  EXPECT_EQ(c1.FindLot("p1")->remaining(), 0);
  EXPECT_EQ(c1.FindLot("p2")->remaining(), 30);
  EXPECT_EQ(c1.FindLot("p3")->remaining(), 20);
  EXPECT_EQ(c1.header.last_at_us(), kT0 + Hours(1));
  EXPECT_EQ(state.last_seq, 4u);
}

TEST(ApplyEvent, AHoldAndItsReleaseChangeOnlyThatHoldItsLotsAndHeld) {
  LedgerState state = TwoCustomers();
  auto place = [](uint64_t seq, const std::string& id, int64_t credits,
                  const std::string& lot) {
    v1::Event e = Header(seq, "c1", kT0 + Hours(1));
    v1::HoldState* h = e.add_effects()->mutable_hold_placed()->mutable_hold();
    h->set_hold_id(id);
    h->set_credits(credits);
    h->set_status(v1::HOLD_PENDING);
    *h->add_portions() = MakeDraw(lot, credits);
    return e;
  };
  TouchedEntities touched;
  EXPECT_EQ(Fold(place(4, "h1", 30, "p1"), state, &touched),
            (std::set<std::string>{"c1/hold/h1", "c1/lot/p1"}));
  EXPECT_EQ(Fold(place(5, "h2", 5, "p2"), state, &touched),
            (std::set<std::string>{"c1/hold/h2", "c1/lot/p2"}));
  EXPECT_EQ(state.FindCustomer("c1")->header.held(), 35);

  v1::Event release = Header(6, "c1", kT0 + Hours(2));
  v1::HoldReleased* r = release.add_effects()->mutable_hold_released();
  r->set_hold_id("h1");
  *r->add_returned() = MakeDraw("p1", 30);
  std::set<std::string> changed = Fold(release, state, &touched);
  EXPECT_EQ(changed, (std::set<std::string>{"c1/hold/h1", "c1/lot/p1"}));
  EXPECT_EQ(Named(touched), changed);
  const CustomerState& c1 = *state.FindCustomer("c1");
  EXPECT_EQ(c1.FindHold("h1")->status(), v1::HOLD_RELEASED);
  EXPECT_EQ(c1.FindHold("h2")->status(), v1::HOLD_PENDING);
  EXPECT_EQ(c1.FindLot("p1")->remaining(), 100);
  EXPECT_EQ(c1.header.held(), 5);
}

TEST(ApplyEvent, ARefundRequestFreezesItsLotAndItsApprovalTouchesOnlyTheRefund) {
  LedgerState state = TwoCustomers();
  v1::Event request = Header(4, "c1", kT0 + Hours(1));
  v1::RefundState* refund =
      request.add_effects()->mutable_refund_requested()->mutable_refund();
  refund->set_refund_id("r1");
  refund->set_lot_id("p2");
  refund->set_credits(50);
  refund->set_status(v1::REFUND_PENDING);
  TouchedEntities touched;
  EXPECT_EQ(Fold(request, state, &touched),
            (std::set<std::string>{"c1/lot/p2", "c1/refund/r1"}));
  const CustomerState& c1 = *state.FindCustomer("c1");
  EXPECT_EQ(c1.FindLot("p2")->remaining(), 0);
  EXPECT_EQ(c1.FindLot("p2")->active_refund_id(), "r1");
  EXPECT_EQ(c1.header.refund_pending(), 50);

  v1::Event approve = Header(5, "c1", kT0 + Hours(2));
  v1::RefundApproved* a = approve.add_effects()->mutable_refund_approved();
  a->set_refund_id("r1");
  a->set_credits(50);
  a->set_cash_minor(7);
  std::set<std::string> changed = Fold(approve, state, &touched);
  EXPECT_EQ(changed, (std::set<std::string>{"c1/refund/r1"}));
  EXPECT_EQ(Named(touched), changed);
  EXPECT_EQ(c1.FindRefund("r1")->status(), v1::REFUND_APPROVED);
  EXPECT_EQ(c1.FindRefund("r1")->cash_minor(), 7);
  EXPECT_EQ(c1.FindLot("p2")->active_refund_id(), "r1")
      << "an approved refund still blocks another";
  EXPECT_EQ(c1.header.refund_pending(), 0);
}

TEST(ApplyEvent, SetPolicyAddsAVersionAndTouchesNoCustomer) {
  LedgerState state = TwoCustomers();
  v1::Event set = Header(4, "", kT0 + Hours(3));
  v1::PolicyState* p = set.add_effects()->mutable_policy_set()->mutable_policy();
  p->set_version("v2");
  p->set_refund_window_hours(24);
  p->set_effective_from_us(kT0 + Hours(3));
  TouchedEntities touched;
  EXPECT_EQ(Fold(set, state, &touched), (std::set<std::string>{"policy/v2"}));
  EXPECT_TRUE(touched.policy);
  EXPECT_EQ(touched.customer, "");
  EXPECT_TRUE(Named(touched).empty());
  EXPECT_EQ(state.policies.InForceAt(kT0 + Hours(3)).version(), "v2");
  EXPECT_EQ(state.policies.InForceAt(kT0 + Hours(3)).seq(), 4u);
}

TEST(ApplyEvent, AnEventOutOfSequenceIsDataLossAndChangesNothing) {
  LedgerState state = TwoCustomers();
  const auto before = Entities(state);
  // A forfeit that would fold cleanly as seq 4.
  v1::Event skipped = Header(5, "c1", kT0 + Hours(1));
  v1::LotForfeited* forfeit = skipped.add_effects()->mutable_lot_forfeited();
  forfeit->set_lot_id("p3");
  forfeit->set_credits(20);
  absl::Status s = ApplyEvent(skipped, state, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_EQ(Entities(state), before);
  EXPECT_EQ(state.last_seq, 3u);
}

TEST(ApplyEvent, TakingMoreThanALotHoldsIsDataLossNamingTheSeq) {
  LedgerState state = TwoCustomers();
  v1::Event use = Header(4, "c1", kT0 + Hours(1));
  v1::UsageRecorded* u = use.add_effects()->mutable_usage_recorded();
  u->mutable_usage()->set_usage_id("u1");
  *u->add_draws() = MakeDraw("p3", 21);
  absl::Status s = ApplyEvent(use, state, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("event 4"), absl::string_view::npos) << s;
}

}  // namespace
}  // namespace ledger
