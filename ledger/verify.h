// Tamper evidence an outsider can check: the digest of the log's head, and a
// verification of the hash chain from the events alone (docs/storage.md,
// "Events and the hash chain").
//
// The stored hash of event n is SHA-256(hash(n-1) || bytes(n)), so the hash
// of the head commits to every byte of every event before it. Someone who
// copies a digest `SEQ:HASH` somewhere the ledger's operator cannot change
// (a ticket, an e-mail, a paper) can later prove that the log still holds
// exactly those SEQ events: VerifyLog with that digest fails if any of them
// was changed, removed, reordered or rewritten, even when the rewrite
// recomputed a consistent chain.
//
//   ASSIGN_OR_RETURN(ledger::LogDigest d, ledger::ReadDigest("/var/ledger"));
//   publish(ledger::FormatDigest(d));               // "1042:9f86d0..."
//   ...
//   ledger::VerifyOptions options;
//   ASSIGN_OR_RETURN(options.digest, ledger::ParseDigest(published));
//   ASSIGN_OR_RETURN(ledger::VerifyReport r, ledger::VerifyLog(dir, options));
//   if (!r.ok) { ... r.first_bad_seq, r.problem ... }
#ifndef CREDIT_LEDGER_LEDGER_VERIFY_H_
#define CREDIT_LEDGER_LEDGER_VERIFY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ledger {

// One point of the log: a sequence number and the chained hash of the event
// there (32 bytes). Seq 0 with 32 zero bytes is the empty log.
struct LogDigest {
  uint64_t seq = 0;
  std::string hash;
};

// "SEQ:HEX", the hash in 64 lower-case hex digits.
std::string FormatDigest(const LogDigest& digest);

// Parses FormatDigest's form (hex in either case). InvalidArgument, saying
// what is wrong, for anything else, and for seq 0 with a non-zero hash.
[[nodiscard]] absl::StatusOr<LogDigest> ParseDigest(std::string_view text);

// The head the ledger in `dir` stores, read without writing. NotFound when
// there is no ledger in `dir`; DataLoss when the stored head is corrupt.
[[nodiscard]] absl::StatusOr<LogDigest> ReadDigest(const std::string& dir);

struct VerifyOptions {
  // A digest published earlier; the log must still extend it. Default: none.
  std::optional<LogDigest> digest;
  // Called after each event checked with (events checked, the stored head's
  // seq). Default: none.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

// What VerifyLog found. A finding is an outcome of the audit, not an error
// of the ledger, so it comes back here, as ReplayReport's do.
struct VerifyReport {
  uint64_t events = 0;  // events whose link in the chain was checked good
  LogDigest head;       // the stored head
  bool ok = false;      // the chain, the head and the digest all check
  // When !ok: the first sequence number found bad, and what is wrong there
  // (the message names the seq too).
  uint64_t first_bad_seq = 0;
  std::string problem;
  // When !ok because of the digest alone: the chain checked good up to the
  // digest's seq (first_bad_seq), and the event there does not have the
  // digest's hash. `problem` says first whether the digest is of this log
  // at all, then what it would mean if it is (a rewrite).
  bool digest_mismatch = false;
};

// Reads the events of the ledger in `dir` alone (no stored projections),
// without writing, and checks from seq 1 on that each event sits at the next
// sequence number, that its stored hash is SHA-256(previous hash || its
// bytes), that it parses and its header names that seq and previous hash;
// then that the stored head is the last event and its hash; and, with
// options.digest, that the event at the digest's seq has exactly its hash.
// A changed byte, a removed or an extra event, two swapped events and a
// rewritten history past the digest each give !ok with the first bad seq.
// A non-OK status only when the ledger cannot be read at all (NotFound when
// there is none).
[[nodiscard]] absl::StatusOr<VerifyReport> VerifyLog(
    const std::string& dir, const VerifyOptions& options);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_VERIFY_H_
