#include "tools/ledgerd/http/partition_merge.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

namespace ledger::http {
namespace {

// Entries of every page in `less` order, cut at `limit`; `next_after` is
// the last kept entry's `key` when the merge was cut or a page had more.
template <typename Page, typename Entry, typename Less, typename Key>
void Merge(std::vector<Page>& pages, std::vector<Entry> Page::*entries,
           size_t limit, Less less, Key key, Page& merged) {
  bool more = false;
  for (Page& page : pages) {
    more = more || page.next_after.has_value();
    for (Entry& e : page.*entries) (merged.*entries).push_back(std::move(e));
  }
  std::vector<Entry>& all = merged.*entries;
  std::stable_sort(all.begin(), all.end(), less);
  if (all.size() > limit) {
    all.resize(limit);
    more = true;
  }
  if (more && !all.empty()) merged.next_after = key(all.back());
}

}  // namespace

CustomerPage MergeCustomerPages(std::vector<CustomerPage> pages, size_t limit) {
  CustomerPage merged;
  Merge(pages, &CustomerPage::customers, limit,
        [](const CustomerSummary& a, const CustomerSummary& b) {
          return a.customer < b.customer;
        },
        [](const CustomerSummary& c) { return c.customer; }, merged);
  return merged;
}

PendingRefundPage MergePendingRefundPages(std::vector<PendingRefundPage> pages,
                                          size_t limit) {
  PendingRefundPage merged;
  Merge(pages, &PendingRefundPage::refunds, limit,
        [](const PendingRefund& a, const PendingRefund& b) {
          return a.cursor < b.cursor;
        },
        [](const PendingRefund& r) { return r.cursor; }, merged);
  return merged;
}

}  // namespace ledger::http
