#include "ledger/rules/command_validation.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/balance.h"
#include "ledger/base/check.h"
#include "ledger/limits.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/deterministic_bytes.h"
#include "ledger/base/utf8.h"
#include "ledger/time_util.h"
#include "ledger/v1/types.pb.h"

namespace ledger {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Struct;
using google::protobuf::Value;

// Longest excerpt of a bad value quoted back in a message.
constexpr size_t kMaxQuotedBytes = 80;

absl::Status Invalid(std::string_view message) {
  return absl::InvalidArgumentError(std::string(message));
}

// A value as a message may quote it: escaped, and cut when long.
std::string Quote(const std::string& value) {
  std::string shown = absl::CHexEscape(value.substr(0, kMaxQuotedBytes));
  return absl::StrCat("'", shown, value.size() > kMaxQuotedBytes ? "...'" : "'");
}

// ---------------------------------------------------------------------------
// JSON shape: protobuf's parser is lenient where the contract is not. It
// accepts lowerCamelCase aliases ("purchaseId"), int64 written as strings
// ("1000"), and null for "absent". Walking the generic JSON tree against the
// descriptor first keeps exactly one spelling of each command.

absl::Status CheckShape(const Struct& object, const Descriptor& type,
                        const std::string& path);

const char* JsonKind(const Value& v) {
  switch (v.kind_case()) {
    case Value::kNullValue: return "null";
    case Value::kNumberValue: return "a number";
    case Value::kStringValue: return "a string";
    case Value::kBoolValue: return "a boolean";
    case Value::kStructValue: return "an object";
    case Value::kListValue: return "an array";
    default: return "nothing";
  }
}

absl::Status CheckFieldShape(const Value& v, const FieldDescriptor& field,
                             const std::string& name) {
  auto wrong = [&](const char* want) {
    return Invalid(absl::StrCat(name, " must be ", want, ", got ", JsonKind(v)));
  };
  if (field.is_map()) {
    // Only metadata is a map: an object whose values are strings.
    if (!v.has_struct_value()) return wrong("an object");
    for (const auto& [key, value] : v.struct_value().fields()) {
      if (!value.has_string_value()) {
        return Invalid(absl::StrCat(name, ".", key, " must be a string, got ",
                                    JsonKind(value)));
      }
    }
    return absl::OkStatus();
  }
  if (field.is_repeated()) {
    // Two lists: set_alerts.thresholds, an array of objects (its length is
    // bounded by the line limit here and by the kind's own rule later), and
    // applies_to, of strings and never empty (an empty list would read as
    // "every category", which is said by leaving it out).
    if (!v.has_list_value()) return wrong("an array");
    const auto& items = v.list_value().values();
    if (field.type() == FieldDescriptor::TYPE_STRING) {
      if (items.empty()) {
        return Invalid(absl::StrCat(name, " must list at least one value; leave it out "
                                          "for every category"));
      }
      for (const Value& item : items) {
        if (!item.has_string_value()) {
          return Invalid(absl::StrCat(name, " must hold strings, got ", JsonKind(item)));
        }
      }
      return absl::OkStatus();
    }
    for (int i = 0; i < items.size(); ++i) {
      const Value& item = items.Get(i);
      const std::string item_name = absl::StrCat(name, "[", i, "]");
      if (field.type() != FieldDescriptor::TYPE_MESSAGE) {
        return Invalid(absl::StrCat(name, " has a type commands do not use"));
      }
      if (!item.has_struct_value()) {
        return Invalid(absl::StrCat(item_name, " must be an object, got ",
                                    JsonKind(item)));
      }
      RETURN_IF_ERROR(
          CheckShape(item.struct_value(), *field.message_type(), item_name));
    }
    return absl::OkStatus();
  }
  switch (field.type()) {
    case FieldDescriptor::TYPE_STRING:
      if (!v.has_string_value()) return wrong("a string");
      return absl::OkStatus();
    case FieldDescriptor::TYPE_BOOL:
      if (!v.has_bool_value()) return wrong("true or false");
      return absl::OkStatus();
    case FieldDescriptor::TYPE_INT64: {
      if (!v.has_number_value()) return wrong("an integer number");
      double d = v.number_value();
      if (!std::isfinite(d) || std::trunc(d) != d) {
        return Invalid(absl::StrCat(name, " must be a whole number, got ", d));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::TYPE_MESSAGE:
      if (!v.has_struct_value()) return wrong("an object");
      return CheckShape(v.struct_value(), *field.message_type(), name);
    default:
      // command.proto uses no other field types.
      return Invalid(absl::StrCat(name, " has a type commands do not use"));
  }
}

absl::Status CheckShape(const Struct& object, const Descriptor& type,
                        const std::string& path) {
  // Map order varies; sorted keys make the message the same every time.
  std::vector<std::string> keys;
  for (const auto& entry : object.fields()) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    const Value& value = object.fields().at(key);
    std::string name = path.empty() ? key : absl::StrCat(path, ".", key);
    // FindFieldByName matches the proto name only, never the camelCase alias.
    const FieldDescriptor* field = type.FindFieldByName(key);
    if (field == nullptr && path.empty() &&
        (key == "actor" || key == "recorded_at")) {
      // docs/contract.md section 16: the ledger records who sent a command
      // and when it wrote it; a client may not claim either.
      return Invalid(absl::StrCat(
          Quote(key), " is set by the ledger, never by the client (",
          key == "actor" ? "the name of the caller's token, or apply's --actor"
                         : "the writer's clock when the command was accepted",
          "): remove it from the command"));
    }
    if (field == nullptr) {
      return Invalid(absl::StrCat("unknown field ", Quote(name)));
    }
    RETURN_IF_ERROR(CheckFieldShape(value, *field, name));
  }
  return absl::OkStatus();
}

// A command is an object holding objects of scalars: two levels. Protobuf
// 3.21 bounds nested objects but not nested arrays, and its time grows with
// the square of their depth (12000 levels take seconds), so a line nested
// deeper than any command could be is refused before protobuf sees it.
constexpr int kMaxJsonNesting = 16;

absl::Status CheckNesting(std::string_view json) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonNesting) {
        return Invalid(absl::StrCat("JSON nested deeper than ",
                                    kMaxJsonNesting,
                                    " levels; a command needs 2"));
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return absl::OkStatus();
}

absl::Status ParseJsonObject(std::string_view json, Struct* object) {
  RETURN_IF_ERROR(CheckNesting(json));
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), object, options);
  if (!status.ok()) {
    // protobuf's message reads "Unexpected token.\n<the input>\n   ^": the
    // first line says what, the rest repeats the input across lines.
    std::string what(status.message());
    what.resize(std::min(what.size(), what.find('\n')));
    while (!what.empty() && (what.back() == '.' || what.back() == ' ')) {
      what.pop_back();
    }
    return Invalid(absl::StrCat(
        "not a JSON object (", what,
        "): a command is one JSON object on one line; check its quotes, "
        "commas and braces"));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// From the checked JSON tree to the command. This used to be a second
// protobuf JSON parse of the same line; that parse (JSON to binary through
// protobuf's stream converter, then binary to message) was a quarter of
// `ledgerctl apply`'s CPU (docs/benchmarks.md, "The JSON path"), and its
// errors spoke protobuf ("TYPE_INT64", "oneof field 'kind' is already set").
// Numbers arrive as doubles: every integer a command may hold (at most
// kMaxCredits = 10^15) is below 2^53, so it is exact; a larger one is out of
// every range and refused here.

constexpr double kExactIntegerLimit = 9007199254740992.0;  // 2^53

absl::Status FillMessage(const Struct& object, google::protobuf::Message& m,
                         const std::string& path);

absl::Status FillField(const Value& v, const FieldDescriptor& f,
                       google::protobuf::Message& m, const std::string& name) {
  const google::protobuf::Reflection* r = m.GetReflection();
  if (f.is_map()) {
    const Descriptor* entry = f.message_type();
    const FieldDescriptor* key_field = entry->FindFieldByNumber(1);
    const FieldDescriptor* value_field = entry->FindFieldByNumber(2);
    std::vector<std::string> keys;  // sorted: the same stored order every time
    for (const auto& [key, value] : v.struct_value().fields()) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    for (const std::string& key : keys) {
      google::protobuf::Message* e = r->AddMessage(&m, &f);
      e->GetReflection()->SetString(e, key_field, key);
      e->GetReflection()->SetString(e, value_field,
                                    v.struct_value().fields().at(key).string_value());
    }
    return absl::OkStatus();
  }
  if (f.is_repeated()) {  // CheckFieldShape: strings, or objects
    const auto& items = v.list_value().values();
    for (int i = 0; i < items.size(); ++i) {
      if (f.type() == FieldDescriptor::TYPE_STRING) {
        r->AddString(&m, &f, items.Get(i).string_value());
        continue;
      }
      RETURN_IF_ERROR(FillMessage(items.Get(i).struct_value(),
                                  *r->AddMessage(&m, &f),
                                  absl::StrCat(name, "[", i, "]")));
    }
    return absl::OkStatus();
  }
  switch (f.type()) {
    case FieldDescriptor::TYPE_STRING:
      r->SetString(&m, &f, v.string_value());
      return absl::OkStatus();
    case FieldDescriptor::TYPE_BOOL:
      r->SetBool(&m, &f, v.bool_value());
      return absl::OkStatus();
    case FieldDescriptor::TYPE_INT64: {
      const double d = v.number_value();  // whole: CheckFieldShape
      if (std::fabs(d) >= kExactIntegerLimit) {
        return Invalid(absl::StrCat(name, ": the number ", d,
                                    " is out of range for any field of a command"));
      }
      r->SetInt64(&m, &f, static_cast<int64_t>(d));
      return absl::OkStatus();
    }
    case FieldDescriptor::TYPE_MESSAGE:
      return FillMessage(v.struct_value(), *r->MutableMessage(&m, &f), name);
    default:
      return Invalid(absl::StrCat(name, " has a type commands do not use"));
  }
}

absl::Status FillMessage(const Struct& object, google::protobuf::Message& m,
                         const std::string& path) {
  const Descriptor& type = *m.GetDescriptor();
  const google::protobuf::Reflection* r = m.GetReflection();
  std::vector<std::string> keys;  // sorted, so messages are stable
  for (const auto& entry : object.fields()) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    const FieldDescriptor* f = type.FindFieldByName(key);
    LEDGER_CHECK(f != nullptr) << "FillMessage before CheckShape: " << key;
    const google::protobuf::OneofDescriptor* oneof = f->containing_oneof();
    if (oneof != nullptr && r->HasOneof(m, oneof)) {
      return Invalid(absl::StrCat(
          "a command has exactly one kind; found both '",
          r->GetOneofFieldDescriptor(m, oneof)->name(), "' and '", key, "'"));
    }
    const std::string name = path.empty() ? key : absl::StrCat(path, ".", key);
    RETURN_IF_ERROR(FillField(object.fields().at(key), *f, m, name));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Field rules (docs/contract.md sections 1, 4).

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
}

absl::Status Required(bool present, const std::string& name) {
  if (present) return absl::OkStatus();
  return Invalid(absl::StrCat(name, " is required"));
}

absl::Status CheckId(bool present, const std::string& value,
                     const std::string& name) {
  RETURN_IF_ERROR(Required(present, name));
  bool ok = !value.empty() && value.size() <= kMaxIdLength;
  for (char c : value) ok = ok && IsIdChar(c);
  if (ok) return absl::OkStatus();
  return Invalid(absl::StrCat(name, " must be 1-", kMaxIdLength,
                              " characters of [A-Za-z0-9._:-], got ",
                              Quote(value)));
}

// ASCII control characters (NUL, newlines, escapes, DEL) have no place in
// a line of text meant for people, and NUL truncates it in C tools and logs.
bool HasControl(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return true;
  }
  return false;
}

