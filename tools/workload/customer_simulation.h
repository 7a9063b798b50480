// One simulated customer of the platform day (platform_day.h): a small
// state machine with its own random stream, derived from the seed and the
// customer's number alone, that generates the customer's commands one at a
// time and chooses each after the result of the one before.
//
// The customer opens an account (a purchase, a paid "pro" subscription or a
// short "trial" one), most get a sign-up bonus (a promotional grant that
// support sometimes voids later), then it runs calls (hold, then capture or
// release; a few captured too late; some held for telephony only), direct
// usage, top-ups (some "flash" packs expiring within hours, some packs for
// telephony only), refund requests that support later approves or denies,
// compensations for usage, the odd cancellation, suspension (dialers bounce
// while suspended) and reinstatement, retries of commands already accepted
// (duplicates), and an expiry sweep late in the day. Its commands have
// non-decreasing `at`.
//
// Its commands depend only on (seed, index) and on the results it is given,
// and a customer's results depend only on its own commands (and on the
// policy), so a driver may interleave customers in any order, from any
// number of threads, and every command and outcome stays the same.
//
//   SimulatedCustomer c(seed, 1);
//   while (std::optional<v1::Command> cmd = c.NextCommand()) {
//     c.OnResult(*cmd, ledger.Submit(*cmd).value());
//   }
#ifndef CREDIT_LEDGER_TOOLS_WORKLOAD_CUSTOMER_SIMULATION_H_
#define CREDIT_LEDGER_TOOLS_WORKLOAD_CUSTOMER_SIMULATION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ledger/ledger.h"
#include "ledger/v1/command.pb.h"

namespace ledger::workload {

namespace internal {
struct CustomerState;  // customer_simulation.cc
}  // namespace internal

class SimulatedCustomer {
 public:
  // Customer number `index` (>= 1), id "cust-%06d", of the day of `seed`.
  SimulatedCustomer(uint64_t seed, int index);
  ~SimulatedCustomer();
  SimulatedCustomer(SimulatedCustomer&&) noexcept;
  SimulatedCustomer& operator=(SimulatedCustomer&&) noexcept;

  // The next command, or nothing once the customer's day is over. Each
  // command must be given back to OnResult before the next is asked for.
  std::optional<v1::Command> NextCommand();
  // What the ledger answered to `command`, the latest NextCommand.
  void OnResult(const v1::Command& command, const SubmitResult& result);

  const std::string& id() const;
  // `at` of its latest command, in microseconds.
  int64_t clock_us() const;
  // Whether an expiry sweep of its was already answered (so a further
  // `expire` is a client retry).
  bool swept() const;

 private:
  std::unique_ptr<internal::CustomerState> state_;
};

}  // namespace ledger::workload

#endif  // CREDIT_LEDGER_TOOLS_WORKLOAD_CUSTOMER_SIMULATION_H_
