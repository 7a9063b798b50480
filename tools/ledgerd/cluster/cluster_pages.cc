// ClusterNode's reads for the HTTP API of a partition this node does not
// host (cluster_api.h; docs/http.md, "In a cluster"): the forwarding side
// asks a hosting node over the same NATS request/reply as a forwarded
// command, one op per read, and the hosting side answers it from its
// replica with the call a node hosting the partition makes for itself, so
// a page is the same whichever node gives it.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/node_folder.h"
#include "ledger/base/status_macros.h"
#include "ledger/v1/cluster_pages.pb.h"
#include "tools/ledgerd/cluster/cluster_node.h"
#include "tools/ledgerd/cluster/page_messages.h"
#include "tools/ledgerd/status_mapping.h"

namespace ledger::cluster {
namespace {

constexpr char kHistoryOp[] = "history";
constexpr char kCustomersOp[] = "customers";
constexpr char kRefundsOp[] = "refunds";
constexpr char kLiabilityOp[] = "liability";

absl::Status DoesNotParse(const char* op, bool answer) {
  return answer ? absl::InternalError(absl::StrCat(
                      "a forwarded ", op, " page's answer does not parse"))
                : absl::InvalidArgumentError(absl::StrCat(
                      "a forwarded ", op, " request that does not parse"));
}

}  // namespace

absl::StatusOr<CustomerEventPage> ClusterNode::ReadCustomerHistory(
    int partition, const std::string& customer, uint64_t from_seq,
    size_t limit, absl::Time deadline) {
  // A page of up to kMaxCustomerEventPage events may pass what one answer
  // carries (kMaxEventPageBytes): the hosting node then answers its first
  // part, and the rest is asked for from where it stopped. A customer's
  // history only grows, so the parts join into the page of one snapshot
  // (the last part's), and the loop ends: each part holds an event.
  CustomerEventPage out;
  v1::CustomerHistoryRequest request;
  request.set_customer(customer);
  request.set_from_seq(from_seq);
  while (true) {
    request.set_limit(static_cast<uint32_t>(limit - out.events.size()));
    std::string reply;
    RETURN_IF_ERROR(Forward(partition, kHistoryOp, request.SerializeAsString(),
                            deadline, &reply));
    v1::StoredEventPage answer;
    if (!answer.ParseFromString(reply)) return DoesNotParse(kHistoryOp, true);
    CustomerEventPage part = FromStoredEventPage(std::move(answer));
    const bool empty = part.events.empty();
    for (CustomerEvent& e : part.events) out.events.push_back(std::move(e));
    out.next_from_seq = part.next_from_seq;
    if (empty || !out.next_from_seq.has_value() || out.events.size() >= limit) {
      return out;
    }
    request.set_from_seq(*out.next_from_seq);
  }
}

absl::StatusOr<CustomerPage> ClusterNode::ListCustomersOf(
    int partition, const std::string& after, size_t limit, int64_t at_us,
    absl::Time deadline) {
  v1::CustomerListRequest request;
  request.set_after(after);
  request.set_limit(static_cast<uint32_t>(limit));
  request.set_at_us(at_us);
  std::string reply;
  RETURN_IF_ERROR(Forward(partition, kCustomersOp, request.SerializeAsString(),
                          deadline, &reply));
  v1::CustomerSummaryPage answer;
  if (!answer.ParseFromString(reply)) return DoesNotParse(kCustomersOp, true);
  return FromCustomerSummaryPage(answer);
}

absl::StatusOr<PendingRefundPage> ClusterNode::PendingRefundsOf(
    int partition, const std::string& after, size_t limit,
    absl::Time deadline) {
  v1::PendingRefundRequest request;
  request.set_after(after);
  request.set_limit(static_cast<uint32_t>(limit));
  std::string reply;
  RETURN_IF_ERROR(Forward(partition, kRefundsOp, request.SerializeAsString(),
                          deadline, &reply));
  v1::PendingRefundEntries answer;
  if (!answer.ParseFromString(reply)) return DoesNotParse(kRefundsOp, true);
  return FromPendingRefundEntries(answer);
}

absl::StatusOr<LiabilityReport> ClusterNode::LiabilityOf(int partition,
                                                         int64_t from_us,
                                                         int64_t to_us,
                                                         absl::Time deadline) {
  v1::LiabilityRequest request;
  request.set_from_us(from_us);
  request.set_to_us(to_us);
  std::string reply;
  RETURN_IF_ERROR(Forward(partition, kLiabilityOp, request.SerializeAsString(),
                          deadline, &reply));
  v1::PartitionLiability answer;
  if (!answer.ParseFromString(reply)) return DoesNotParse(kLiabilityOp, true);
  return FromPartitionLiability(answer);
}

bool ClusterNode::AnswerPage(const std::string& op, PartitionReplica& replica,
                             int partition, const std::string& body,
                             absl::Status* status, std::string* out) {
  if (op != kHistoryOp && op != kCustomersOp && op != kRefundsOp &&
      op != kLiabilityOp) {
    return false;
  }
  // A replica behind the stream's retention holds an old state: another
  // node's answer, or none, never a stale one (as BalanceHere).
  *status = replica.Serving();
  if (!status->ok()) return true;
  Ledger& ledger = replica.ledger();
  if (op == kHistoryOp) {
    v1::CustomerHistoryRequest in;
    if (!in.ParseFromString(body)) {
      *status = DoesNotParse(kHistoryOp, false);
      return true;
    }
    absl::StatusOr<CustomerEventPage> page =
        ledger.ReadCustomerEvents(in.customer(), in.from_seq(), in.limit());
    *status = ledgerd::FromLedger(page.status());
    if (page.ok()) {
      *out = ToStoredEventPage(*std::move(page), kMaxEventPageBytes)
                 .SerializeAsString();
    }
  } else if (op == kCustomersOp) {
    v1::CustomerListRequest in;
    if (!in.ParseFromString(body)) {
      *status = DoesNotParse(kCustomersOp, false);
      return true;
    }
    absl::StatusOr<CustomerPage> page =
        ledger.ListCustomers(in.after(), in.limit(), in.at_us());
    *status = ledgerd::FromLedger(page.status());
    if (page.ok()) *out = ToCustomerSummaryPage(*page).SerializeAsString();
  } else if (op == kRefundsOp) {
    v1::PendingRefundRequest in;
    if (!in.ParseFromString(body)) {
      *status = DoesNotParse(kRefundsOp, false);
      return true;
    }
    absl::StatusOr<PendingRefundPage> page =
        ledger.PendingRefunds(in.after(), in.limit());
    *status = ledgerd::FromLedger(page.status());
    if (page.ok()) *out = ToPendingRefundEntries(*page).SerializeAsString();
  } else {
    v1::LiabilityRequest in;
    if (!in.ParseFromString(body)) {
      *status = DoesNotParse(kLiabilityOp, false);
      return true;
    }
    // `ledgerctl liability` on the partition's folder: from its log,
    // beside the live writer.
    absl::StatusOr<LiabilityReport> report = LiabilityReportFor(
        PartitionFolder(config_.dir, partition), in.from_us(), in.to_us());
    *status = ledgerd::FromLedger(report.status());
    if (report.ok()) *out = ToPartitionLiability(*report).SerializeAsString();
  }
  return true;
}

}  // namespace ledger::cluster
