// `ledgerctl apply --db DIR [FILE]` (docs/contract.md section 7): applies JSON
// Lines commands in order and writes one result line per non-blank input line.
//
// Durability and promptness: the complete lines available without waiting
// (up to kMaxGroupLines) make one group, parsed here (ReadCommandJson, the
// library's own reader) and handed to the ApplyPipeline, whose thread
// commits it (Ledger::SubmitBatch: one WriteBatch, one sync) while this
// thread reads and parses the next group. A group's results are written
// only after its call returned, that is once every command of it is
// durable, and groups are committed and written in input order. Before
// every wait for input, every group handed is committed and its results
// flushed to stdout, so a result is never held back waiting for input
// that has not arrived.
//
// Stopping: SIGINT and SIGTERM are blocked in every thread and taken by one
// thread (sigwait) that wakes the main loop through a pipe it polls beside
// the input. The group being committed finishes, its results are written
// whole, a group parsed but not yet started is dropped unapplied, and apply
// says on stderr how many results it wrote and that a re-run of the same
// input is safe; exit status 128 + the signal (130, 143).
//
// Memory is bounded: input is read in chunks of kReadChunkBytes and a line
// is kept only up to ledger::kMaxLineBytes; the rest of a longer line is
// discarded as it is read and the line is answered INVALID_COMMAND.
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ledger/ledger.h"
#include "tools/ledgerctl/apply_pipeline.h"
#include "tools/ledgerctl/commands.h"
#include "tools/edge/byte_size.h"
#include "tools/edge/future_guard.h"
#include "tools/edge/past_guard.h"
#include "tools/edge/retention.h"
#include "tools/ledgerctl/failure.h"
#include "tools/ledgerctl/stop_signals.h"
#include "tools/render/result_json.h"

