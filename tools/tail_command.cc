// `ledgerctl tail --db DIR [--from-seq N] [--follow]`: prints the log from
// seq N as JSON lines, and with --follow keeps printing what another process
// commits. The ledger is normally held open for writing by the platform
// (RocksDB's LOCK), so tail never opens it for writing. It reads through a
// RocksDB secondary instance in both modes: RocksDB documents a read-only
// instance opened beside a running writer as undefined behaviour, while a
// secondary is made for exactly that; --follow then catches it up with the
// writer every kPollInterval.
#include <signal.h>
#include <stdlib.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/store.h"
#include "ledger/time_util.h"
#include "tools/commands.h"
#include "tools/event_render.h"
#include "tools/json_writer.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl tail --db DIR [--from-seq N] [--follow]\n"
    "\n"
    "Prints the ledger's log from seq N on, one event per line of JSON, in\n"
    "seq order: seq, at, customer (null for set_policy), key, kind (the\n"
    "command's kind), policy_version, hash (SHA-256 of the event, hex) and\n"
    "postings [{account, unit, amount}] (amount > 0 debits the account).\n"
    "Without --follow it stops at the last event; with --follow it then\n"
    "keeps printing each event the process that has the ledger open commits,\n"
    "until it is interrupted (SIGINT or SIGTERM end it with status 0).\n"
    "\n"
    "tail never writes to the ledger and never takes its lock, so it runs\n"
    "beside the process that writes. It reads through a RocksDB secondary\n"
    "instance, which keeps its own files in a scratch folder under $TMPDIR\n"
    "(default /tmp), removed when tail ends. --follow polls the writer every\n"
    "150 ms, and may show an event a moment before the writer's sync of it\n"
    "has completed.\n"
    "\n"
    "Options:\n"
    "  --db DIR        the ledger's folder (must exist; never created)\n"
    "  --from-seq N    the first seq to print, 1 or more (default: 1); past\n"
    "                  the last event, prints nothing (or waits, --follow)\n"
    "  --follow        keep printing new events as they are committed\n"
    "  --help          print this help\n"
    "\n"
    "Exit status: 0 on success, 1 when the ledger is missing, damaged or\n"
    "cannot be read, 2 on bad usage.\n"
    "\n"
    "Examples:\n"
    "  ledgerctl tail --db /tmp/ledger --from-seq 40\n"
    "  ledgerctl tail --db /var/ledger --from-seq 1200 --follow\n";

// How often --follow catches up with the writing process: a new event shows
// within this (plus the catch-up itself), at a cost of a few reads of the
// MANIFEST and WAL per poll.
constexpr absl::Duration kPollInterval = absl::Milliseconds(150);
// Consecutive failed catch-ups tolerated: the writer may delete a WAL file
// the secondary is reading (after a flush); the next try then succeeds.
constexpr int kMaxCatchUpFailures = 20;

volatile std::sig_atomic_t g_stop = 0;
constexpr char kInterrupted[] = "interrupted";
void OnStopSignal(int) { g_stop = 1; }

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

std::string KindOf(const v1::Command& command) {
  const google::protobuf::OneofDescriptor* kind =
      command.GetDescriptor()->FindOneofByName("kind");
  const google::protobuf::FieldDescriptor* field =
      kind == nullptr
          ? nullptr
          : command.GetReflection()->GetOneofFieldDescriptor(command, kind);
  return field == nullptr ? "unknown" : field->name();
}

std::string RenderEvent(const v1::Event& event, std::string_view hash) {
  const v1::EventHeader& h = event.header();
  JsonWriter w;
  w.BeginObject();
  w.Key("seq").Uint(h.seq());
  w.Key("at").String(FormatTimeUs(h.at_us()));
  w.Key("customer");
  if (h.customer().empty()) {
    w.Null();
  } else {
    w.String(h.customer());
  }
  w.Key("key").String(h.key());
  w.Key("kind").String(KindOf(event.command()));
  w.Key("policy_version").String(h.policy_version());
  w.Key("hash").String(absl::BytesToHexString(absl::string_view(hash.data(), hash.size())));
  w.Key("postings");
  WritePostingsJson(event.postings(), w);
  w.EndObject();
  return w.str();
}

