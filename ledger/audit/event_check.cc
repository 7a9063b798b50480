#include "ledger/audit/event_check.h"

#include <optional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "ledger/rules/command_validation.h"
#include "ledger/rules/postings.h"
#include "ledger/base/sha256.h"
#include "ledger/base/utf8.h"
#include "ledger/ledger.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/time_util.h"

namespace ledger {
namespace {

// Empty when the command is valid, canonical (validating it rewrites none
// of its bytes) and at the header's time. Sets the header's
// command_fingerprint, which the stored bytes leave out, from the bytes
// just compared. The command is canonicalized in place: an event whose
// command it changes is a finding, and not folded.
std::string CheckCommand(v1::Event& event) {
  v1::EventHeader& h = *event.mutable_header();
  v1::Command& command = *event.mutable_command();
  std::string stored = SerializeDeterministic(command);
  bool rewritten = false;
  if (!ValidateAndCanonicalize(command, &rewritten).ok() ||
      (rewritten && SerializeDeterministic(command) != stored)) {
    return "the stored command is not valid and canonical";
  }
  h.set_command_fingerprint(Sha256(stored));
  // A command stored without `at` was stamped by the writer; one judged
  // within the skew tolerance keeps its own, earlier `at` (docs/contract.md
  // section 15). Judging it again (replay) checks the exact time.
  if (!command.has_at()) return "";
  absl::StatusOr<int64_t> at = ParseTimeUs(command.at());
  if (!at.ok() || *at > h.at_us() ||
      h.at_us() - *at > kMaxClockSkewSeconds * kMicrosPerSecond) {
    return "the event's time differs from its command's";
  }
  return "";
}

// docs/contract.md section 16: the actor is bounded as the writer bounds
// it, and a recording time, when there is one, is a time the ledger can
// hold. (Whether they are the ones the writer recorded, the hash chain
// says; replay also judges a stamped command again from its recording
// time.)
std::string CheckIssuer(const v1::EventHeader& h) {
  if (h.actor().size() > kMaxIdLength || !IsValidUtf8(h.actor())) {
    return "the event's actor is not at most 64 bytes of UTF-8";
  }
  if (h.recorded_at_us() != 0 &&
      (h.recorded_at_us() < kMinTimeUs || h.recorded_at_us() > kMaxTimeUs)) {
    return "the event's recorded_at is outside the times the ledger holds";
  }
  return "";
}

// The same balance check the write path makes on every entry it writes.
std::string CheckPostings(const v1::Event& event) {
  std::optional<std::string_view> unit = FirstUnbalancedUnit(event.postings());
  if (!unit.has_value()) return "";
  return absl::StrCat("journal entry does not balance in ", std::string(*unit));
}

}  // namespace

CheckedEvent CheckStoredEvent(std::string_view key, std::string_view value,
                              uint64_t expected_seq, std::string_view prev_hash,
                              google::protobuf::Arena* arena) {
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
  v1::Event* event = google::protobuf::Arena::CreateMessage<v1::Event>(arena);
  if (!event->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    out.problem = "event does not parse";
    return out;
  }
  if (event->header().seq() != expected_seq) {
    out.problem = "event header names another position in the log";
    return out;
  }
  // The writer never stores these (docs/storage.md): a stored one could
  // name another key or customer than the command.
  if (const std::string stored = DerivedFieldStored(event->header());
      !stored.empty()) {
    out.problem = absl::StrCat("event header carries its ", stored,
                               ", which the ledger never stores");
    return out;
  }
  FillDerivedHeader(*event, prev_hash, "");
  out.problem = CheckPostings(*event);
  if (out.problem.empty()) out.problem = CheckIssuer(event->header());
  if (out.problem.empty()) out.problem = CheckCommand(*event);
  out.event = event;
  out.hash = hash;
  return out;
}

}  // namespace ledger
