// Reading the log of a ledger as it is stored, from outside the process
// that writes it: each event with its exact bytes and chained hash, once
// (a snapshot) or following what the writer commits (`ledgerctl tail`).
// None of these opens the ledger for writing or takes its lock, and none
// creates `dir`. In the process that has the ledger open, use
// Ledger::ReadEvents and Subscribe (ledger.h, subscription.h) instead.
//
//   absl::Status s = ledger::ReadLog("/var/ledger", 1,
//       [](const ledger::LogEvent& e) { ...; return absl::OkStatus(); });
#ifndef CREDIT_LEDGER_LEDGER_LOG_READER_H_
#define CREDIT_LEDGER_LEDGER_LOG_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/v1/event.pb.h"

namespace ledger {

// One event of the log. The views and the pointer are valid only during the
// callback that receives it.
struct LogEvent {
  uint64_t seq = 0;
  std::string_view hash;   // SHA-256(prev_hash || bytes), 32 bytes
  std::string_view bytes;  // the serialized v1::Event exactly as stored
  // `bytes` parsed, the whole event: its header's key, customer, prev_hash
  // and command_fingerprint, which the stored bytes leave out
  // (docs/storage.md), are refilled
  const v1::Event* event = nullptr;
};

struct LogHead {
  uint64_t seq = 0;   // 0 for a ledger without events
  std::string hash;   // 32 bytes; zeros for a ledger without events
};

// The head of the ledger in `dir`. Returns NotFound when `dir` is missing or
// empty, FailedPrecondition when it is not a ledger.
[[nodiscard]] absl::StatusOr<LogHead> ReadLogHead(const std::string& dir);

// Calls `fn` for each event with seq >= from_seq in log order, until `fn`
// returns a non-OK status (returned as is) or the log ends. Reads through a
// read-only handle: the log as it was when the read began. Errors as
// ReadLogHead, and DataLoss when a stored event does not parse or its key
// and header disagree.
[[nodiscard]] absl::Status ReadLog(
    const std::string& dir, uint64_t from_seq,
    const std::function<absl::Status(const LogEvent&)>& fn);

struct FollowOptions {
  // false: stop at the head as it is when the read begins. true: then keep
  // delivering what the writing process commits, until `stop` says so.
  bool follow = false;
  // How often a follower catches up with the writer.
  absl::Duration poll_interval = absl::Milliseconds(150);
  // Asked between events and while waiting; true ends FollowLog with OK.
  // May be empty (never stop, unless `follow` is false).
  std::function<bool()> stop;
  // Called each time every event up to the current head has been
  // delivered (e.g. to flush output); a non-OK status ends FollowLog with
  // it. May be empty.
  std::function<absl::Status()> caught_up;
};

// Calls `fn` for each event with seq >= from_seq in seq order, through a
// RocksDB secondary instance, which RocksDB supports beside a live writer
// (a read-only instance there is undefined behaviour). The secondary keeps
// its files in a scratch folder under $TMPDIR (default /tmp), removed when
// FollowLog returns. Returns OK at the head (follow false) or when `stop`
// says so; `fn`'s first non-OK status; NotFound or FailedPrecondition when
// `dir` is not a ledger; DataLoss for a damaged event or a gap in the log.
// REQUIRES: from_seq >= 1. An event may be delivered a moment before the
// writer's sync of it has completed.
[[nodiscard]] absl::Status FollowLog(
    const std::string& dir, uint64_t from_seq, const FollowOptions& options,
    const std::function<absl::Status(const LogEvent&)>& fn);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_LOG_READER_H_
