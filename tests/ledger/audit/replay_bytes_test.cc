// Replay compares every stored byte with what the log implies
// (ledger/audit/replay.cc): each field of each record kind changed through
// the raw RocksDB handle -- the idempotency records, the head, every
// projection type of the state family -- and a value with an unknown field
// appended, a record added with no event behind it and a record deleted,
// are each reported, naming the record.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/v1/state.pb.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::testing::HasSubstr;
using testing::RawLog;
using testing::TestLedger;

// A ledger with a record of every kind: a policy version, and a customer
// with a header holding a subscription, lots (bought, refunded, of the
// subscription), a hold drawn from a lot, a usage and a refund. Keys k1..k6
// at seqs 1..6.
void WriteEveryRecordKind(TestLedger& db) {
  for (const char* json : {
           R"({"key":"k1","at":"2026-03-08T09:00:00Z","set_policy":{"version":"v2","refund_window_hours":720,"inquiry_window_hours":24}})",
           R"({"key":"k2","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD"}})",
           R"({"key":"k3","customer":"c1","at":"2026-03-08T10:01:00Z","purchase":{"purchase_id":"p2","credits":50,"amount_minor":99,"currency":"USD"}})",
           R"({"key":"k4","customer":"c1","at":"2026-03-08T10:02:00Z","hold":{"hold_id":"h1","credits":100,"expires_at":"2026-03-09T10:00:00Z"}})",
           R"({"key":"k5","customer":"c1","at":"2026-03-08T10:03:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":60}})",
           R"({"key":"k6","customer":"c1","at":"2026-03-08T10:04:00Z","request_refund":{"refund_id":"r1","purchase_id":"p2"}})",
           R"({"key":"k7","customer":"c1","at":"2026-03-08T10:05:00Z","subscribe":{"period_id":"s1","plan":"pro","credits":10,"amount_minor":500,"currency":"USD","period_end":"2026-04-08T10:00:00Z"}})",
       }) {
    ASSERT_EQ(db.Code(json), "ACCEPTED") << json;
  }
  db.Close();
}

ReplayReport Replay(const std::string& dir) {
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : ReplayReport();
}

// The message stored under a state key: <customer> \0 <type> [<id>].
std::unique_ptr<Message> StateMessageOf(const std::string& key) {
  switch (key.at(key.find('\0') + 1)) {
    case 'H': return std::make_unique<v1::CustomerHeader>();
    case 'L': return std::make_unique<v1::LotState>();
    case 'O': return std::make_unique<v1::HoldState>();
    case 'U': return std::make_unique<v1::UsageState>();
    case 'R': return std::make_unique<v1::RefundState>();
    case 'P': return std::make_unique<v1::PolicyState>();
  }
  ADD_FAILURE() << "unknown state key " << absl::CEscape(key);
  return std::make_unique<v1::LotState>();
}

// A field to change, and the field inside it when it holds messages.
using FieldPath = std::vector<const FieldDescriptor*>;

// Every scalar field of `message`'s type, and every scalar field of the
// messages it holds (a customer's subscription, a hold's draws).
std::vector<FieldPath> ScalarFieldsOf(const Message& message) {
  std::vector<FieldPath> out;
  const google::protobuf::Descriptor* type = message.GetDescriptor();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      out.push_back({f});
      continue;
    }
    for (int j = 0; j < f->message_type()->field_count(); ++j) {
      out.push_back({f, f->message_type()->field(j)});
    }
  }
  return out;
}

// Gives the scalar field `f` of `m` another value (a repeated one gets one
// more).
void ChangeScalar(Message& m, const FieldDescriptor* f) {
  const google::protobuf::Reflection& r = *m.GetReflection();
  if (f->is_repeated()) {  // a lot's applies_to: one more entry
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      r.AddString(&m, f, "x");  // the ids a customer header names
      return;
    }
    ASSERT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_ENUM) << f->full_name();
    r.AddEnumValue(&m, f, 1);
    return;
  }
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT64: r.SetInt64(&m, f, r.GetInt64(m, f) + 1); break;
    case FieldDescriptor::CPPTYPE_UINT64: r.SetUInt64(&m, f, r.GetUInt64(m, f) + 1); break;
    case FieldDescriptor::CPPTYPE_INT32: r.SetInt32(&m, f, r.GetInt32(m, f) + 1); break;
    case FieldDescriptor::CPPTYPE_UINT32: r.SetUInt32(&m, f, r.GetUInt32(m, f) + 1); break;
    case FieldDescriptor::CPPTYPE_BOOL: r.SetBool(&m, f, !r.GetBool(m, f)); break;
    case FieldDescriptor::CPPTYPE_ENUM: r.SetEnumValue(&m, f, r.GetEnumValue(m, f) + 1); break;
    case FieldDescriptor::CPPTYPE_STRING: {
      // One bit of the last byte, so that a hash keeps its length.
      std::string value = r.GetString(m, f);
      if (value.empty()) value = "x"; else value.back() ^= 0x01;
      r.SetString(&m, f, value);
      break;
    }
    default: FAIL() << "no way to change " << f->full_name();
  }
}

