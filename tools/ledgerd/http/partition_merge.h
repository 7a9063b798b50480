// How the HTTP API's answers across a cluster's partitions are put
// together (docs/http.md, "In a cluster"): each partition gives its own
// page, read where it lives (here, or on a node that hosts it),
// and these merge them into the one answer a client sees, whichever node
// it asked. Pure, so tests/http/partition_merge_tests.cc pins them without
// a cluster.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_PARTITION_MERGE_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_PARTITION_MERGE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ledger/pages.h"

namespace ledger::http {

// Every partition's page read with the same `after` and `limit`: each one's
// first `limit` entries after `after` hold the merged page's, so they are
// merged in the list's order and cut at `limit`. The merged page has a
// next_after (its last entry) when it was cut or any partition has more,
// so paging with it sees every entry exactly once across the partitions.
// Customers merge by id; refunds by cursor, which orders alike in every
// partition (the queue's key layout is the same), oldest request first.
[[nodiscard]] CustomerPage MergeCustomerPages(std::vector<CustomerPage> pages,
                                              size_t limit);
[[nodiscard]] PendingRefundPage MergePendingRefundPages(
    std::vector<PendingRefundPage> pages, size_t limit);

}  // namespace ledger::http

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_PARTITION_MERGE_H_
