#include "tools/ledgerd/cluster/nats_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace ledger::cluster {

absl::Status FromNats(natsStatus s, const std::string& doing) {
  if (s == NATS_OK) return absl::OkStatus();
  const char* last = nats_GetLastError(nullptr);
  return absl::UnavailableError(absl::StrCat(
      doing, ": ", natsStatus_GetText(s),
      last != nullptr && *last != '\0' ? absl::StrCat(" (", last, ")") : ""));
}

std::string NatsLog::StreamName(int partition) {
  return absl::StrCat("LEDGER_P", partition);
}

std::string NatsLog::Subject(int partition) {
  return absl::StrCat("ledger.p", partition, ".log");
}

absl::StatusOr<std::unique_ptr<NatsLog>> NatsLog::Connect(
    const std::vector<std::string>& urls, const std::string& name,
    AckFn on_ack) {
  std::unique_ptr<NatsLog> log(new NatsLog());
  log->on_ack_ = std::move(on_ack);
  natsOptions* opts = nullptr;
  std::vector<const char*> servers;
  for (const std::string& url : urls) servers.push_back(url.c_str());
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) {
    s = natsOptions_SetServers(opts, servers.data(),
                               static_cast<int>(servers.size()));
  }
  if (s == NATS_OK) s = natsOptions_SetName(opts, name.c_str());
  // Never give up on the cluster: a node outlives any NATS restart.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 100);
  // Batches of up to kMaxMessageBytes must not wait on a small buffer
  // while the connection is down.
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(opts, 64 << 20);
  if (s == NATS_OK) s = natsConnection_Connect(&log->nc_, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    return FromNats(s, absl::StrCat("connecting to NATS at ",
                                    absl::StrJoin(urls, ",")));
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = kMaxPendingPublishes;
  jo.PublishAsync.AckHandler = &NatsLog::OnAck;
  jo.PublishAsync.AckHandlerClosure = log.get();
  s = natsConnection_JetStream(&log->js_, log->nc_, &jo);
  if (s != NATS_OK) return FromNats(s, "opening the JetStream context");
  return log;
}

NatsLog::~NatsLog() {
  if (js_ != nullptr) {
    // Waits a little for acks of batches still in flight.
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 1000;
    (void)js_PublishAsyncComplete(js_, &po);
    jsCtx_Destroy(js_);
  }
  if (nc_ != nullptr) {
    natsConnection_Close(nc_);
    natsConnection_Destroy(nc_);
  }
}

void NatsLog::OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae,
                    void* closure) {
  auto* log = static_cast<NatsLog*>(closure);
  const char* id = nullptr;
  std::string batch_id;
  if (natsMsgHeader_Get(msg, kBatchIdHeader, &id) == NATS_OK && id != nullptr) {
    batch_id = id;
  }
  if (pa != nullptr) {
    log->on_ack_(batch_id, pa->Sequence);
  } else {
    std::string why = pae == nullptr ? "no answer"
                      : pae->ErrText != nullptr
                          ? std::string(pae->ErrText)
                          : std::string(natsStatus_GetText(pae->Err));
    log->on_ack_(batch_id, absl::UnavailableError(absl::StrCat(
                               "the log did not confirm the batch: ", why)));
  }
  natsMsg_Destroy(msg);
}

namespace {

// JetStream's units: MaxAge in nanoseconds (0: none), MaxMsgs -1 for none.
void ApplyRetention(const StreamRetention& retention, jsStreamConfig& cfg) {
  if (retention.max_age.has_value()) {
    cfg.MaxAge = absl::ToInt64Nanoseconds(*retention.max_age);
  }
  if (retention.max_msgs.has_value()) {
    cfg.MaxMsgs = *retention.max_msgs == 0 ? -1 : *retention.max_msgs;
  }
}

}  // namespace

absl::Status NatsLog::EnsureStream(int partition, int replicas,
                                   absl::Duration within,
                                   const StreamRetention& retention) {
  const std::string name = StreamName(partition);
  const std::string subject = Subject(partition);
  const char* subjects[] = {subject.c_str()};
  const absl::Time give_up = absl::Now() + within;
  absl::Status last;
  for (;;) {
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&si, js_, name.c_str(), nullptr, &jerr);
    if (s == NATS_OK) {
      absl::Status updated = UpdateRetention(si, retention);
      jsStreamInfo_Destroy(si);
      return updated;
    }
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = name.c_str();
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Replicas = replicas;
    cfg.MaxMsgSize = -1;
    ApplyRetention(retention, cfg);
    s = js_AddStream(&si, js_, &cfg, nullptr, &jerr);
    if (s == NATS_OK) {
      jsStreamInfo_Destroy(si);
      return absl::OkStatus();
    }
    last = FromNats(s, absl::StrCat("creating stream ", name, " (error ",
                                    static_cast<int>(jerr), ")"));
    if (absl::Now() > give_up) return last;
    absl::SleepFor(absl::Milliseconds(250));
  }
}

