// Keeps the usages a fold holds in memory under a bound, the others in a
// scratch database (ledger/audit/scratch_db.h). Usages are the one entity
// that grows with every call (docs/storage.md, "Memory"), and the rules and
// the fold read them only by id: the usage a `use`, `capture` or
// `compensate` names. So, as the writer's cache does against the store, a
// fold asks Fetch for that usage before it judges or applies the event,
// tells Note what the event touched, and the usages touched longest ago are
// written to the scratch database and dropped once more than the bound are
// held. The state then holds only some usages: what reads every usage of a
// customer (replay's comparison with the store) adds the spilled ones from
// ForEachSpilled.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_SPILLED_USAGES_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_SPILLED_USAGES_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/audit/scratch_db.h"
#include "ledger/audit/spill_filter.h"
#include "ledger/v1/command.pb.h"
#include "projections/apply.h"
#include "projections/ledger_state.h"

namespace ledger {

class SpilledUsages {
 public:
  // The scratch database is made at the first spill, under
  // `scratch_parent` (ScratchDb::Create), with `scratch_memory_bytes`; its
  // usages' keys are the state keys (UsageKey), which start with neither
  // \0 nor \1: those are left to the fold's other records (scratch()).
  // `max_in_memory` >= 1.
  SpilledUsages(std::string scratch_parent, size_t scratch_memory_bytes,
                size_t max_in_memory)
      : scratch_parent_(std::move(scratch_parent)),
        scratch_memory_bytes_(scratch_memory_bytes),
        max_in_memory_(max_in_memory) {}

  // How many usages (counting each spill of one) the caller expects to
  // spill at most, when it knows: sizes the filter of spilled ids once
  // (SpillFilter::ExpectEntries).
  void ExpectSpills(size_t spills) { spilled_ids_.ExpectEntries(spills); }
  // The most bytes that filter holds (SpillFilter::Bound); 0, the
  // default, for no bound.
  void BoundFilter(size_t max_bytes) { spilled_ids_.Bound(max_bytes); }
  // The filter of spilled ids, as sized and bounded so far.
  const SpillFilter& filter() const { return spilled_ids_; }
  // The sorted runs the scratch database lets be (ScratchDb::Create);
  // before the first spill. ScratchDb::kSortedRuns by default.
  void SetScratchSortedRuns(int runs) { scratch_sorted_runs_ = runs; }
  int scratch_sorted_runs() const { return scratch_sorted_runs_; }

  // The scratch database, made now when it was not yet.
  [[nodiscard]] absl::StatusOr<ScratchDb*> scratch();

  // Brings back into `state` the usage `command` names by id, when it was
  // spilled (a usage not found is new, or unknown to the rules).
  [[nodiscard]] absl::Status Fetch(const v1::Command& command,
                                   LedgerState& state);
  // The usages an event created or changed, once applied to `state`; spills
  // the usages touched longest ago when more than the bound are held.
  [[nodiscard]] absl::Status Note(const TouchedEntities& touched,
                                  LedgerState& state);
  // Writes every usage still held to the scratch database and drops it
  // from `state`, once anything was spilled: then ForEachSpilled gives
  // every usage, and the state none. Nothing is done when nothing was.
  [[nodiscard]] absl::Status SpillAll(LedgerState& state);

  bool spilled_any() const { return spilled_any_; }
  // Usages in the scratch database (each once, however often written).
  uint64_t spilled_count() const { return spilled_count_; }
  // Usages held in `state` now, as far as this knows (an upper bound).
  size_t held() const { return order_.size(); }

  // The spilled usages of `customer` (key, stored value), in key order.
  [[nodiscard]] absl::Status ForEachSpilled(
      std::string_view customer,
      const std::function<absl::Status(std::string_view key,
                                       std::string_view value)>& fn) const;
  // The same, through `cursor` (made at the first call, for one thread):
  // a caller asking for customer after customer in key order reads them
  // all with one iterator of the scratch database.
  [[nodiscard]] absl::Status ForEachSpilled(
      std::string_view customer, std::unique_ptr<ScratchDb::Cursor>& cursor,
      const std::function<absl::Status(std::string_view key,
                                       std::string_view value)>& fn) const;
  // Every spilled usage of every customer from `from` on (keys below
  // `until`, when not empty), in key order; records under \0 and \1 are
  // left out.
  [[nodiscard]] absl::Status ForEachSpilledIn(
      std::string_view from, std::string_view until,
      const std::function<absl::Status(std::string_view key,
                                       std::string_view value)>& fn) const;

 private:
  absl::Status Spill(size_t how_many, LedgerState& state);

  const std::string scratch_parent_;
  const size_t scratch_memory_bytes_;
  std::unique_ptr<ScratchDb> scratch_;  // made at the first spill
  int scratch_sorted_runs_ = ScratchDb::kSortedRuns;
  const size_t max_in_memory_;
  // (customer, usage id) in the order they were touched; an entry whose
  // usage was spilled already, through an earlier entry, is skipped.
  std::deque<std::pair<std::string, std::string>> order_;
  // Usages read back from the scratch database and held now: spilling one
  // again rewrites its record, it adds none.
  absl::flat_hash_set<std::pair<std::string, std::string>> read_back_;
  SpillFilter spilled_ids_;  // hashes of (customer, usage id) spilled
  bool spilled_any_ = false;
  uint64_t spilled_count_ = 0;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_SPILLED_USAGES_H_
