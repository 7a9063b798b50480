#include "ledger/audit/export_format.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "ledger/audit/event_render.h"
#include "ledger/base/command_fingerprint.h"
#include "ledger/base/json_writer.h"
#include "ledger/base/sha256.h"
#include "ledger/export.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/time_util.h"

namespace ledger {
namespace {

using google::protobuf::Struct;

// The members of a jsonl line, in the order ExportJsonLine writes them.
constexpr const char* kMembers[] = {
    "seq",  "key",     "customer", "at",       "policy_version", "kind",
    "prev_hash", "hash", "command", "postings", "event"};

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The first top-level member where `line` and the line export would write
// differ, to tell the user which part of a line was edited.
std::string FirstDifferingMember(std::string_view line,
                                 const std::string& expected) {
  Struct got, want;
  if (!google::protobuf::util::JsonStringToMessage(std::string(line), &got)
           .ok() ||
      !google::protobuf::util::JsonStringToMessage(expected, &want).ok()) {
    return "the line is not the JSON export writes";
  }
  for (const char* name : kMembers) {
    auto it = got.fields().find(name);
    auto want_it = want.fields().find(name);
    if (it == got.fields().end()) {
      return absl::StrCat("member '", name, "' is missing");
    }
    if (want_it == want.fields().end() ||
        !google::protobuf::util::MessageDifferencer::Equals(it->second,
                                                            want_it->second)) {
      return absl::StrCat("member '", name, "' differs from the event bytes");
    }
  }
  // Members only some events have (docs/contract.md sections 15 and 16).
  for (const char* name : {"requested_at", "actor", "recorded_at"}) {
    auto it = got.fields().find(name);
    auto want_it = want.fields().find(name);
    const bool in_got = it != got.fields().end();
    const bool in_want = want_it != want.fields().end();
    if (in_got != in_want ||
        (in_got && !google::protobuf::util::MessageDifferencer::Equals(
                       it->second, want_it->second))) {
      return absl::StrCat("member '", name, "' differs from the event bytes");
    }
  }
  for (const auto& [name, value] : got.fields()) {
    if (!want.fields().contains(name)) {
      return absl::StrCat("unknown member '", name, "'");
    }
  }
  return "the line is not byte for byte what export writes (spacing or "
         "member order changed)";
}

// The string value that follows `member` (e.g. `"hash": "`) in `line`,
// searched from `from`; empty when there is none.
std::string_view StringAfter(std::string_view line, std::string_view member,
                             size_t from) {
  const size_t at = line.find(member, from);
  if (at == std::string_view::npos) return {};
  const size_t begin = at + member.size();
  const size_t end = line.find('"', begin);
  if (end == std::string_view::npos) return {};
  return line.substr(begin, end - begin);
}

// Decodes `event` and `hash` of a line. They are found by position rather
// than by a JSON parser (which took half of an import's time): the caller
// then requires the whole line to equal the one rendered from them, so a
// line on which this finds the wrong text is refused all the same.
absl::StatusOr<ExportedEvent> Decode(std::string_view line) {
  // `event` is the last member and base64 has no quote; the readable
  // members before it escape every quote, so the last `"event": "` is it.
  const size_t event_at = line.rfind("\"event\": \"");
  const std::string_view event =
      event_at == std::string_view::npos ? std::string_view()
                                         : StringAfter(line, "\"event\": \"", event_at);
  const std::string_view hash = StringAfter(line, "\"hash\": \"", 0);
  if (!line.starts_with("{") || !line.ends_with("\"}") || event.empty() ||
      hash.empty()) {
    return absl::InvalidArgumentError(
        "no members 'event' and 'hash': not a line of a jsonl export");
  }
  ExportedEvent out;
  if (hash.size() != 2 * kHashBytes || !IsLowerHex(hash)) {
    return absl::InvalidArgumentError("'hash' is not 64 lower-case hex digits");
  }
  out.hash = absl::HexStringToBytes(absl::string_view(hash.data(), hash.size()));
  if (!absl::Base64Unescape(absl::string_view(event.data(), event.size()),
                            &out.bytes)) {
    return absl::InvalidArgumentError("'event' is not base64");
  }
  if (!out.event.ParseFromString(out.bytes)) {
    return absl::InvalidArgumentError("'event' does not hold an event");
  }
  out.seq = out.event.header().seq();
  return out;
}

}  // namespace

std::string ExportJsonLine(const LogEvent& e) {
  const v1::EventHeader& h = e.event->header();
  JsonWriter w;
  w.BeginObject();
  w.Key("seq").Uint(e.seq);
  w.Key("key").String(h.key());
  w.Key("customer").String(h.customer());
  w.Key("at").String(FormatTimeUs(h.at_us()));
  // Only for an event judged at a later time than sent (docs/contract.md
  // section 15), so every other line stays as it was.
  if (std::optional<int64_t> requested = RequestedAtUs(*e.event)) {
    w.Key("requested_at").String(FormatTimeUs(*requested));
  }
  WriteIssuerJson(*e.event, w);  // docs/contract.md section 16
  w.Key("policy_version").String(h.policy_version());
  w.Key("kind").String(CommandKind(e.event->command()));
  w.Key("prev_hash").String(absl::BytesToHexString(h.prev_hash()));
  w.Key("hash").String(absl::BytesToHexString(absl::string_view(e.hash.data(), e.hash.size())));
  w.Key("command");
  WriteCommandJson(e.event->command(), w);
  w.Key("postings");
  WritePostingsJson(e.event->postings(), w);
  WriteFollowUpJson(*e.event, w);
  std::string base64;
  absl::Base64Escape(absl::string_view(e.bytes.data(), e.bytes.size()), &base64);
  w.Key("event").String(base64);
  w.EndObject();
  return w.str();
}

std::string ExportCsvRows(const LogEvent& e) {
  const v1::EventHeader& h = e.event->header();
  const std::string prefix = absl::StrCat(
      e.seq, ",", FormatTimeUs(h.at_us()), ",", CsvField(h.customer()), ",",
      CsvField(h.key()), ",", CommandKind(e.event->command()), ",");
  // docs/contract.md section 16, last so the columns before keep their places.
  const std::string issuer = absl::StrCat(",", CsvField(ActorText(*e.event)),
                                          ",", RecordedAtText(*e.event));
  const std::string hash = absl::BytesToHexString(absl::string_view(e.hash.data(), e.hash.size()));
  std::string out;
  for (const v1::Posting& p : e.event->postings()) {
    // A signed debit becomes the two non-negative columns accountants read.
    const int64_t debit = p.amount() > 0 ? p.amount() : 0;
    const int64_t credit = p.amount() < 0 ? -p.amount() : 0;
    absl::StrAppend(&out, prefix, v1::Account_Name(p.account()), ",",
                    CsvField(p.unit()), ",", debit, ",", credit, ",", hash,
                    issuer, "\r\n");
  }
  return out;
}

// One renderer for an event's line: tail and export print the same bytes.
std::string TailJsonLine(const LogEvent& e) { return ExportJsonLine(e); }

absl::StatusOr<ExportedEvent> ExportReader::Next(std::string_view line) {
  ++lines_;
  const uint64_t expected_seq = last_seq_ + 1;
  auto fail = [&](std::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", lines_, " (seq ", expected_seq, "): ", std::string(problem)));
  };
  if (line.size() > kMaxExportLineBytes) {
    return fail(absl::StrCat("longer than ", kMaxExportLineBytes, " bytes"));
  }
  absl::StatusOr<ExportedEvent> decoded = Decode(line);
  if (!decoded.ok()) return fail(std::string(decoded.status().message()));
  ExportedEvent& e = *decoded;
  if (e.seq != expected_seq) {
    if (lines_ == 1) {
      return fail(absl::StrCat(
          "the export starts at seq ", e.seq,
          ", not 1 (made with --from-seq?): import needs a complete export"));
    }
    return fail(absl::StrCat("the event says seq ", e.seq,
                             ": a line is missing, repeated or out of order"));
  }
  const std::string expected_prev =
      lines_ == 1 ? std::string(kHashBytes, '\0') : last_hash_;
  // Every event of the previous format stored its prev_hash (32 bytes, zeros
  // for the first); this format stores none of the derived fields.
  e.previous_format = !DerivedFieldStored(e.event.header()).empty();
  if (lines_ == 1) previous_format_ = e.previous_format;
  if (e.previous_format != previous_format_) {
    return fail(absl::StrCat(
        "the event bytes are of the ",
        e.previous_format ? "previous" : "current",
        " format but the export's first line is not: one export holds one "
        "format"));
  }
  if (!e.previous_format) {
    FillDerivedHeader(e.event, expected_prev,
                      CommandFingerprint(e.event.command()));
  }
  if (e.event.header().prev_hash() != expected_prev) {
    return fail("prev_hash is not the hash of the line before: the chain is "
                "broken");
  }
  if (Sha256(expected_prev, e.bytes) != e.hash) {
    return fail("hash is not SHA-256(prev_hash || event bytes): the event "
                "bytes or the hash were changed");
  }
  LogEvent stored;
  stored.seq = e.seq;
  stored.hash = e.hash;
  stored.bytes = e.bytes;
  stored.event = &e.event;
  const std::string rendered = ExportJsonLine(stored);
  if (rendered != line) return fail(FirstDifferingMember(line, rendered));
  last_seq_ = e.seq;
  last_hash_ = e.hash;
  return decoded;
}

}  // namespace ledger