absl::Status CheckText(bool present, const std::string& value,
                       const std::string& name) {
  RETURN_IF_ERROR(Required(present, name));
  if (value.empty() || value.size() > kMaxTextBytes || !IsValidUtf8(value) ||
      HasControl(value)) {
    return Invalid(absl::StrCat(name, " must be 1-", kMaxTextBytes,
                                " bytes of UTF-8 without control characters, got ",
                                value.size(), " bytes ", Quote(value)));
  }
  return absl::OkStatus();
}

absl::Status CheckRange(bool present, int64_t value, int64_t lo, int64_t hi,
                        const std::string& name) {
  RETURN_IF_ERROR(Required(present, name));
  if (value >= lo && value <= hi) return absl::OkStatus();
  return Invalid(absl::StrCat(name, " must be ", lo, "..", hi, ", got ", value));
}

absl::Status CheckCredits(bool present, int64_t value, const std::string& name) {
  return CheckRange(present, value, 1, kMaxCredits, name);
}

absl::Status CheckAmount(bool present, int64_t value, const std::string& name) {
  return CheckRange(present, value, 0, kMaxAmountMinor, name);
}

absl::Status CheckCurrency(bool present, const std::string& value,
                           const std::string& name) {
  RETURN_IF_ERROR(Required(present, name));
  bool ok = value.size() == 3;
  for (char c : value) ok = ok && c >= 'A' && c <= 'Z';
  if (ok) return absl::OkStatus();
  return Invalid(absl::StrCat(name, " must be three capital letters (ISO 4217), got ",
                              Quote(value)));
}