namespace ledger::tools {
namespace {

constexpr size_t kReadChunkBytes = 64 * 1024;
// Most lines committed as one group (well under
// Options::max_batch_commands). 1000: past it a larger group gains little
// (a sync is under 1% of a group's time), and docs/benchmarks.md compares
// apply with SubmitBatch(1000).
constexpr size_t kMaxGroupLines = 1000;

constexpr std::string_view kUsage =
    "usage: ledgerctl apply --db DIR [--actor NAME] [--max-future DURATION|off]\n"
    "                       [--max-past DURATION|off] [--min-free-disk SIZE]\n"
    "                       [--rejection-retention DAYS|DURATION|off] [FILE]\n"
    "\n"
    "Reads commands as JSON Lines (docs/contract.md section 4) from FILE,\n"
    "or standard input when FILE is missing or '-', applies them in order,\n"
    "and writes one result line per non-blank input line:\n"
    "  {\"key\": \"k-1\", \"status\": \"ACCEPTED\", \"seq\": 17, "
    "\"available\": 940}\n"
    "  {\"key\": \"k-1\", \"status\": \"ACCEPTED\", \"seq\": 17, "
    "\"duplicate\": true}\n"
    "  {\"key\": \"k-1\", \"status\": \"REJECTED\", \"code\": "
    "\"INSUFFICIENT_CREDITS\", \"message\": \"...\"}\n"
    "An accepted line also carries \"alerts\", the balance alerts the command\n"
    "moved, and \"top_up\", the top-up request it made (docs/alerts.md),\n"
    "each only when there is one.\n"
    "A line that is not JSON, or longer than 65536 bytes, is rejected\n"
    "INVALID_COMMAND with \"key\": null. A result is written only once its\n"
    "command is durable.\n"
    "\n"
    "Options:\n"
    "  --db DIR                the ledger's folder (created when missing)\n"
    "  --actor NAME            who issues the commands: every accepted event\n"
    "                          records it as its actor, beside the time it\n"
    "                          was recorded (docs/contract.md section 16); at\n"
    "                          most 64 bytes; default: this user's login name\n"
    "  --max-future DURATION   refuse (INVALID_COMMAND, not sent to the\n"
    "                          ledger) a command whose \"at\" is more than\n"
    "                          DURATION ahead of this machine's clock, e.g.\n"
    "                          24h or 90m (docs/edge-guards.md); default:\n"
    "                          24h; off removes the guard\n"
    "  --max-past DURATION     refuse (INVALID_COMMAND, not sent to the\n"
    "                          ledger) a command whose \"at\" is more than\n"
    "                          DURATION before this machine's clock, e.g.\n"
    "                          1h; default: off (no limit)\n"
    "  --min-free-disk SIZE    stop (exit 1) before a group when the ledger's\n"
    "                          disk has less free space than SIZE, e.g.\n"
    "                          512MiB or 2GiB; 0: only when the disk is\n"
    "                          full (docs/operations.md); default: 256MiB\n"
    "  --rejection-retention R how long the ledger's refusal journal keeps a\n"
    "                          rejected command (`ledgerctl rejections`,\n"
    "                          docs/audit.md): whole days (90d) or a\n"
    "                          duration (2160h); off records none; default:\n"
    "                          90d. Older refusals are dropped as this writer\n"
    "                          runs\n"
    "  --help                  print this help\n"
    "\n"
    "Ctrl-C (SIGINT) or SIGTERM: the group being committed finishes, its\n"
    "results are written, and apply stops; running it again on the same\n"
    "input is safe (commands already accepted answer as duplicates).\n"
    "\n"
    "A full disk (or one under --min-free-disk) stops apply with exit 1\n"
    "and one line on stderr; every result written before it is durable,\n"
    "and running apply again on the same input once there is room is safe.\n"
    "\n"
    "Exit status: 0 when every line got a result (rejections included),\n"
    "1 when the ledger, its disk or the input failed, 2 on bad usage, 3 when another\n"
    "process has the ledger open for writing (busy), 130 or 143 when\n"
    "stopped by SIGINT or SIGTERM.\n"
    "\n"
    "Example:\n"
    "  echo '{\"key\": \"k-1\", \"customer\": \"c1\", \"at\": "
    "\"2026-03-08T10:00:00Z\", \"purchase\": {\"purchase_id\": \"p1\", "
    "\"credits\": 1000, \"amount_minor\": 1999, \"currency\": \"USD\"}}' \\\n"
    "    | ledgerctl apply --db /tmp/ledger\n";

// One line of input, without its line break.
struct InputLine {
  std::string text;       // empty when too_long
  bool too_long = false;  // longer than kMaxLineBytes; the text was dropped
};

// What reading the input needs besides the ledger: the edge guards each
// line passes before it is submitted (RefusedAtTheEdge).
struct ApplyContext {
  const edge::FutureGuard* future_guard = nullptr;  // --max-future, or none
  const edge::PastGuard* past_guard = nullptr;      // --max-past, or none
};

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Splits input into lines without holding more than kMaxLineBytes (+1 for a
// trailing '\r') of any one line.
class LineSplitter {
 public:
  // Feeds a chunk; appends the non-blank lines it completes to `lines`.
  void Feed(std::string_view chunk, std::vector<InputLine>* lines) {
    while (!chunk.empty()) {
      const size_t nl = chunk.find('\n');
      const std::string_view piece = chunk.substr(0, nl);
      Append(piece);
      if (nl == std::string_view::npos) return;
      EndLine(lines);
      chunk.remove_prefix(nl + 1);
    }
  }

  // At the end of input: a last line without a line break counts too.
  void Finish(std::vector<InputLine>* lines) {
    if (discarding_ || !partial_.empty()) EndLine(lines);
  }

 private:
  void Append(std::string_view piece) {
    if (discarding_) {
      nonblank_ = nonblank_ || !IsBlank(piece);
      return;
    }
    if (partial_.size() + piece.size() > kMaxLineBytes + 1) {
      nonblank_ = !IsBlank(partial_) || !IsBlank(piece);
      discarding_ = true;
      std::string().swap(partial_);  // give the memory back
      return;
    }
    partial_.append(piece);
  }

  void EndLine(std::vector<InputLine>* lines) {
    if (discarding_) {
      if (nonblank_) lines->push_back(InputLine{"", true});
    } else {
      if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
      if (partial_.size() > kMaxLineBytes) {
        if (!IsBlank(partial_)) lines->push_back(InputLine{"", true});
      } else if (!IsBlank(partial_)) {
        lines->push_back(InputLine{std::move(partial_), false});
      }
    }
    partial_.clear();
    discarding_ = false;
    nonblank_ = false;
  }

  std::string partial_;
  bool discarding_ = false;  // past kMaxLineBytes: dropping to the line break
  bool nonblank_ = false;    // while discarding: saw a non-blank byte
};

std::string RenderTooLong() {
  SubmitResult result;
  result.outcome = Outcome::kRejected;
  result.code = v1::INVALID_COMMAND;
  result.message = absl::StrCat("line is longer than ", kMaxLineBytes,
                                " bytes; the rest of it was not read");
  return render::ResultJson(result);
}

// The result of a line the edge refuses before the ledger sees it
// (--max-future, --max-past): INVALID_COMMAND, as the ledger answers a bad
// command.
std::optional<std::string> RefusedAtTheEdge(const ApplyContext& context,
                                            const InputLine& line) {
  if (line.too_long) return std::nullopt;
  absl::Status refused = absl::OkStatus();
  if (context.future_guard != nullptr) {
    refused = context.future_guard->CheckJson(line.text);
  }
  if (refused.ok() && context.past_guard != nullptr) {
    refused = context.past_guard->CheckJson(line.text);
  }
  if (refused.ok()) return std::nullopt;
  SubmitResult result;
  result.key = edge::TopLevelString(line.text, "key");
  result.outcome = Outcome::kRejected;
  result.code = v1::INVALID_COMMAND;
  result.message = std::string(refused.message());
  return render::ResultJson(result);
}

// Takes the first kMaxGroupLines lines (or all, when fewer) off `lines`
// as one group: the answers apply gives itself (a line too long, an edge
// guard's refusal) and the commands of the rest, parsed here, on apply's
// main thread, while the pipeline commits the group before.
ParsedGroup TakeGroup(std::vector<InputLine>& lines,
                      const ApplyContext& context) {
  const size_t end = std::min(lines.size(), kMaxGroupLines);
  ParsedGroup group;
  group.answered.resize(end);
  group.texts.reserve(end);
  for (size_t i = 0; i < end; ++i) {
    if (lines[i].too_long) {
      group.answered[i] = RenderTooLong();
    } else {
      group.answered[i] = RefusedAtTheEdge(context, lines[i]);
    }
    if (!group.answered[i].has_value()) {
      group.texts.push_back(std::move(lines[i].text));
    }
  }
  lines.erase(lines.begin(), lines.begin() + static_cast<ptrdiff_t>(end));
  ParseCommands(group);
  return group;
}

enum class Wait { kReadable, kNotYet, kStop, kError };

// Waits until `fd` can be read (or, with block false, only checks), or a
// stop was requested.
Wait WaitForInput(int fd, int wake_fd, bool block) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  for (;;) {
    const int n = ::poll(fds, 2, block ? -1 : 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Wait::kError;
    }
    if (fds[1].revents != 0) return Wait::kStop;
    if (n == 0) return Wait::kNotYet;
    return Wait::kReadable;  // data, the end, or an error: read() says which
  }
}

// Reads up to `size` bytes; retries on EINTR. -1 on error, 0 at the end.
ssize_t ReadSome(int fd, char* buf, size_t size) {
  for (;;) {
    ssize_t n = ::read(fd, buf, size);
    if (n >= 0 || errno != EINTR) return n;
  }
}

bool FlushResults() {
  if (std::fflush(stdout) == 0) return true;
  std::fprintf(stderr, "ledgerctl apply: cannot write results: %s\n",
               std::strerror(errno));
  return false;
}

// What apply says when a signal stopped it; returns 128 + the signal.
int ReportStop(int sig, size_t results_written) {
  std::fprintf(
      stderr,
      "ledgerctl apply: stopped by %s after writing %zu result%s; each "
      "result written is final and its command durable, the rest of the "
      "input was not applied.\n"
      "Re-running apply on the same input is safe: the keys make it "
      "idempotent, so commands already accepted are answered as duplicates "
      "(\"duplicate\": true) and never applied twice; the others are judged "
      "now.\n",
      sig == SIGINT ? "SIGINT (Ctrl-C)" : "SIGTERM", results_written,
      results_written == 1 ? "" : "s");
  return 128 + sig;
}

// Reads what is available without waiting (after waiting for the first
// bytes when nothing is pending), up to a group's worth of lines. Sets
// *eof at the end of the input, *stop on a signal; false on a read error
// or a failed commit (reported).
bool Fill(int fd, const StopSignals& stop_signals,
          const std::string& input_name, char* buf, LineSplitter& splitter,
          ApplyPipeline& pipeline, std::vector<InputLine>& lines, bool* eof,
          bool* stop) {
  while (!*eof && lines.size() < kMaxGroupLines) {
    Wait wait = WaitForInput(fd, stop_signals.wake_fd(), /*block=*/false);
    if (wait == Wait::kNotYet) {
      // Nothing to read now: go on with the lines there are, or, with
      // none, wait. Every result so far goes out before a wait for input
      // (the groups handed are committed and written first), never while
      // input is there to read: a file never waits, so the reading and
      // parsing of the next group keep overlapping the commit.
      if (!lines.empty()) return true;
      if (!pipeline.Drain()) return false;
      if (!FlushResults()) return false;
      wait = WaitForInput(fd, stop_signals.wake_fd(), /*block=*/true);
    }
    if (wait == Wait::kStop) {
      *stop = true;
      return true;
    }
    const ssize_t n =
        wait == Wait::kError ? -1 : ReadSome(fd, buf, kReadChunkBytes);
    if (n < 0) {
      std::fprintf(stderr, "ledgerctl apply: cannot read %s: %s\n",
                   input_name.c_str(), std::strerror(errno));
      return false;
    }
    if (n == 0) {
      *eof = true;
      splitter.Finish(&lines);
      return true;
    }
    splitter.Feed(std::string_view(buf, static_cast<size_t>(n)), &lines);
  }
  return true;
}

int ApplyStream(Ledger& ledger, int fd, const std::string& input_name,
                const StopSignals& stop_signals, ApplyContext& context) {
  LineSplitter splitter;
  std::vector<InputLine> lines;
  std::unique_ptr<char[]> buf(new char[kReadChunkBytes]);
  ApplyPipeline pipeline(ledger, stdout);
  bool eof = false;
  bool stop = false;
  for (;;) {
    if (!Fill(fd, stop_signals, input_name, buf.get(), splitter, pipeline,
              lines, &eof, &stop)) {
      return kExitFailure;
    }
    if (stop || stop_signals.signal() != 0) break;
    if (lines.empty()) {
      if (eof) break;
      continue;
    }
    if (!pipeline.Hand(TakeGroup(lines, context))) return kExitFailure;
  }
  // On a stop the group being committed finishes and one parsed but not
  // started is dropped; otherwise every group handed is committed.
  const bool committed = stop_signals.signal() != 0 ? pipeline.Abandon()
                                                    : pipeline.Drain();
  if (!committed) return kExitFailure;
  if (!FlushResults()) return kExitFailure;
  if (stop_signals.signal() != 0) {
    return ReportStop(stop_signals.signal(), pipeline.results_written());
  }
  return kExitOk;
}

// --max-future: on by default at 24 hours (docs/contract.md section 15), a
// positive duration ("24h", "90m", "1h30m") or "off".
bool ReadMaxFuture(const CommandSpec& spec, const Args& parsed,
                   std::optional<edge::FutureGuard>* guard, int* exit_code) {
  std::optional<std::string> text;
  if (parsed.Has("max-future")) text = parsed.Get("max-future");
  absl::StatusOr<std::optional<absl::Duration>> max_ahead =
      text.has_value() ? edge::ParseMaxFuture(*text)
                       : std::optional<absl::Duration>(edge::kDefaultMaxFuture);
  if (!max_ahead.ok()) {
    *exit_code = UsageError(spec, std::string(max_ahead.status().message()));
    return false;
  }
  if (max_ahead->has_value()) {
    guard->emplace(**max_ahead, edge::MaxFutureSetting(text));
  }
  return true;
}

// --max-past: off by default (docs/contract.md section 16).
bool ReadMaxPast(const CommandSpec& spec, const Args& parsed,
                 std::optional<edge::PastGuard>* guard, int* exit_code) {
  if (!parsed.Has("max-past")) return true;
  absl::StatusOr<std::optional<absl::Duration>> max_behind =
      edge::ParseMaxPast(parsed.Get("max-past"));
  if (!max_behind.ok()) {
    *exit_code = UsageError(spec, std::string(max_behind.status().message()));
    return false;
  }
  if (max_behind->has_value()) guard->emplace(**max_behind);
  return true;
}

// The login name of the user running apply: the default --actor. Read from
// the password database, which a changed $USER does not fool; $USER, then
// the numeric uid, when it has no entry (a container's arbitrary uid).
std::string OperatingSystemUser() {
  if (const passwd* pw = ::getpwuid(::geteuid());
      pw != nullptr && pw->pw_name != nullptr && pw->pw_name[0] != '\0') {
    return pw->pw_name;
  }
  if (const char* user = std::getenv("USER"); user != nullptr && user[0] != '\0') {
    return user;
  }
  return absl::StrCat("uid-", ::geteuid());
}

// --actor (docs/contract.md section 16) into Options::actor.
bool ReadActor(const CommandSpec& spec, const Args& parsed, Options* options,
               int* exit_code) {
  options->actor =
      parsed.Has("actor") ? parsed.Get("actor") : OperatingSystemUser();
  if (options->actor.empty() || options->actor.size() > kMaxIdLength) {
    *exit_code = UsageError(
        spec, absl::StrCat("--actor wants a name of 1 to ", kMaxIdLength,
                           " bytes, got '", options->actor, "'"));
    return false;
  }
  return true;
}

// --min-free-disk: a size (edge::ParseByteSize) into
// Options::min_free_disk_bytes, whose default it keeps when not given.
bool ParseMinFreeDisk(const CommandSpec& spec, const Args& parsed,
                      Options* options, int* exit_code) {
  if (!parsed.Has("min-free-disk")) return true;
  absl::StatusOr<uint64_t> bytes =
      edge::ParseByteSize(parsed.Get("min-free-disk"));
  if (!bytes.ok()) {
    *exit_code = UsageError(
        spec, absl::StrCat("--min-free-disk: ", bytes.status().message()));
    return false;
  }
  options->min_free_disk_bytes = *bytes;
  return true;
}

}  // namespace

const CommandSpec& ApplySpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "apply",
      .summary = "apply JSON Lines commands and print one result per line",
      .usage = kUsage,
      .options = {"db", "actor", "max-future", "max-past", "min-free-disk",
                  "rejection-retention"},
      .required = {"db"},
      .max_positionals = 1,
  };
  return *spec;
}

