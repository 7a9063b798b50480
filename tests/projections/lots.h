// Builders for testing the pure folds of projections/ directly: lots and
// customers made from the schema types, with no ledger, no command and no
// judging in between.
#ifndef CREDIT_LEDGER_TESTS_PROJECTIONS_LOTS_H_
#define CREDIT_LEDGER_TESTS_PROJECTIONS_LOTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/time_util.h"
#include "ledger/v1/state.pb.h"
#include "projections/consumption_order.h"
#include "projections/ledger_state.h"

namespace ledger::testing {

// 2026-03-08T10:00:00Z, the time the tests start from.
inline constexpr int64_t kT0 = 1772964000000000;

inline int64_t Hours(int64_t n) { return n * kMicrosPerHour; }

// Members left out of a designated initializer take these defaults (each
// has one, so gcc's -Wmissing-field-initializers stays quiet).
struct LotSpec {
  std::string id{};
  v1::LotSource source = v1::PURCHASE;
  int64_t granted = 100;
  std::optional<int64_t> remaining{};  // default: granted
  std::optional<int64_t> expires_at_us{};
  int64_t granted_at_us = kT0;
  int64_t amount_minor = 0;
  std::string currency{};
  std::vector<v1::Category> applies_to{};  // docs/contract.md section 11
  std::optional<int32_t> priority{};
};

inline v1::LotState MakeLot(const LotSpec& spec) {
  v1::LotState lot;
  lot.set_lot_id(spec.id);
  lot.set_source(spec.source);
  lot.set_granted(spec.granted);
  lot.set_remaining(spec.remaining.value_or(spec.granted));
  lot.set_granted_at_us(spec.granted_at_us);
  if (spec.expires_at_us) lot.set_expires_at_us(*spec.expires_at_us);
  lot.set_amount_minor(spec.amount_minor);
  lot.set_currency(spec.currency);
  for (v1::Category c : spec.applies_to) lot.add_applies_to(c);
  if (spec.priority) lot.set_priority(*spec.priority);
  return lot;
}

// An ACTIVE customer "c1" holding `lots`, granted in the order given (each
// lot's grant_index is set to its position, as the fold sets it).
inline CustomerState CustomerWith(const std::vector<v1::LotState>& lots) {
  CustomerState c;
  c.header.set_customer("c1");
  c.header.set_status(v1::ACTIVE);
  for (v1::LotState lot : lots) {
    lot.set_grant_index(c.lots.size());
    c.lot_index[lot.lot_id()] = static_cast<uint32_t>(c.lots.size());
    c.lots.push_back(std::move(lot));
  }
  c.header.set_lots_granted(c.lots.size());
  return c;
}

// The lot ids of `c` in the order a spend of every category takes them.
inline std::vector<std::string> OrderOf(const CustomerState& c) {
  std::vector<std::string> ids;
  for (const v1::LotState* lot : LotsInConsumptionOrder(c)) {
    ids.push_back(lot->lot_id());
  }
  return ids;
}

}  // namespace ledger::testing

#endif  // CREDIT_LEDGER_TESTS_PROJECTIONS_LOTS_H_
