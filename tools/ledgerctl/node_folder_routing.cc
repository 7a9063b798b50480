// ledgerctl on a cluster node's folder (tools/ledgerctl/node_folder_routing.h).
#include "tools/ledgerctl/node_folder_routing.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/base/node_folder.h"
#include "tools/ledgerctl/failure.h"

namespace ledger::tools {
namespace {

enum class Route {
  kWriter,         // refuses a node's folder
  kCustomer,       // the --customer's partition
  kAnyPartition,   // the lowest partition folder present
  kOnePartition,   // --partition required when P > 1
  kEachPartition,  // every partition folder present, in order
  kWholeNode,      // the library sums the partitions (ledger/audit/node_reports.h)
  kWholeFolder,    // the command copies the node's folder itself (backup)
};

Route RouteOf(std::string_view command, bool has_digest) {
  if (command == "apply" || command == "import" || command == "demo") {
    return Route::kWriter;
  }
  if (command == "balance" || command == "statement") return Route::kCustomer;
  if (command == "policy") return Route::kAnyPartition;
  if (command == "export" || command == "tail") return Route::kOnePartition;
  if (command == "verify" && has_digest) return Route::kOnePartition;
  if (command == "liability" || command == "trial-balance") return Route::kWholeNode;
  if (command == "backup") return Route::kWholeFolder;
  return Route::kEachPartition;
}

// The arguments as strings, with --partition taken out, and the values of
// the options routing needs.
struct Scanned {
  std::vector<std::string> args;
  bool help = false;
  std::optional<std::string> partition;
  size_t db_index = 0;  // index in `args` of the --db value (or --db=...)
  bool db_inline = false;
  std::optional<std::string> db;
  std::optional<std::string> customer;
  std::string format;
  bool digest = false;
};

// An option's value given as `--name VALUE` or `--name=VALUE`.
bool Match(const std::vector<std::string>& in, size_t* i, std::string_view name,
           std::string* value, bool* inline_form) {
  const std::string flag = "--" + std::string(name);
  if (in[*i] == flag && *i + 1 < in.size()) {
    *value = in[++*i];
    *inline_form = false;
    return true;
  }
  if (in[*i].rfind(flag + "=", 0) == 0) {
    *value = in[*i].substr(flag.size() + 1);
    *inline_form = true;
    return true;
  }
  return false;
}

Scanned Scan(std::span<char* const> raw) {
  std::vector<std::string> in(raw.begin(), raw.end());
  Scanned s;
  for (size_t i = 0; i < in.size(); ++i) {
    std::string value;
    bool inline_form = false;
    if (in[i] == "--help" || in[i] == "-h") s.help = true;
    if (Match(in, &i, "partition", &value, &inline_form)) {
      s.partition = value;
      continue;  // not passed on: the command itself knows no partitions
    }
    const size_t start = i;
    if (Match(in, &i, "db", &value, &inline_form)) {
      s.db = value;
      s.db_inline = inline_form;
      s.args.push_back(in[start]);
      if (!inline_form) s.args.push_back(in[i]);
      s.db_index = s.args.size() - 1;
      continue;
    }
    if (Match(in, &i, "customer", &value, &inline_form)) s.customer = value;
    else if (Match(in, &i, "format", &value, &inline_form)) s.format = value;
    else if (Match(in, &i, "digest", &value, &inline_form)) s.digest = true;
    for (size_t j = start; j <= i; ++j) s.args.push_back(in[j]);
  }
  return s;
}

int RunWith(RunCommandFn run, std::vector<std::string> args) {
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (std::string& a : args) argv.push_back(a.data());
  return run(std::span<char* const>(argv.data(), argv.size()));
}

// `scanned`'s arguments with --db pointing at `folder`.
std::vector<std::string> WithDb(const Scanned& scanned, const std::string& folder) {
  std::vector<std::string> args = scanned.args;
  args[scanned.db_index] = scanned.db_inline ? "--db=" + folder : folder;
  return args;
}

// One line of a partition's output, marked with its partition.
std::string Mark(std::string_view line, int partition, std::string_view format) {
  const std::string number = std::to_string(partition);
  if (format == "csv") return number + "," + std::string(line);
  if (!line.empty() && line.front() == '{') {
    const bool empty = line.size() >= 2 && line[1] == '}';
    // In the spacing of the commands' own JSON (ledger/base/json_writer.h).
    return "{\"partition\": " + number + (empty ? "" : ", ") +
           std::string(line.substr(1));
  }
  return "p" + number + " " + std::string(line);
}

// Runs the command on one partition with its stdout caught in a temporary
// file, then prints that output marked with the partition. The command
// prints as it goes (some print more than fits in memory), so its output is
// spooled to disk, not a string.
int RunMarked(RunCommandFn run, std::vector<std::string> args, int partition,
              std::string_view format, bool first) {
  std::fflush(stdout);
  std::cout.flush();
  std::FILE* spool = std::tmpfile();
  const int saved = spool == nullptr ? -1 : dup(STDOUT_FILENO);
  if (saved < 0 || dup2(fileno(spool), STDOUT_FILENO) < 0) {
    if (spool != nullptr) std::fclose(spool);
    if (saved >= 0) close(saved);
    return FailWith("node folder", "cannot make a temporary file for a partition's output");
  }
  const int rc = RunWith(run, std::move(args));
  std::fflush(stdout);
  std::cout.flush();
  dup2(saved, STDOUT_FILENO);
  close(saved);
  std::rewind(spool);
  char* line = nullptr;
  size_t capacity = 0;
  bool header = true;
  for (ssize_t n; (n = getline(&line, &capacity, spool)) >= 0; header = false) {
    std::string_view text(line, static_cast<size_t>(n));
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (format == "csv" && header) {
      if (first) std::printf("partition,%.*s\n", static_cast<int>(text.size()), text.data());
      continue;
    }
    std::printf("%s\n", Mark(text, partition, format).c_str());
  }
  std::free(line);
  std::fclose(spool);
  return std::fflush(stdout) == 0 ? rc : kExitFailure;
}

int RunEach(RunCommandFn run, const Scanned& scanned,
            const std::string& dir, const std::vector<int>& present) {
  int worst = kExitOk;
  for (size_t i = 0; i < present.size(); ++i) {
    const int p = present[i];
    const int rc = RunMarked(run, WithDb(scanned, PartitionFolder(dir, p)), p,
                             scanned.format, i == 0);
    if (rc == kExitUsage) return rc;  // the same arguments fail everywhere
    if (worst == kExitOk) worst = rc;
  }
  return worst;
}

std::string Hosted(const std::vector<int>& present) {
  return present.empty() ? "none" : absl::StrJoin(present, ",");
}

int RunOnNode(const CommandSpec& spec, RunCommandFn run, const Scanned& scanned,
              int count);

}  // namespace

int RunRoutedToPartitions(const CommandSpec& spec, RunCommandFn run,
                          std::span<char* const> args) {
  const Scanned scanned = Scan(args);
  if (scanned.help) {
    const int rc = RunWith(run, scanned.args);
    std::printf("\n%s", NodeFolderHelp(spec).c_str());
    return rc;
  }
  absl::StatusOr<int> partitions = absl::NotFoundError("no --db");
  if (scanned.db.has_value()) partitions = ReadNodePartitions(*scanned.db);
  if (absl::IsNotFound(partitions.status())) {
    if (scanned.partition.has_value()) {
      return UsageError(spec, "--partition applies to a cluster node's folder "
                              "(one with a CLUSTER file) in --db");
    }
    return RunWith(run, scanned.args);
  }
  if (!partitions.ok()) {
    return Fail(spec.name, "cannot read the cluster node's folder " + *scanned.db,
                partitions.status());
  }
  return RunOnNode(spec, run, scanned, *partitions);
}

namespace {

// `scanned` names a node's folder of `count` partitions in --db.
int RunOnNode(const CommandSpec& spec, RunCommandFn run, const Scanned& scanned,
              int count) {
  const std::string name(spec.name);
  const std::string& dir = *scanned.db;
  std::optional<int> chosen;
  if (scanned.partition.has_value()) {
    int p = -1;
    if (!absl::SimpleAtoi(*scanned.partition, &p) || p < 0 || p >= count) {
      return UsageError(spec, absl::StrCat("--partition: '", *scanned.partition,
                                           "' is not a partition of this cluster (0..",
                                           count - 1, ")"));
    }
    chosen = p;
  }
  const std::vector<int> present = PartitionFoldersPresent(dir, count);
  const Route route = RouteOf(spec.name, scanned.digest);
  if (route == Route::kWriter) {
    return FailWith(name, dir + " is a cluster node's folder: write to a cluster "
                              "through ledgerd (docs/cluster.md), never to its "
                              "partition folders");
  }
  if (route == Route::kCustomer && scanned.customer.has_value()) {
    const int home = PartitionOf(*scanned.customer, count);
    if (chosen.has_value() && *chosen != home) {
      return UsageError(spec, absl::StrCat("customer ", *scanned.customer,
                                           " is in partition ", home, ", not ",
                                           *chosen));
    }
    chosen = home;
  }
  if (route == Route::kAnyPartition && !chosen.has_value() && !present.empty()) {
    chosen = present.front();
  }
  if (route == Route::kOnePartition && !chosen.has_value()) {
    if (count > 1) {
      return UsageError(spec, absl::StrCat(
          dir, " is a cluster node's folder of ", count,
          " partitions, each a log with its own seqs: name one with "
          "--partition N (this node holds ", Hosted(present), ")"));
    }
    chosen = 0;
  }
  if (chosen.has_value()) {
    const std::string folder = PartitionFolder(dir, *chosen);
    if (std::find(present.begin(), present.end(), *chosen) == present.end()) {
      return FailWith(name, absl::StrCat(
          "partition ", *chosen, scanned.customer.has_value() && route == Route::kCustomer
              ? " (customer " + *scanned.customer + "'s)" : "",
          " is not held in ", dir, ": this node holds partitions ",
          Hosted(present), "; run on the folder of a node that hosts it"));
    }
    return RunWith(run, WithDb(scanned, folder));
  }
  // The library sums the partitions; or, without --customer, the command's
  // own parser says what is missing.
  if (route == Route::kWholeNode || route == Route::kWholeFolder ||
      route == Route::kCustomer) {
    return RunWith(run, scanned.args);
  }
  if (present.empty()) {
    return FailWith(name, dir + " holds no partition folder (p<N>) yet");
  }
  return RunEach(run, scanned, dir, present);
}

}  // namespace

std::string NodeFolderHelp(const CommandSpec& spec) {
  const std::string intro =
      "On a cluster node's folder (one with a CLUSTER file, docs/cluster.md):\n";
  switch (RouteOf(spec.name, false)) {
    case Route::kWriter:
      return intro + "  refused: a cluster is written through ledgerd.\n";
    case Route::kCustomer:
      return intro +
             "  runs on the customer's partition, DIR/p<N> with N = FNV-1a(id)\n"
             "  mod P. --partition N is accepted when it is that partition.\n";
    case Route::kAnyPartition:
      return intro +
             "  runs on the lowest partition the node holds (every partition\n"
             "  holds the same policies), or on --partition N.\n";
    case Route::kOnePartition:
      return intro +
             "  needs --partition N (each partition is a log with its own\n"
             "  seqs), unless the cluster has one partition.\n";
    case Route::kWholeNode:
      return intro +
             "  one report, the sum over every partition (each customer lives in\n"
             "  one; a set_policy, copied into each, counts once per partition in\n"
             "  the events read); refused on a node that does not hold every\n"
             "  partition. --partition N reports on one partition.\n";
    case Route::kWholeFolder:
      return intro +
             "  copies the whole node folder: each partition folder it holds\n"
             "  and the CLUSTER file, so the copy is a node folder another node\n"
             "  can start from. --partition N copies that partition alone.\n";
    case Route::kEachPartition:
      break;
  }
  std::string text = intro +
      "  runs on every partition the node holds, in order, or on\n"
      "  --partition N; each output line carries its partition: \"pN \" before\n"
      "  a text line, \"N,\" before a csv line (header \"partition,...\" once),\n"
      "  a \"partition\" member in a JSON document. The exit status is the\n"
      "  first partition's that was not 0.\n";
  if (spec.name == "verify") {
    text += "  With --digest it needs --partition N: a digest is one partition's.\n";
  }
  return text;
}

}  // namespace ledger::tools
