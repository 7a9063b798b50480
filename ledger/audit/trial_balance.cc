#include "ledger/trial_balance.h"

#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/store.h"
#include "ledger/audit/node_reports.h"
#include "ledger/audit/trial_balance_sums.h"
#include "ledger/audit/verify_store.h"

namespace ledger {
namespace {

void AddEvent(const v1::Event& event, TrialBalanceSums& sums) {
  for (const v1::Posting& p : event.postings()) {
    if (p.amount() >= 0) {
      sums.Add(p.unit(), p.account(), p.amount(), 0);
    } else {
      // Negated in 128 bits: -INT64_MIN does not fit in int64.
      sums.Add(p.unit(), p.account(), 0, -static_cast<__int128>(p.amount()));
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
  TrialBalanceSums sums;
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
  std::move(sums).MoveInto(&out);
  return out;
}

}  // namespace ledger
