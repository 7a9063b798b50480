// Reading the refusal journal (docs/audit.md, "What was refused"): every
// command the ledger rejected, with its code, message, actor and the time
// the writer recorded it, kept beside the log for
// Options::rejection_retention. Never part of the hash-chained log, so
// nothing here is proven by a digest: it answers "why was this refused?",
// not "was the log rewritten?".
//
//   ledger::RejectionFilter filter;
//   filter.customer = "c1";
//   filter.code = ledger::v1::REFUND_WINDOW_CLOSED;
//   RETURN_IF_ERROR(ledger::ReadRejections("/var/ledger", filter,
//       [](const ledger::v1::RejectionRecord& r) { ...; return absl::OkStatus(); }));
#ifndef CREDIT_LEDGER_LEDGER_REJECTIONS_H_
#define CREDIT_LEDGER_LEDGER_REJECTIONS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/v1/rejection.pb.h"
#include "ledger/v1/types.pb.h"

namespace ledger {

struct RejectionFilter {
  std::optional<std::string> customer;     // only this customer's
  std::optional<v1::RejectionCode> code;   // only this code
  // Only those recorded at from_us <= recorded_at_us < to_us.
  std::optional<int64_t> from_us;
  std::optional<int64_t> to_us;
};

// One page of refusals, oldest first (ReadRejectionPage).
struct RejectionPage {
  std::vector<v1::RejectionRecord> rejections;
  // The cursor to pass as `after` for the next page; nullopt when no
  // refusal the filter keeps comes after this page's.
  std::optional<std::string> next_after;
};

// Calls `fn` with each refusal of the ledger in `dir` that `filter` keeps,
// in the order they were recorded (one customer's through the index, as
// ReadRejectionPage), until `fn` returns a non-OK status,
// which is returned as is. Reads without writing, beside a live writer too
// (as ReadLog). NotFound when there is no ledger in `dir`; a ledger no
// build with the journal has written to has none (OK, no call). DataLoss
// for a record that does not parse.
[[nodiscard]] absl::Status ReadRejections(
    const std::string& dir, const RejectionFilter& filter,
    const std::function<absl::Status(const v1::RejectionRecord&)>& fn);

// At most `limit` (> 0) of the refusals `filter` keeps, oldest first,
// after the cursor `after` (a page's next_after; empty: from the first).
// With filter.customer, read through the journal's per-customer index:
// a page costs that customer's refusals, not the journal's (a journal no
// writer has opened since the index came is scanned instead:
// docs/storage.md, "The refusal journal"). InvalidArgument for a cursor
// that is not one; otherwise as ReadRejections.
[[nodiscard]] absl::StatusOr<RejectionPage> ReadRejectionPage(
    const std::string& dir, const RejectionFilter& filter,
    const std::string& after, size_t limit);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_REJECTIONS_H_
