// libFuzzer harness: a sequence of commands on a fresh ledger, with the
// books checked after every one.
//
// The input is split into lines (at most kMaxCommands). A line that parses
// as a command (the seed corpus is tests/scenarios/*.jsonl, whole files) is
// submitted as it is; any other line is the choices (FuzzedDataProvider) of
// the command generator of tools/workload (command_generator.h, its Fuzz
// mix), which builds a well-formed command of any kind over a few
// customers, ids and amounts (edge values included), with time moving
// mostly forward, so mutations reach the decision rules and not only the
// parser.
//
// After each command:
// - the store never fails;
// - every new event's postings balance per unit, and so does the whole log
//   (trial balance zero, from ReadEvents);
// - for every customer: no lot has remaining < 0 or > granted; available,
//   held and refund_pending are >= 0 (GetBalance).
// At the end: the ledger is closed and ReplayLedger passes (the log rebuilds
// exactly the stored projections, and judging every command again gives the
// same decisions).
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/rules/command_validation.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/time_util.h"
#include "tests/fuzz/fuzz_util.h"
#include "tools/workload/command_generator.h"
#include "tools/workload/command_json.h"

namespace {

using ledger::fuzz::Fail;

constexpr size_t kMaxCommands = 48;
// The customers the generator's Fuzz mix names, whose balances are checked.
const int kCustomers = ledger::workload::CommandMix::Fuzz().customers;
constexpr int64_t kHourUs = 3600LL * 1000000;

// The fuzz line's bytes as the generator's choices (tools/workload/
// choices.h): mutating the bytes mutates the choices; once they are used
// up every choice is its lowest value.
class FuzzChoices final : public ledger::workload::Choices {
 public:
  explicit FuzzChoices(std::string_view bytes)
      : in_(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) {}
  int64_t Pick(int64_t lo, int64_t hi) override {
    return in_.ConsumeIntegralInRange<int64_t>(lo, hi);
  }

 private:
  FuzzedDataProvider in_;
};

std::string Describe(const ledger::Balance& b) {
  std::string s = absl::StrCat(b.customer, " available ", b.available,
                               " held ", b.held, " pending ",
                               b.refund_pending, " refundable ",
                               b.refundable_credits, " lots");
  for (const auto& lot : b.lots) {
    absl::StrAppend(&s, " ", lot.lot_id, ":", lot.remaining, "/", lot.granted);
  }
  for (const auto& cash : b.refundable_cash) {
    absl::StrAppend(&s, " cash ", cash.currency, ":", cash.amount_minor);
  }
  return s;
}

void CheckBalance(const ledger::Balance& b, const std::string& context) {
  FUZZ_CHECK(b.available >= 0 && b.held >= 0 && b.refund_pending >= 0,
             Describe(b) + " after " + context);
  FUZZ_CHECK(b.refundable_credits >= 0, Describe(b) + " after " + context);
  for (const auto& lot : b.lots) {
    FUZZ_CHECK(lot.remaining >= 0 && lot.remaining <= lot.granted,
               Describe(b) + " after " + context);
  }
}

// Balances of every customer at `at_us`, described; absent customers skipped.
std::map<std::string, std::string> AllBalances(const ledger::Ledger& db,
                                               int64_t at_us,
                                               const std::string& context) {
  std::map<std::string, std::string> out;
  for (int c = 0; c < kCustomers; ++c) {
    const std::string customer = absl::StrCat("c", c);
    auto b = db.GetBalance(customer, at_us);
    if (!b.ok()) {
      FUZZ_CHECK(absl::IsNotFound(b.status()), b.status().ToString());
      continue;
    }
    CheckBalance(*b, context);
    out[customer] = Describe(*b);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  while (!input.empty() && lines.size() < kMaxCommands) {
    size_t nl = input.find('\n');
    lines.push_back(input.substr(0, nl));
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
  }
  ledger::fuzz::ScratchDir dir;
  ledger::Options options;
  options.sync = false;
  auto opened = ledger::Ledger::Open(options, dir.path());
  FUZZ_CHECK(opened.ok(), opened.status().ToString());
  std::unique_ptr<ledger::Ledger> db = std::move(opened).value();

  ledger::workload::CommandGenerator generator(
      ledger::workload::CommandMix::Fuzz());
  std::map<std::string, __int128> trial;  // unit -> sum of every posting
  uint64_t checked_seq = 0;
  int64_t latest_at = generator.now_us();
  for (std::string_view line : lines) {
    std::string command;
    if (ledger::ParseCommandJson(line).ok()) {
      command = std::string(line);
    } else {
      FuzzChoices choices(line);
      command = ledger::workload::CommandJson(generator.Next(choices));
    }
    auto result = db->SubmitJson(command);
    FUZZ_CHECK(result.ok(), "store failed on " + command + ": " +
                                result.status().ToString());
    if (result->outcome == ledger::Outcome::kAccepted) {
      FUZZ_CHECK(result->seq == checked_seq + 1,
                 absl::StrCat("accepted as seq ", result->seq, " after ",
                              checked_seq));
    }
    absl::Status read = db->ReadEvents(checked_seq + 1, [&](const ledger::v1::Event& e) {
      std::map<std::string, __int128> entry;
      for (const auto& p : e.postings()) {
        entry[p.unit()] += p.amount();
        trial[p.unit()] += p.amount();
      }
      for (const auto& [unit, sum] : entry) {
        FUZZ_CHECK(sum == 0, absl::StrCat("event ", e.header().seq(),
                                          " does not balance in ", unit,
                                          ": ", command));
      }
      checked_seq = e.header().seq();
      if (e.header().at_us() > latest_at) latest_at = e.header().at_us();
      return true;
    });
    FUZZ_CHECK(read.ok(), read.ToString());
    FUZZ_CHECK(checked_seq == db->LastSeq(), "ReadEvents missed events");
    for (const auto& [unit, sum] : trial) {
      FUZZ_CHECK(sum == 0, "trial balance not zero in " + unit);
    }
    (void)AllBalances(*db, latest_at, command);
    // Far ahead, but within the times a balance may be asked for: an event
    // may be dated as late as 9999-12-31.
    (void)AllBalances(*db, std::min(latest_at + 1000 * 24 * kHourUs, ledger::kMaxTimeUs),
                      command);
  }
  db.reset();
  auto report = ledger::ReplayLedger(dir.path());
  FUZZ_CHECK(report.ok(), report.status().ToString());
  FUZZ_CHECK(report->ok, absl::StrCat("replay: seq ", report->first_bad_seq,
                                      ": ", report->problem));
  return 0;
}
