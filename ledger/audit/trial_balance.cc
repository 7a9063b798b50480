#include "ledger/trial_balance.h"

#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/store.h"
#include "ledger/audit/node_reports.h"
#include "ledger/audit/verify_store.h"

namespace ledger {
namespace {

constexpr char kCreditsUnit[] = "CREDITS";

// Sorts CREDITS before every currency, then currencies by code.
struct UnitOrder {
  bool operator()(const std::string& a, const std::string& b) const {
    if ((a == kCreditsUnit) != (b == kCreditsUnit)) return a == kCreditsUnit;
    return a < b;
  }
};

using Sums = std::map<std::string, std::map<int, TrialBalanceLine>, UnitOrder>;

void AddEvent(const v1::Event& event, Sums& sums) {
  for (const v1::Posting& p : event.postings()) {
    TrialBalanceLine& line = sums[p.unit()][p.account()];
    line.account = p.account();
    line.unit = p.unit();
    if (p.amount() >= 0) {
      line.debit += p.amount();
    } else {
      // Negated in 128 bits: -INT64_MIN does not fit in int64.
      line.credit -= static_cast<__int128>(p.amount());
    }
  }
}

}  // namespace

bool TrialBalance::balanced() const {
  for (const TrialBalanceTotal& total : totals) {
    if (!total.balanced()) return false;
  }
  return true;
}

absl::StatusOr<TrialBalance> ComputeTrialBalance(
    const std::string& dir, std::optional<int64_t> as_of_us) {
  // A cluster node's folder: the sum of its partitions' trial balances.
  if (IsNodeFolder(dir)) return NodeTrialBalance(dir, as_of_us);
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  TrialBalance out;
  Sums sums;
  ASSIGN_OR_RETURN(
      VerifyReport verified,
      VerifyStore(*store, VerifyOptions(), [&](const v1::Event& event) {
        ++out.events_read;
        if (as_of_us.has_value() && event.header().at_us() > *as_of_us) return;
        ++out.events_summed;
        AddEvent(event, sums);
      }));
  if (!verified.ok) {
    // Sums of a log that fails its chain prove nothing.
    return absl::DataLossError(
        absl::StrCat("the log does not verify: ", verified.problem));
  }
  for (auto& [unit, accounts] : sums) {
    TrialBalanceTotal& total = out.totals.emplace_back();
    total.unit = unit;
    for (auto& [number, line] : accounts) {
      total.debit += line.debit;
      total.credit += line.credit;
      out.lines.push_back(std::move(line));
    }
  }
  return out;
}

}  // namespace ledger
