// ReadEvents with a customer (docs/service.md, "One customer's events"):
// that customer's events only, read through the customer index
// (Ledger::ReadCustomerEvents) a page at a time, so a stream costs the
// customer's events, not the log's; with `follow`, then each new event of
// the customer once durable. In a cluster the customer's partition answers:
// read here when this node hosts it, else pages read on a node that does.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/node_folder.h"
#include "ledger/base/status_macros.h"
#include "tools/ledgerd/service_impl.h"
#include "tools/ledgerd/status_mapping.h"

namespace ledger::ledgerd {
namespace {

// How long one wait for the next event of a followed customer lasts before
// the stream checks for a cancel or a drain.
constexpr absl::Duration kCustomerFollowPoll = absl::Milliseconds(200);
constexpr absl::Duration kForwardedCustomerPageTimeout = absl::Seconds(10);

}  // namespace

absl::Status LedgerServiceImpl::ReadCustomerEvents(
    grpc::ServerContext& context, const v1::ReadEventsRequest& request,
    grpc::ServerWriter<v1::ReadEventsResponse>& writer) {
  const std::string& customer = request.customer();
  if (customer.empty()) {
    return absl::InvalidArgumentError("customer: empty; leave it out to read every event");
  }
  uint32_t partition = 0;
  Ledger* ledger = ledger_;
  if (cluster_ == nullptr) {
    if (request.partition() != 0) {
      return absl::InvalidArgumentError(
          "partition: this ledgerd serves one ledger, partition 0");
    }
  } else {
    partition = static_cast<uint32_t>(PartitionOf(customer, cluster_->partitions()));
    if (request.has_partition() && request.partition() != partition) {
      return absl::InvalidArgumentError(absl::StrCat(
          "partition: customer ", customer, " is in partition ", partition,
          ", not ", request.partition(), " (leave partition out)"));
    }
    absl::StatusOr<Ledger*> here = cluster_->PartitionLedger(static_cast<int>(partition));
    if (!here.ok()) return here.status();
    ledger = *here;  // nullptr: read on a node that hosts it
  }
  v1::ReadEventsResponse response;
  response.set_partition(partition);
  uint64_t next = std::max<uint64_t>(request.from_seq(), 1);
  uint64_t head = 0;  // local reads: every event up to it was delivered
  auto send = [&](v1::Event event) -> absl::Status {
    if (event.header().seq() < next) return absl::OkStatus();  // seen
    next = event.header().seq() + 1;
    *response.mutable_event() = std::move(event);
    if (context.IsCancelled() || !writer.Write(response)) {
      return absl::CancelledError("the client went away");
    }
    return absl::OkStatus();
  };
  for (;;) {
    if (shutting_down_.load()) {
      return absl::UnavailableError(absl::StrCat(
          "ledgerd is shutting down: resume with from_seq ", next));
    }
    std::optional<uint64_t> more;
    if (ledger != nullptr) {
      head = ledger->LastSeq();
      absl::StatusOr<CustomerEventPage> page =
          ledger->ReadCustomerEvents(customer, next, kMaxCustomerEventPage);
      // A customer not there yet is a stream that waits, when following.
      if (absl::IsNotFound(page.status()) && request.follow()) break;
      RETURN_IF_ERROR(FromLedger(page.status()));
      for (CustomerEvent& e : page->events) {
        RETURN_IF_ERROR(send(std::move(e.event)));
      }
      more = page->next_from_seq;
    } else {
      absl::StatusOr<std::vector<v1::Event>> page = cluster_->ReadCustomerEventsPage(
          static_cast<int>(partition), customer, next,
          absl::Now() + kForwardedCustomerPageTimeout);
      if (absl::IsNotFound(page.status()) && request.follow()) break;
      if (!page.ok()) return page.status();
      const bool full = page->size() == kMaxCustomerEventPage;
      for (v1::Event& e : *page) {
        RETURN_IF_ERROR(send(std::move(e)));
      }
      if (full) more = next;
    }
    if (!more.has_value()) break;
    next = std::max(next, *more);
  }
  if (!request.follow()) return absl::OkStatus();
  if (ledger == nullptr) {
    // The hosting node's stream of the partition from the customer's next
    // event on, filtered here: it costs the partition's events after the
    // customer's last one (docs/service.md says so).
    for (;;) {
      if (context.IsCancelled()) return absl::CancelledError("the client cancelled the stream");
      if (shutting_down_.load()) {
        return absl::UnavailableError(absl::StrCat(
            "ledgerd is shutting down: resume with from_seq ", next));
      }
      const uint64_t from = next;
      absl::StatusOr<std::vector<v1::Event>> page = cluster_->ReadEventsPage(
          static_cast<int>(partition), from, /*wait=*/true,
          absl::Now() + kForwardedCustomerPageTimeout);
      if (!page.ok()) return page.status();
      uint64_t last = from - 1;
      for (v1::Event& e : *page) {
        last = e.header().seq();
        if (e.header().customer() == customer) {
          RETURN_IF_ERROR(send(std::move(e)));
        }
      }
      next = std::max(next, last + 1);
    }
  }
  absl::StatusOr<std::unique_ptr<Subscription>> subscribed =
      ledger->Subscribe(std::max(next, head + 1));
  RETURN_IF_ERROR(FromLedger(subscribed.status()));
  std::unique_ptr<Subscription> subscription = *std::move(subscribed);
  for (;;) {
    if (context.IsCancelled()) return absl::CancelledError("the client cancelled the stream");
    if (shutting_down_.load()) {
      return absl::UnavailableError(absl::StrCat(
          "ledgerd is shutting down: resume with from_seq ", next));
    }
    absl::StatusOr<std::optional<v1::Event>> event =
        subscription->Next(absl::Now() + kCustomerFollowPoll);
    RETURN_IF_ERROR(FromLedger(event.status()));
    if (!event->has_value() || (**event).header().customer() != customer) continue;
    RETURN_IF_ERROR(send(**std::move(event)));
  }
}

}  // namespace ledger::ledgerd
