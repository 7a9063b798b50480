#include "ledger/liability.h"

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/audit/liability_fold.h"
#include "ledger/audit/node_reports.h"
#include "ledger/audit/verify_store.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/store.h"

namespace ledger {
namespace {

// absl::StrCat prints no __int128; absl::int128's operator<< does.
std::string Decimal(__int128 value) {
  std::ostringstream out;
  out << absl::int128(value);
  return out.str();
}

}  // namespace

__int128 LiabilityRow::expected_closing() const {
  return opening + granted - used - expired - forfeited - voided - refunded -
         charged_back;
}

absl::Status CheckLiabilityIdentity(const LiabilityReport& report) {
  std::vector<std::string> problems;
  for (const LiabilityRow& row : report.units) {
    if (row.adds_up()) continue;
    problems.push_back(
        absl::StrCat(row.unit,
                     ": opening + granted - used - expired - forfeited - "
                     "voided - refunded - charged_back = ",
                     Decimal(row.expected_closing()), ", but closing is ",
                     Decimal(row.closing)));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("the liability does not add up in ",
                                          absl::StrJoin(problems, "; ")));
}

absl::StatusOr<LiabilityReport> LiabilityReportFor(const std::string& dir,
                                                   int64_t from_us,
                                                   int64_t to_us) {
  return LiabilityReportFor(dir, from_us, to_us, AuditMemory());
}

absl::StatusOr<LiabilityReport> LiabilityReportFor(const std::string& dir,
                                                   int64_t from_us,
                                                   int64_t to_us,
                                                   const AuditMemory& memory) {
  if (memory.budget_bytes < kMinAuditMemoryBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the liability report's memory budget must be at least ",
        kMinAuditMemoryBytes, " bytes, not ", memory.budget_bytes));
  }
  if (from_us > to_us) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the period starts (", from_us, " us) after it ends (", to_us, " us)"));
  }
  // A cluster node's folder: the sum of its partitions' reports.
  if (IsNodeFolder(dir)) return NodeLiabilityReport(dir, from_us, to_us);
  // Read-only: beside a live writer Store::Open reads through a secondary
  // instance, and it never creates a missing ledger.
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  LiabilityFold fold(from_us, to_us, &memory);
  // A head that cannot be read is the verifier's finding, reported below
  // as before: the filter is then sized as it grows.
  if (absl::StatusOr<v1::HeadRecord> head = store->ReadHead(); head.ok()) {
    fold.ExpectEvents(head->seq());
  }
  absl::Status folded = absl::OkStatus();
  ASSIGN_OR_RETURN(
      VerifyReport verified,
      VerifyStore(*store, VerifyOptions(), [&](const v1::Event& event) {
        if (folded.ok()) folded = fold.Add(event);
      }));
  if (!verified.ok) {
    // Flows of a log that fails its chain prove nothing.
    return absl::DataLossError(
        absl::StrCat("the log does not verify: ", verified.problem));
  }
  RETURN_IF_ERROR(folded);
  return fold.Report();
}

// A new field of LiabilityRow must be summed in AddRow: this fails the
// build until it is (and the size below is updated with it).
static_assert(sizeof(LiabilityRow) == sizeof(std::string) + 10 * sizeof(__int128),
              "LiabilityRow changed: sum its new field in AddRow");

namespace {

void AddRow(LiabilityRow& into, const LiabilityRow& row) {
  into.unit = row.unit;
  into.opening += row.opening;
  into.granted += row.granted;
  into.used += row.used;
  into.expired += row.expired;
  into.forfeited += row.forfeited;
  into.voided += row.voided;
  into.refunded += row.refunded;
  into.refund_rounding += row.refund_rounding;
  into.charged_back += row.charged_back;
  into.closing += row.closing;
}

}  // namespace

LiabilityReport SumLiabilityReports(const std::vector<LiabilityReport>& reports,
                                    int64_t from_us, int64_t to_us) {
  LiabilityReport out;
  out.from_us = from_us;
  out.to_us = to_us;
  std::map<std::string, LiabilityRow> rows;  // sorted by unit name
  for (const LiabilityReport& one : reports) {
    out.events_read += one.events_read;
    out.events_in_period += one.events_in_period;
    for (const LiabilityRow& row : one.units) AddRow(rows[row.unit], row);
  }
  for (auto& [unit, row] : rows) out.units.push_back(std::move(row));
  return out;
}

}  // namespace ledger