// `value` must be one of `names` (docs/contract.md section 4 enumerations).
absl::Status CheckName(bool present, const std::string& value,
                       std::initializer_list<const char*> names,
                       const std::string& name) {
  RETURN_IF_ERROR(Required(present, name));
  std::string list;
  for (const char* n : names) {
    if (value == n) return absl::OkStatus();
    absl::StrAppend(&list, list.empty() ? "" : ", ", n);
  }
  return Invalid(absl::StrCat(name, " must be one of ", list, ", got ", Quote(value)));
}

absl::Status CheckCategory(bool present, const std::string& value,
                           const std::string& name) {
  return CheckName(present, value,
                   {"AI_PROCESSING", "VOICE_GENERATION", "AUTOMATED_CALL",
                    "TELEPHONY_USAGE", "CAMPAIGN_EXECUTION",
                    "PHONE_NUMBER_RENTAL", "REGULATORY_FEE"},
                   name);
}

// docs/contract.md section 11: applies_to lists 1-7 distinct categories
// (absent: every category), priority is 0..100 (absent: 50).
absl::Status CheckScope(const google::protobuf::RepeatedPtrField<std::string>& applies_to,
                        bool has_priority, int64_t priority, const std::string& kind) {
  const std::string list = absl::StrCat(kind, ".applies_to");
  // The categories are numbered 1..Category_MAX, one per contract name.
  if (applies_to.size() > v1::Category_MAX) {
    return Invalid(absl::StrCat(list, " lists at most the ", v1::Category_MAX,
                                " categories, got ",
                                applies_to.size()));
  }
  for (int i = 0; i < applies_to.size(); ++i) {
    RETURN_IF_ERROR(CheckCategory(true, applies_to[i], absl::StrCat(list, "[", i, "]")));
    for (int j = 0; j < i; ++j) {
      if (applies_to[j] == applies_to[i]) {
        return Invalid(absl::StrCat(list, " names ", applies_to[i],
                                    " twice; its categories must be distinct"));
      }
    }
  }
  if (!has_priority) return absl::OkStatus();
  return CheckRange(true, priority, 0, kMaxLotPriority, absl::StrCat(kind, ".priority"));
}

template <typename Kind>
absl::Status CheckScopeOf(const Kind& k, const std::string& kind) {
  return CheckScope(k.applies_to(), k.has_priority(), k.priority(), kind);
}

absl::Status CheckProvider(bool present, const std::string& value,
                           const std::string& name) {
  if (!present) return absl::OkStatus();  // optional
  return CheckName(true, value, {"TWILIO", "TELNYX", "OTHER_CARRIER"}, name);
}

// Abuse reasons only (policy 8): CHARGEBACK and REINSTATED are set by the
// ledger itself, never named by a caller.
absl::Status CheckAbuseReason(bool present, const std::string& value,
                              const std::string& name) {
  return CheckName(present, value,
                   {"SPAM_CALLING", "ROBOCALL_ABUSE", "FRAUD", "HARASSMENT",
                    "TELECOM_VIOLATION"},
                   name);
}

absl::Status CheckOptionalId(bool present, const std::string& value,
                             const std::string& name) {
  return present ? CheckId(true, value, name) : absl::OkStatus();
}