// `stored` parsed as `message`, with the field at `path` changed.
std::string WithFieldChanged(Message& message, const std::string& stored,
                             const FieldPath& path) {
  EXPECT_TRUE(message.ParseFromString(stored));
  Message* holder = &message;
  if (path.size() == 2) {
    const google::protobuf::Reflection& r = *message.GetReflection();
    if (!path[0]->is_repeated()) {
      holder = r.MutableMessage(&message, path[0]);
    } else if (r.FieldSize(message, path[0]) == 0) {
      holder = r.AddMessage(&message, path[0]);
    } else {
      holder = r.MutableRepeatedMessage(&message, path[0], 0);
    }
  }
  ChangeScalar(*holder, path.back());
  std::string changed = SerializeDeterministic(message);
  EXPECT_NE(changed, stored) << path.back()->full_name();
  return changed;
}

std::string NameOf(const FieldPath& path) {
  std::string name;
  for (const FieldDescriptor* f : path) name += "." + f->name();
  return name;
}

// The bytes of field 100, varint 1: a field no record kind has.
constexpr char kUnknownField[] = "\xa0\x06\x01";

// Writes `value` under `key` of `family`, replays, and puts the record
// back as it was; the report of the replay.
ReplayReport ReplayWith(const std::string& dir, const char* family,
                        const std::string& key, const std::string& value,
                        const std::string& original) {
  RawLog(dir).PutRaw(family, key, value);
  ReplayReport report = Replay(dir);
  RawLog(dir).PutRaw(family, key, original);
  return report;
}

TEST(ReplayBytes, TheLedgerWithEveryRecordKindReplaysClean) {
  TestLedger db;
  WriteEveryRecordKind(db);
  ReplayReport report = Replay(db.dir());
  EXPECT_TRUE(report.ok) << report.first_bad_seq << ": " << report.problem;
  // Every projection type is there to be changed.
  std::string types;
  for (const auto& [key, value] : RawLog(db.dir()).Entries(kStateFamily)) {
    types += key.at(key.find('\0') + 1);
  }
  for (char type : std::string("HLOURP")) {
    EXPECT_THAT(types, HasSubstr(std::string(1, type))) << type;
  }
}

TEST(ReplayBytes, EachFieldOfEachIdempotencyRecordChangedIsNamedAtItsEvent) {
  TestLedger db;
  WriteEveryRecordKind(db);
  for (const auto& [key, stored] : RawLog(db.dir()).Entries(kKeysFamily)) {
    v1::KeyRecord record;
    for (const FieldPath& path : ScalarFieldsOf(record)) {
      ReplayReport report = ReplayWith(
          db.dir(), kKeysFamily, key, WithFieldChanged(record, stored, path), stored);
      EXPECT_FALSE(report.ok) << key << NameOf(path);
      EXPECT_EQ(report.first_bad_seq, std::stoul(key.substr(1))) << report.problem;
      EXPECT_THAT(report.problem,
                  HasSubstr("idempotency record of key '" + key +
                            "' does not match the log"));
    }
  }
}

TEST(ReplayBytes, EachFieldOfEachProjectionChangedIsNamed) {
  TestLedger db;
  WriteEveryRecordKind(db);
  for (const auto& [key, stored] : RawLog(db.dir()).Entries(kStateFamily)) {
    std::unique_ptr<Message> message = StateMessageOf(key);
    for (const FieldPath& path : ScalarFieldsOf(*message)) {
      ReplayReport report = ReplayWith(
          db.dir(), kStateFamily, key, WithFieldChanged(*message, stored, path),
          stored);
      EXPECT_FALSE(report.ok) << absl::CEscape(key) << NameOf(path);
      EXPECT_THAT(report.problem,
                  HasSubstr("stored projection " + absl::CEscape(key) +
                            " differs from the log"));
    }
  }
}

TEST(ReplayBytes, EachFieldOfTheHeadChangedIsNamed) {
  TestLedger db;
  WriteEveryRecordKind(db);
  const auto meta = RawLog(db.dir()).Entries(kMetaFamily);
  ASSERT_EQ(meta.back().first, kHeadKey);
  const std::string head = meta.back().second;
  v1::HeadRecord record;
  for (const FieldPath& path : ScalarFieldsOf(record)) {
    ReplayReport report = ReplayWith(db.dir(), kMetaFamily, kHeadKey,
                                     WithFieldChanged(record, head, path), head);
    EXPECT_FALSE(report.ok) << NameOf(path);
    EXPECT_THAT(report.problem, HasSubstr("is not the end of the log"));
  }
}

