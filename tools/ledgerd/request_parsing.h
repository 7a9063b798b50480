// Parsing of the requests that ledgerd takes as raw bytes (Submit and
// SubmitBatch), so that a request protobuf refuses is answered
// INVALID_ARGUMENT naming what is wrong, not gRPC's own INTERNAL without a
// message (grpcpp's proto_utils.h parses before any handler runs).
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_REQUEST_PARSING_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_REQUEST_PARSING_H_

#include <string>
#include <string_view>

#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace ledger::ledgerd {

// Parses `request` into `message`. InvalidArgument when protobuf refuses
// the bytes: naming the field when it is a string that is not UTF-8 (proto3
// strings must be), else saying the encoding is malformed.
[[nodiscard]] absl::Status ParseRequest(const grpc::ByteBuffer& request,
                                        google::protobuf::Message& message);

// The path ("commands[2].key") of the first string field in `bytes`, read as
// a message of `type`, whose value is not UTF-8; empty when there is none
// or the bytes are malformed before one is found.
std::string FirstNonUtf8Field(std::string_view bytes,
                              const google::protobuf::Descriptor& type);

// The message's bytes as one string.
[[nodiscard]] grpc::ByteBuffer SerializeResponse(
    const google::protobuf::Message& message);

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_REQUEST_PARSING_H_
