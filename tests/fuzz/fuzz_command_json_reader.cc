// libFuzzer harness, differential: the strict reader of the plain command
// form (ledger/write_path/command_json_reader.h) against ParseCommandJson
// (protobuf's JSON parser, the contract's answer). For any bytes, either
// the reader declines, or ParseCommandJson reads the same bytes as a
// command too and the two commands are the same message, byte for byte in
// their deterministic encoding. Declining is always allowed (the caller
// then asks ParseCommandJson); reading a line otherwise than protobuf's
// path, or reading one it refuses, is the bug this looks for.
//
// The input is tried as it is and, so that mutations of a plain line stay
// plain often enough to reach the fill, also with its backslashes removed
// (a backslash makes the reader decline at once).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/base/deterministic_bytes.h"
#include "ledger/rules/command_validation.h"
#include "ledger/write_path/command_json_reader.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

// How many inputs the reader read and how many it declined, printed at
// exit: a run that never gets past the decline proves nothing.
size_t read_count = 0;
size_t declined_count = 0;

void CheckAgree(std::string_view json) {
  ledger::v1::Command fast;
  if (!ledger::ReadPlainCommandJson(json, &fast)) {
    ++declined_count;
    return;  // deferred to ParseCommandJson
  }
  ++read_count;
  absl::StatusOr<ledger::v1::Command> slow = ledger::ParseCommandJson(json);
  FUZZ_CHECK(slow.ok(), "the reader read a line ParseCommandJson refuses (" +
                            slow.status().ToString() + "): " +
                            std::string(json.substr(0, 300)));
  FUZZ_CHECK(ledger::SerializeDeterministic(fast) ==
                 ledger::SerializeDeterministic(*slow),
             "the reader and ParseCommandJson read different commands from: " +
                 std::string(json.substr(0, 300)) + "\nreader: " +
                 fast.ShortDebugString() + "\nprotobuf: " +
                 slow->ShortDebugString());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::atexit([] {
    std::fprintf(stderr, "stat::reader_read: %zu\nstat::reader_declined: %zu\n",
                 read_count, declined_count);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  CheckAgree(json);
  if (json.find('\\') != std::string_view::npos) {
    std::string plain(json);
    plain.erase(std::remove(plain.begin(), plain.end(), '\\'), plain.end());
    CheckAgree(plain);
  }
  return 0;
}
