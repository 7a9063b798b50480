#include "tools/workload/command_json.h"

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
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

// A message's set fields in the schema's order: strings and enum names
// quoted, numbers bare, repeated fields as arrays, messages as objects.
void AppendMessage(const google::protobuf::Message& m, std::string* out);

void AppendValue(const google::protobuf::Message& m,
                 const google::protobuf::FieldDescriptor* f, int index,
                 std::string* out) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      *out += Quoted(rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f));
      return;
    case FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(out, rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
      return;
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(out, rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
      return;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
      return;
    case FieldDescriptor::CPPTYPE_BOOL:
      *out += (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
      return;
    case FieldDescriptor::CPPTYPE_ENUM:
      *out += Quoted((rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f))->name());
      return;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      AppendMessage(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), out);
      return;
    default:
      LEDGER_CHECK(false) << "CommandJson: no JSON form for field " << f->full_name();
  }
}

void AppendMessage(const google::protobuf::Message& m, std::string* out) {
  const google::protobuf::Descriptor* d = m.GetDescriptor();
  const google::protobuf::Reflection* r = m.GetReflection();
  *out += '{';
  bool first = true;
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    const int n = f->is_repeated() ? r->FieldSize(m, f) : r->HasField(m, f) ? 1 : 0;
    if (n == 0) continue;
    absl::StrAppend(out, first ? "" : ",", Quoted(f->name()), ":");
    first = false;
    if (!f->is_repeated()) {
      AppendValue(m, f, 0, out);
      continue;
    }
    *out += '[';
    for (int j = 0; j < n; ++j) {
      if (j > 0) *out += ',';
      AppendValue(m, f, j, out);
    }
    *out += ']';
  }
  *out += '}';
}

}  // namespace

std::string CommandJson(const v1::Command& command) {
  std::string out = "{";
  FieldWriter w(&out);
  w.String("key", command.key());
  if (command.has_customer()) w.String("customer", command.customer());
  if (command.has_at()) w.String("at", command.at());
  if (!command.metadata().empty()) {
    // Sorted: a map's order is not the schema's, and lines must be stable.
    std::vector<std::pair<std::string, std::string>> tags(
        command.metadata().begin(), command.metadata().end());
    std::sort(tags.begin(), tags.end());
    out += R"(,"metadata":{)";
    FieldWriter m(&out);
    for (const auto& [key, value] : tags) m.String(key, value);
    out += '}';
  }
  const google::protobuf::OneofDescriptor* kind =
      command.GetDescriptor()->FindOneofByName("kind");
  const google::protobuf::FieldDescriptor* set =
      command.GetReflection()->GetOneofFieldDescriptor(command, kind);
  if (set != nullptr) {
    absl::StrAppend(&out, ",", Quoted(set->name()), ":");
    AppendMessage(command.GetReflection()->GetMessage(command, set), &out);
  }
  return out + "}";
}

std::string PurchaseJson(const PurchaseArgs& args) {
  return CommandJson(Purchase(args));
}

std::string UseJson(const UseArgs& args) { return CommandJson(Use(args)); }

}  // namespace ledger::workload
