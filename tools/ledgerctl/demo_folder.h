// The folder `ledgerctl demo` writes its ledger to, and the rule that keeps
// the demo from ever deleting anything but a ledger it made itself.
//
// A folder may be used when it is missing or empty, or when it is a demo
// ledger: it holds the marker file kDemoMarkerName with exactly
// kDemoMarkerText (a regular file, not a link) AND it is a ledger (its
// database carries the ledger's format marker and a readable head). Only
// then is it removed and made anew. Anything else -- a file, a link, a plain
// RocksDB or LevelDB folder, a ledger made by `ledgerctl apply`, a folder
// of someone's files -- is refused and left as it was.
#ifndef CREDIT_LEDGER_TOOLS_DEMO_FOLDER_H_
#define CREDIT_LEDGER_TOOLS_DEMO_FOLDER_H_

#include <string>

#include "absl/status/status.h"

namespace ledger::tools {

// What to do when PrepareDemoFolder refuses a folder.
inline constexpr char kRefusalHint[] =
    "Pass a missing or empty folder, or one an earlier `ledgerctl demo` made";

inline constexpr char kDemoMarkerName[] = "LEDGERCTL_DEMO";
inline constexpr char kDemoMarkerText[] =
    "This ledger was made by `ledgerctl demo`; the next `ledgerctl demo` "
    "with this folder as --db removes it.\n";

// Leaves `dir` an empty folder when the rule above allows it: makes it when
// missing, empties it when it is a demo ledger. FailedPrecondition, saying
// why and with nothing changed, when the rule refuses it; Internal when the
// filesystem fails.
absl::Status PrepareDemoFolder(const std::string& dir);

// Writes the marker into `dir`, once the ledger there has been created
// (a ledger is only created in a missing or empty folder).
absl::Status MarkAsDemoLedger(const std::string& dir);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_DEMO_FOLDER_H_