TEST(ReplayBytes, AnUnknownFieldAppendedToAnyRecordIsNamed) {
  TestLedger db;
  WriteEveryRecordKind(db);
  struct Case {
    const char* family;
    std::string key;
    std::string named;
  };
  std::vector<Case> cases = {
      {kMetaFamily, kHeadKey, "the stored head"},
      {kKeysFamily, "k4", "idempotency record of key 'k4' does not match"}};
  for (const auto& [key, value] : RawLog(db.dir()).Entries(kStateFamily)) {
    cases.push_back({kStateFamily, key, "stored projection " + absl::CEscape(key)});
  }
  for (const Case& c : cases) {
    std::string stored;
    for (const auto& [key, value] : RawLog(db.dir()).Entries(c.family)) {
      if (key == c.key) stored = value;
    }
    ASSERT_FALSE(stored.empty()) << c.named;
    ReplayReport report =
        ReplayWith(db.dir(), c.family, c.key, stored + kUnknownField, stored);
    EXPECT_FALSE(report.ok) << c.named;
    EXPECT_THAT(report.problem, HasSubstr(c.named));
  }
}

TEST(ReplayBytes, AChangedFormatMarkerIsRefusedNamingIt) {
  for (const std::string& marker :
       {std::string(kFormatValue) + "x", std::string("credit-ledger/3")}) {
    TestLedger db;
    WriteEveryRecordKind(db);
    RawLog(db.dir()).PutRaw(kMetaFamily, kFormatKey, marker);
    absl::StatusOr<ReplayReport> report = ReplayLedger(db.dir());
    EXPECT_TRUE(absl::IsFailedPrecondition(report.status())) << report.status();
    EXPECT_THAT(std::string(report.status().message()),
                HasSubstr("is not a ledger of this format"));
  }
}

TEST(ReplayBytes, ARecordAddedWithNoEventBehindItIsNamedInEveryFamily) {
  TestLedger db;
  WriteEveryRecordKind(db);
  std::string lot;
  for (const auto& [key, value] : RawLog(db.dir()).Entries(kStateFamily)) {
    if (key == std::string("c1\0Lp1", 6)) lot = value;
  }
  ASSERT_FALSE(lot.empty());
  struct Case {
    const char* family;
    std::string key;
    std::string value;
    std::string named;
  };
  const std::vector<Case> cases = {
      {kMetaFamily, "extra", "x", "stored meta record 'extra' has no event behind it"},
      {kKeysFamily, "k99", EncodeKeyRecord(99),
       "idempotency record of key 'k99' has no event behind it"},
      {kStateFamily, std::string("c1\0Lp9", 6), lot,
       "stored projection c1\\000Lp9 has no event behind it"},
      {kStateFamily, std::string("c9\0H", 4), "",
       "stored projection c9\\000H has no event behind it"},
  };
  for (const Case& c : cases) {
    RawLog(db.dir()).PutRaw(c.family, c.key, c.value);
    ReplayReport report = Replay(db.dir());
    RawLog(db.dir()).DeleteRaw(c.family, c.key);
    EXPECT_FALSE(report.ok) << c.named;
    EXPECT_THAT(report.problem, HasSubstr(c.named));
  }
  EXPECT_TRUE(Replay(db.dir()).ok);
}

TEST(ReplayBytes, ARecordDeletedFromAnyFamilyIsNamed) {
  TestLedger db;
  WriteEveryRecordKind(db);
  struct Case {
    const char* family;
    std::string key;
    std::string named;
  };
  std::vector<Case> cases = {
      {kMetaFamily, kHeadKey, "the stored head (seq 0"},
      {kKeysFamily, "k5", "idempotency record of key 'k5' is missing"}};
  for (const auto& [key, value] : RawLog(db.dir()).Entries(kStateFamily)) {
    cases.push_back({kStateFamily, key,
                     "projection " + absl::CEscape(key) + " is missing"});
  }
  for (const Case& c : cases) {
    std::string stored;
    for (const auto& [key, value] : RawLog(db.dir()).Entries(c.family)) {
      if (key == c.key) stored = value;
    }
    RawLog(db.dir()).DeleteRaw(c.family, c.key);
    ReplayReport report = Replay(db.dir());
    RawLog(db.dir()).PutRaw(c.family, c.key, stored);
    EXPECT_FALSE(report.ok) << c.named;
    EXPECT_THAT(report.problem, HasSubstr(c.named));
  }
}

TEST(ReplayBytes, AnEventAddedPastTheHeadIsFound) {
  TestLedger db;
  WriteEveryRecordKind(db);
  {
    RawLog raw(db.dir());
    raw.Put(8, raw.Get(7));
  }
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 8u) << report.problem;
}

}  // namespace
}  // namespace ledger
