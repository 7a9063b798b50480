#include "tools/ledgerd/http/backend.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/base/node_folder.h"
#include "ledger/base/status_macros.h"
#include "ledger/time_util.h"
#include "tools/ledgerd/conversions.h"
#include "tools/ledgerd/http/proto_answers.h"
#include "tools/ledgerd/status_mapping.h"

namespace ledger::http {

using ledgerd::FromLedger;

absl::StatusOr<std::vector<SubmitResult>> Backend::Submit(
    const std::vector<v1::Command>& commands, const std::string& actor,
    absl::Time deadline) {
  std::vector<SubmitResult> out;
  if (commands.empty()) return out;
  if (cluster_ != nullptr) {
    std::vector<v1::Result> results;
    RETURN_IF_ERROR(cluster_->SubmitBatch(commands, actor, deadline, &results));
    for (const v1::Result& r : results) out.push_back(FromResultProto(r));
    return out;
  }
  const std::vector<std::string> actors(commands.size(), actor);
  absl::StatusOr<std::vector<SubmitResult>> submitted =
      ledger_->SubmitBatchAs(commands, actors);
  RETURN_IF_ERROR(FromLedger(submitted.status()));
  for (size_t i = 0; i < submitted->size(); ++i) {
    metrics_->CountCommand(commands[i], (*submitted)[i]);
  }
  return *std::move(submitted);
}

absl::StatusOr<Balance> Backend::GetBalance(const std::string& customer,
                                            int64_t at_us, absl::Time deadline) {
  Ledger* ledger = ledger_;
  if (cluster_ != nullptr) {
    ASSIGN_OR_RETURN(ledger, cluster_->PartitionLedger(
                                 PartitionOf(customer, cluster_->partitions())));
  }
  if (ledger != nullptr) {
    absl::StatusOr<Balance> balance = ledger->GetBalance(customer, at_us);
    RETURN_IF_ERROR(FromLedger(balance.status()));
    return balance;
  }
  // Another node hosts the customer's partition: GetBalance's forwarding.
  v1::GetBalanceRequest request;
  request.set_customer(customer);
  request.set_at(FormatTimeUs(at_us));
  v1::GetBalanceResponse response;
  RETURN_IF_ERROR(cluster_->GetBalance(request, deadline, &response));
  return FromBalanceProto(response.balance());
}

absl::StatusOr<CustomerEventPage> Backend::CustomerEvents(
    const std::string& customer, uint64_t from_seq, size_t limit) {
  Ledger* ledger = ledger_;
  if (cluster_ != nullptr) {
    const int partition = PartitionOf(customer, cluster_->partitions());
    ASSIGN_OR_RETURN(ledger, cluster_->PartitionLedger(partition));
    if (ledger == nullptr) {
      return absl::UnavailableError(absl::StrCat(
          "this node does not host partition ", partition, " of customer ",
          customer, ": ask a node that hosts it for its history "
          "(docs/http.md, \"In a cluster\")"));
    }
  }
  absl::StatusOr<CustomerEventPage> page =
      ledger->ReadCustomerEvents(customer, from_seq, limit);
  RETURN_IF_ERROR(FromLedger(page.status()));
  return page;
}

absl::StatusOr<std::vector<Ledger*>> Backend::AllPartitions() {
  if (cluster_ == nullptr) return std::vector<Ledger*>{ledger_};
  std::vector<Ledger*> out;
  for (int p = 0; p < cluster_->partitions(); ++p) {
    ASSIGN_OR_RETURN(Ledger* ledger, cluster_->PartitionLedger(p));
    if (ledger == nullptr) {
      return absl::UnavailableError(absl::StrCat(
          "this node does not host partition ", p,
          ", and a list reads every partition: ask a node that hosts them "
          "all (docs/http.md, \"In a cluster\")"));
    }
    out.push_back(ledger);
  }
  return out;
}

// Each partition's first `limit` ids after `after` hold the merged page's:
// they are merged by id and cut at `limit`.
absl::StatusOr<CustomerPage> Backend::ListCustomers(const std::string& after,
                                                    size_t limit,
                                                    int64_t at_us) {
  ASSIGN_OR_RETURN(std::vector<Ledger*> ledgers, AllPartitions());
  CustomerPage merged;
  bool more = false;
  for (Ledger* ledger : ledgers) {
    absl::StatusOr<CustomerPage> page =
        ledger->ListCustomers(after, limit, at_us);
    RETURN_IF_ERROR(FromLedger(page.status()));
    more = more || page->next_after.has_value();
    for (CustomerSummary& c : page->customers) {
      merged.customers.push_back(std::move(c));
    }
  }
  if (ledgers.size() == 1) {
    merged.next_after = more ? std::optional<std::string>(
                                   merged.customers.back().customer)
                             : std::nullopt;
    return merged;
  }
  std::sort(merged.customers.begin(), merged.customers.end(),
            [](const CustomerSummary& a, const CustomerSummary& b) {
              return a.customer < b.customer;
            });
  if (merged.customers.size() > limit) {
    merged.customers.resize(limit);
    more = true;
  }
  if (more) merged.next_after = merged.customers.back().customer;
  return merged;
}

absl::StatusOr<PendingRefundPage> Backend::PendingRefunds(
    const std::string& after, size_t limit) {
  ASSIGN_OR_RETURN(std::vector<Ledger*> ledgers, AllPartitions());
  PendingRefundPage merged;
  bool more = false;
  for (Ledger* ledger : ledgers) {
    absl::StatusOr<PendingRefundPage> page = ledger->PendingRefunds(after, limit);
    RETURN_IF_ERROR(FromLedger(page.status()));
    more = more || page->next_after.has_value();
    for (PendingRefund& r : page->refunds) merged.refunds.push_back(std::move(r));
  }
  // Cursors are hex of keys of one layout: their order is the queue's.
  std::sort(merged.refunds.begin(), merged.refunds.end(),
            [](const PendingRefund& a, const PendingRefund& b) {
              return a.cursor < b.cursor;
            });
  if (merged.refunds.size() > limit) {
    merged.refunds.resize(limit);
    more = true;
  }
  if (more) merged.next_after = merged.refunds.back().cursor;
  return merged;
}

absl::StatusOr<LiabilityReport> Backend::Liability(int64_t from_us,
                                                   int64_t to_us) {
  // The same call as `ledgerctl liability`: beside the live writer, from
  // the log; a node's folder sums its partitions (and refuses, as
  // FailedPrecondition, a node that does not host them all).
  absl::StatusOr<LiabilityReport> report =
      LiabilityReportFor(dir_, from_us, to_us);
  if (absl::IsFailedPrecondition(report.status())) {
    return absl::UnavailableError(report.status().message());
  }
  RETURN_IF_ERROR(FromLedger(report.status()));
  return report;
}

}  // namespace ledger::http
