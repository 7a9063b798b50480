// The pages one cluster node reads from another (proto/ledger/v1/
// cluster_pages.proto) and the library's structs they carry: a customer's
// history with its hashes and stored bytes, a page of customers, a page of
// pending refunds, a partition's liability report. Each conversion is
// exact both ways, so a page read through another node is the page the
// hosting node read. Pure, so tests/cluster/page_messages_tests.cc pins it
// without a NATS server.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_PAGE_MESSAGES_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_PAGE_MESSAGES_H_

#include <cstddef>

#include "ledger/ledger.h"
#include "ledger/liability.h"
#include "ledger/pages.h"
#include "ledger/v1/cluster_pages.pb.h"

namespace ledger::cluster {

// `page` as a forwarded answer of at most about `max_bytes`: its first
// events whose messages fit (always the first one), and when some are left
// out, next_from_seq names the first of them. A page within the bound is
// carried whole, next_from_seq and all.
v1::StoredEventPage ToStoredEventPage(CustomerEventPage page, size_t max_bytes);
CustomerEventPage FromStoredEventPage(v1::StoredEventPage page);

v1::CustomerSummaryPage ToCustomerSummaryPage(const CustomerPage& page);
CustomerPage FromCustomerSummaryPage(const v1::CustomerSummaryPage& page);

v1::PendingRefundEntries ToPendingRefundEntries(const PendingRefundPage& page);
PendingRefundPage FromPendingRefundEntries(const v1::PendingRefundEntries& page);

v1::PartitionLiability ToPartitionLiability(const LiabilityReport& report);
LiabilityReport FromPartitionLiability(const v1::PartitionLiability& report);

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_PAGE_MESSAGES_H_
