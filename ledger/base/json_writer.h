// A small writer of JSON text for ledgerctl's and the audit library's output.
// Hand-written rather than protobuf's JSON mapping because that mapping prints
// int64 as strings, while docs/contract.md sections 6 and 7 show plain numbers.
// Separators follow the contract's examples: `{"key": "k-1", "seq": 17}`.
#ifndef CREDIT_LEDGER_LEDGER_BASE_JSON_WRITER_H_
#define CREDIT_LEDGER_LEDGER_BASE_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ledger {

// Builds one JSON value in memory. Commas and the ": " after a key are
// placed by the writer; the caller only has to nest Begin/End calls
// correctly and call Key before each member's value.
//
//   JsonWriter w;
//   w.BeginObject().Key("seq").Uint(17).EndObject();
//   w.str()  // {"seq": 17}
class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // REQUIRES (checked): inside an object, and the previous member has its
  // value. End* likewise require an open object or array.
  JsonWriter& Key(std::string_view name);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  // For sums over a whole ledger, which need not fit in 64 bits.
  JsonWriter& Int128(__int128 value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  const std::string& str() const { return out_; }

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open object or array: true until its first element.
  std::vector<bool> first_;
  bool after_key_ = false;
};

// Appends `value` as a quoted JSON string: `"` and `\` escaped, control
// characters as \n, \t, ... or \u00XX, and bytes that are not valid UTF-8
// replaced by U+FFFD so that the output is always valid JSON.
void AppendJsonString(std::string_view value, std::string* out);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_BASE_JSON_WRITER_H_
