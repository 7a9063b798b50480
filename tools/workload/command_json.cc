#include "tools/workload/command_json.h"

#include <cstdint>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/base/check.h"

namespace ledger::workload {
namespace {

// A JSON string literal: quotes, backslashes and control characters
// escaped; other bytes as they are (the ledger validates UTF-8 itself).
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (byte < 0x20) {
      out += absl::StrFormat("\\u%04x", byte);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// Appends `,"name":VALUE` (or without the comma for the first field).
class FieldWriter {
 public:
  explicit FieldWriter(std::string* out) : out_(out) {}
  void String(std::string_view name, std::string_view value) {
    Name(name);
    *out_ += Quoted(value);
  }
  void Number(std::string_view name, int64_t value) {
    Name(name);
    absl::StrAppend(out_, value);
  }
  template <typename Strings>
  void StringList(std::string_view name, const Strings& values) {
    Name(name);
    *out_ += '[';
    for (const std::string& v : values) {
      if (out_->back() != '[') *out_ += ',';
      *out_ += Quoted(v);
    }
    *out_ += ']';
  }

 private:
  void Name(std::string_view name) {
    if (!first_) *out_ += ',';
    first_ = false;
    *out_ += Quoted(name);
    *out_ += ':';
  }
  std::string* out_;
  bool first_ = true;
};

std::string PurchaseBody(const v1::Purchase& p) {
  std::string body;
  FieldWriter w(&body);
  if (p.has_purchase_id()) w.String("purchase_id", p.purchase_id());
  if (p.has_credits()) w.Number("credits", p.credits());
  if (p.has_amount_minor()) w.Number("amount_minor", p.amount_minor());
  if (p.has_currency()) w.String("currency", p.currency());
  if (p.has_expires_at()) w.String("expires_at", p.expires_at());
  // docs/contract.md section 11: a pack for some categories only.
  if (!p.applies_to().empty()) w.StringList("applies_to", p.applies_to());
  if (p.has_priority()) w.Number("priority", p.priority());
  return body;
}

std::string UseBody(const v1::Use& u) {
  std::string body;
  FieldWriter w(&body);
  if (u.has_usage_id()) w.String("usage_id", u.usage_id());
  if (u.has_category()) w.String("category", u.category());
  if (u.has_credits()) w.Number("credits", u.credits());
  if (u.has_provider()) w.String("provider", u.provider());
  if (u.has_campaign_id()) w.String("campaign_id", u.campaign_id());
  if (u.has_call_id()) w.String("call_id", u.call_id());
  return body;
}

}  // namespace

std::string CommandJson(const v1::Command& command) {
  LEDGER_CHECK(command.has_purchase() || command.has_use())
      << "CommandJson renders purchase and use commands only, not kind "
      << static_cast<int>(command.kind_case());
  std::string out = "{";
  FieldWriter w(&out);
  w.String("key", command.key());
  if (command.has_customer()) w.String("customer", command.customer());
  w.String("at", command.at());
  const bool purchase = command.has_purchase();
  absl::StrAppend(&out, purchase ? R"(,"purchase":{)" : R"(,"use":{)",
                  purchase ? PurchaseBody(command.purchase())
                           : UseBody(command.use()),
                  "}}");
  return out;
}

std::string PurchaseJson(const PurchaseArgs& args) {
  return CommandJson(Purchase(args));
}

std::string UseJson(const UseArgs& args) { return CommandJson(Use(args)); }

}  // namespace ledger::workload
