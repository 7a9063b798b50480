#include "tools/ledgerd/request_parsing.h"

#include <cstdint>
#include <vector>

#include <grpcpp/support/slice.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/unknown_field_set.h"
#include "ledger/base/utf8.h"

namespace ledger::ledgerd {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Nesting followed when looking for the field; protobuf's own parser stops
// at 100, and the ledger's messages nest far less deep.
constexpr int kMaxDepth = 100;

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  bytes.reserve(buffer.Length());
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

std::string FieldName(const FieldDescriptor& field, int index) {
  if (!field.is_repeated()) return field.name();
  return absl::StrCat(field.name(), "[", index, "]");
}

// Reads the bytes as bare wire format (protobuf's UnknownFieldSet checks no
// UTF-8) and follows the descriptor through nested messages.
std::string FindNonUtf8(std::string_view bytes, const Descriptor& type,
                        int depth) {
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return "";
  }
  absl::flat_hash_map<int, int> seen;  // field number -> occurrences so far
  for (int i = 0; i < fields.field_count(); ++i) {
    const google::protobuf::UnknownField& raw = fields.field(i);
    if (raw.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      continue;
    }
    const FieldDescriptor* field = type.FindFieldByNumber(raw.number());
    if (field == nullptr) continue;
    int index = seen[field->number()]++;
    const std::string& value = raw.length_delimited();
    if (field->type() == FieldDescriptor::TYPE_STRING && !IsValidUtf8(value)) {
      return FieldName(*field, index);
    }
    if (field->type() == FieldDescriptor::TYPE_MESSAGE && depth < kMaxDepth) {
      std::string inner = FindNonUtf8(value, *field->message_type(), depth + 1);
      if (!inner.empty()) return absl::StrCat(FieldName(*field, index), ".", inner);
    }
  }
  return "";
}

}  // namespace

std::string FirstNonUtf8Field(std::string_view bytes, const Descriptor& type) {
  return FindNonUtf8(bytes, type, 0);
}

absl::Status ParseRequest(const grpc::ByteBuffer& request,
                          google::protobuf::Message& message) {
  std::string bytes = Flatten(request);
  if (message.ParseFromString(bytes)) return absl::OkStatus();
  const Descriptor& type = *message.GetDescriptor();
  std::string field = FirstNonUtf8Field(bytes, type);
  if (!field.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "field ", field, " of the ", type.full_name(),
        " is not valid UTF-8 (protobuf strings must be): nothing was applied"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "the request is not a valid ", type.full_name(),
      " (malformed protobuf encoding): nothing was applied"));
}

grpc::ByteBuffer SerializeResponse(const google::protobuf::Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace ledger::ledgerd