// What to tell a person whose time does not parse. The two usual slips, a
// time without a zone and a space instead of 'T', get the fix spelled out
// (absl's own error says only "Failed to parse input").
std::string TimeHint(const std::string& value, const std::string& name,
                     const absl::Status& error) {
  if (ParseTimeUs(value + "Z").ok()) {
    return absl::StrCat(name, ": time has no zone; add Z or an offset like "
                        "+02:00, got ", Quote(value));
  }
  std::string with_t = value;
  if (with_t.size() > 10 && with_t[10] == ' ') {
    with_t[10] = 'T';
    if (ParseTimeUs(with_t).ok() || ParseTimeUs(with_t + "Z").ok()) {
      return absl::StrCat(name, ": write 'T' between the date and the time, "
                          "as in 2026-03-08T10:00:00Z, got ", Quote(value));
    }
  }
  return absl::StrCat(name, ": ", std::string(error.message()),
                      "; expected RFC 3339, as in 2026-03-08T10:00:00Z");
}

// Parses a time field; `*us` gets its value.
absl::Status ParseTimeField(bool present, const std::string& value,
                            const std::string& name, int64_t* us) {
  RETURN_IF_ERROR(Required(present, name));
  absl::StatusOr<int64_t> parsed = ParseTimeUs(value);
  if (!parsed.ok()) return Invalid(TimeHint(value, name, parsed.status()));
  *us = *parsed;
  return absl::OkStatus();
}

// A time that must come strictly after the command's `at`.
absl::Status CanonicalLaterTime(bool present, const std::string& value,
                                const std::string& name, int64_t at_us) {
  int64_t us = 0;
  RETURN_IF_ERROR(ParseTimeField(present, value, name, &us));
  if (us > at_us) return absl::OkStatus();
  return Invalid(absl::StrCat(name, " ", FormatTimeUs(us), " must be later than at ",
                              FormatTimeUs(at_us)));
}

absl::Status OptionalLaterTime(bool present, const std::string& value,
                               const std::string& name, int64_t at_us) {
  if (!present) return absl::OkStatus();
  return CanonicalLaterTime(true, value, name, at_us);
}

bool IsTimeField(const FieldDescriptor& f) {
  const std::string& n = f.name();
  return f.type() == FieldDescriptor::TYPE_STRING &&
         (n == "at" || n == "expires_at" || n == "period_end" || n == "credits_expire_at");
}

// One validated time field, rewritten in FormatTimeUs form unless it is;
// `rewritten` is set when it was.
void CanonicalizeTime(google::protobuf::Message& m, const FieldDescriptor& f,
                      bool& rewritten) {
  const google::protobuf::Reflection* r = m.GetReflection();
  const std::string& written = r->GetString(m, &f);
  // Most times arrive canonical (every replayed one must): no rewrite.
  if (IsCanonicalTime(written)) return;
  absl::StatusOr<int64_t> us = ParseTimeUs(written);
  LEDGER_CHECK(us.ok()) << "CanonicalizeTimes on an unvalidated time in field "
                        << f.full_name() << ": " << us.status();
  r->SetString(&m, &f, FormatTimeUs(*us));
  rewritten = true;
}

// What canonicalization visits in one message type, worked out once from
// the descriptors: listing a command's fields by reflection (ListFields, a
// vector and a sort per message) cost more than the rewrites themselves,
// on the write path and in replay, which canonicalizes every command again.
struct CanonicalPlan {
  // Singular message fields outside a oneof, and the oneofs, whose set
  // field may be a message: their times are canonicalized too.
  std::vector<const FieldDescriptor*> messages;
  std::vector<const google::protobuf::OneofDescriptor*> oneofs;
  std::vector<const FieldDescriptor*> times;    // singular, IsTimeField, outside a oneof
  const FieldDescriptor* applies_to = nullptr;  // repeated, when the type has it
};

// The plans of v1::Command and of every message type under it.
class CanonicalPlans {
 public:
  static const CanonicalPlans& Get() {
    static const CanonicalPlans* const plans = new CanonicalPlans();
    return *plans;
  }
  const CanonicalPlan& For(const Descriptor* type) const {
    auto it = plans_.find(type);
    LEDGER_CHECK(it != plans_.end()) << "no canonical plan for " << type->full_name();
    return it->second;
  }
  const google::protobuf::OneofDescriptor* kind() const { return kind_; }

 private:
  CanonicalPlans() : kind_(v1::Command::descriptor()->FindOneofByName("kind")) {
    LEDGER_CHECK(kind_ != nullptr) << "v1.Command has no oneof kind";
    Add(v1::Command::descriptor());
  }
  void Add(const Descriptor* type) {
    if (!plans_.try_emplace(type).second) return;  // done, or being done
    CanonicalPlan plan;
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* f = type->field(i);
      if (f->name() == "applies_to" && f->is_repeated()) plan.applies_to = f;
      if (f->is_repeated()) continue;  // metadata: free text, no times
      // A oneof's set field is visited through plan.oneofs, not here.
      const bool in_oneof = f->real_containing_oneof() != nullptr;
      if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
        if (!in_oneof) plan.messages.push_back(f);
        Add(f->message_type());
      } else if (IsTimeField(*f) && !in_oneof) {
        plan.times.push_back(f);
      }
    }
    for (int i = 0; i < type->real_oneof_decl_count(); ++i) {
      plan.oneofs.push_back(type->oneof_decl(i));  // real ones come first
    }
    plans_[type] = std::move(plan);
  }

  const google::protobuf::OneofDescriptor* const kind_;
  absl::flat_hash_map<const Descriptor*, CanonicalPlan> plans_;
};

