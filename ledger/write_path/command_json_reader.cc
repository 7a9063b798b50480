// ReadPlainCommandJson (command_json_reader.h). simdjson parses and checks
// the JSON (structure, UTF-8, numbers, literals); the fill below walks the
// command's descriptor like ParseCommandJson's CheckShape and FillMessage
// (ledger/rules/command_validation.cc) and sets fields through the same
// reflection calls in the same order, so the command is the same message.
// Wherever the two could differ it declines instead of deciding.
#include "ledger/write_path/command_json_reader.h"

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "simdjson.h"

namespace ledger {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using simdjson::dom::element;
using simdjson::dom::element_type;

// ParseCommandJson holds numbers as doubles and refuses one of 2^53 or
// more; below it every integer is exact, so both read the same value.
constexpr int64_t kExactIntegerLimit = int64_t{1} << 53;

// The longest line the reader reads. The largest command of the contract
// (16 metadata entries of a 64-byte key and a 256-byte value, and every
// field of its kind) is under 6 KiB; a longer line goes to protobuf's
// path. The bound keeps each thread's parser, which keeps the capacity of
// the longest line it has read (about 14 bytes a byte of input), small in
// a server with many threads, and within the lengths the fuzz test tries
// (`make fuzz`: -max_len=8192).
constexpr size_t kMaxPlainLineBytes = 8 * 1024;

// A field index the duplicate check can track; every command message has
// far fewer fields (a larger one makes the reader decline, never guess).
constexpr int kMaxTrackedFields = 64;

bool IsJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The checks on the raw text simdjson does not make for us. An escape is
// left to protobuf's parser entirely: \u0000, lone surrogates and the like
// are where two JSON parsers are most likely to differ, and a command
// rarely needs one. The object must open the line (after JSON whitespace):
// simdjson leaves a byte-order mark to its caller, protobuf refuses it.
bool PlainText(std::string_view json) {
  if (json.size() > kMaxPlainLineBytes) return false;
  if (std::memchr(json.data(), '\\', json.size()) != nullptr) return false;
  size_t i = 0;
  while (i < json.size() && IsJsonSpace(json[i])) ++i;
  return i < json.size() && json[i] == '{';
}

bool ReadMessage(element object, Message& m);

// metadata: an object of strings, entered in key order as FillField does.
bool ReadMap(element v, const FieldDescriptor& f, Message& m) {
  simdjson::dom::object object;
  if (v.get_object().get(object) != simdjson::SUCCESS) return false;
  std::vector<std::pair<std::string_view, std::string_view>> entries;
  entries.reserve(object.size());
  for (simdjson::dom::key_value_pair entry : object) {
    std::string_view value;
    if (entry.value.get_string().get(value) != simdjson::SUCCESS) return false;
    entries.emplace_back(entry.key, value);
  }
  std::sort(entries.begin(), entries.end());
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].first == entries[i - 1].first) return false;  // duplicate
  }
  const Descriptor* entry_type = f.message_type();
  const FieldDescriptor* key_field = entry_type->FindFieldByNumber(1);
  const FieldDescriptor* value_field = entry_type->FindFieldByNumber(2);
  const Reflection* r = m.GetReflection();
  for (const auto& [key, value] : entries) {
    Message* e = r->AddMessage(&m, &f);
    e->GetReflection()->SetString(e, key_field, std::string(key));
    e->GetReflection()->SetString(e, value_field, std::string(value));
  }
  return true;
}

// applies_to (non-empty, strings) and thresholds (objects).
bool ReadList(element v, const FieldDescriptor& f, Message& m) {
  simdjson::dom::array items;
  if (v.get_array().get(items) != simdjson::SUCCESS) return false;
  const Reflection* r = m.GetReflection();
  if (f.type() == FieldDescriptor::TYPE_STRING) {
    if (items.size() == 0) return false;  // ParseCommandJson refuses it
    for (element item : items) {
      std::string_view s;
      if (item.get_string().get(s) != simdjson::SUCCESS) return false;
      r->AddString(&m, &f, std::string(s));
    }
    return true;
  }
  if (f.type() != FieldDescriptor::TYPE_MESSAGE) return false;
  for (element item : items) {
    if (!ReadMessage(item, *r->AddMessage(&m, &f))) return false;
  }
  return true;
}

bool ReadField(element v, const FieldDescriptor& f, Message& m) {
  if (f.is_map()) return ReadMap(v, f, m);
  if (f.is_repeated()) return ReadList(v, f, m);
  const Reflection* r = m.GetReflection();
  switch (f.type()) {
    case FieldDescriptor::TYPE_STRING: {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) return false;
      r->SetString(&m, &f, std::string(s));
      return true;
    }
    case FieldDescriptor::TYPE_BOOL: {
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return false;
      r->SetBool(&m, &f, b);
      return true;
    }
    case FieldDescriptor::TYPE_INT64: {
      // Only a number simdjson read as an integer that fits int64 (a
      // larger one is UINT64, above 2^53 anyway): "1e3" and "1.0" are
      // DOUBLE and left to protobuf's path.
      if (v.type() != element_type::INT64) return false;
      int64_t n = 0;
      if (v.get_int64().get(n) != simdjson::SUCCESS) return false;
      if (n >= kExactIntegerLimit || n <= -kExactIntegerLimit) return false;
      r->SetInt64(&m, &f, n);
      return true;
    }
    case FieldDescriptor::TYPE_MESSAGE:
      return ReadMessage(v, *r->MutableMessage(&m, &f));
    default:
      return false;  // no field of a command has another type
  }
}

bool ReadMessage(element v, Message& m) {
  simdjson::dom::object object;
  if (v.get_object().get(object) != simdjson::SUCCESS) return false;
  const Descriptor& type = *m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  // FillMessage sets fields in key order; this does too, so the two
  // messages are built by the same steps (a map's entries, a oneof).
  std::vector<std::pair<const FieldDescriptor*, element>> fields;
  fields.reserve(object.size());
  std::bitset<kMaxTrackedFields> seen;
  for (simdjson::dom::key_value_pair entry : object) {
    // By proto name only, as CheckShape: never the lowerCamelCase alias.
    const FieldDescriptor* f = type.FindFieldByName(std::string(entry.key));
    if (f == nullptr || f->index() >= kMaxTrackedFields) return false;
    if (seen.test(f->index())) return false;  // a duplicate key
    seen.set(f->index());
    fields.emplace_back(f, entry.value);
  }
  std::sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) {
    return a.first->name() < b.first->name();
  });
  for (const auto& [f, value] : fields) {
    const google::protobuf::OneofDescriptor* oneof = f->real_containing_oneof();
    if (oneof != nullptr && r->HasOneof(m, oneof)) return false;  // two kinds
    if (!ReadField(value, *f, m)) return false;
  }
  return true;
}

// One parser per thread, and the line copied into a buffer with the
// padding simdjson reads past the end; both keep their memory between
// lines (bounded by kMaxPlainLineBytes).
struct Scratch {
  simdjson::dom::parser parser;
  std::string padded;
};

}  // namespace

bool ReadPlainCommandJson(std::string_view json, v1::Command* command) {
  if (!PlainText(json)) return false;
  thread_local Scratch scratch;
  scratch.padded.assign(json.data(), json.size());
  scratch.padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
  element root;
  if (scratch.parser.parse(scratch.padded.data(), json.size(), false).get(root) !=
      simdjson::SUCCESS) {
    return false;
  }
  command->Clear();
  return ReadMessage(root, *command);
}

}  // namespace ledger
