// Metrics (tools/ledgerd/metrics.h): the label sets every Submit records
// are kept once looked up; what the registry reports is the same as when
// each was looked up in its family every time.
#include "tools/ledgerd/metrics.h"

#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ledger::ledgerd {
namespace {

using Labels = std::map<std::string, std::string>;

// The series of `family` with exactly `labels`, or nullopt.
std::optional<prometheus::ClientMetric> Series(Metrics& metrics,
                                               const std::string& family,
                                               const Labels& labels) {
  for (const prometheus::MetricFamily& f : metrics.registry().Collect()) {
    if (f.name != family) continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      Labels have;
      for (const prometheus::ClientMetric::Label& l : m.label) {
        have[l.name] = l.value;
      }
      if (have == labels) return m;
    }
  }
  return std::nullopt;
}

v1::Command Use() {
  v1::Command command;
  command.mutable_use();
  return command;
}

SubmitResult WithOutcome(Outcome outcome,
                         v1::RejectionCode code = v1::REJECTION_CODE_UNSPECIFIED) {
  SubmitResult result;
  result.outcome = outcome;
  result.code = code;
  return result;
}

TEST(Metrics, KeptCommandCountersCountEveryCallOnTheOneSeries) {
  Metrics metrics;
  for (int i = 0; i < 3; ++i) metrics.CountCommand(Use(), WithOutcome(Outcome::kAccepted));
  metrics.CountCommand(Use(), WithOutcome(Outcome::kDuplicate));
  std::optional<prometheus::ClientMetric> accepted = Series(
      metrics, "ledgerd_commands_total", {{"kind", "use"}, {"outcome", "ACCEPTED"}});
  std::optional<prometheus::ClientMetric> duplicate = Series(
      metrics, "ledgerd_commands_total", {{"kind", "use"}, {"outcome", "DUPLICATE"}});
  ASSERT_TRUE(accepted.has_value());
  ASSERT_TRUE(duplicate.has_value());
  EXPECT_EQ(accepted->counter.value, 3);
  EXPECT_EQ(duplicate->counter.value, 1);
  // Never recorded, so not reported.
  EXPECT_FALSE(Series(metrics, "ledgerd_commands_total",
                      {{"kind", "purchase"}, {"outcome", "ACCEPTED"}})
                   .has_value());
}

TEST(Metrics, RejectionsAndOtherCodesAreCountedByTheirLabels) {
  Metrics metrics;
  metrics.CountCommand(Use(), WithOutcome(Outcome::kRejected,
                                          v1::INSUFFICIENT_CREDITS));
  metrics.CountRpc("Submit", "OK");
  metrics.CountRpc("Submit", "OK");
  metrics.CountRpc("Submit", "UNAUTHENTICATED");
  metrics.CountRpc("ReadEvents", "OK");
  auto rejected = Series(metrics, "ledgerd_commands_total",
                         {{"kind", "use"}, {"outcome", "INSUFFICIENT_CREDITS"}});
  auto ok = Series(metrics, "ledgerd_rpcs_total", {{"rpc", "Submit"}, {"code", "OK"}});
  auto refused = Series(metrics, "ledgerd_rpcs_total",
                        {{"rpc", "Submit"}, {"code", "UNAUTHENTICATED"}});
  auto read = Series(metrics, "ledgerd_rpcs_total", {{"rpc", "ReadEvents"}, {"code", "OK"}});
  ASSERT_TRUE(rejected && ok && refused && read);
  EXPECT_EQ(rejected->counter.value, 1);
  EXPECT_EQ(ok->counter.value, 2);
  EXPECT_EQ(refused->counter.value, 1);
  EXPECT_EQ(read->counter.value, 1);
}

TEST(Metrics, KeptSubmitHistogramsObserveEveryCall) {
  Metrics metrics;
  metrics.ObserveSubmit("Submit", 0.003, 1);
  metrics.ObserveSubmit("Submit", 0.004, 1);
  metrics.ObserveSubmit("SubmitBatch", 0.010, 1000);
  auto submit_seconds = Series(metrics, "ledgerd_submit_seconds", {{"rpc", "Submit"}});
  auto batch_commands = Series(metrics, "ledgerd_rpc_commands", {{"rpc", "SubmitBatch"}});
  ASSERT_TRUE(submit_seconds && batch_commands);
  EXPECT_EQ(submit_seconds->histogram.sample_count, 2u);
  EXPECT_DOUBLE_EQ(submit_seconds->histogram.sample_sum, 0.007);
  EXPECT_EQ(batch_commands->histogram.sample_count, 1u);
  EXPECT_DOUBLE_EQ(batch_commands->histogram.sample_sum, 1000);
  EXPECT_FALSE(Series(metrics, "ledgerd_submit_seconds", {{"rpc", "GetBalance"}})
                   .has_value());
}

TEST(Metrics, CommandKindNamesTheOneofFieldOrNone) {
  v1::Command command;
  EXPECT_EQ(CommandKind(command), "none");
  command.mutable_set_policy();
  EXPECT_EQ(CommandKind(command), "set_policy");
  EXPECT_EQ(CommandKind(Use()), "use");
}

}  // namespace
}  // namespace ledger::ledgerd
