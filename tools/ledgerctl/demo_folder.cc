#include "tools/ledgerctl/demo_folder.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "ledger/base/durable_file.h"
#include "ledger/stored_state.h"
#include "ledger/verify.h"
#include "tools/ledgerctl/failure.h"

namespace ledger::tools {
namespace {

namespace fs = std::filesystem;

// Whether dir/kDemoMarkerName is a regular file holding exactly
// kDemoMarkerText.
bool HasDemoMarker(const fs::path& dir) {
  std::error_code ec;
  const fs::path marker = dir / kDemoMarkerName;
  if (!fs::is_regular_file(fs::symlink_status(marker, ec))) return false;
  std::ifstream in(marker, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return in.is_open() && text.str() == kDemoMarkerText;
}

absl::Status Refuse(const std::string& dir, const std::string& why) {
  // What to do is the caller's hint (tools/ledgerctl/failure.h): kRefusalHint.
  return absl::FailedPreconditionError(absl::StrCat(
      "refusing to use ", dir, " as --db: ", why, "; it was left untouched"));
}

// OK when `dir`, which exists and is not empty, is a demo ledger.
absl::Status CheckIsDemoLedger(const std::string& dir) {
  if (!HasDemoMarker(dir)) {
    // Demos before the marker existed left none: their folders too must
    // be removed by hand, once.
    return Refuse(dir, absl::StrCat("it is not empty and has no ",
                                    kDemoMarkerName,
                                    " marker, so `ledgerctl demo` did not "
                                    "make it (or a demo older than the "
                                    "marker did: remove it yourself)"));
  }
  // The marker alone could be a copied file: the folder must also be a
  // ledger, its format marker and head readable. A demo ledger an older
  // build wrote in its own layout is refused by this build's readers, but
  // it is a ledger and the demo's own: `make demo` after an upgrade
  // replaces it, as it replaces any earlier demo.
  if (absl::Status s = ReadDigest(dir).status();
      !s.ok() && !RefusedFormatMarker(s).has_value()) {
    return Refuse(dir, absl::StrCat("it has the demo's marker but is not a "
                                    "readable ledger (",
                                    s.message(), ")"));
  }
  // Never remove a ledger another process is writing to (Aborted: busy).
  // Opening an older build's ledger got past its lock before its layout
  // was refused, so no writer has it.
  absl::Status no_writer = CheckNoWriter(dir);
  if (RefusedFormatMarker(no_writer).has_value()) return absl::OkStatus();
  return no_writer;
}

}  // namespace

absl::Status PrepareDemoFolder(const std::string& dir) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(dir, ec);
  if (ec && status.type() != fs::file_type::not_found) {
    return absl::InternalError(
        absl::StrCat("cannot inspect ", dir, ": ", ec.message()));
  }
  if (status.type() != fs::file_type::not_found) {
    if (status.type() != fs::file_type::directory) {
      return Refuse(dir, "it is not a folder (a file or a link)");
    }
    const bool empty = fs::is_empty(dir, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("cannot read ", dir, ": ", ec.message()));
    }
    if (empty) return absl::OkStatus();
    if (absl::Status s = CheckIsDemoLedger(dir); !s.ok()) return s;
    fs::remove_all(dir, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("cannot remove ", dir, ": ", ec.message()));
    }
  }
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", ec.message()));
  }
  return absl::OkStatus();
}

absl::Status MarkAsDemoLedger(const std::string& dir) {
  // Whole and synced with its folder's entry: after a power cut the next
  // demo still knows the folder is its own to replace.
  return WriteFileDurably((fs::path(dir) / kDemoMarkerName).string(),
                          kDemoMarkerText);
}

}  // namespace ledger::tools
