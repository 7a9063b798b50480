#include "tools/ledgerd/webhooks/webhook_config.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "ledger/ledger.h"
#include "ledger/v1/command.pb.h"

namespace ledger::ledgerd {
namespace {

constexpr char kWhsecPrefix[] = "whsec_";

absl::Status BadLine(absl::string_view source, int number,
                     absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(source, ":", number, ": ", why,
                   " (expected `NAME URL SECRET [KINDS]`)"));
}

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

bool IsName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxIdLength) return false;
  for (char c : name) {
    if (!IsIdChar(c)) return false;
  }
  return true;
}

// The command kinds docs/contract.md section 4 names, read from the schema so
// a kind added to the oneof is accepted here without another list to keep.
const std::set<std::string>& CommandKinds() {
  static const std::set<std::string>* kinds = [] {
    auto* out = new std::set<std::string>();
    const google::protobuf::OneofDescriptor* oneof =
        v1::Command::descriptor()->FindOneofByName("kind");
    for (int i = 0; oneof != nullptr && i < oneof->field_count(); ++i) {
      out->insert(oneof->field(i)->name());
    }
    return out;
  }();
  return *kinds;
}

absl::StatusOr<std::set<std::string>> ParseKinds(absl::string_view list) {
  std::set<std::string> kinds;
  for (absl::string_view entry : absl::StrSplit(list, ',')) {
    if (entry.empty()) return absl::InvalidArgumentError("an empty KINDS entry");
    std::string kind(entry);
    if (kind != kKindAlerts && kind != kKindTopUp &&
        !CommandKinds().contains(kind)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown KINDS entry '", kind,
          "' (a command kind such as use or purchase, or alerts, top_up)"));
    }
    kinds.insert(std::move(kind));
  }
  return kinds;
}

// The words of a line before its comment: `#` starts one at the start of
// a word only.
std::vector<absl::string_view> Words(absl::string_view line) {
  std::vector<absl::string_view> words;
  for (absl::string_view word :
       absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty())) {
    if (absl::StartsWith(word, "#")) break;
    words.push_back(word);
  }
  return words;
}

}  // namespace

absl::StatusOr<std::string> SigningKeyOf(std::string_view secret) {
  if (!secret.starts_with(kWhsecPrefix)) return std::string(secret);
  std::string key;
  const std::string_view encoded = secret.substr(sizeof(kWhsecPrefix) - 1);
  if (encoded.empty() ||
      !absl::Base64Unescape(absl::string_view(encoded.data(), encoded.size()),
                            &key) ||
      key.empty()) {
    return absl::InvalidArgumentError(
        "a SECRET that starts with whsec_ must go on in base64 (the key's "
        "bytes)");
  }
  return key;
}

absl::StatusOr<std::vector<WebhookEndpoint>> ParseWebhooks(
    std::string_view text_view, std::string_view source_view) {
  const absl::string_view text(text_view.data(), text_view.size());
  const absl::string_view source(source_view.data(), source_view.size());
  std::vector<WebhookEndpoint> endpoints;
  std::set<std::string> names;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    const std::vector<absl::string_view> words = Words(line);
    if (words.empty()) continue;
    if (words.size() < 3 || words.size() > 4) {
      return BadLine(source, number, "wrong number of words");
    }
    WebhookEndpoint e;
    e.name = std::string(words[0]);
    if (!IsName(e.name)) {
      return BadLine(source, number,
                     "NAME must be 1 to 64 characters of [A-Za-z0-9._:-]");
    }
    if (!names.insert(e.name).second) {
      return BadLine(source, number,
                     absl::StrCat("NAME '", e.name, "' is used twice"));
    }
    e.url = std::string(words[1]);
    if (!absl::StartsWith(e.url, "http://") &&
        !absl::StartsWith(e.url, "https://")) {
      return BadLine(source, number, "URL must start with http:// or https://");
    }
    if (words[2].size() < kMinWebhookSecretChars) {
      return BadLine(source, number,
                     absl::StrCat("SECRET must have at least ",
                                  kMinWebhookSecretChars, " characters"));
    }
    absl::StatusOr<std::string> key =
        SigningKeyOf(std::string_view(words[2].data(), words[2].size()));
    if (!key.ok()) return BadLine(source, number, key.status().message());
    e.signing_key = *std::move(key);
    if (words.size() == 4) {
      absl::StatusOr<std::set<std::string>> kinds = ParseKinds(words[3]);
      if (!kinds.ok()) return BadLine(source, number, kinds.status().message());
      e.kinds = *std::move(kinds);
    }
    endpoints.push_back(std::move(e));
    if (endpoints.size() > kMaxWebhookEndpoints) {
      return BadLine(source, number,
                     absl::StrCat("more than ", kMaxWebhookEndpoints,
                                  " endpoints"));
    }
  }
  return endpoints;
}

absl::StatusOr<std::vector<WebhookEndpoint>> LoadWebhooks(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::vector<WebhookEndpoint>> endpoints =
      ParseWebhooks(text.str(), path);
  if (endpoints.ok() && endpoints->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": names no endpoint (`NAME URL SECRET [KINDS]`)"));
  }
  return endpoints;
}

}  // namespace ledger::ledgerd
