// libFuzzer harness: a sequence of commands on a fresh ledger, with the
// books checked after every one.
//
// The input is split into lines (at most kMaxCommands). A line that parses
// as a command (the seed corpus is tests/scenarios/*.jsonl, whole files) is
// submitted as it is; any other line drives a generator (FuzzedDataProvider)
// that builds a well-formed command of any kind over a few customers, ids and
// amounts (edge values included), with time moving mostly forward, so
// mutations reach the decision rules and not only the parser.
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

namespace {

using ledger::fuzz::Fail;

constexpr size_t kMaxCommands = 48;
constexpr int kCustomers = 3;
constexpr int64_t kHourUs = 3600LL * 1000000;

class Generator {
 public:
  Generator() : now_us_(*ledger::ParseTimeUs("2026-03-08T10:00:00Z")) {}

  std::string Next(std::string_view bytes) {
    FuzzedDataProvider in(reinterpret_cast<const uint8_t*>(bytes.data()),
                          bytes.size());
    ++n_;
    const int step = in.ConsumeIntegralInRange<int>(0, 10);
    if (step == 10) {
      now_us_ += in.ConsumeIntegralInRange<int64_t>(0, 400) * 24 * kHourUs;
    } else {
      now_us_ += step * kHourUs;
    }
    int64_t at = now_us_;
    if (in.ConsumeIntegralInRange<int>(0, 30) == 0) at -= 24 * kHourUs;
    const std::string customer =
        absl::StrCat("c", in.ConsumeIntegralInRange<int>(0, kCustomers - 1));
    const bool reuse_key = in.ConsumeIntegralInRange<int>(0, 15) == 0;
    const std::string key =
        absl::StrCat("k", reuse_key ? in.ConsumeIntegralInRange<int>(1, n_) : n_);
    auto id = [&](const char* prefix) {
      return absl::StrCat(prefix, in.ConsumeIntegralInRange<int>(0, 3));
    };
    auto credits = [&] {
      switch (in.ConsumeIntegralInRange<int>(0, 7)) {
        case 0: return int64_t{1};
        case 1: return ledger::kMaxCredits;
        case 2: return ledger::kMaxCredits - 1;
        default: return in.ConsumeIntegralInRange<int64_t>(1, 3000);
      }
    };
    auto amount = [&] {
      switch (in.ConsumeIntegralInRange<int>(0, 5)) {
        case 0: return int64_t{0};
        case 1: return ledger::kMaxAmountMinor;
        default: return in.ConsumeIntegralInRange<int64_t>(0, 100000);
      }
    };
    auto later = [&](int max_hours) {
      return ledger::FormatTimeUs(
          at + in.ConsumeIntegralInRange<int64_t>(1, max_hours) * kHourUs);
    };
    auto category = [&] {
      static const char* const kCategories[] = {
          "AI_PROCESSING", "VOICE_GENERATION", "AUTOMATED_CALL",
          "TELEPHONY_USAGE", "CAMPAIGN_EXECUTION", "PHONE_NUMBER_RENTAL",
          "REGULATORY_FEE"};
      return kCategories[in.ConsumeIntegralInRange<int>(0, 6)];
    };
    auto reason = [&] {
      static const char* const kReasons[] = {"SPAM_CALLING", "ROBOCALL_ABUSE",
                                             "FRAUD", "HARASSMENT",
                                             "TELECOM_VIOLATION"};
      return kReasons[in.ConsumeIntegralInRange<int>(0, 4)];
    };
    const int kind = in.ConsumeIntegralInRange<int>(0, 20);
    const std::string at_text = ledger::FormatTimeUs(at);
    if (kind == 18) {
      return absl::StrCat(R"({"key":")", key, R"(","at":")", at_text,
                          R"(","set_policy":{"version":")", id("v"),
                          R"(","refund_window_hours":)",
                          in.ConsumeIntegralInRange<int64_t>(0, 87600),
                          R"(,"inquiry_window_hours":)",
                          in.ConsumeIntegralInRange<int64_t>(0, 87600), "}}");
    }
    const std::string head = absl::StrCat(R"({"key":")", key,
                                          R"(","customer":")", customer,
                                          R"(","at":")", at_text, R"(",)");
    switch (kind) {
      case 0: {
        std::string c = absl::StrCat(R"("purchase":{"purchase_id":")", id("p"),
                                     R"(","credits":)", credits(),
                                     R"(,"amount_minor":)", amount(),
                                     R"(,"currency":")",
                                     in.ConsumeBool() ? "USD" : "EUR", "\"");
        if (in.ConsumeBool()) {
          absl::StrAppend(&c, R"(,"expires_at":")", later(2000), "\"");
        }
        return absl::StrCat(head, c, "}}");
      }
      case 1:
        return absl::StrCat(head, R"("subscribe":{"period_id":")", id("s"),
                            R"(","plan":"pro","credits":)", credits(),
                            R"(,"amount_minor":)", amount(),
                            R"(,"currency":"USD","period_end":")", later(800),
                            "\"}}");
      case 2:
        return absl::StrCat(head, R"("renew":{"period_id":")", id("s"),
                            R"(","credits":)", credits(),
                            R"(,"amount_minor":)", amount(),
                            R"(,"period_end":")", later(1600), "\"}}");
      case 3:
        return absl::StrCat(head, R"("cancel_subscription":{}})");
      case 4:
        return absl::StrCat(head, R"("use":{"usage_id":")", id("u"),
                            R"(","category":")", category(),
                            R"(","credits":)", credits(), "}}");
      case 5:
        return absl::StrCat(head, R"("hold":{"hold_id":")", id("h"),
                            R"(","credits":)", credits(),
                            R"(,"expires_at":")", later(72), "\"",
                            in.ConsumeBool()
                                ? absl::StrCat(R"(,"category":")", category(), "\"")
                                : "",
                            "}}");
      case 6:
        return absl::StrCat(head, R"("capture":{"hold_id":")", id("h"),
                            R"(","usage_id":")", id("u"), R"(","category":")",
                            category(), R"(","credits":)", credits(), "}}");
      case 7:
        return absl::StrCat(head, R"("release":{"hold_id":")", id("h"),
                            "\"}}");
      case 8:
        return absl::StrCat(head, R"("request_refund":{"refund_id":")",
                            id("r"), R"(","purchase_id":")", id("p"), "\"}}");
      case 9:
        return absl::StrCat(head, R"("approve_refund":{"refund_id":")",
                            id("r"), "\"}}");
      case 10:
        return absl::StrCat(head, R"("deny_refund":{"refund_id":")", id("r"),
                            "\"}}");
      case 11:
        return absl::StrCat(head, R"("compensate":{"adjustment_id":")",
                            id("a"), R"(","usage_id":")", id("u"),
                            R"(","credits":)", credits(),
                            R"(,"verified_by":"ops"}})");
      case 12:
        return absl::StrCat(head, R"("expire":{}})");
      case 13:
        return absl::StrCat(head, R"("suspend":{"reason":")", reason(),
                            "\"}}");
      case 14:
        return absl::StrCat(head, R"("terminate":{"reason":")", reason(),
                            "\"}}");
      case 15:
        return absl::StrCat(head, R"("reinstate":{}})");
      case 16:
        return absl::StrCat(head, R"("forfeit":{}})");
      case 19: {  // docs/contract.md section 11: scoped, prioritized, free
        std::string c = absl::StrCat(R"("grant":{"grant_id":")", id("g"),
                                     R"(","credits":)", credits(),
                                     R"(,"reason":"promotion")");
        if (in.ConsumeBool()) {
          absl::StrAppend(&c, R"(,"applies_to":[")", category(), "\"]");
        }
        if (in.ConsumeBool()) {
          absl::StrAppend(&c, R"(,"priority":)", in.ConsumeIntegralInRange<int>(0, 100));
        }
        return absl::StrCat(head, c, "}}");
      }
      case 20:
        return absl::StrCat(head, R"("void_grant":{"lot_id":")",
                            in.ConsumeBool() ? id("g") : id("a"),
                            R"(","reason":"promotion withdrawn"}})");
      default:
        return absl::StrCat(head, R"("chargeback":{"purchase_id":")",
                            in.ConsumeBool() ? id("p") : id("s"),
                            R"(","contacted_support":)",
                            in.ConsumeBool() ? "true" : "false", "}}");
    }
  }
  int64_t now_us() const { return now_us_; }

 private:
  int64_t now_us_;
  int n_ = 0;
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

  Generator generator;
  std::map<std::string, __int128> trial;  // unit -> sum of every posting
  uint64_t checked_seq = 0;
  int64_t latest_at = generator.now_us();
  for (std::string_view line : lines) {
    std::string command;
    if (ledger::ParseCommandJson(line).ok()) {
      command = std::string(line);
    } else {
      command = generator.Next(line);
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