// The order of applies_to carries no meaning (docs/contract.md section 11),
// for KEY_REUSED too: it is kept sorted by category number, the contract's
// order, so the canonical command and its fingerprint do not depend on it.
void CanonicalizeScope(const CanonicalPlans& plans, google::protobuf::Message& kind,
                       bool& rewritten) {
  const FieldDescriptor* f = plans.For(kind.GetDescriptor()).applies_to;
  const google::protobuf::Reflection* r = kind.GetReflection();
  if (f == nullptr || r->FieldSize(kind, f) < 2) return;
  std::vector<std::pair<int, std::string>> entries;
  for (int i = 0; i < r->FieldSize(kind, f); ++i) {
    std::string name = r->GetRepeatedString(kind, f, i);
    v1::Category c = v1::CATEGORY_UNSPECIFIED;
    v1::Category_Parse(name, &c);  // validated
    entries.emplace_back(static_cast<int>(c), std::move(name));
  }
  if (std::is_sorted(entries.begin(), entries.end())) return;
  std::sort(entries.begin(), entries.end());
  for (int i = 0; i < static_cast<int>(entries.size()); ++i) {
    r->SetRepeatedString(&kind, f, i, entries[i].second);
  }
  rewritten = true;
}

// Rewrites every time of a validated command into FormatTimeUs form, so
// that equal instants written differently compare (and hash) equal;
// `rewritten` is set when one was.
void CanonicalizeTimes(const CanonicalPlans& plans, google::protobuf::Message& m,
                       bool& rewritten) {
  const CanonicalPlan& plan = plans.For(m.GetDescriptor());
  const google::protobuf::Reflection* r = m.GetReflection();
  for (const FieldDescriptor* f : plan.messages) {
    if (r->HasField(m, f)) {
      CanonicalizeTimes(plans, *r->MutableMessage(&m, f), rewritten);
    }
  }
  for (const google::protobuf::OneofDescriptor* oneof : plan.oneofs) {
    const FieldDescriptor* f = r->GetOneofFieldDescriptor(m, oneof);
    if (f == nullptr) continue;
    if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      CanonicalizeTimes(plans, *r->MutableMessage(&m, f), rewritten);
    } else if (IsTimeField(*f)) {
      CanonicalizeTime(m, *f, rewritten);
    }
  }
  for (const FieldDescriptor* f : plan.times) {
    if (r->HasField(m, f)) CanonicalizeTime(m, *f, rewritten);
  }
}

// ---------------------------------------------------------------------------
// One function per kind: the fields of the docs/contract.md section 4 table.

absl::Status ValidatePurchase(const v1::Purchase& k, int64_t at_us) {
  RETURN_IF_ERROR(CheckId(k.has_purchase_id(), k.purchase_id(), "purchase.purchase_id"));
  RETURN_IF_ERROR(CheckCredits(k.has_credits(), k.credits(), "purchase.credits"));
  RETURN_IF_ERROR(CheckAmount(k.has_amount_minor(), k.amount_minor(), "purchase.amount_minor"));
  RETURN_IF_ERROR(CheckCurrency(k.has_currency(), k.currency(), "purchase.currency"));
  RETURN_IF_ERROR(CheckOptionalId(k.has_top_up_request_id(), k.top_up_request_id(),
                                  "purchase.top_up_request_id"));
  RETURN_IF_ERROR(OptionalLaterTime(k.has_expires_at(), k.expires_at(),
                                    "purchase.expires_at", at_us));
  return CheckScopeOf(k, "purchase");
}

absl::Status ValidateSubscribe(const v1::Subscribe& k, int64_t at_us) {
  RETURN_IF_ERROR(CheckId(k.has_period_id(), k.period_id(), "subscribe.period_id"));
  RETURN_IF_ERROR(CheckId(k.has_plan(), k.plan(), "subscribe.plan"));
  RETURN_IF_ERROR(CheckCredits(k.has_credits(), k.credits(), "subscribe.credits"));
  RETURN_IF_ERROR(CheckAmount(k.has_amount_minor(), k.amount_minor(), "subscribe.amount_minor"));
  RETURN_IF_ERROR(CheckCurrency(k.has_currency(), k.currency(), "subscribe.currency"));
  RETURN_IF_ERROR(CanonicalLaterTime(k.has_period_end(), k.period_end(),
                                     "subscribe.period_end", at_us));
  RETURN_IF_ERROR(OptionalLaterTime(k.has_credits_expire_at(), k.credits_expire_at(),
                                    "subscribe.credits_expire_at", at_us));
  return CheckScopeOf(k, "subscribe");
}

absl::Status ValidateRenew(const v1::Renew& k, int64_t at_us) {
  RETURN_IF_ERROR(CheckId(k.has_period_id(), k.period_id(), "renew.period_id"));
  RETURN_IF_ERROR(CheckCredits(k.has_credits(), k.credits(), "renew.credits"));
  RETURN_IF_ERROR(CheckAmount(k.has_amount_minor(), k.amount_minor(), "renew.amount_minor"));
  RETURN_IF_ERROR(CanonicalLaterTime(k.has_period_end(), k.period_end(),
                                     "renew.period_end", at_us));
  RETURN_IF_ERROR(OptionalLaterTime(k.has_credits_expire_at(), k.credits_expire_at(),
                                    "renew.credits_expire_at", at_us));
  return CheckScopeOf(k, "renew");
}

absl::Status ValidateUse(const v1::Use& k) {
  RETURN_IF_ERROR(CheckId(k.has_usage_id(), k.usage_id(), "use.usage_id"));
  RETURN_IF_ERROR(CheckCategory(k.has_category(), k.category(), "use.category"));
  RETURN_IF_ERROR(CheckCredits(k.has_credits(), k.credits(), "use.credits"));
  RETURN_IF_ERROR(CheckProvider(k.has_provider(), k.provider(), "use.provider"));
  RETURN_IF_ERROR(CheckOptionalId(k.has_campaign_id(), k.campaign_id(), "use.campaign_id"));
  return CheckOptionalId(k.has_call_id(), k.call_id(), "use.call_id");
}

