#include "tools/ledgerd/http/routes.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "ledger/base/check.h"
#include "ledger/base/in_slices.h"
#include "ledger/base/status_macros.h"
#include "ledger/command_json.h"
#include "ledger/pages.h"
#include "ledger/rejections.h"
#include "ledger/time_util.h"
#include "tools/edge/time_argument.h"
#include "tools/ledgerd/http/json_array.h"
#include "tools/render/balance_json.h"
#include "tools/render/liability_json.h"
#include "tools/render/page_json.h"
#include "tools/render/rejections_json.h"
#include "tools/render/result_json.h"

namespace ledger::http {
namespace {

using ledgerd::Role;

// `name`, an RFC 3339 time or a date alone, or `fallback` when absent;
// InvalidArgument naming the parameter otherwise.
absl::StatusOr<int64_t> TimeParam(const Request& request,
                                  const std::string& name,
                                  std::optional<int64_t> fallback) {
  std::optional<std::string> text = request.Query(name);
  if (!text.has_value()) {
    if (fallback.has_value()) return *fallback;
    return absl::InvalidArgumentError(
        absl::StrCat(name, " is required (an RFC 3339 time or a date)"));
  }
  // ledgerctl's reader: a date alone is its midnight UTC here too.
  absl::StatusOr<int64_t> us = edge::ParseTimeArgument(*text);
  if (!us.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad ", name, ": ", us.status().message()));
  }
  return *us;
}

absl::StatusOr<size_t> LimitParam(const Request& request) {
  std::optional<std::string> text = request.Query("limit");
  if (!text.has_value()) return kDefaultPageLimit;
  size_t limit = 0;
  if (!absl::SimpleAtoi(*text, &limit) || limit == 0 || limit > kMaxPageLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "limit must be 1..", kMaxPageLimit, ", not '", *text, "'"));
  }
  return limit;
}

int64_t NowUs() { return absl::ToUnixMicros(absl::Now()); }

// The answer to a command the edge guards refuse (docs/edge-guards.md), as
// the gRPC service gives it; nullopt when it passes.
std::optional<SubmitResult> RefusedAtTheEdge(const RouteContext& context,
                                             const v1::Command& command) {
  if (!command.has_at()) return std::nullopt;
  // A time that does not parse passes: the ledger rejects it precisely.
  absl::StatusOr<int64_t> at_us = ParseTimeUs(command.at());
  if (!at_us.ok()) return std::nullopt;
  absl::Status refused = absl::OkStatus();
  if (context.future_guard != nullptr) {
    refused = context.future_guard->CheckAt(*at_us);
  }
  if (refused.ok() && context.past_guard != nullptr) {
    refused = context.past_guard->CheckAt(*at_us);
  }
  if (refused.ok()) return std::nullopt;
  SubmitResult result;
  if (command.has_key()) result.key = command.key();
  result.outcome = Outcome::kRejected;
  result.code = v1::INVALID_COMMAND;
  result.message = std::string(refused.message());
  return result;
}

// Reading JSON costs more than judging and writing a command (as for
// Ledger::SubmitJsonBatch: docs/benchmarks.md, "The JSON path"), so a large
// body is read on up to 4 threads, each a contiguous slice of at least 128.
constexpr SliceBounds kReadSlices{.min_per_thread = 128, .max_threads = 4};

std::vector<CommandFromJson> ReadAll(const std::vector<std::string>& elements) {
  std::vector<CommandFromJson> reads(elements.size());
  ForEachSlice(elements.size(), kReadSlices, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) reads[i] = ReadCommandJson(elements[i]);
  });
  return reads;
}

// POST /v1/commands: one command or an array as one durable group, each
// answered as apply prints it. Elements that are not commands, and those
// the edge refuses, are answered in place and never reach the ledger; the
// rest keep their order. A set_policy anywhere needs admin, checked before
// anything is submitted.
absl::StatusOr<std::string> PostCommands(const RouteContext& context,
                                         const Request& request) {
  absl::StatusOr<CommandBody> body =
      SplitCommandBody(request.body, kMaxCommandsPerPost);
  if (absl::IsOutOfRange(body.status())) {
    return absl::OutOfRangeError(absl::StrCat(
        body.status().message(), ": at most ", kMaxCommandsPerPost,
        " per request; split it. Nothing was applied"));
  }
  RETURN_IF_ERROR(body.status());
  std::vector<CommandFromJson> reads = ReadAll(body->elements);
  std::vector<std::optional<SubmitResult>> answered(body->elements.size());
  std::vector<v1::Command> commands;
  commands.reserve(body->elements.size());
  for (size_t i = 0; i < body->elements.size(); ++i) {
    CommandFromJson& read = reads[i];
    if (!read.command.has_value()) {
      answered[i] = std::move(read.rejected);
      continue;
    }
    if (read.command->has_set_policy() && request.caller.role < Role::kAdmin) {
      return absl::PermissionDeniedError(absl::StrCat(
          "role ", ledgerd::RoleName(request.caller.role),
          " may not set_policy (needs admin): nothing of this request was "
          "applied"));
    }
    answered[i] = RefusedAtTheEdge(context, *read.command);
    if (!answered[i].has_value()) commands.push_back(*std::move(read.command));
  }
  ASSIGN_OR_RETURN(std::vector<SubmitResult> results,
                   context.backend->Submit(commands, request.caller.name,
                                           request.deadline));
  LEDGER_CHECK(results.size() == commands.size()) << "one result per command";
  std::vector<std::string> rendered;
  rendered.reserve(answered.size());
  size_t next = 0;
  for (std::optional<SubmitResult>& a : answered) {
    rendered.push_back(render::ResultJson(a.has_value() ? *a : results[next++]));
  }
  if (!body->is_array) return rendered.front();
  return absl::StrCat("[", absl::StrJoin(rendered, ","), "]");
}

