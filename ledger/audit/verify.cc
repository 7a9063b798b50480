#include "ledger/verify.h"

#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/store.h"
#include "ledger/audit/verify_store.h"

namespace ledger {
namespace {

std::string Hex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

// Stops the scan at the first finding; the report holds it.
absl::Status StopScan() { return absl::CancelledError("verify found a problem"); }

class Verifier {
 public:
  Verifier(const Store& store, const VerifyOptions& options,
           const std::function<void(const v1::Event&)>& on_event)
      : store_(store), options_(options), on_event_(on_event) {}

  absl::StatusOr<VerifyReport> Run() {
    ASSIGN_OR_RETURN(v1::HeadRecord head, store_.ReadHead());
    report_.head = LogDigest{head.seq(), head.hash()};
    absl::Status scanned = store_.ForEachEvent(
        1, [&](std::string_view key, std::string_view value) {
          return CheckEvent(key, value);
        });
    if (report_.problem.empty()) {
      RETURN_IF_ERROR(scanned);
      CheckHead();
    }
    if (report_.problem.empty()) CheckDigestReached();
    if (digest_mismatch_) RETURN_IF_ERROR(ExplainDigestMismatch());
    report_.ok = report_.problem.empty();
    return report_;
  }

 private:
  void Record(uint64_t seq, std::string problem) {
    report_.first_bad_seq = seq;
    report_.problem = std::move(problem);
  }
  absl::Status Fail(uint64_t seq, std::string problem) {
    Record(seq, std::move(problem));
    return StopScan();
  }

  absl::Status CheckEvent(std::string_view key, std::string_view value);
  void CheckHead();
  void CheckDigestReached();
  absl::Status ExplainDigestMismatch();

