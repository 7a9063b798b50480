#include "ledger/event_check.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "ledger/command_validation.h"
#include "ledger/sha256.h"
#include "ledger/storage_layout.h"
#include "ledger/time_util.h"

namespace ledger {
namespace {

// Empty when the command is valid, canonical (validating a copy gives the
// fingerprint stored when it was accepted) and matches the header.
std::string CheckCommand(const v1::Event& event) {
  const v1::EventHeader& h = event.header();
  v1::Command command = event.command();
  if (!ValidateAndCanonicalize(command).ok() ||
      CommandFingerprint(command) != h.command_fingerprint() ||
      command.key() != h.key() || command.customer() != h.customer()) {
    return "the stored command does not match its header";
  }
  absl::StatusOr<int64_t> at = ParseTimeUs(command.at());
  if (!at.ok() || *at != h.at_us()) {
    return "the event's time differs from its command's";
  }
  return "";
}

std::string CheckPostings(const v1::Event& event) {
  std::map<std::string, __int128> by_unit;
  for (const v1::Posting& p : event.postings()) by_unit[p.unit()] += p.amount();
  for (const auto& [unit, sum] : by_unit) {
    if (sum != 0) return absl::StrCat("journal entry does not balance in ", unit);
  }
  return "";
}

}  // namespace

CheckedEvent CheckStoredEvent(std::string_view key, std::string_view value,
                              uint64_t expected_seq,
                              const std::string& prev_hash) {
  CheckedEvent out;
  out.seq = expected_seq;
  absl::StatusOr<uint64_t> seq = DecodeEventKey(key);
  if (!seq.ok()) {
    out.problem = std::string(seq.status().message());
    return out;
  }
  if (*seq != expected_seq) {
    out.problem = absl::StrCat("event ", expected_seq,
                               " is missing (next stored is ", *seq, ")");
    return out;
  }
  if (value.size() < kHashBytes) {
    out.problem = "event shorter than its hash";
    return out;
  }
  std::string_view hash = value.substr(0, kHashBytes);
  std::string_view bytes = value.substr(kHashBytes);
  if (Sha256(prev_hash, bytes) != hash) {
    out.problem = "hash chain broken: the event's bytes or its hash changed";
    return out;
  }
  if (!out.event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    out.problem = "event does not parse";
    return out;
  }
  if (out.event.header().seq() != expected_seq ||
      out.event.header().prev_hash() != prev_hash) {
    out.problem = "event header names another position in the log";
    return out;
  }
  out.problem = CheckPostings(out.event);
  if (out.problem.empty()) out.problem = CheckCommand(out.event);
  out.hash = std::string(hash);
  return out;
}

}  // namespace ledger
