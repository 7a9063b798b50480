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

// A new field of LiabilityRow must be summed below: this fails the build
// until it is (and the size is updated with it), as node_reports.cc does.
static_assert(sizeof(LiabilityRow) == sizeof(std::string) + 10 * sizeof(__int128),
              "LiabilityRow changed: sum its new field in SumLiabilityReports");

LiabilityReport SumLiabilityReports(const std::vector<LiabilityReport>& reports,
                                    int64_t from_us, int64_t to_us) {
  LiabilityReport out;
  out.from_us = from_us;
  out.to_us = to_us;
  std::map<std::string, LiabilityRow> rows;  // sorted by unit name
  for (const LiabilityReport& one : reports) {
    out.events_read += one.events_read;
    out.events_in_period += one.events_in_period;
    for (const LiabilityRow& row : one.units) {
      LiabilityRow& into = rows[row.unit];
      into.unit = row.unit;
      into.opening += row.opening;
      into.granted += row.granted;
      into.used += row.used;
      into.expired += row.expired;
      into.forfeited += row.forfeited;
      into.voided += row.voided;
      into.refunded += row.refunded;
      into.refund_rounding += row.refund_rounding;
      into.charged_back += row.charged_back;
      into.closing += row.closing;
    }
  }
  for (auto& [unit, row] : rows) out.units.push_back(std::move(row));
  return out;
}

}  // namespace ledger::http
