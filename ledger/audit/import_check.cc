#include "ledger/audit/import_check.h"

#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/stored_events.h"

namespace ledger {
namespace {

constexpr size_t kMaxDiffBytes = 600;

std::string OutcomeText(const SubmitResult& r) {
  switch (r.outcome) {
    case Outcome::kAccepted: return absl::StrCat("accepted as seq ", r.seq);
    case Outcome::kDuplicate:
      return absl::StrCat("a duplicate of seq ", r.seq, " (its key repeats)");
    case Outcome::kRejected:
      return absl::StrCat("rejected ", v1::RejectionCode_Name(r.code), ": ",
                          r.message);
  }
  return "unknown";
}

// What differs between the event the ledger decided and the exported one,
// in protobuf field paths, to show where an export was tampered with.
std::string Diff(const v1::Event& decided, const v1::Event& exported) {
  std::string report;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&report);
  if (differencer.Compare(exported, decided)) {
    return "the events are equal as messages but not as bytes";
  }
  if (report.size() > kMaxDiffBytes) {
    report.resize(kMaxDiffBytes);
    report.append("...");
  }
  while (!report.empty() && report.back() == '\n') report.pop_back();
  return report;
}

}  // namespace

ImportChecker::ImportChecker(Ledger& ledger, size_t batch_commands)
    : ledger_(ledger), batch_commands_(batch_commands) {
  summary_.head_hash = std::string(kHashBytes, '\0');
  summary_.exported_head_hash = summary_.head_hash;
}

absl::Status ImportChecker::Add(std::string_view line) {
  ASSIGN_OR_RETURN(ExportedEvent e, reader_.Next(line));
  commands_.push_back(e.event.command());
  exported_.push_back(std::move(e));
  if (commands_.size() >= batch_commands_) return Flush();
  return absl::OkStatus();
}

absl::Status ImportChecker::Finish() { return Flush(); }

absl::Status ImportChecker::Flush() {
  if (commands_.empty()) return absl::OkStatus();
  // Each command is received at its exported event's time, so one the
  // writer stamped (sent without `at`) is stamped the same again
  // (docs/contract.md section 15); the others never read it. The event's
  // actor and recording time are kept as exported, never restamped
  // (section 16): 0 and empty for an event written before them.
  std::vector<Receipt> receipts(exported_.size());
  for (size_t i = 0; i < exported_.size(); ++i) {
    const v1::EventHeader& h = exported_[i].event.header();
    receipts[i].received_at_us = h.at_us();
    receipts[i].actor = h.actor();
    receipts[i].recorded_at_us = h.recorded_at_us();
  }
  ASSIGN_OR_RETURN(std::vector<SubmitResult> results,
                   ledger_.SubmitBatchReceivedAt(commands_, receipts));
  if (results.size() != commands_.size()) {
    return absl::InternalError("SubmitBatch returned a wrong count");
  }
  for (size_t i = 0; i < results.size(); ++i) {
    const uint64_t seq = exported_[i].seq;
    if (results[i].outcome != Outcome::kAccepted || results[i].seq != seq) {
      return absl::FailedPreconditionError(absl::StrCat(
          "seq ", seq, ": the exported command was ", OutcomeText(results[i]),
          " when submitted again"));
    }
  }
  RETURN_IF_ERROR(CheckReadBack());
  commands_.clear();
  exported_.clear();
  return absl::OkStatus();
}

// Reads the batch's events back and chains their hashes. The ledger hashes
// the deterministic bytes of the event without its derived header fields;
// this binary serializes a message it just built the same way, so
// StoredEventBytes of the read-back event gives the stored bytes
// (CheckStoredHead confirms it on the stored head at the end).
//
// An export of the previous format cannot give this format's bytes, so its
// hashes cannot match: each event must then equal the exported one as a
// message, every field but prev_hash (which names the previous format's
// chain; ReadEvents refills the new one). Those exported bytes were checked
// against their own chain line by line (ExportReader).
absl::Status ImportChecker::CheckReadBack() {
  size_t i = 0;
  absl::Status mismatch;
  google::protobuf::util::MessageDifferencer but_prev_hash;
  but_prev_hash.IgnoreField(
      v1::EventHeader::descriptor()->FindFieldByName("prev_hash"));
  RETURN_IF_ERROR(ledger_.ReadEvents(
      exported_.front().seq, [&](const v1::Event& decided) {
        if (i >= exported_.size()) return false;
        const ExportedEvent& want = exported_[i];
        const std::string hash =
            Sha256(summary_.head_hash, StoredEventBytes(decided));
        const bool same = want.previous_format
                              ? but_prev_hash.Compare(want.event, decided)
                              : hash == want.hash;
        if (decided.header().seq() != want.seq || !same) {
          mismatch = absl::FailedPreconditionError(absl::StrCat(
              "seq ", want.seq,
              ": the ledger decided the exported command into another event "
              "than the exported one (hash ", absl::BytesToHexString(hash), ", exported ",
              absl::BytesToHexString(want.hash), "): ", Diff(decided, want.event)));
          return false;
        }
        summary_.head_seq = want.seq;
        summary_.head_hash = hash;
        summary_.exported_head_hash = want.hash;
        summary_.previous_format = want.previous_format;
        ++summary_.events;
        ++i;
        return true;
      }));
  RETURN_IF_ERROR(mismatch);
  if (i != exported_.size()) {
    return absl::InternalError(absl::StrCat(
        "read back ", i, " of ", exported_.size(), " imported events"));
  }
  return absl::OkStatus();
}

absl::Status CheckStoredHead(const std::string& dir,
                             const ImportSummary& summary) {
  ASSIGN_OR_RETURN(StoredHead head, ReadStoredHead(dir));
  if (head.seq != summary.head_seq || head.hash != summary.head_hash) {
    return absl::DataLossError(absl::StrCat(
        "the imported ledger's head is seq ", head.seq, " hash ",
        absl::BytesToHexString(head.hash), ", the export's is seq ", summary.head_seq,
        " hash ", absl::BytesToHexString(summary.head_hash)));
  }
  return absl::OkStatus();
}

absl::StatusOr<ImportSummary> ImportJsonl(
    const std::string& dir, std::istream& in,
    const std::function<void(uint64_t events)>& progress) {
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger,
                   Ledger::Open(Options(), dir));
  ImportChecker checker(*ledger);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    RETURN_IF_ERROR(checker.Add(line));
    if (progress) progress(checker.submitted());
  }
  if (in.bad()) return absl::UnavailableError("cannot read the export");
  RETURN_IF_ERROR(checker.Finish());
  if (progress) progress(checker.submitted());
  ImportSummary summary = checker.summary();
  ledger.reset();  // closes the ledger, so its stored head can be read
  RETURN_IF_ERROR(CheckStoredHead(dir, summary));
  return summary;
}

}  // namespace ledger
