// ledgerctl on a cluster node's folder (docs/ledgerctl.md, "On a cluster
// node's folder"). A node keeps one plain ledger per partition in
// DIR/p<N> and records the partition count in DIR/CLUSTER
// (ledger/base/node_folder.h). Rather than teach every command about that,
// ledgerctl rewrites the command's --db before running it, once, here:
//
//   - a customer's command (balance, statement) runs on the customer's
//     partition, FNV-1a of the id mod P;
//   - policy runs on any partition the node holds (set_policy goes to every
//     partition, so each holds the same policies);
//   - export and tail read one log, so they need --partition N (seqs are
//     per partition) unless the cluster has one partition;
//   - verify with --digest checks one partition's digest, so it needs
//     --partition too; without --digest it checks every partition;
//   - liability and trial-balance print one report, the sum over every
//     partition, which the library computes (ledger/audit/node_reports.h);
//   - digest, replay, verify and customers run
//     on every partition folder the node holds, in order, and print each
//     partition's output with its partition: a text or csv line gets
//     "pN " / "N," in front (csv's header once, as "partition,..."), a JSON
//     document gets a "partition": N member;
//   - the writers (apply, import, demo) refuse a node's folder: a cluster
//     is written through ledgerd.
// `--partition N` picks one partition for any reading command. On a plain
// ledger's folder nothing changes (and --partition is a usage error).
#ifndef CREDIT_LEDGER_TOOLS_NODE_FOLDER_ROUTING_H_
#define CREDIT_LEDGER_TOOLS_NODE_FOLDER_ROUTING_H_

#include <span>
#include <string>

#include "tools/ledgerctl/arguments.h"

namespace ledger::tools {

using RunCommandFn = int (*)(std::span<char* const> args);

// Runs `run` (the subcommand of `spec`) with `args`, the arguments after the
// command's name, routed as above when --db names a cluster node's folder.
// Returns the exit status (docs/ledgerctl.md, "Exit status"); for a command
// run on every partition, the first nonzero status of any partition.
int RunRoutedToPartitions(const CommandSpec& spec, RunCommandFn run,
                          std::span<char* const> args);

// What `spec`'s command does on a node's folder: the paragraph its --help
// ends with.
std::string NodeFolderHelp(const CommandSpec& spec);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_NODE_FOLDER_ROUTING_H_