int RunApply(std::span<char* const> args) {
  const CommandSpec& spec = ApplySpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  std::optional<edge::FutureGuard> future_guard;
  if (!ReadMaxFuture(spec, parsed, &future_guard, &exit_code)) return exit_code;
  std::optional<edge::PastGuard> past_guard;
  if (!ReadMaxPast(spec, parsed, &past_guard, &exit_code)) return exit_code;
  Options options;
  if (!ParseMinFreeDisk(spec, parsed, &options, &exit_code)) return exit_code;
  if (!ReadActor(spec, parsed, &options, &exit_code)) return exit_code;
  if (parsed.Has("rejection-retention")) {
    absl::StatusOr<std::chrono::seconds> retention =
        edge::ParseRetention(parsed.Get("rejection-retention"));
    if (!retention.ok()) {
      return UsageError(spec, std::string(retention.status().message()));
    }
    options.rejection_retention = *retention;
  }

  std::string input_name = "standard input";
  int fd = STDIN_FILENO;
  if (!parsed.positionals.empty() && parsed.positionals[0] != "-") {
    input_name = parsed.positionals[0];
    fd = ::open(input_name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::fprintf(stderr, "ledgerctl apply: cannot open %s: %s\n",
                   input_name.c_str(), std::strerror(errno));
      return kExitFailure;
    }
  }

  // Before the ledger starts its threads, so that they inherit the mask.
  StopSignals stop_signals;
  if (!stop_signals.Start()) {
    std::fprintf(stderr, "ledgerctl apply: cannot make a pipe: %s\n",
                 std::strerror(errno));
    if (fd != STDIN_FILENO) ::close(fd);
    return kExitFailure;
  }
  // A mistyped --db would otherwise start a new, empty ledger in silence.
  const std::string dir = parsed.Get("db");
  std::error_code ignored;
  const bool existed = std::filesystem::exists(dir, ignored) &&
                       !std::filesystem::is_empty(dir, ignored);
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(options, dir);
  if (!ledger.ok()) {
    if (fd != STDIN_FILENO) ::close(fd);
    // Busy (another writer holds the ledger) exits kExitBusy, like every
    // command; the line has the shape of docs/ledgerctl.md.
    return Fail("apply", "cannot open the ledger in " + dir, ledger.status());
  }
  if (!existed) {
    std::fprintf(stderr, "ledgerctl apply: created a new ledger in %s\n",
                 dir.c_str());
  }
  ApplyContext context;
  if (future_guard.has_value()) context.future_guard = &*future_guard;
  if (past_guard.has_value()) context.past_guard = &*past_guard;
  const int status = ApplyStream(**ledger, fd, input_name, stop_signals, context);
  if (fd != STDIN_FILENO) ::close(fd);
  return status;
}

}  // namespace ledger::tools