// GET /v1/customers/{id}/balance[?at=T]: the balance `ledgerctl balance`
// prints; 404 for an unknown customer.
absl::StatusOr<std::string> GetBalance(const RouteContext& context,
                                       const Request& request) {
  ASSIGN_OR_RETURN(const int64_t at_us, TimeParam(request, "at", NowUs()));
  ASSIGN_OR_RETURN(Balance balance,
                   context.backend->GetBalance(request.path_params[0], at_us,
                                               request.deadline));
  return render::BalanceJson(balance);
}

// GET /v1/customers/{id}/events[?from_seq=N&limit=M]: the customer's
// events, oldest first, as `ledgerctl export` writes them; 404 for a
// customer with no event.
absl::StatusOr<std::string> GetCustomerEvents(const RouteContext& context,
                                              const Request& request) {
  uint64_t from_seq = 1;
  if (std::optional<std::string> text = request.Query("from_seq");
      text.has_value() &&
      (!absl::SimpleAtoi(*text, &from_seq) || from_seq == 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "from_seq must be a seq (1 or more), not '", *text, "'"));
  }
  ASSIGN_OR_RETURN(const size_t limit, LimitParam(request));
  ASSIGN_OR_RETURN(CustomerEventPage page,
                   context.backend->CustomerEvents(request.path_params[0],
                                                   from_seq, limit,
                                                   request.deadline));
  return render::CustomerEventPageJson(page);
}

// GET /v1/customers/{id}/rejections[?after=CURSOR&limit=M]: the
// customer's refused commands, oldest first, as `ledgerctl rejections
// --customer ID --format json` prints them; an empty list (never 404) for
// a customer with none, known or not.
absl::StatusOr<std::string> GetCustomerRejections(const RouteContext& context,
                                                  const Request& request) {
  ASSIGN_OR_RETURN(const size_t limit, LimitParam(request));
  ASSIGN_OR_RETURN(RejectionPage page,
                   context.backend->CustomerRejections(
                       request.path_params[0],
                       request.Query("after").value_or(""), limit));
  return render::RejectionPageJson(page);
}

// GET /v1/customers[?after=ID&limit=M&at=T]
absl::StatusOr<std::string> ListCustomers(const RouteContext& context,
                                          const Request& request) {
  ASSIGN_OR_RETURN(const size_t limit, LimitParam(request));
  ASSIGN_OR_RETURN(const int64_t at_us, TimeParam(request, "at", NowUs()));
  ASSIGN_OR_RETURN(CustomerPage page,
                   context.backend->ListCustomers(
                       request.Query("after").value_or(""), limit, at_us,
                       request.deadline));
  return render::CustomerPageJson(page, at_us);
}

// GET /v1/refunds?state=PENDING[&after=CURSOR&limit=M]: the queue is the
// only state listed (the others are history: `ledgerctl refunds`).
absl::StatusOr<std::string> ListRefunds(const RouteContext& context,
                                        const Request& request) {
  const std::string state = request.Query("state").value_or("PENDING");
  if (state != "PENDING") {
    return absl::InvalidArgumentError(absl::StrCat(
        "state must be PENDING, not '", state,
        "': decided refunds are history (`ledgerctl refunds`)"));
  }
  ASSIGN_OR_RETURN(const size_t limit, LimitParam(request));
  ASSIGN_OR_RETURN(PendingRefundPage page,
                   context.backend->PendingRefunds(
                       request.Query("after").value_or(""), limit,
                       request.deadline));
  return render::PendingRefundPageJson(page);
}

// GET /v1/liability?from=T1&to=T2: `ledgerctl liability --format json`.
absl::StatusOr<std::string> GetLiability(const RouteContext& context,
                                         const Request& request) {
  ASSIGN_OR_RETURN(const int64_t from_us,
                   TimeParam(request, "from", std::nullopt));
  ASSIGN_OR_RETURN(const int64_t to_us, TimeParam(request, "to", std::nullopt));
  if (from_us > to_us) {
    return absl::InvalidArgumentError("from is after to");
  }
  ASSIGN_OR_RETURN(LiabilityReport report,
                   context.backend->Liability(from_us, to_us, request.deadline));
  std::string json = render::LiabilityJson(report);
  if (!json.empty() && json.back() == '\n') json.pop_back();
  return json;
}

}  // namespace

std::vector<Route> Routes() {
  // Customer ids are [A-Za-z0-9._:-] (docs/contract.md section 1); a path
  // with anything else matches no route (404).
  constexpr char kCustomer[] = "([A-Za-z0-9._:-]{1,64})";
  return {
      {"POST", "/v1/commands", "/v1/commands", Role::kWriter, PostCommands},
      {"GET", absl::StrCat("/v1/customers/", kCustomer, "/balance"),
       "/v1/customers/{id}/balance", Role::kReader, GetBalance},
      {"GET", absl::StrCat("/v1/customers/", kCustomer, "/events"),
       "/v1/customers/{id}/events", Role::kReader, GetCustomerEvents},
      {"GET", absl::StrCat("/v1/customers/", kCustomer, "/rejections"),
       "/v1/customers/{id}/rejections", Role::kReader, GetCustomerRejections},
      {"GET", "/v1/customers", "/v1/customers", Role::kReader, ListCustomers},
      {"GET", "/v1/refunds", "/v1/refunds", Role::kReader, ListRefunds},
      {"GET", "/v1/liability", "/v1/liability", Role::kReader, GetLiability},
  };
}

}  // namespace ledger::http
