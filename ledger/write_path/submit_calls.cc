// The Submit calls of ledger.h: each prepares its commands on the caller's
// thread (validation, canonical form, fingerprint; a large batch in slices
// on several threads), then queues them for the group commit (Run).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/base/command_fingerprint.h"
#include "ledger/base/in_slices.h"
#include "ledger/base/status_macros.h"
#include "ledger/command_json.h"
#include "ledger/rules/command_validation.h"
#include "ledger/write_path/ledger_impl.h"

namespace ledger {

namespace {

// A batch is prepared on several threads (in_slices.h) before it queues for
// the single writer: preparing needs no state. SubmitJsonBatch parses on up
// to 8 threads of at least 64 lines (a thread costs about 20 us to start,
// one line several us to parse); a batch of commands already built, whose
// preparation (validation, canonical times, the copy, the fingerprint)
// costs about 3 us a command, on threads of at least 128 commands.
constexpr SliceBounds kJsonLineSlices{.min_per_thread = 64, .max_threads = 8};
constexpr SliceBounds kCommandSlices{.min_per_thread = 128, .max_threads = 8};

}  // namespace

int64_t LedgerImpl::ReceivedNow() const {
  if (options_.clock) return options_.clock();
  return absl::ToUnixMicros(absl::Now());
}

Receipt LedgerImpl::ReceivedNowBy(std::string actor) const {
  Receipt receipt;
  receipt.received_at_us = ReceivedNow();
  receipt.actor = std::move(actor);
  return receipt;
}

LedgerImpl::Prepared LedgerImpl::Prepare(const v1::Command& command,
                                         const Receipt& receipt) {
  Prepared p;
  p.command = command;
  p.received_at_us = receipt.received_at_us;
  p.actor = receipt.actor;
  p.recorded_at_us = receipt.recorded_at_us.value_or(
      receipt.received_at_us == kNoReceivedTimeUs ? 0 : receipt.received_at_us);
  absl::Status valid = ValidateAndCanonicalize(p.command);
  if (!valid.ok()) {
    p.invalid = Rejected(KeyOf(command), v1::INVALID_COMMAND,
                         std::string(valid.message()));
    return p;
  }
  p.fingerprint = CommandFingerprint(p.command);
  return p;
}

absl::StatusOr<SubmitResult> LedgerImpl::Submit(const v1::Command& command) {
  std::vector<Prepared> prepared;
  prepared.push_back(Prepare(command, ReceivedNowBy(options_.actor)));
  ASSIGN_OR_RETURN(std::vector<SubmitResult> results, Run(prepared));
  return std::move(results.front());
}

LedgerImpl::Prepared LedgerImpl::PrepareJson(std::string_view json,
                                             const Receipt& receipt) {
  // The same read a driver gets from ReadCommandJson: the strict reader
  // for a plain line, protobuf's parser (and its error message) otherwise.
  CommandFromJson read = ReadCommandJson(json);
  if (read.command.has_value()) return Prepare(*read.command, receipt);
  Prepared p;
  p.invalid = std::move(read.rejected);
  return p;
}

absl::StatusOr<SubmitResult> LedgerImpl::SubmitJson(std::string_view json) {
  std::vector<Prepared> prepared;
  prepared.push_back(PrepareJson(json, ReceivedNowBy(options_.actor)));
  ASSIGN_OR_RETURN(std::vector<SubmitResult> results, Run(prepared));
  return std::move(results.front());
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitJsonBatch(
    std::span<const std::string> lines) {
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared, PrepareJsonLines(lines));
  return Run(prepared);
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitJsonBatchInOrder(
    std::span<const std::string> lines, const std::function<void()>& queued) {
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared, PrepareJsonLines(lines));
  return Run(prepared, /*applied_position=*/0, &queued);
}

absl::StatusOr<std::vector<LedgerImpl::Prepared>> LedgerImpl::PrepareJsonLines(
    std::span<const std::string> lines) const {
  RETURN_IF_ERROR(CheckBatchSize(lines.size()));
  // Parsing JSON costs more than judging and writing the command (profile
  // in docs/benchmarks.md, "The JSON path"): a large batch is parsed in
  // slices on several threads. Each slice is contiguous: the order holds.
  std::vector<Prepared> prepared(lines.size());
  const Receipt receipt = ReceivedNowBy(options_.actor);
  ForEachSlice(lines.size(), kJsonLineSlices, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      prepared[i] = PrepareJson(lines[i], receipt);
    }
  });
  return prepared;
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitBatch(
    std::span<const v1::Command> commands) {
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared, PrepareBatch(commands));
  return Run(prepared);
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitBatchInOrder(
    std::span<const v1::Command> commands,
    const std::function<void()>& queued) {
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared, PrepareBatch(commands));
  return Run(prepared, /*applied_position=*/0, &queued);
}

