#include "ledger/base/ed25519.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

namespace ledger {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::unique_ptr<BIO, BioFree> MemoryBio(std::string_view text) {
  return std::unique_ptr<BIO, BioFree>(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

absl::StatusOr<Pkey> ReadPrivate(std::string_view pem) {
  auto bio = MemoryBio(pem);
  // A null password callback and no passphrase: an encrypted key is refused
  // rather than prompting on the terminal.
  Pkey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr,
                                         const_cast<char*>(""))
               : nullptr);
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        "not a PEM private key (an unencrypted \"-----BEGIN PRIVATE KEY-----\" "
        "block, as `openssl genpkey -algorithm ed25519` writes)");
  }
  return key;
}

absl::Status CheckEd25519(const Pkey& key) {
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(
        "the key is not an Ed25519 key; make one with `openssl genpkey "
        "-algorithm ed25519`");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RawPublic(const Pkey& key) {
  std::string raw(kEd25519PublicKeyBytes, '\0');
  size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(
          key.get(), reinterpret_cast<unsigned char*>(raw.data()), &length) != 1 ||
      length != kEd25519PublicKeyBytes) {
    return absl::InternalError("cannot read the Ed25519 public key");
  }
  return raw;
}

}  // namespace

absl::StatusOr<Ed25519Signature> SignEd25519(std::string_view private_pem,
                                             std::string_view message) {
  absl::StatusOr<Pkey> key = ReadPrivate(private_pem);
  if (!key.ok()) return key.status();
  if (absl::Status ed = CheckEd25519(*key); !ed.ok()) return ed;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  Ed25519Signature out;
  out.signature.assign(kEd25519SignatureBytes, '\0');
  size_t length = out.signature.size();
  // Ed25519 is a one-shot signature: no digest is named, and the message is
  // given whole to EVP_DigestSign.
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) != 1 ||
      EVP_DigestSign(ctx.get(),
                     reinterpret_cast<unsigned char*>(out.signature.data()),
                     &length,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      length != kEd25519SignatureBytes) {
    return absl::InternalError("OpenSSL could not sign with the Ed25519 key");
  }
  absl::StatusOr<std::string> pub = RawPublic(*key);
  if (!pub.ok()) return pub.status();
  out.public_key = *std::move(pub);
  return out;
}

absl::StatusOr<std::string> Ed25519PublicKey(std::string_view pem) {
  Pkey key;
  {
    auto bio = MemoryBio(pem);
    key.reset(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)
                  : nullptr);
  }
  if (key == nullptr) {
    absl::StatusOr<Pkey> priv = ReadPrivate(pem);
    if (!priv.ok()) {
      return absl::InvalidArgumentError(
          "not a PEM public key (a \"-----BEGIN PUBLIC KEY-----\" block, as "
          "`openssl pkey -pubout` writes) nor a PEM private key");
    }
    key = *std::move(priv);
  }
  if (absl::Status ed = CheckEd25519(key); !ed.ok()) return ed;
  return RawPublic(key);
}

bool VerifyEd25519(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  if (public_key.size() != kEd25519PublicKeyBytes ||
      signature.size() != kEd25519SignatureBytes) {
    return false;
  }
  Pkey key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(public_key.data()),
      public_key.size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return key != nullptr && ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(),
                          reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace ledger
