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
  // The size first (which also caches each sub-message's size for the
  // write), then one write into a buffer of exactly that size: a string
  // stream grows the string as it fills, reallocating and copying several
  // times for a message the size of an event, on every command's path.
  // The bytes are the same either way: the encoding does not depend on
  // the stream it is written to.
  const size_t size = m.ByteSizeLong();
  out->resize(size);
  if (size == 0) return;
  google::protobuf::io::ArrayOutputStream array(out->data(),
                                                static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&array);
  coded.SetSerializationDeterministic(true);
  m.SerializeWithCachedSizes(&coded);
}

}  // namespace ledger
