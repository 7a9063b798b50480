#include "tools/ledgerd/http/backend.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/base/node_folder.h"
#include "ledger/base/status_macros.h"
#include "ledger/liability.h"
#include "ledger/time_util.h"
#include "tools/ledgerd/conversions.h"
#include "tools/ledgerd/http/partition_merge.h"
#include "tools/ledgerd/http/proto_answers.h"
#include "tools/ledgerd/status_mapping.h"

namespace ledger::http {

using ledgerd::FromLedger;

namespace {

// One page of every partition, in partition order: `here` reads it from
// this node's ledger of the partition, `there` from a node hosting it.
// The partitions are read one after the other: a page costs its own
// entries (a few ms), and a failure stops the list at once.
template <typename Page, typename Here, typename There>
absl::StatusOr<std::vector<Page>> EveryPartition(Ledger* ledger,
                                                 cluster::ClusterApi* cluster,
                                                 Here here, There there) {
  std::vector<Page> pages;
  if (cluster == nullptr) {
    absl::StatusOr<Page> page = here(*ledger);
    RETURN_IF_ERROR(FromLedger(page.status()));
    pages.push_back(*std::move(page));
    return pages;
  }
  for (int p = 0; p < cluster->partitions(); ++p) {
    ASSIGN_OR_RETURN(Ledger* hosted, cluster->PartitionLedger(p));
    absl::StatusOr<Page> page = hosted != nullptr ? here(*hosted) : there(p);
    if (!page.ok()) {
      // A hosting node mapped its ledger's status already.
      const absl::Status s =
          hosted != nullptr ? FromLedger(page.status()) : page.status();
      return absl::Status(s.code(),
                          absl::StrCat("partition ", p, ": ", s.message()));
    }
    pages.push_back(*std::move(page));
  }
  return pages;
}

}  // namespace

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
    const std::string& customer, uint64_t from_seq, size_t limit,
    absl::Time deadline) {
  Ledger* ledger = ledger_;
  int partition = 0;
  if (cluster_ != nullptr) {
    partition = PartitionOf(customer, cluster_->partitions());
    ASSIGN_OR_RETURN(ledger, cluster_->PartitionLedger(partition));
  }
  if (ledger == nullptr) {
    // Another node hosts it: its page, hashes and stored bytes included,
    // so the export lines are the ones that node prints.
    return cluster_->ReadCustomerHistory(partition, customer, from_seq, limit,
                                         deadline);
  }
  absl::StatusOr<CustomerEventPage> page =
      ledger->ReadCustomerEvents(customer, from_seq, limit);
  RETURN_IF_ERROR(FromLedger(page.status()));
  return page;
}

absl::StatusOr<RejectionPage> Backend::CustomerRejections(
    const std::string& customer, const std::string& after, size_t limit) {
  std::string dir = dir_;
  if (cluster_ != nullptr) {
    const int partition = PartitionOf(customer, cluster_->partitions());
    ASSIGN_OR_RETURN(Ledger* hosted, cluster_->PartitionLedger(partition));
    if (hosted == nullptr) {
      return absl::UnavailableError(absl::StrCat(
          "the refusals of customer ", customer, " are kept by partition ",
          partition, ", which this node does not host: ask a node that hosts "
          "it"));
    }
    dir = PartitionFolder(dir_, partition);
  }
  RejectionFilter filter;
  filter.customer = customer;
  absl::StatusOr<RejectionPage> page =
      ReadRejectionPage(dir, filter, after, limit);
  RETURN_IF_ERROR(FromLedger(page.status()));
  return page;
}

absl::StatusOr<bool> Backend::HostsEveryPartition() {
  if (cluster_ == nullptr) return true;
  for (int p = 0; p < cluster_->partitions(); ++p) {
    ASSIGN_OR_RETURN(Ledger* ledger, cluster_->PartitionLedger(p));
    if (ledger == nullptr) return false;
  }
  return true;
}

absl::StatusOr<CustomerPage> Backend::ListCustomers(const std::string& after,
                                                    size_t limit, int64_t at_us,
                                                    absl::Time deadline) {
  ASSIGN_OR_RETURN(
      std::vector<CustomerPage> pages,
      EveryPartition<CustomerPage>(
          ledger_, cluster_,
          [&](Ledger& ledger) { return ledger.ListCustomers(after, limit, at_us); },
          [&](int p) {
            return cluster_->ListCustomersOf(p, after, limit, at_us, deadline);
          }));
  return MergeCustomerPages(std::move(pages), limit);
}

absl::StatusOr<PendingRefundPage> Backend::PendingRefunds(
    const std::string& after, size_t limit, absl::Time deadline) {
  ASSIGN_OR_RETURN(
      std::vector<PendingRefundPage> pages,
      EveryPartition<PendingRefundPage>(
          ledger_, cluster_,
          [&](Ledger& ledger) { return ledger.PendingRefunds(after, limit); },
          [&](int p) {
            return cluster_->PendingRefundsOf(p, after, limit, deadline);
          }));
  return MergePendingRefundPages(std::move(pages), limit);
}

absl::StatusOr<LiabilityReport> Backend::Liability(int64_t from_us,
                                                   int64_t to_us,
                                                   absl::Time deadline) {
  ASSIGN_OR_RETURN(const bool every, HostsEveryPartition());
  if (every) {
    // The same call as `ledgerctl liability`: beside the live writer, from
    // the log; a node's folder sums its partitions.
    absl::StatusOr<LiabilityReport> report =
        LiabilityReportFor(dir_, from_us, to_us);
    RETURN_IF_ERROR(FromLedger(report.status()));
    return report;
  }
  // Each partition's report from its folder, here or on a node hosting
  // it, at once: a report reads the partition's whole log, so the
  // partitions are not made to wait for one another. Summed as
  // `ledgerctl liability` sums a node's folder.
  const int partitions = cluster_->partitions();
  std::vector<absl::StatusOr<LiabilityReport>> reports(
      partitions, absl::UnknownError("not asked"));
  std::vector<std::thread> threads;
  threads.reserve(partitions);
  for (int p = 0; p < partitions; ++p) {
    threads.emplace_back([this, p, from_us, to_us, deadline, &reports] {
      absl::StatusOr<Ledger*> hosted = cluster_->PartitionLedger(p);
      if (!hosted.ok()) {
        reports[p] = hosted.status();
      } else if (*hosted != nullptr) {
        reports[p] = LiabilityReportFor(PartitionFolder(dir_, p), from_us, to_us);
        if (!reports[p].ok()) reports[p] = FromLedger(reports[p].status());
      } else {
        reports[p] = cluster_->LiabilityOf(p, from_us, to_us, deadline);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<LiabilityReport> parts;
  parts.reserve(partitions);
  for (int p = 0; p < partitions; ++p) {
    if (!reports[p].ok()) {
      return absl::Status(reports[p].status().code(),
                          absl::StrCat("partition ", p, ": ",
                                       reports[p].status().message()));
    }
    parts.push_back(*std::move(reports[p]));
  }
  return ledger::SumLiabilityReports(parts, from_us, to_us);
}

}  // namespace ledger::http