absl::Status ValidateHold(const v1::Hold& k, int64_t at_us) {
  RETURN_IF_ERROR(CheckId(k.has_hold_id(), k.hold_id(), "hold.hold_id"));
  RETURN_IF_ERROR(CheckCredits(k.has_credits(), k.credits(), "hold.credits"));
  RETURN_IF_ERROR(CanonicalLaterTime(k.has_expires_at(), k.expires_at(),
                                     "hold.expires_at", at_us));
  if (!k.has_category()) return absl::OkStatus();  // optional
  return CheckCategory(true, k.category(), "hold.category");
}

absl::Status ValidateCapture(const v1::Capture& k) {
  RETURN_IF_ERROR(CheckId(k.has_hold_id(), k.hold_id(), "capture.hold_id"));
  RETURN_IF_ERROR(CheckId(k.has_usage_id(), k.usage_id(), "capture.usage_id"));
  RETURN_IF_ERROR(CheckCategory(k.has_category(), k.category(), "capture.category"));
  RETURN_IF_ERROR(CheckCredits(k.has_credits(), k.credits(), "capture.credits"));
  RETURN_IF_ERROR(CheckProvider(k.has_provider(), k.provider(), "capture.provider"));
  RETURN_IF_ERROR(CheckOptionalId(k.has_campaign_id(), k.campaign_id(), "capture.campaign_id"));
  return CheckOptionalId(k.has_call_id(), k.call_id(), "capture.call_id");
}

absl::Status ValidateCompensate(const v1::Compensate& k, int64_t at_us) {
  RETURN_IF_ERROR(CheckId(k.has_adjustment_id(), k.adjustment_id(), "compensate.adjustment_id"));
  RETURN_IF_ERROR(CheckId(k.has_usage_id(), k.usage_id(), "compensate.usage_id"));
  RETURN_IF_ERROR(CheckCredits(k.has_credits(), k.credits(), "compensate.credits"));
  RETURN_IF_ERROR(CheckText(k.has_verified_by(), k.verified_by(), "compensate.verified_by"));
  RETURN_IF_ERROR(OptionalLaterTime(k.has_expires_at(), k.expires_at(),
                                    "compensate.expires_at", at_us));
  return CheckScopeOf(k, "compensate");
}

absl::Status ValidateGrant(const v1::Grant& k, int64_t at_us) {
  RETURN_IF_ERROR(CheckId(k.has_grant_id(), k.grant_id(), "grant.grant_id"));
  RETURN_IF_ERROR(CheckCredits(k.has_credits(), k.credits(), "grant.credits"));
  RETURN_IF_ERROR(CheckText(k.has_reason(), k.reason(), "grant.reason"));
  RETURN_IF_ERROR(OptionalLaterTime(k.has_expires_at(), k.expires_at(),
                                    "grant.expires_at", at_us));
  return CheckScopeOf(k, "grant");
}

absl::Status ValidateVoidGrant(const v1::VoidGrant& k) {
  RETURN_IF_ERROR(CheckId(k.has_lot_id(), k.lot_id(), "void_grant.lot_id"));
  return CheckText(k.has_reason(), k.reason(), "void_grant.reason");
}

absl::Status ValidateSetPolicy(const v1::SetPolicy& k) {
  RETURN_IF_ERROR(CheckId(k.has_version(), k.version(), "set_policy.version"));
  RETURN_IF_ERROR(CheckRange(k.has_refund_window_hours(), k.refund_window_hours(), 0,
                             kMaxWindowHours, "set_policy.refund_window_hours"));
  RETURN_IF_ERROR(CheckRange(k.has_inquiry_window_hours(), k.inquiry_window_hours(), 0,
                             kMaxWindowHours, "set_policy.inquiry_window_hours"));
  if (!k.has_clock_skew_seconds()) return absl::OkStatus();  // 0, the default
  return CheckRange(true, k.clock_skew_seconds(), 0, kMaxClockSkewSeconds,
                    "set_policy.clock_skew_seconds");
}

// docs/contract.md section 12. SortThresholds then puts a valid list in
// its canonical order.
absl::Status ValidateSetAlerts(const v1::SetAlerts& k) {
  if (k.thresholds_size() > static_cast<int>(kMaxAlertThresholds)) {
    return Invalid(absl::StrCat("set_alerts.thresholds holds at most ",
                                kMaxAlertThresholds, " entries, got ",
                                k.thresholds_size()));
  }
  for (int i = 0; i < k.thresholds_size(); ++i) {
    const v1::AlertThreshold& t = k.thresholds(i);
    const std::string name = absl::StrCat("set_alerts.thresholds[", i, "]");
    RETURN_IF_ERROR(CheckId(t.has_code(), t.code(), name + ".code"));
    RETURN_IF_ERROR(CheckRange(t.has_credits(), t.credits(), 0, kMaxCredits,
                               name + ".credits"));
  }
  std::vector<std::string> codes;
  for (const v1::AlertThreshold& t : k.thresholds()) codes.push_back(t.code());
  std::sort(codes.begin(), codes.end());
  auto twice = std::adjacent_find(codes.begin(), codes.end());
  if (twice != codes.end()) {
    return Invalid(absl::StrCat("set_alerts.thresholds: code ", Quote(*twice),
                                " appears more than once"));
  }
  return absl::OkStatus();
}

// The canonical order of set_alerts' thresholds (credits descending, then
// code), so that the same set written in another order is the same command
// for KEY_REUSED.
void SortThresholds(v1::SetAlerts& k, bool& rewritten) {
  auto before = [](const v1::AlertThreshold& a, const v1::AlertThreshold& b) {
    if (a.credits() != b.credits()) return a.credits() > b.credits();
    return a.code() < b.code();
  };
  if (std::is_sorted(k.thresholds().begin(), k.thresholds().end(), before)) return;
  std::sort(k.mutable_thresholds()->begin(), k.mutable_thresholds()->end(), before);
  rewritten = true;
}

