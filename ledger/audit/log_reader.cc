// ledger/log_reader.h: the public reading of the stored log, over the
// store's read-only handle (a snapshot) or a secondary instance (following
// a live writer, what `ledgerctl tail` does).
#include "ledger/log_reader.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/store.h"
#include "ledger/storage/stored_events.h"

namespace ledger {
namespace {

// Consecutive failed catch-ups tolerated: the writer may delete a WAL file
// the secondary is reading (after a flush); the next try then succeeds.
constexpr int kMaxCatchUpFailures = 20;
// Ends a scan that `stop` interrupted.
constexpr char kStopped[] = "stopped";

// A scratch folder for the secondary instance, removed on destruction.
class ScratchDir {
 public:
  static absl::StatusOr<std::unique_ptr<ScratchDir>> Make() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = absl::StrCat(
        tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/ledgerctl-tail-",
        getpid(), "-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("cannot make a scratch folder ", pattern));
    }
    return std::unique_ptr<ScratchDir>(new ScratchDir(pattern));
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

bool Stopped(const FollowOptions& options) {
  return options.stop && options.stop();
}

// Delivers the events from *next_seq through `last_seq` (the head), in
// order, and moves *next_seq past them. DataLoss for a damaged event or a
// gap; Aborted(kStopped) when `stop` said so.
absl::Status DeliverEvents(const Store& store, uint64_t last_seq,
                           const FollowOptions& options,
                           const std::function<absl::Status(const LogEvent&)>& fn,
                           uint64_t* next_seq) {
  if (*next_seq > last_seq) return absl::OkStatus();
  StoredEventDecoder decoder(store);
  absl::Status scanned = store.ForEachEvent(
      *next_seq,
      [&](std::string_view key, std::string_view value) -> absl::Status {
        if (Stopped(options)) return absl::AbortedError(kStopped);
        ASSIGN_OR_RETURN(v1::Event event, decoder.Next(key, value));
        if (event.header().seq() != *next_seq) {
          return absl::DataLossError(
              absl::StrCat("the log has a gap: expected seq ", *next_seq,
                           ", found ", event.header().seq()));
        }
        LogEvent e;
        e.seq = *next_seq;
        e.hash = value.substr(0, kHashBytes);
        e.bytes = value.substr(kHashBytes);
        e.event = &event;
        RETURN_IF_ERROR(fn(e));
        ++*next_seq;
        return *next_seq > last_seq ? absl::CancelledError() : absl::OkStatus();
      });
  if (!scanned.ok() && !absl::IsCancelled(scanned)) return scanned;
  if (*next_seq <= last_seq) {
    return absl::DataLossError(absl::StrCat(
        "the head says seq ", last_seq, " but the log ends at ", *next_seq - 1));
  }
  return absl::OkStatus();
}

// Sleeps for the poll interval, waking early when `stop` says so.
void SleepUnlessStopped(const FollowOptions& options) {
  const absl::Time until = absl::Now() + options.poll_interval;
  while (!Stopped(options) && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(10));
  }
}

// Delivers every event up to the store's head as it stands, then tells
// `caught_up`.
absl::Status DeliverToHead(const Store& store, const FollowOptions& options,
                           const std::function<absl::Status(const LogEvent&)>& fn,
                           uint64_t* next_seq) {
  ASSIGN_OR_RETURN(v1::HeadRecord head, store.ReadHead());
  absl::Status delivered =
      DeliverEvents(store, head.seq(), options, fn, next_seq);
  // What was delivered before a failure is still reported, so a caller that
  // flushes output there loses none of it.
  if (options.caught_up) {
    absl::Status after = options.caught_up();
    if (delivered.ok()) delivered = after;
  }
  return delivered;
}

// Catches up with the writer every poll interval and delivers what it
// committed, until `stop` says so or an error.
absl::Status Follow(Store& store, const FollowOptions& options,
                    const std::function<absl::Status(const LogEvent&)>& fn,
                    uint64_t next_seq) {
  int failures = 0;
  while (!Stopped(options)) {
    absl::Status caught_up = store.CatchUp();
    if (!caught_up.ok()) {
      if (++failures > kMaxCatchUpFailures) return caught_up;
      SleepUnlessStopped(options);
      continue;
    }
    failures = 0;
    RETURN_IF_ERROR(DeliverToHead(store, options, fn, &next_seq));
    SleepUnlessStopped(options);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LogHead> ReadLogHead(const std::string& dir) {
  ASSIGN_OR_RETURN(StoredHead head, ReadStoredHead(dir));
  return LogHead{head.seq, std::move(head.hash)};
}

absl::Status ReadLog(const std::string& dir, uint64_t from_seq,
                     const std::function<absl::Status(const LogEvent&)>& fn) {
  return ReadStoredEvents(dir, from_seq, [&](const StoredEvent& stored) {
    LogEvent e;
    e.seq = stored.seq;
    e.hash = stored.hash;
    e.bytes = stored.bytes;
    e.event = stored.event;
    return fn(e);
  });
}

absl::Status FollowLog(const std::string& dir, uint64_t from_seq,
                       const FollowOptions& options,
                       const std::function<absl::Status(const LogEvent&)>& fn) {
  ASSIGN_OR_RETURN(std::unique_ptr<ScratchDir> scratch, ScratchDir::Make());
  // Declared after `scratch`, so it closes before the folder is removed.
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::OpenSecondary(dir, scratch->path()));
  absl::Status status;
  if (options.follow) {
    status = Follow(*store, options, fn, from_seq);
  } else {
    // Once: a failed catch-up is an error at once.
    uint64_t next_seq = from_seq;
    status = store->CatchUp();
    if (status.ok()) status = DeliverToHead(*store, options, fn, &next_seq);
  }
  // Stopped on request: a normal end, whatever was being read.
  if (Stopped(options) && (status.ok() || status.message() == kStopped)) {
    return absl::OkStatus();
  }
  return status;
}

}  // namespace ledger
