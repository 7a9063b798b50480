// Signed digests as an auditor uses them (LEDGERCTL_PATH): `digest --sign`,
// `verify --digest --pubkey` and `import --digest --pubkey`, with keys made
// by the `openssl` command line, which also checks that the signature is
// over exactly the bytes ledger/signed_digest.h documents.
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/signed_digest.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Three events: c1 buys and spends, c2 (dated earlier) buys.
const std::string kCommands = FourEventCommandLines(3);

class SignedDigestCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string out;
    ASSERT_EQ(RunCommand("openssl version", &out), 0)
        << "the `openssl` command line is needed (Debian package openssl)";
    db_ = dir_.path() + "/db";
    Apply(db_, kCommands);
    MakeKey("platform");
    MakeKey("other");
  }
  void Apply(const std::string& db, const std::string& commands) {
    const std::string input = dir_.path() + "/in.jsonl";
    WriteFile(input, commands);
    std::string out;
    ASSERT_EQ(RunLedgerctl("apply --db " + db + " " + input, &out), 0) << out;
  }
  // dir/NAME.pem (private) and dir/NAME.pub.pem (public).
  void MakeKey(const std::string& name) {
    const std::string key = Key(name);
    std::string out;
    ASSERT_EQ(RunCommand("openssl genpkey -algorithm ed25519 -out " + key +
                             " 2>&1 && openssl pkey -in " + key +
                             " -pubout -out " + Pub(name) + " 2>&1",
                         &out),
              0)
        << out;
  }
  std::string Key(const std::string& name) { return dir_.path() + "/" + name + ".pem"; }
  std::string Pub(const std::string& name) {
    return dir_.path() + "/" + name + ".pub.pem";
  }
  std::string SignedDigestOf(const std::string& db, const std::string& key) {
    std::string out;
    EXPECT_EQ(RunLedgerctl("digest --db " + db + " --sign " + key, &out,
                           Stderr::kIntoOut),
              0)
        << out;
    return out.substr(0, out.find('\n'));
  }
  std::string Run(const std::string& args, int expected_exit) {
    return LedgerctlExpecting(args, expected_exit);
  }

  TempDir dir_;
  std::string db_;
};

TEST_F(SignedDigestCli, ASignedDigestVerifiesWithThePlatformsPublicKey) {
  const std::string line = SignedDigestOf(db_, Key("platform"));
  std::string plain;
  ASSERT_EQ(RunLedgerctl("digest --db " + db_, &plain), 0);
  plain = plain.substr(0, plain.find('\n'));
  EXPECT_EQ(line.rfind(plain + ":ed25519:", 0), 0u) << line;
  const std::string out =
      Run("verify --db " + db_ + " --digest " + line + " --pubkey " + Pub("platform"), 0);
  EXPECT_THAT(out, HasSubstr("signature:      ed25519 key "));
  EXPECT_THAT(out, HasSubstr(", good\n"));
  EXPECT_THAT(out, HasSubstr("verdict:        OK"));
}