absl::Status ValidateSetAutoTopUp(const v1::SetAutoTopUp& k) {
  if (!k.has_below() && !k.has_target()) return absl::OkStatus();  // off
  if (k.has_below() != k.has_target()) {
    return Invalid(absl::StrCat("set_auto_top_up takes both below and target (on) "
                                "or neither (off); missing ",
                                k.has_below() ? "target" : "below"));
  }
  RETURN_IF_ERROR(CheckRange(true, k.below(), 0, kMaxCredits, "set_auto_top_up.below"));
  RETURN_IF_ERROR(
      CheckRange(true, k.target(), 0, kMaxCredits, "set_auto_top_up.target"));
  if (k.target() > k.below()) return absl::OkStatus();
  return Invalid(absl::StrCat("set_auto_top_up.target ", k.target(),
                              " must be greater than below ", k.below()));
}

absl::Status ValidateDeclineTopUp(const v1::DeclineTopUp& k) {
  RETURN_IF_ERROR(CheckId(k.has_request_id(), k.request_id(), "decline_top_up.request_id"));
  return CheckText(k.has_reason(), k.reason(), "decline_top_up.reason");
}

absl::Status ValidateKind(const v1::Command& c, int64_t at_us) {
  switch (c.kind_case()) {
    case v1::Command::kPurchase: return ValidatePurchase(c.purchase(), at_us);
    case v1::Command::kSubscribe: return ValidateSubscribe(c.subscribe(), at_us);
    case v1::Command::kRenew: return ValidateRenew(c.renew(), at_us);
    case v1::Command::kUse: return ValidateUse(c.use());
    case v1::Command::kHold: return ValidateHold(c.hold(), at_us);
    case v1::Command::kCapture: return ValidateCapture(c.capture());
    case v1::Command::kRelease:
      return CheckId(c.release().has_hold_id(), c.release().hold_id(), "release.hold_id");
    case v1::Command::kRequestRefund:
      RETURN_IF_ERROR(CheckId(c.request_refund().has_refund_id(),
                              c.request_refund().refund_id(), "request_refund.refund_id"));
      return CheckId(c.request_refund().has_purchase_id(),
                     c.request_refund().purchase_id(), "request_refund.purchase_id");
    case v1::Command::kApproveRefund:
      return CheckId(c.approve_refund().has_refund_id(), c.approve_refund().refund_id(),
                     "approve_refund.refund_id");
    case v1::Command::kDenyRefund:
      RETURN_IF_ERROR(CheckId(c.deny_refund().has_refund_id(), c.deny_refund().refund_id(),
                              "deny_refund.refund_id"));
      if (!c.deny_refund().has_reason()) return absl::OkStatus();
      return CheckText(true, c.deny_refund().reason(), "deny_refund.reason");
    case v1::Command::kCompensate: return ValidateCompensate(c.compensate(), at_us);
    case v1::Command::kSuspend:
      return CheckAbuseReason(c.suspend().has_reason(), c.suspend().reason(), "suspend.reason");
    case v1::Command::kTerminate:
      return CheckAbuseReason(c.terminate().has_reason(), c.terminate().reason(),
                              "terminate.reason");
    case v1::Command::kChargeback:
      RETURN_IF_ERROR(CheckId(c.chargeback().has_purchase_id(), c.chargeback().purchase_id(),
                              "chargeback.purchase_id"));
      return Required(c.chargeback().has_contacted_support(), "chargeback.contacted_support");
    case v1::Command::kSetPolicy: return ValidateSetPolicy(c.set_policy());
    case v1::Command::kSetAlerts: return ValidateSetAlerts(c.set_alerts());
    case v1::Command::kSetAutoTopUp: return ValidateSetAutoTopUp(c.set_auto_top_up());
    case v1::Command::kDeclineTopUp: return ValidateDeclineTopUp(c.decline_top_up());
    case v1::Command::kGrant: return ValidateGrant(c.grant(), at_us);
    case v1::Command::kVoidGrant: return ValidateVoidGrant(c.void_grant());
    case v1::Command::kCancelSubscription:
    case v1::Command::kExpire:
    case v1::Command::kReinstate:
    case v1::Command::kForfeit:
      return absl::OkStatus();  // no fields
    case v1::Command::KIND_NOT_SET:
      break;
  }
  return Invalid("exactly one kind is required, e.g. \"purchase\": {...}");
}