absl::Status NatsLog::UpdateRetention(jsStreamInfo* si,
                                      const StreamRetention& retention) {
  jsStreamConfig* cfg = si->Config;
  const int64_t age = cfg->MaxAge;
  const int64_t msgs = cfg->MaxMsgs;
  ApplyRetention(retention, *cfg);
  if (cfg->MaxAge == age && cfg->MaxMsgs == msgs) return absl::OkStatus();
  jsStreamInfo* updated = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_UpdateStream(&updated, js_, cfg, nullptr, &jerr);
  if (s != NATS_OK) {
    return FromNats(s, absl::StrCat("updating the retention of stream ",
                                    cfg->Name, " (error ",
                                    static_cast<int>(jerr), ")"));
  }
  jsStreamInfo_Destroy(updated);
  return absl::OkStatus();
}

absl::StatusOr<StreamBounds> NatsLog::Bounds(int partition) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js_, StreamName(partition).c_str(),
                                  nullptr, &jerr);
  if (s != NATS_OK) return FromNats(s, "reading the stream's state");
  StreamBounds bounds;
  bounds.first_seq = si->State.FirstSeq;
  bounds.last_seq = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  return bounds;
}

absl::StatusOr<uint64_t> NatsLog::LastSeq(int partition) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js_, StreamName(partition).c_str(),
                                  nullptr, &jerr);
  if (s != NATS_OK) return FromNats(s, "reading the stream's state");
  uint64_t last = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  return last;
}

absl::Status NatsLog::PublishAsync(int partition, const std::string& batch_id,
                                   const std::string& payload) {
  natsMsg* msg = nullptr;
  const std::string subject = Subject(partition);
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, payload.data(),
                                static_cast<int>(payload.size()));
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, kBatchIdHeader, batch_id.c_str());
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = kPublishAckWaitMs;
  if (s == NATS_OK) s = js_PublishMsgAsync(js_, &msg, &po);
  // On success the library owns the message and set msg to null.
  natsMsg_Destroy(msg);
  return FromNats(s, "publishing a batch");
}

NatsLog::Reader::~Reader() {
  if (sub_ != nullptr) {
    (void)natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }
}

absl::StatusOr<std::unique_ptr<LogReader>> NatsLog::Read(
    int partition, uint64_t from_seq) {
  auto reader = std::unique_ptr<Reader>(new Reader());
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = nullptr;
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = from_seq;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(&reader->sub_, js_, Subject(partition).c_str(),
                                  nullptr, &so, &jerr);
  if (s != NATS_OK) {
    return FromNats(s, absl::StrCat("reading stream ", StreamName(partition),
                                    " from ", from_seq));
  }
  // A catching-up replica reads fast: let the client buffer plenty.
  (void)natsSubscription_SetPendingLimits(reader->sub_, 1 << 20, 1 << 30);
  return std::unique_ptr<LogReader>(std::move(reader));
}

absl::StatusOr<std::optional<LogMessage>> NatsLog::Reader::Next(
    absl::Duration timeout) {
  natsMsg* msg = nullptr;
  natsStatus s = natsSubscription_NextMsg(
      &msg, sub_, absl::ToInt64Milliseconds(timeout));
  if (s == NATS_TIMEOUT) return std::optional<LogMessage>();
  if (s != NATS_OK) return FromNats(s, "reading the log");
  LogMessage out;
  jsMsgMetaData* meta = nullptr;
  s = natsMsg_GetMetaData(&meta, msg);
  if (s != NATS_OK) {
    natsMsg_Destroy(msg);
    return FromNats(s, "reading a log message's metadata");
  }
  out.seq = meta->Sequence.Stream;
  jsMsgMetaData_Destroy(meta);
  const char* id = nullptr;
  if (natsMsgHeader_Get(msg, kBatchIdHeader, &id) == NATS_OK && id != nullptr) {
    out.batch_id = id;
  }
  out.payload.assign(natsMsg_GetData(msg),
                     static_cast<size_t>(natsMsg_GetDataLength(msg)));
  natsMsg_Destroy(msg);
  return std::optional<LogMessage>(std::move(out));
}

}  // namespace ledger::cluster
