#include "tools/ledgerd/cluster/page_messages.h"

#include <string>
#include <utility>

namespace ledger::cluster {
namespace {

v1::Int128 ToInt128(__int128 value) {
  v1::Int128 out;
  out.set_high(static_cast<int64_t>(value >> 64));
  out.set_low(static_cast<uint64_t>(value));
  return out;
}

__int128 FromInt128(const v1::Int128& value) {
  // Put together unsigned: shifting a negative high half is not defined,
  // and the two's complement bits are the value's.
  const unsigned __int128 bits =
      (static_cast<unsigned __int128>(static_cast<uint64_t>(value.high())) << 64) |
      value.low();
  return static_cast<__int128>(bits);
}

}  // namespace

v1::StoredEventPage ToStoredEventPage(CustomerEventPage page, size_t max_bytes) {
  v1::StoredEventPage out;
  size_t bytes = 0;
  for (size_t i = 0; i < page.events.size(); ++i) {
    CustomerEvent& e = page.events[i];
    v1::StoredEvent stored;
    stored.set_seq(e.seq);
    stored.set_hash(std::move(e.hash));
    stored.set_stored(std::move(e.bytes));
    *stored.mutable_event() = std::move(e.event);
    bytes += stored.ByteSizeLong();
    if (i > 0 && bytes > max_bytes) {
      // The rest is asked for again from here (a customer's history only
      // grows, so the parts join into one page).
      out.set_next_from_seq(stored.seq());
      return out;
    }
    *out.add_events() = std::move(stored);
  }
  if (page.next_from_seq.has_value()) out.set_next_from_seq(*page.next_from_seq);
  return out;
}

CustomerEventPage FromStoredEventPage(v1::StoredEventPage page) {
  CustomerEventPage out;
  out.events.reserve(page.events_size());
  for (v1::StoredEvent& stored : *page.mutable_events()) {
    CustomerEvent e;
    e.seq = stored.seq();
    e.hash = std::move(*stored.mutable_hash());
    e.bytes = std::move(*stored.mutable_stored());
    e.event = std::move(*stored.mutable_event());
    out.events.push_back(std::move(e));
  }
  if (page.has_next_from_seq()) out.next_from_seq = page.next_from_seq();
  return out;
}

v1::CustomerSummaryPage ToCustomerSummaryPage(const CustomerPage& page) {
  v1::CustomerSummaryPage out;
  for (const CustomerSummary& c : page.customers) {
    v1::CustomerSummaryEntry* entry = out.add_customers();
    entry->set_customer(c.customer);
    entry->set_status(c.status);
    entry->set_available(c.available);
    entry->set_promotional(c.promotional);
    entry->set_scoped(c.scoped);
  }
  if (page.next_after.has_value()) out.set_next_after(*page.next_after);
  return out;
}

CustomerPage FromCustomerSummaryPage(const v1::CustomerSummaryPage& page) {
  CustomerPage out;
  out.customers.reserve(page.customers_size());
  for (const v1::CustomerSummaryEntry& entry : page.customers()) {
    CustomerSummary c;
    c.customer = entry.customer();
    c.status = entry.status();
    c.available = entry.available();
    c.promotional = entry.promotional();
    c.scoped = entry.scoped();
    out.customers.push_back(std::move(c));
  }
  if (page.has_next_after()) out.next_after = page.next_after();
  return out;
}

v1::PendingRefundEntries ToPendingRefundEntries(const PendingRefundPage& page) {
  v1::PendingRefundEntries out;
  for (const PendingRefund& r : page.refunds) {
    v1::PendingRefundEntry* entry = out.add_refunds();
    entry->set_customer(r.customer);
    entry->set_refund_id(r.refund_id);
    entry->set_purchase_id(r.purchase_id);
    entry->set_credits(r.credits);
    entry->set_cash_minor(r.cash_minor);
    entry->set_currency(r.currency);
    entry->set_requested_at_us(r.requested_at_us);
    entry->set_window_ends_us(r.window_ends_us);
    entry->set_cursor(r.cursor);
  }
  if (page.next_after.has_value()) out.set_next_after(*page.next_after);
  return out;
}

PendingRefundPage FromPendingRefundEntries(const v1::PendingRefundEntries& page) {
  PendingRefundPage out;
  out.refunds.reserve(page.refunds_size());
  for (const v1::PendingRefundEntry& entry : page.refunds()) {
    PendingRefund r;
    r.customer = entry.customer();
    r.refund_id = entry.refund_id();
    r.purchase_id = entry.purchase_id();
    r.credits = entry.credits();
    r.cash_minor = entry.cash_minor();
    r.currency = entry.currency();
    r.requested_at_us = entry.requested_at_us();
    r.window_ends_us = entry.window_ends_us();
    r.cursor = entry.cursor();
    out.refunds.push_back(std::move(r));
  }
  if (page.has_next_after()) out.next_after = page.next_after();
  return out;
}

// A new field of LiabilityRow must travel too: this fails the build until
// it does (and the size below is updated with it).
static_assert(sizeof(LiabilityRow) == sizeof(std::string) + 10 * sizeof(__int128),
              "LiabilityRow changed: carry its new field in LiabilityUnit");

v1::PartitionLiability ToPartitionLiability(const LiabilityReport& report) {
  v1::PartitionLiability out;
  out.set_from_us(report.from_us);
  out.set_to_us(report.to_us);
  out.set_events_read(report.events_read);
  out.set_events_in_period(report.events_in_period);
  for (const LiabilityRow& row : report.units) {
    v1::LiabilityUnit* unit = out.add_units();
    unit->set_unit(row.unit);
    *unit->mutable_opening() = ToInt128(row.opening);
    *unit->mutable_granted() = ToInt128(row.granted);
    *unit->mutable_used() = ToInt128(row.used);
    *unit->mutable_expired() = ToInt128(row.expired);
    *unit->mutable_forfeited() = ToInt128(row.forfeited);
    *unit->mutable_voided() = ToInt128(row.voided);
    *unit->mutable_refunded() = ToInt128(row.refunded);
    *unit->mutable_charged_back() = ToInt128(row.charged_back);
    *unit->mutable_closing() = ToInt128(row.closing);
    *unit->mutable_refund_rounding() = ToInt128(row.refund_rounding);
  }
  return out;
}

LiabilityReport FromPartitionLiability(const v1::PartitionLiability& report) {
  LiabilityReport out;
  out.from_us = report.from_us();
  out.to_us = report.to_us();
  out.events_read = report.events_read();
  out.events_in_period = report.events_in_period();
  for (const v1::LiabilityUnit& unit : report.units()) {
    LiabilityRow row;
    row.unit = unit.unit();
    row.opening = FromInt128(unit.opening());
    row.granted = FromInt128(unit.granted());
    row.used = FromInt128(unit.used());
    row.expired = FromInt128(unit.expired());
    row.forfeited = FromInt128(unit.forfeited());
    row.voided = FromInt128(unit.voided());
    row.refunded = FromInt128(unit.refunded());
    row.charged_back = FromInt128(unit.charged_back());
    row.closing = FromInt128(unit.closing());
    row.refund_rounding = FromInt128(unit.refund_rounding());
    out.units.push_back(std::move(row));
  }
  return out;
}

}  // namespace ledger::cluster
