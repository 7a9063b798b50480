// libFuzzer harness: one command's JSON (docs/contract.md section 4; section
// 5 step 1). For any bytes:
// - ParseCommandJson and ValidateAndCanonicalize never crash, and either
//   succeed or fail with InvalidArgument;
// - canonicalizing a canonical command again succeeds and changes nothing
//   (same fingerprint), so a duplicate is always recognised as one;
// - SubmitJson on a ledger (one per process, sync off, in /dev/shm) never
//   fails as a store, and answers INVALID_COMMAND exactly when the two
//   functions above reject the input.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "ledger/rules/command_validation.h"
#include "ledger/ledger.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

ledger::fuzz::ScratchDir* scratch = nullptr;
ledger::Ledger* db = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  scratch = new ledger::fuzz::ScratchDir();
  ledger::Options options;
  options.sync = false;
  auto opened = ledger::Ledger::Open(options, scratch->path());
  FUZZ_CHECK(opened.ok(), opened.status().ToString());
  db = opened->release();
  std::atexit([] {
    delete db;
    delete scratch;
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  bool valid = false;
  // A valid command without `at` is stamped by the ledger (docs/contract.md
  // section 15): its times are compared with the stamp only then, so it may
  // still be INVALID_COMMAND, and the message says it was the stamp.
  bool stamped = false;
  auto parsed = ledger::ParseCommandJson(json);
  if (parsed.ok()) {
    ledger::v1::Command command = *parsed;
    absl::Status s = ledger::ValidateAndCanonicalize(command);
    if (s.ok()) {
      valid = true;
      stamped = !command.has_at();
      const std::string fingerprint = ledger::CommandFingerprint(command);
      ledger::v1::Command again = command;
      absl::Status s2 = ledger::ValidateAndCanonicalize(again);
      FUZZ_CHECK(s2.ok(), "a canonical command is invalid: " + s2.ToString());
      FUZZ_CHECK(ledger::CommandFingerprint(again) == fingerprint,
                 "canonicalizing twice changed the command");
    } else {
      FUZZ_CHECK(absl::IsInvalidArgument(s), s.ToString());
    }
  } else {
    FUZZ_CHECK(absl::IsInvalidArgument(parsed.status()),
               parsed.status().ToString());
  }
  (void)ledger::ReadKeyLeniently(json);
  auto result = db->SubmitJson(json);
  FUZZ_CHECK(result.ok(), "the store failed: " + result.status().ToString());
  const bool invalid = result->outcome == ledger::Outcome::kRejected &&
                       result->code == ledger::v1::INVALID_COMMAND;
  const bool invalid_after_stamp =
      valid && stamped && invalid &&
      absl::StrContains(result->message, "the time the ledger stamped");
  FUZZ_CHECK(invalid == !valid || invalid_after_stamp,
             std::string("SubmitJson and validation disagree on: ") +
                 std::string(json.substr(0, 200)));
  if (result->key.has_value()) {
    FUZZ_CHECK(result->key->size() <= 4 * ledger::kMaxLineBytes,
               "an absurd key");
  }
  return 0;
}
