#include "tools/ledgerd/webhooks/webhook_message.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/base/check.h"
#include "tools/ledgerd/webhooks/webhook_config.h"

namespace ledger::ledgerd {

bool WantsEvent(const std::set<std::string>& kinds,
                std::string_view export_json) {
  if (kinds.empty()) return true;
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(
           google::protobuf::StringPiece(export_json.data(),
                                         export_json.size()),
           &object)
           .ok()) {
    return true;
  }
  const auto& fields = object.fields();
  if (auto kind = fields.find("kind");
      kind != fields.end() && kinds.contains(kind->second.string_value())) {
    return true;
  }
  if (kinds.contains(kKindAlerts)) {
    auto alerts = fields.find("alerts");
    if (alerts != fields.end() && alerts->second.has_list_value() &&
        alerts->second.list_value().values_size() > 0) {
      return true;
    }
  }
  if (kinds.contains(kKindTopUp)) {
    auto top_up = fields.find("top_up");
    if (top_up != fields.end() && !top_up->second.has_null_value()) return true;
  }
  return false;
}

std::string WebhookId(std::string_view event_hash) {
  return absl::StrCat(
      "evt_", absl::BytesToHexString(
                  absl::string_view(event_hash.data(), event_hash.size())));
}

std::string PartitionWebhookId(int partition, std::string_view event_hash) {
  return absl::StrCat(
      "evt_p", partition, "_",
      absl::BytesToHexString(
          absl::string_view(event_hash.data(), event_hash.size())));
}

std::string WebhookSignature(std::string_view key, std::string_view id,
                             int64_t timestamp_s, std::string_view body) {
  const std::string signed_content =
      absl::StrCat(absl::string_view(id.data(), id.size()), ".", timestamp_s,
                   ".", absl::string_view(body.data(), body.size()));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  const unsigned char* done = HMAC(
      EVP_sha256(), key.data(), static_cast<int>(key.size()),
      reinterpret_cast<const unsigned char*>(signed_content.data()),
      signed_content.size(), mac, &mac_len);
  // HMAC fails only when OpenSSL cannot allocate or has no SHA-256: a
  // process in that state cannot sign anything, and an unsigned POST must
  // never go out.
  LEDGER_CHECK(done != nullptr && mac_len == 32) << "HMAC-SHA256 failed";
  return absl::StrCat(
      "v1,", absl::Base64Escape(absl::string_view(
                 reinterpret_cast<const char*>(mac), mac_len)));
}

}  // namespace ledger::ledgerd