TEST_F(SignedDigestCli, TheSignatureIsOverExactlyTheDocumentedBytes) {
  const std::string line = SignedDigestOf(db_, Key("platform"));
  absl::StatusOr<SignedDigest> parsed = ParseSignedDigest(line);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  // "credit-ledger digest v1\n" + SEQ:HASH, checked by openssl itself.
  const std::string message = dir_.path() + "/signed-bytes";
  const std::string signature = dir_.path() + "/signature";
  WriteFile(message, "credit-ledger digest v1\n" + FormatDigest(parsed->digest));
  WriteFile(signature, parsed->signature);
  std::string out;
  EXPECT_EQ(RunCommand("openssl pkeyutl -verify -pubin -inkey " + Pub("platform") +
                           " -rawin -in " + message + " -sigfile " + signature +
                           " 2>&1",
                       &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("Signature Verified Successfully"));
}

TEST_F(SignedDigestCli, AnotherKeyIsNamedAsTheWrongKey) {
  const std::string line = SignedDigestOf(db_, Key("platform"));
  const std::string out =
      Run("verify --db " + db_ + " --digest " + line + " --pubkey " + Pub("other"), 1);
  EXPECT_THAT(out, HasSubstr("wrong key: the digest was signed by key "));
  EXPECT_THAT(out, HasSubstr("The log was not read"));
  EXPECT_THAT(out, Not(HasSubstr("verdict")));
}

TEST_F(SignedDigestCli, AnEditedSignatureOrDigestIsABadSignature) {
  const std::string line = SignedDigestOf(db_, Key("platform"));
  std::string edited_signature = line;
  edited_signature.back() = edited_signature.back() == '0' ? '1' : '0';
  EXPECT_THAT(Run("verify --db " + db_ + " --digest " + edited_signature +
                      " --pubkey " + Pub("platform"),
                  1),
              HasSubstr("bad signature: under key "));
  // The digest part moved to another (real) head of this log: the signature
  // was over the other one.
  Apply(db_, R"({"key":"k4","customer":"c2","at":"2026-03-08T12:00:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":1}})"
             "\n");
  std::string newer;
  ASSERT_EQ(RunLedgerctl("digest --db " + db_, &newer), 0);
  newer = newer.substr(0, newer.find('\n'));
  const std::string moved = newer + line.substr(line.find(":ed25519:"));
  EXPECT_THAT(Run("verify --db " + db_ + " --digest " + moved + " --pubkey " +
                      Pub("platform"),
                  1),
              HasSubstr("the digest or its signature was changed after it was signed"));
  // The original signed digest still verifies: the log extends it.
  Run("verify --db " + db_ + " --digest " + line + " --pubkey " + Pub("platform"), 0);
}

TEST_F(SignedDigestCli, ADigestOfAnotherLedgersHeadMatchesNoEventOfThisLog) {
  const std::string other_db = dir_.path() + "/other";
  Apply(other_db,
        R"({"key":"x1","customer":"c9","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":5,"amount_minor":5,"currency":"USD"}})"
        "\n");
  const std::string line = SignedDigestOf(other_db, Key("platform"));
  const std::string out =
      Run("verify --db " + db_ + " --digest " + line + " --pubkey " + Pub("platform"), 1);
  EXPECT_THAT(out, HasSubstr("signature:      ed25519 key "));  // it is genuine
  EXPECT_THAT(out, HasSubstr("does not match the digest at seq 1: the digest 1:"));
  EXPECT_THAT(out, HasSubstr("matches no event of this log (no event has its "
                             "hash): it is a digest of another ledger, or was "
                             "copied wrong"));
}

TEST_F(SignedDigestCli, ADigestWithTheWrongSeqNamesTheSeqItsHashIsAt) {
  std::string plain;
  ASSERT_EQ(RunLedgerctl("digest --db " + db_, &plain), 0);
  const std::string hash = plain.substr(plain.find(':') + 1, 64);
  const std::string out = Run("verify --db " + db_ + " --digest 2:" + hash, 1);
  EXPECT_THAT(out, HasSubstr("the digest names seq 2 but its hash is that of "
                             "event 3 of this log: the digest's SEQ was copied "
                             "wrong (3:" + hash + " is a digest of this log)"));
}

TEST_F(SignedDigestCli, ImportWithASignedDigestChecksTheSignatureAndTheHead) {
  const std::string line = SignedDigestOf(db_, Key("platform"));
  const std::string file = dir_.path() + "/export.jsonl";
  std::string out;
  ASSERT_EQ(RunCommand(std::string(LEDGERCTL_PATH) + " export --db " + db_ +
                           " --format jsonl > " + file, &out), 0);
  out = Run("import --db " + dir_.path() + "/copy --digest " + line +
                            " --pubkey " + Pub("platform") + " " + file,
                        0);
  EXPECT_THAT(out, HasSubstr(", reached\n"));
  EXPECT_THAT(out, HasSubstr(", good\n"));

  out = Run("import --db " + dir_.path() + "/copy2 --digest " + line +
                " --pubkey " + Pub("other") + " " + file,
            1);
  EXPECT_THAT(out, HasSubstr("wrong key"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/copy2"));

  // An export cut short (its last event dropped) does not reach the digest,
  // though every line of it checks: the head it would print is its own.
  const std::string cut = dir_.path() + "/cut.jsonl";
  ASSERT_EQ(RunCommand("head -n 2 " + file + " > " + cut, &out), 0);
  Run("import --db " + dir_.path() + "/copy3 " + cut, 0);
  out = Run("import --db " + dir_.path() + "/copy4 --digest " + line +
                " --pubkey " + Pub("platform") + " " + cut,
            1);
  EXPECT_THAT(out, HasSubstr("the export does not match the digest"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/copy4"));
}

TEST_F(SignedDigestCli, PubkeyWithoutASignedDigestIsBadUsage) {
  std::string plain;
  ASSERT_EQ(RunLedgerctl("digest --db " + db_, &plain), 0);
  plain = plain.substr(0, plain.find('\n'));
  EXPECT_THAT(Run("verify --db " + db_ + " --digest " + plain + " --pubkey " +
                      Pub("platform"),
                  2),
              HasSubstr("--pubkey checks a signed digest"));
  EXPECT_THAT(Run("digest --db " + db_ + " --sign " + Pub("platform"), 1),
              HasSubstr("not a PEM private key"));
}

}  // namespace
}  // namespace ledger::testing