absl::StatusOr<std::vector<LedgerImpl::Prepared>> LedgerImpl::PrepareBatch(
    std::span<const v1::Command> commands) const {
  RETURN_IF_ERROR(CheckBatchSize(commands.size()));
  const Receipt receipt = ReceivedNowBy(options_.actor);
  return PrepareCommands(commands,
                         [&](size_t) -> const Receipt& { return receipt; });
}

absl::Status LedgerImpl::CheckBatchSize(size_t commands) const {
  if (commands <= options_.max_batch_commands) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("a batch of ", commands, " commands exceeds ",
                   options_.max_batch_commands));
}

std::vector<LedgerImpl::Prepared> LedgerImpl::PrepareCommands(
    std::span<const v1::Command> commands,
    const std::function<const Receipt&(size_t)>& receipt_of) const {
  // A lone caller's large batch is otherwise prepared on the thread that
  // then judges and writes it, one after the other.
  std::vector<Prepared> prepared(commands.size());
  ForEachSlice(commands.size(), kCommandSlices, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      prepared[i] = Prepare(commands[i], receipt_of(i));
    }
  });
  return prepared;
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitBatchAs(
    std::span<const v1::Command> commands,
    std::span<const std::string> actors) {
  if (actors.size() != commands.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a batch of ", commands.size(), " commands came with ", actors.size(),
        " actors: give one per command"));
  }
  std::vector<Receipt> receipts(commands.size());
  const int64_t received_at_us = ReceivedNow();
  for (size_t i = 0; i < commands.size(); ++i) {
    receipts[i].received_at_us = received_at_us;
    receipts[i].actor = actors[i];
  }
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared,
                   PrepareReceived(commands, receipts));
  return Run(prepared);
}

absl::StatusOr<std::vector<LedgerImpl::Prepared>> LedgerImpl::PrepareReceived(
    std::span<const v1::Command> commands,
    std::span<const Receipt> receipts) const {
  RETURN_IF_ERROR(CheckBatchSize(commands.size()));
  if (!receipts.empty() && receipts.size() != commands.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a batch of ", commands.size(), " commands came with ",
        receipts.size(), " receipts: give one per command or none"));
  }
  for (const Receipt& r : receipts) RETURN_IF_ERROR(CheckActor(r.actor));
  const Receipt none;
  return PrepareCommands(commands, [&](size_t i) -> const Receipt& {
    return receipts.empty() ? none : receipts[i];
  });
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitBatchReceivedAt(
    std::span<const v1::Command> commands,
    std::span<const Receipt> receipts) {
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared,
                   PrepareReceived(commands, receipts));
  return Run(prepared);
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitBatchAt(
    std::span<const v1::Command> commands,
    std::span<const Receipt> receipts, uint64_t applied_position) {
  if (applied_position <= AppliedPosition()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "applied position ", applied_position, " is not above the stored ",
        AppliedPosition(), ": that batch was applied already"));
  }
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared,
                   PrepareReceived(commands, receipts));
  return Run(prepared, applied_position);
}

uint64_t LedgerImpl::AppliedPosition() const {
  absl::ReaderMutexLock lock(&state_mu_);
  return applied_position_;
}

}  // namespace ledger
