#include "tools/ledgerd/cluster/cluster_webhooks.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/ledgerd/cluster/nats_log.h"

namespace ledger::cluster {
namespace {

// How often each partition's thread looks at its lease: a lost lease stops
// the delivery within this, and a free one is taken within this.
constexpr absl::Duration kLeaseTick = absl::Milliseconds(250);
// How often a node that does not hold the lease reads it (one KV get per
// partition and node): a free lease waits at most this long, a held one
// is watched at this grain.
constexpr absl::Duration kTryEvery = absl::Seconds(1);
// How long a node whose delivery failed leaves a released lease to the
// others (who try every kTryEvery) before it tries again.
constexpr absl::Duration kBackOffAfterFailure = absl::Seconds(10);
// How long one KV request may take: below kLeaseValidFor, so one slow
// answer does not by itself let the lease run out.
constexpr int64_t kKvWaitMs = 2000;
// Right after a NATS cluster starts there is no meta leader yet.
constexpr absl::Duration kCreateBucketWithin = absl::Seconds(30);

// One fprintf per line: the partitions' threads say things at once, and
// stdio writes one call's text whole (an operator and the tests read it).
void Say(int partition, const std::string& what) {
  const std::string line = absl::StrCat("ledgerd: webhooks: partition ",
                                        partition, ": ", what, "\n");
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClusterWebhooks>> ClusterWebhooks::Start(
    ClusterNode* node, std::vector<ledgerd::WebhookEndpoint> endpoints,
    prometheus::Registry& registry) {
  std::unique_ptr<ClusterWebhooks> w(
      new ClusterWebhooks(std::move(endpoints), registry));
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = kKvWaitMs;
  natsStatus s =
      natsConnection_JetStream(&w->js_, node->log().connection(), &jo);
  if (s != NATS_OK) return FromNats(s, "opening a JetStream context");
  const absl::Time give_up = absl::Now() + kCreateBucketWithin;
  for (;;) {
    kvConfig cfg;
    kvConfig_Init(&cfg);
    cfg.Bucket = kWebhookBucket;
    cfg.History = 1;
    cfg.StorageType = js_FileStorage;
    cfg.Replicas = node->config().replicas;
    s = js_CreateKeyValue(&w->kv_, w->js_, &cfg);
    // Another node may have created it with the same settings first.
    if (s != NATS_OK) s = js_KeyValue(&w->kv_, w->js_, kWebhookBucket);
    if (s == NATS_OK) break;
    if (absl::Now() > give_up) {
      return FromNats(s,
                      absl::StrCat("creating the KV bucket ", kWebhookBucket));
    }
    absl::SleepFor(absl::Milliseconds(250));
  }
  for (int p : node->config().hosted) {
    auto part = std::make_unique<Partition>();
    part->replica = node->replica(p);
    if (part->replica == nullptr) continue;
    part->lease =
        std::make_unique<DeliveryLease>(w->kv_, p, node->config().node);
    w->partitions_.push_back(std::move(part));
  }
  for (auto& part : w->partitions_) {
    w->threads_.emplace_back([w = w.get(), p = part.get()] { w->Run(*p); });
  }
  return w;
}

void ClusterWebhooks::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

ClusterWebhooks::~ClusterWebhooks() {
  Stop();
  partitions_.clear();  // the leases use the bucket
  if (kv_ != nullptr) kvStore_Destroy(kv_);
  if (js_ != nullptr) jsCtx_Destroy(js_);
}

void ClusterWebhooks::Run(Partition& p) {
  const int partition = p.replica->partition();
  bool said_error = false;
  absl::Time next_try = absl::InfinitePast();
  while (!stop_.WaitForNotificationWithTimeout(kLeaseTick)) {
    if (p.delivery == nullptr) {
      if (absl::Now() < next_try) continue;
      next_try = absl::Now() + kTryEvery;
      absl::StatusOr<bool> taken = p.lease->TryTake();
      if (!taken.ok()) {
        if (!said_error) Say(partition, taken.status().ToString());
        said_error = true;
        continue;
      }
      said_error = false;
      if (!*taken) continue;
      Say(partition, "this node took the lease and sends its events");
      if (!BeginSending(p)) {
        p.lease->Release();
        next_try = absl::Now() + kBackOffAfterFailure;
      }
      continue;
    }
    if (!p.lease->Renew()) {
      p.delivery->Stop();
      p.delivery.reset();
      Say(partition, "this node lost the lease and stopped sending");
    } else if (p.delivery->EndpointEnded()) {
      // This replica cannot deliver (its ledger refused): let a node
      // that can take the partition, and try again only later.
      p.delivery->Stop();
      p.delivery.reset();
      p.lease->Release();
      next_try = absl::Now() + kBackOffAfterFailure;
      Say(partition, "an endpoint's delivery ended here; lease released");
    }
  }
  if (p.delivery != nullptr) {
    p.delivery->Stop();
    p.delivery.reset();
  }
  p.lease->Release();
}

bool ClusterWebhooks::BeginSending(Partition& p) {
  const int partition = p.replica->partition();
  Ledger& ledger = p.replica->ledger();
  // The record's cursors are where the last holder got; this replica's own
  // may be ahead only by what this node itself delivered before. Each
  // endpoint resumes after the larger.
  const std::map<std::string, uint64_t> shared = p.lease->Cursors();
  std::map<std::string, uint64_t> raise;
  uint64_t needed = 0;
  for (const ledgerd::WebhookEndpoint& e : endpoints_) {
    absl::StatusOr<uint64_t> local = ledger.DeliveryCursor(e.name);
    if (!local.ok()) {
      Say(partition, local.status().ToString());
      return false;
    }
    auto it = shared.find(e.name);
    if (it != shared.end() && it->second > *local) {
      raise[e.name] = it->second;
      needed = std::max(needed, it->second);
    }
  }
  // Delivering from a cursor this replica has not reached would skip the
  // events between: wait for them, keeping the lease.
  while (ledger.LastSeq() < needed) {
    if (stop_.HasBeenNotified() || !p.lease->Renew()) return false;
    (void)p.replica->WaitForSeq(needed, absl::Now() + kLeaseTick);
  }
  for (const auto& [name, seq] : raise) {
    absl::Status s = ledger.SetDeliveryCursor(name, seq);
    if (!s.ok()) {
      Say(partition, absl::StrCat("cannot store the cursor of ", name, ": ",
                                  s.ToString()));
      return false;
    }
  }
  ledgerd::DeliveryScope scope;
  scope.partition = partition;
  scope.gate = p.lease.get();
  absl::StatusOr<std::unique_ptr<ledgerd::WebhookDelivery>> started =
      ledgerd::WebhookDelivery::Start(&ledger, endpoints_, registry_,
                                      ledgerd::WebhookTiming(), scope);
  if (!started.ok()) {
    Say(partition,
        absl::StrCat("cannot start delivery: ", started.status().ToString()));
    return false;
  }
  p.delivery = *std::move(started);
  return true;
}

}  // namespace ledger::cluster