// Prints the events from *next_seq through `last_seq` (the head), in order,
// and moves *next_seq past them. DataLoss for a damaged event or a gap.
absl::Status PrintEvents(const Store& store, uint64_t last_seq,
                         uint64_t* next_seq) {
  if (*next_seq > last_seq) return absl::OkStatus();
  std::string out;
  absl::Status scanned = store.ForEachEvent(
      *next_seq,
      [&](std::string_view key, std::string_view value) -> absl::Status {
        if (g_stop != 0) return absl::AbortedError(kInterrupted);
        ASSIGN_OR_RETURN(v1::Event event, DecodeStoredEvent(key, value));
        if (event.header().seq() != *next_seq) {
          return absl::DataLossError(
              absl::StrCat("the log has a gap: expected seq ", *next_seq,
                           ", found ", event.header().seq()));
        }
        absl::StrAppend(&out, RenderEvent(event, value.substr(0, kHashBytes)),
                        "\n");
        ++*next_seq;
        // Print as we go, so a long catch-up streams rather than piles up.
        if (out.size() >= (64 << 10)) {
          std::fwrite(out.data(), 1, out.size(), stdout);
          out.clear();
        }
        return *next_seq > last_seq ? absl::CancelledError() : absl::OkStatus();
      });
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) {
    return absl::UnavailableError("cannot write to standard output");
  }
  if (!scanned.ok() && !absl::IsCancelled(scanned)) return scanned;
  if (*next_seq <= last_seq) {
    return absl::DataLossError(absl::StrCat(
        "the head says seq ", last_seq, " but the log ends at ", *next_seq - 1));
  }
  return absl::OkStatus();
}

absl::Status TailOnce(const std::string& dir, uint64_t from_seq) {
  ASSIGN_OR_RETURN(std::unique_ptr<ScratchDir> scratch, ScratchDir::Make());
  // Declared after `scratch`, so it closes before the folder is removed.
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::OpenSecondary(dir, scratch->path()));
  RETURN_IF_ERROR(store->CatchUp());
  ASSIGN_OR_RETURN(v1::HeadRecord head, store->ReadHead());
  return PrintEvents(*store, head.seq(), &from_seq);
}

// Sleeps for kPollInterval, waking early on SIGINT / SIGTERM.
void SleepUnlessStopped() {
  const absl::Time until = absl::Now() + kPollInterval;
  while (g_stop == 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::Status TailFollow(const std::string& dir, uint64_t from_seq) {
  ASSIGN_OR_RETURN(std::unique_ptr<ScratchDir> scratch, ScratchDir::Make());
  // Declared after `scratch`, so it closes before the folder is removed.
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::OpenSecondary(dir, scratch->path()));
  uint64_t next_seq = from_seq;
  int failures = 0;
  while (g_stop == 0) {
    absl::Status caught_up = store->CatchUp();
    if (!caught_up.ok()) {
      if (++failures > kMaxCatchUpFailures) return caught_up;
      SleepUnlessStopped();
      continue;
    }
    failures = 0;
    ASSIGN_OR_RETURN(v1::HeadRecord head, store->ReadHead());
    RETURN_IF_ERROR(PrintEvents(*store, head.seq(), &next_seq));
    SleepUnlessStopped();
  }
  return absl::OkStatus();
}

}  // namespace

const CommandSpec& TailSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "tail",
      .summary = "print the log from a seq as JSON lines; --follow for more",
      .usage = kUsage,
      .options = {"db", "from-seq"},
      .required = {"db"},
      .flags = {"follow"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunTail(std::span<char* const> args) {
  const CommandSpec& spec = TailSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  int64_t from_seq = 1;
  if (!ParseIntOption(spec, parsed, "from-seq", 1, 1,
                      std::numeric_limits<int64_t>::max(), &from_seq,
                      &exit_code)) {
    return exit_code;
  }
  const std::string dir = parsed.Get("db");
  const bool follow = parsed.Has("follow");
  // Stop cleanly on SIGINT / SIGTERM, so the scratch folder is removed.
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  absl::Status status = follow ? TailFollow(dir, static_cast<uint64_t>(from_seq))
                               : TailOnce(dir, static_cast<uint64_t>(from_seq));
  // Stopped by the user: a normal end, whatever was being read.
  if (g_stop != 0 && (status.ok() || status.message() == kInterrupted)) {
    return kExitOk;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "ledgerctl tail: %s\n", status.ToString().c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace ledger::tools
