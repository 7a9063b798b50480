// SerializeDeterministic writes into a buffer of the message's size: its
// bytes must be those of protobuf's deterministic encoding through a
// growing string stream, which every stored and hashed byte of existing
// ledgers was written with.
#include "ledger/base/deterministic_bytes.h"

#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "ledger/v1/command.pb.h"
#include "ledger/v1/event.pb.h"

namespace ledger {
namespace {

// The encoder SerializeDeterministic replaced.
std::string ThroughAStringStream(const google::protobuf::MessageLite& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

v1::Command RandomCommand(std::mt19937_64& rng) {
  v1::Command c;
  c.set_key(absl::StrCat("key-", rng()));
  c.set_customer(std::string(rng() % 300, 'c'));
  c.set_at("2026-03-08T10:00:00Z");
  // A map: the deterministic encoding sorts it, whatever its insertion order.
  const int tags = static_cast<int>(rng() % 17);
  for (int i = 0; i < tags; ++i) {
    (*c.mutable_metadata())[absl::StrCat("t", rng() % 1000)] =
        std::string(rng() % 200, 'v');
  }
  c.mutable_use()->set_usage_id(absl::StrCat("u", rng()));
  c.mutable_use()->set_credits(static_cast<int64_t>(rng() >> 1));
  return c;
}

TEST(DeterministicBytes, AreTheBytesOfTheStringStreamEncodingForCommandsWithMaps) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 500; ++i) {
    v1::Command c = RandomCommand(rng);
    EXPECT_EQ(SerializeDeterministic(c), ThroughAStringStream(c));
  }
}

TEST(DeterministicBytes, AreTheBytesOfTheStringStreamEncodingForEvents) {
  std::mt19937_64 rng(6);
  for (int i = 0; i < 200; ++i) {
    v1::Event e;
    e.mutable_header()->set_seq(rng());
    e.mutable_header()->set_actor(std::string(rng() % 100, 'a'));
    *e.mutable_command() = RandomCommand(rng);
    EXPECT_EQ(SerializeDeterministic(e), ThroughAStringStream(e));
  }
}

TEST(DeterministicBytes, OfAnEmptyMessageAreEmptyAndReplaceWhatTheStringHeld) {
  std::string out = "left over";
  SerializeDeterministicTo(v1::Command(), &out);
  EXPECT_EQ(out, "");
  v1::Command c;
  c.set_key("k");
  SerializeDeterministicTo(c, &out);
  EXPECT_EQ(out, ThroughAStringStream(c));
}

}  // namespace
}  // namespace ledger
