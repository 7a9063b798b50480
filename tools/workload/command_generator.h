// Commands of every kind of docs/contract.md section 4, chosen at random
// (from a Choices the caller gives) over a small set of customers and ids,
// so that they meet each other: captures of holds placed, refunds of
// purchases made, voids of grants given, top-up purchases answering the
// requests the ledger made. Time moves mostly forward, sometimes back.
// For the tests that check the ledger's invariants under any sequence: the
// randomized invariant test (tests/ledger/randomized_invariants_test.cc)
// and the sequence fuzzer (tests/fuzz/fuzz_command_sequence.cc) both draw
// from it, each with its own mix.
//
//   workload::SeededChoices choices(seed);
//   workload::CommandGenerator gen(workload::CommandMix::Randomized());
//   v1::Command c = gen.Next(choices);
//   std::string line = workload::CommandJson(c);  // command_json.h
#ifndef CREDIT_LEDGER_TOOLS_WORKLOAD_COMMAND_GENERATOR_H_
#define CREDIT_LEDGER_TOOLS_WORKLOAD_COMMAND_GENERATOR_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ledger/v1/command.pb.h"
#include "tools/workload/choices.h"

namespace ledger::workload {

// What Next may make. kTopUpPurchase is a purchase that names a top-up
// request (docs/contract.md section 12); the others are the kinds of the
// schema.
enum class CommandKind {
  kPurchase, kTopUpPurchase, kSubscribe, kRenew, kCancelSubscription, kUse,
  kHold, kCapture, kRelease, kRequestRefund, kApproveRefund, kDenyRefund,
  kCompensate, kExpire, kSuspend, kTerminate, kReinstate, kForfeit,
  kChargeback, kSetPolicy, kGrant, kVoidGrant, kSetAlerts, kSetAutoTopUp,
  kDeclineTopUp,
};
inline constexpr int kCommandKinds = 25;

// How a generator draws.
struct CommandMix {
  // Kinds with their weights (a kind's share is its weight over the sum).
  std::vector<std::pair<CommandKind, int>> weights;
  int customers = 25;      // "c0" ... : the customer of every command
  int ids_per_kind = 31;   // "p0" ..., "h0" ..., "g0" ... per kind of id
  // Draws of credits and amounts include the contract's bounds (1,
  // kMaxCredits, kMaxCredits - 1, kMaxAmountMinor, 0) beside small values.
  bool edge_values = false;
  int key_reuse_one_in = 21;  // a key of an earlier command, once in N
  int backdate_one_in = 51;   // `at` a day before the clock, once in N
  int max_step_hours = 4;     // the clock moves 0..N hours per command
  // Once in N steps the clock jumps up to 400 days instead (0: never).
  int long_jump_one_in = 0;
  // Half the chargebacks name a subscription period instead of a purchase
  // (otherwise all name purchases, so that many are accepted).
  bool chargebacks_name_periods = false;

  // The randomized invariant test's mix: purchases and uses most, abuse
  // rare and terminations rarer (so customers live long enough to exercise
  // the rest), no policy changes, 25 customers.
  static CommandMix Randomized();
  // The fuzzer's: every kind alike, policy changes too, 3 customers and 4
  // ids per kind so that few commands meet, bounds among the values, and
  // long jumps of the clock.
  static CommandMix Fuzz();
};

class CommandGenerator {
 public:
  explicit CommandGenerator(CommandMix mix);

  // The next command, every choice taken from `in`.
  v1::Command Next(Choices& in);

  // The customer of the last command made ("" for set_policy).
  const std::string& customer() const { return customer_; }
  // The clock (never moved back: a backdated command leaves it).
  int64_t now_us() const { return now_us_; }
  // `at` of the last command made.
  int64_t last_at_us() const { return last_at_us_; }

 private:
  CommandKind PickKind(Choices& in);
  void Fill(CommandKind kind, Choices& in, v1::Command& c);
  std::string Id(Choices& in, const char* prefix) const;
  std::string Later(Choices& in, int max_hours) const;
  std::string Category(Choices& in) const;
  int64_t Credits(Choices& in, int64_t hi) const;
  int64_t Amount(Choices& in) const;
  // applies_to and priority of a lot (docs/contract.md section 11): a third
  // limited to 1-3 categories, a third with a priority.
  template <typename Lot>
  void Scope(Choices& in, Lot& lot) const;

  const CommandMix mix_;
  int total_weight_ = 0;
  int64_t n_ = 0;
  int64_t now_us_;
  int64_t last_at_us_ = 0;
  std::string customer_;
  std::string last_hold_customer_, last_hold_id_;
};

}  // namespace ledger::workload

#endif  // CREDIT_LEDGER_TOOLS_WORKLOAD_COMMAND_GENERATOR_H_
