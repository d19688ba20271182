// JWT encoding, HS256 signing and RSA signature checks over OpenSSL's EVP API.
#include "sim/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

namespace sim::jwt {
namespace {

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct X509Free { void operator()(X509* x) const { X509_free(x); } };
struct PkeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); } };
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Bio pem_bio(std::string_view pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// A failed read leaves entries in the thread's OpenSSL error queue; the same worker thread
// then does TLS I/O, whose SSL_get_error() needs that queue empty, so it is cleared here.
Cert read_cert(std::string_view pem) {
  Bio bio = pem_bio(pem);
  Cert cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) ERR_clear_error();
  return cert;
}

Pkey read_public_key(std::string_view pem) {
  if (Cert cert = read_cert(pem)) return Pkey(X509_get_pubkey(cert.get()));
  Bio bio = pem_bio(pem);
  Pkey key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) ERR_clear_error();
  return key;
}

std::optional<std::string> thumbprint(std::string_view pem, const EVP_MD* md) {
  Cert cert = read_cert(pem);
  if (!cert) return std::nullopt;
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert.get(), md, buf, &n) != 1) return std::nullopt;
  return b64url_encode(std::string_view(reinterpret_cast<const char*>(buf), n));
}

std::string hmac_sha256(std::string_view data, std::string_view key) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<const char*>(out), n);
}

}  // namespace

std::string b64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string b64url_encode(std::string_view bytes) {
  std::string out = b64_encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> b64url_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string in;
  in.reserve(text.size() + 3);
  for (char c : text) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!plain && c != '-' && c != '_') return std::nullopt;
    in += c == '-' ? '+' : c == '_' ? '/' : c;
  }
  if (in.size() % 4 == 1) return std::nullopt;
  std::size_t pad = (4 - in.size() % 4) % 4;
  in.append(pad, '=');
  std::string out(in.size() / 4 * 3 + 1, '\0');
  int n = in.empty() ? 0 : EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                           reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);  // EVP_DecodeBlock counts padding as zero bytes
  return out;
}

std::optional<Token> parse(std::string_view text) {
  std::size_t d1 = text.find('.');
  if (d1 == std::string_view::npos) return std::nullopt;
  std::size_t d2 = text.find('.', d1 + 1);
  if (d2 == std::string_view::npos || text.find('.', d2 + 1) != std::string_view::npos) return std::nullopt;
  auto header = b64url_decode(text.substr(0, d1));
  auto payload = b64url_decode(text.substr(d1 + 1, d2 - d1 - 1));
  auto signature = b64url_decode(text.substr(d2 + 1));
  if (!header || !payload || !signature) return std::nullopt;
  Token t;
  t.header = json::parse(*header, nullptr, false);
  t.payload = json::parse(*payload, nullptr, false);
  if (!t.header.is_object() || !t.payload.is_object()) return std::nullopt;
  t.signing_input = std::string(text.substr(0, d2));
  t.signature = std::move(*signature);
  return t;
}

std::string sign_hs256(const json& payload, std::string_view key) {
  static const json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  std::string input = b64url_encode(header.dump()) + "." + b64url_encode(payload.dump());
  return input + "." + b64url_encode(hmac_sha256(input, key));
}

bool verify_hs256(const Token& token, std::string_view key) {
  if (token.header.value("alg", "") != "HS256") return false;
  std::string expected = hmac_sha256(token.signing_input, key);
  return expected.size() == token.signature.size() &&
         CRYPTO_memcmp(expected.data(), token.signature.data(), expected.size()) == 0;
}

Check verify_rsa(const Token& token, std::string_view pem) {
  std::string alg = token.header.value("alg", "");
  if (alg != "RS256" && alg != "PS256") return Check::unsupported_alg;
  Pkey key = read_public_key(pem);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return Check::bad_key;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1) {
    ERR_clear_error();
    return Check::bad_key;
  }
  if (alg == "PS256" && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    ERR_clear_error();
    return Check::bad_key;
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(token.signature.data()),
                            token.signature.size(),
                            reinterpret_cast<const unsigned char*>(token.signing_input.data()),
                            token.signing_input.size());
  ERR_clear_error();
  return rc == 1 ? Check::ok : Check::bad_signature;
}

std::optional<std::string> x5t(std::string_view pem) { return thumbprint(pem, EVP_sha1()); }
std::optional<std::string> x5t_s256(std::string_view pem) { return thumbprint(pem, EVP_sha256()); }

bool is_public_key_pem(std::string_view pem) { return read_public_key(pem) != nullptr; }

}  // namespace sim::jwt