// Fields unknown to this schema can only come from a binary-parsed message
// handed to Submit; they would also enter the fingerprint, so refuse them.
absl::Status CheckNoUnknownFields(const v1::Command& c) {
  if (!c.GetReflection()->GetUnknownFields(c).empty()) {
    return Invalid("the command has fields this ledger does not know");
  }
  const FieldDescriptor* kind =
      c.GetReflection()->GetOneofFieldDescriptor(c, CanonicalPlans::Get().kind());
  if (kind == nullptr) return absl::OkStatus();
  const google::protobuf::Message& m = c.GetReflection()->GetMessage(c, kind);
  if (!m.GetReflection()->GetUnknownFields(m).empty()) {
    return Invalid(absl::StrCat(kind->name(), " has fields this ledger does not know"));
  }
  for (const v1::AlertThreshold& t : c.set_alerts().thresholds()) {
    if (!t.GetReflection()->GetUnknownFields(t).empty()) {
      return Invalid("set_alerts.thresholds has fields this ledger does not know");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckKey(const v1::Command& c) {
  RETURN_IF_ERROR(Required(c.has_key(), "key"));
  bool ok = !c.key().empty() && c.key().size() <= kMaxKeyLength;
  for (char ch : c.key()) ok = ok && ch >= 0x20 && ch <= 0x7E;
  if (ok) return absl::OkStatus();
  return Invalid(absl::StrCat("key must be 1-", kMaxKeyLength,
                              " printable ASCII characters, got ", Quote(c.key())));
}

bool IsMetadataKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// docs/contract.md section 8. Metadata never changes a decision, but it is
// stored, hashed and shown to auditors, so it is bounded like every other
// field.
absl::Status CheckMetadata(const v1::Command& c) {
  if (c.metadata_size() > static_cast<int>(kMaxMetadataEntries)) {
    return Invalid(absl::StrCat("metadata has at most ", kMaxMetadataEntries,
                                " entries, got ", c.metadata_size()));
  }
  // Sorted, so the first bad entry named is the same every time.
  std::vector<std::string> keys;
  for (const auto& entry : c.metadata()) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    bool ok = !key.empty() && key.size() <= kMaxMetadataKeyLength;
    for (char ch : key) ok = ok && IsMetadataKeyChar(ch);
    if (!ok) {
      return Invalid(absl::StrCat("a metadata key must be 1-",
                                  kMaxMetadataKeyLength,
                                  " characters of [a-z0-9_.-], got ",
                                  Quote(key)));
    }
    const std::string& value = c.metadata().at(key);
    if (value.size() > kMaxMetadataValueBytes || !IsValidUtf8(value)) {
      return Invalid(absl::StrCat("metadata.", key, " must be 0-",
                                  kMaxMetadataValueBytes,
                                  " bytes of UTF-8, got ", value.size(),
                                  " bytes ", Quote(value)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCustomer(const v1::Command& c) {
  if (c.has_set_policy()) {
    if (!c.has_customer()) return absl::OkStatus();
    return Invalid("set_policy applies to the whole ledger: remove \"customer\"");
  }
  return CheckId(c.has_customer(), c.customer(), "customer");
}

}  // namespace

absl::StatusOr<v1::Command> ParseCommandJson(std::string_view json) {
  if (json.size() > kMaxLineBytes) {
    return Invalid(absl::StrCat("a command is at most ", kMaxLineBytes,
                                " bytes, got ", json.size()));
  }
  Struct object;
  RETURN_IF_ERROR(ParseJsonObject(json, &object));
  RETURN_IF_ERROR(CheckShape(object, *v1::Command::descriptor(), ""));
  v1::Command command;
  RETURN_IF_ERROR(FillMessage(object, command, ""));
  return command;
}

std::optional<std::string> ReadKeyLeniently(std::string_view json) {
  // Over the line limit the input is not parsed at all (bounded work).
  if (json.size() > kMaxLineBytes) return std::nullopt;
  Struct object;
  if (!ParseJsonObject(json, &object).ok()) return std::nullopt;
  auto it = object.fields().find("key");
  if (it == object.fields().end() || !it->second.has_string_value()) {
    return std::nullopt;
  }
  return it->second.string_value();
}

absl::Status ValidateAndCanonicalize(v1::Command& command) {
  bool rewritten = false;
  return ValidateAndCanonicalize(command, &rewritten);
}

absl::Status ValidateAndCanonicalize(v1::Command& command, bool* rewritten) {
  *rewritten = false;
  RETURN_IF_ERROR(CheckNoUnknownFields(command));
  RETURN_IF_ERROR(CheckKey(command));
  if (command.kind_case() == v1::Command::KIND_NOT_SET) {
    return Invalid("exactly one kind is required, e.g. \"purchase\": {...}");
  }
  RETURN_IF_ERROR(CheckCustomer(command));
  // A command without `at` is stamped by the writer (docs/contract.md
  // section 15); its times that must come after `at` are compared with the
  // stamp once it is known (CheckTimesAfterStamp), so here only their form
  // is checked: every valid time is later than kMinTimeUs - 1.
  int64_t at_us = kMinTimeUs - 1;
  if (command.has_at()) {
    RETURN_IF_ERROR(ParseTimeField(true, command.at(), "at", &at_us));
  }
  RETURN_IF_ERROR(ValidateKind(command, at_us));
  RETURN_IF_ERROR(CheckMetadata(command));
  // Every rewrite below sets *rewritten: it is false only when the command
  // is as it came.
  const CanonicalPlans& plans = CanonicalPlans::Get();
  CanonicalizeTimes(plans, command, *rewritten);
  if (command.has_set_alerts()) {
    SortThresholds(*command.mutable_set_alerts(), *rewritten);
  }
  // Absent and 0 are the same tolerance: one content for KEY_REUSED.
  if (command.has_set_policy() && command.set_policy().has_clock_skew_seconds() &&
      command.set_policy().clock_skew_seconds() == 0) {
    command.mutable_set_policy()->clear_clock_skew_seconds();
    *rewritten = true;
  }
  // Likewise absent and false for four_eyes (docs/contract.md section 16).
  if (command.has_set_policy() && command.set_policy().has_four_eyes() &&
      !command.set_policy().four_eyes()) {
    command.mutable_set_policy()->clear_four_eyes();
    *rewritten = true;
  }
  const FieldDescriptor* kind =
      command.GetReflection()->GetOneofFieldDescriptor(command, plans.kind());
  CanonicalizeScope(plans, *command.GetReflection()->MutableMessage(&command, kind),
                    *rewritten);
  return absl::OkStatus();
}

absl::Status CheckTimesAfterStamp(const v1::Command& command, int64_t at_us) {
  // The kind's checks passed already; run again, only the comparisons
  // with `at` can fail.
  return ValidateKind(command, at_us);
}

}  // namespace ledger
