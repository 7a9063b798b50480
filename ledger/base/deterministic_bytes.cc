#include "ledger/base/deterministic_bytes.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace ledger {

std::string SerializeDeterministic(const google::protobuf::MessageLite& m) {
  std::string out;
  SerializeDeterministicTo(m, &out);
  return out;
}

void SerializeDeterministicTo(const google::protobuf::MessageLite& m,
                              std::string* out) {
  out->clear();
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
}

}  // namespace ledger