  const Store& store_;
  const VerifyOptions& options_;
  const std::function<void(const v1::Event&)>& on_event_;
  VerifyReport report_;
  bool digest_mismatch_ = false;
  std::string last_hash_at_digest_;  // the hash of the digest's seq, then
  uint64_t last_seq_ = 0;
  std::string last_hash_ = std::string(kHashBytes, '\0');
};

// One link of the chain. The stored hash covers the previous hash and the
// event's exact bytes, so a changed byte breaks this event's link, and an
// event moved to another key breaks the link at the key it now sits under.
absl::Status Verifier::CheckEvent(std::string_view key, std::string_view value) {
  const uint64_t expected = last_seq_ + 1;
  absl::StatusOr<uint64_t> seq = DecodeEventKey(key);
  if (!seq.ok()) {
    return Fail(expected, absl::StrCat("event ", expected, ": ",
                                       seq.status().message()));
  }
  if (*seq != expected) {
    return Fail(expected, absl::StrCat("event ", expected,
                                       " is missing (the next stored is ",
                                       *seq, ")"));
  }
  if (value.size() < kHashBytes) {
    return Fail(expected, absl::StrCat("event ", expected,
                                       " is shorter than its hash"));
  }
  const std::string_view hash = value.substr(0, kHashBytes);
  const std::string_view bytes = value.substr(kHashBytes);
  if (Sha256(last_hash_, bytes) != hash) {
    return Fail(expected,
                absl::StrCat("event ", expected,
                             ": hash chain broken (its bytes or its stored "
                             "hash changed, or another event sits here)"));
  }
  v1::Event event;
  if (!event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Fail(expected, absl::StrCat("event ", expected, " does not parse"));
  }
  if (event.header().seq() != expected) {
    return Fail(expected, absl::StrCat("event ", expected,
                                       ": its header names another position "
                                       "in the log (seq ",
                                       event.header().seq(), ")"));
  }
  // The chain above already binds the previous hash; the header's copy of it
  // (and its key, customer and fingerprint) is derived, never stored.
  if (const std::string stored = DerivedFieldStored(event.header());
      !stored.empty()) {
    return Fail(expected, absl::StrCat("event ", expected,
                                       ": its header carries its ", stored,
                                       ", which the ledger never stores"));
  }
  const std::optional<LogDigest>& digest = options_.digest;
  if (digest.has_value() && digest->seq == expected && digest->hash != hash) {
    // The chain is consistent up to here, so either the digest is not one
    // of this log (another ledger's, or copied wrong) or the events up to
    // its seq were rewritten and their hashes recomputed. Run() looks for
    // the digest's hash elsewhere in the log to say which.
    digest_mismatch_ = true;
    last_hash_at_digest_ = std::string(hash);
    return Fail(expected,
                absl::StrCat("event ", expected, " has hash ", Hex(hash),
                             ", not the digest's ", Hex(digest->hash)));
  }
  if (on_event_) {
    // Checked above, so this cannot fail; only a consumer needs the fields.
    (void)RestoreDerivedHeader(event, last_hash_);
    on_event_(event);
  }
  last_seq_ = expected;
  last_hash_ = std::string(hash);
  ++report_.events;
  if (options_.progress) options_.progress(report_.events, report_.head.seq);
  return absl::OkStatus();
}

// The head must name the last event and its hash: a head behind the log
// means events were appended outside the ledger; a head ahead of it means
// events at the end were removed.
void Verifier::CheckHead() {
  const LogDigest& head = report_.head;
  if (head.seq > last_seq_) {
    Record(last_seq_ + 1,
         absl::StrCat("event ", last_seq_ + 1, " is missing: the log ends at seq ",
                      last_seq_, " but the stored head names seq ", head.seq));
  } else if (head.seq < last_seq_) {
    Record(head.seq + 1, absl::StrCat("event ", head.seq + 1,
                                    " is past the stored head (seq ", head.seq,
                                    ")"));
  } else if (head.hash != last_hash_) {
    Record(last_seq_, absl::StrCat("event ", last_seq_, " has hash ",
                                 absl::BytesToHexString(last_hash_), " but the stored head names ",
                                 absl::BytesToHexString(head.hash)));
  }
}

// A digest past the end of a log whose chain and head check: the events
// after the end were removed and the head moved back.
void Verifier::CheckDigestReached() {
  const std::optional<LogDigest>& digest = options_.digest;
  if (digest.has_value() && digest->seq > last_seq_) {
    Record(last_seq_ + 1,
         absl::StrCat("event ", last_seq_ + 1,
                      " is missing: the log ends at seq ", last_seq_,
                      ", before the digest's seq ", digest->seq));
  }
}

// A pasted-wrong digest and a rewritten log look alike at the digest's
// seq: the plain cause is said first. A second scan reads each stored hash
// (no parsing), only on this failure path.
absl::Status Verifier::ExplainDigestMismatch() {
  const LogDigest& digest = *options_.digest;
  uint64_t found = 0;
  absl::Status scanned = store_.ForEachEvent(
      1, [&](std::string_view key, std::string_view value) -> absl::Status {
        if (value.size() >= kHashBytes &&
            value.substr(0, kHashBytes) == digest.hash) {
          absl::StatusOr<uint64_t> seq = DecodeEventKey(key);
          if (seq.ok()) found = *seq;
          return StopScan();
        }
        return absl::OkStatus();
      });
  if (!scanned.ok() && found == 0) return scanned;
  report_.digest_mismatch = true;
  const std::string head = FormatDigest(report_.head);
  if (found != 0) {
    report_.problem = absl::StrCat(
        "the digest names seq ", digest.seq, " but its hash is that of event ",
        found, " of this log: the digest's SEQ was copied wrong (",
        FormatDigest(LogDigest{found, digest.hash}),
        " is a digest of this log), or the log was rewritten at or before seq ",
        digest.seq);
  } else {
    report_.problem = absl::StrCat(
        "the digest ", FormatDigest(digest),
        " matches no event of this log (no event has its hash): it is a "
        "digest of another ledger, or was copied wrong. Only if it was "
        "published of this very ledger was the log rewritten at or before "
        "seq ", digest.seq, " (event ", digest.seq, " has hash ",
        Hex(last_hash_at_digest_), "; the head is ", head, ")");
  }
  return absl::OkStatus();
}

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool AllHex(std::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string FormatDigest(const LogDigest& digest) {
  return absl::StrCat(digest.seq, ":", absl::BytesToHexString(digest.hash));
}

absl::StatusOr<LogDigest> ParseDigest(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a digest is SEQ:HASH (e.g. 17:9f86...), not '", std::string(text), "'"));
  }
  const std::string_view seq_text = text.substr(0, colon);
  const std::string_view hex = text.substr(colon + 1);
  LogDigest digest;
  if (!AllDigits(seq_text) ||
      !absl::SimpleAtoi(absl::string_view(seq_text.data(), seq_text.size()),
                        &digest.seq)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the digest's SEQ must be a whole number, not '", std::string(seq_text), "'"));
  }
  if (hex.size() != 2 * kHashBytes || !AllHex(hex)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the digest's HASH must be ", 2 * kHashBytes, " hex digits, not '",
        std::string(hex), "'"));
  }
  digest.hash = absl::HexStringToBytes(absl::string_view(hex.data(), hex.size()));
  if (digest.seq == 0 && digest.hash != std::string(kHashBytes, '\0')) {
    return absl::InvalidArgumentError(
        "the digest of seq 0 (the empty log) has a hash of zeros only");
  }
  return digest;
}

absl::StatusOr<LogDigest> ReadDigest(const std::string& dir) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  ASSIGN_OR_RETURN(v1::HeadRecord head, store->ReadHead());
  return LogDigest{head.seq(), head.hash()};
}

absl::StatusOr<VerifyReport> VerifyStore(
    const Store& store, const VerifyOptions& options,
    const std::function<void(const v1::Event&)>& on_event) {
  Verifier verifier(store, options, on_event);
  return verifier.Run();
}

absl::StatusOr<VerifyReport> VerifyLog(const std::string& dir,
                                       const VerifyOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  return VerifyStore(*store, options, nullptr);
}

}  // namespace ledger
