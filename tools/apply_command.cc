// `ledgerctl apply --db DIR [FILE]` (SPEC 7): applies JSON Lines commands in
// order and writes one result line per non-blank input line.
//
// Durability and promptness: the complete lines of each chunk read are
// committed as one group (Ledger::SubmitJsonBatch: one WriteBatch, one
// sync), and their results are written only after that call returned, that
// is once every command of the group is durable. Results are flushed to
// stdout before every read of input that may block, so a result is never
// held back waiting for input that has not arrived; input that arrives
// faster than it is applied is handled a chunk (up to 64 KiB) at a time.
//
// Memory is bounded: input is read in chunks of kReadChunkBytes and a line
// is kept only up to ledger::kMaxLineBytes; the rest of a longer line is
// discarded as it is read and the line is answered INVALID_COMMAND.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/json_writer.h"
#include "ledger/ledger.h"
#include "tools/commands.h"

namespace ledger::tools {
namespace {

constexpr size_t kReadChunkBytes = 64 * 1024;
// Most lines committed as one group (well under
// Options::max_batch_commands).
constexpr size_t kMaxGroupLines = 4096;

constexpr std::string_view kUsage =
    "usage: ledgerctl apply --db DIR [FILE]\n"
    "\n"
    "Reads commands as JSON Lines (SPEC 4) from FILE, or standard input when\n"
    "FILE is missing or '-', applies them in order, and writes one result\n"
    "line per non-blank input line:\n"
    "  {\"key\": \"k-1\", \"status\": \"ACCEPTED\", \"seq\": 17, "
    "\"available\": 940}\n"
    "  {\"key\": \"k-1\", \"status\": \"ACCEPTED\", \"seq\": 17, "
    "\"duplicate\": true}\n"
    "  {\"key\": \"k-1\", \"status\": \"REJECTED\", \"code\": "
    "\"INSUFFICIENT_CREDITS\", \"message\": \"...\"}\n"
    "A line that is not JSON, or longer than 65536 bytes, is rejected\n"
    "INVALID_COMMAND with \"key\": null. A result is written only once its\n"
    "command is durable.\n"
    "\n"
    "Options:\n"
    "  --db DIR   the ledger's folder (created when missing)\n"
    "  --help     print this help\n"
    "\n"
    "Exit status: 0 when every line got a result (rejections included),\n"
    "1 when the ledger or the input failed, 2 on bad usage.\n"
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

std::string RenderResult(const SubmitResult& result) {
  JsonWriter w;
  w.BeginObject().Key("key");
  if (result.key.has_value()) {
    w.String(*result.key);
  } else {
    w.Null();
  }
  switch (result.outcome) {
    case Outcome::kAccepted:
    case Outcome::kDuplicate:
      w.Key("status").String("ACCEPTED").Key("seq").Uint(result.seq);
      if (result.outcome == Outcome::kDuplicate) w.Key("duplicate").Bool(true);
      if (result.available.has_value()) w.Key("available").Int(*result.available);
      break;
    case Outcome::kRejected:
      w.Key("status").String("REJECTED");
      w.Key("code").String(v1::RejectionCode_Name(result.code));
      w.Key("message").String(result.message);
      break;
  }
  w.EndObject();
  return w.str();
}

std::string RenderTooLong() {
  SubmitResult result;
  result.outcome = Outcome::kRejected;
  result.code = v1::INVALID_COMMAND;
  result.message = absl::StrCat("line is longer than ", kMaxLineBytes,
                                " bytes; the rest of it was not read");
  return RenderResult(result);
}

// Applies the lines in order, in groups of at most kMaxGroupLines committed
// with one sync each (SubmitJsonBatch returns once all of its group are
// durable), and writes their results. Returns false after a store failure
// (already reported on stderr); results written before it stand.
bool ApplyLines(Ledger& ledger, std::vector<InputLine>& lines) {
  std::vector<std::string> group;
  std::string out;
  size_t next = 0;  // first line without a result
  while (next < lines.size()) {
    group.clear();
    size_t end = next;
    for (; end < lines.size() && group.size() < kMaxGroupLines; ++end) {
      if (!lines[end].too_long) group.push_back(std::move(lines[end].text));
    }
    absl::StatusOr<std::vector<SubmitResult>> results;
    if (!group.empty()) {
      results = ledger.SubmitJsonBatch(group);
      if (results.ok() && results->size() != group.size()) {
        results = absl::InternalError("SubmitJsonBatch returned a wrong count");
      }
      if (!results.ok()) {
        std::fflush(stdout);
        std::fprintf(stderr, "ledgerctl apply: the store failed: %s\n",
                     results.status().ToString().c_str());
        return false;
      }
    }
    size_t k = 0;
    for (; next < end; ++next) {
      out = lines[next].too_long ? RenderTooLong()
                                 : RenderResult((*results)[k++]);
      out.push_back('\n');
      std::fwrite(out.data(), 1, out.size(), stdout);
    }
  }
  lines.clear();
  return true;
}

// Reads up to `size` bytes; retries on EINTR. -1 on error, 0 at the end.
ssize_t ReadSome(int fd, char* buf, size_t size) {
  for (;;) {
    ssize_t n = ::read(fd, buf, size);
    if (n >= 0 || errno != EINTR) return n;
  }
}

int ApplyStream(Ledger& ledger, int fd, const std::string& input_name) {
  LineSplitter splitter;
  std::vector<InputLine> lines;
  std::unique_ptr<char[]> buf(new char[kReadChunkBytes]);
  for (;;) {
    // Every result so far goes out before a read that may wait for input.
    if (std::fflush(stdout) != 0) {
      std::fprintf(stderr, "ledgerctl apply: cannot write results: %s\n",
                   std::strerror(errno));
      return kExitFailure;
    }
    const ssize_t n = ReadSome(fd, buf.get(), kReadChunkBytes);
    if (n < 0) {
      std::fprintf(stderr, "ledgerctl apply: cannot read %s: %s\n",
                   input_name.c_str(), std::strerror(errno));
      return kExitFailure;
    }
    if (n == 0) break;
    splitter.Feed(std::string_view(buf.get(), static_cast<size_t>(n)), &lines);
    if (!ApplyLines(ledger, lines)) return kExitFailure;
  }
  splitter.Finish(&lines);
  if (!ApplyLines(ledger, lines)) return kExitFailure;
  if (std::fflush(stdout) != 0) {
    std::fprintf(stderr, "ledgerctl apply: cannot write results: %s\n",
                 std::strerror(errno));
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

const CommandSpec& ApplySpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "apply",
      .summary = "apply JSON Lines commands and print one result per line",
      .usage = kUsage,
      .options = {"db"},
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

  absl::StatusOr<std::unique_ptr<Ledger>> ledger =
      Ledger::Open(Options(), parsed.Get("db"));
  if (!ledger.ok()) {
    std::fprintf(stderr, "ledgerctl apply: cannot open the ledger in %s: %s\n",
                 parsed.Get("db").c_str(), ledger.status().ToString().c_str());
    if (fd != STDIN_FILENO) ::close(fd);
    return kExitFailure;
  }
  const int status = ApplyStream(**ledger, fd, input_name);
  if (fd != STDIN_FILENO) ::close(fd);
  return status;
}

}  // namespace ledger::tools
