#include "bindings/auth/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>

namespace tarn::auth::jwt {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// OpenSSL's reason for the last failure, for messages ("bad decrypt", "no start line").
std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(code);
}

int password_cb(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* pw = static_cast<const std::string*>(user);
  if (pw == nullptr || pw->empty()) return -1;  // an encrypted key without a password fails cleanly
  int n = static_cast<int>(pw->size() < static_cast<std::size_t>(size) ? pw->size() : static_cast<std::size_t>(size));
  std::copy(pw->data(), pw->data() + n, buf);
  return n;
}

std::unique_ptr<BIO, BioFree> memory_bio(std::string_view text) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) throw std::bad_alloc();
  return bio;
}

}  // namespace

std::string b64url_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> b64url_decode(std::string_view text) {
  std::string s(text);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) return std::nullopt;
  }
  if (s.size() % 4 == 1) return std::nullopt;
  std::size_t pad = (4 - s.size() % 4) % 4;
  s.append(pad, '=');
  std::string out(s.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);  // EVP_DecodeBlock counts the padding as zero bytes
  return out;
}

std::optional<nlohmann::json> claims(std::string_view token) {
  auto first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
  auto payload = b64url_decode(token.substr(first + 1, second - first - 1));
  if (!payload) return std::nullopt;
  auto j = nlohmann::json::parse(*payload, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

Identity identity(std::string_view token) {
  Identity id;
  auto c = claims(token);
  if (!c) return id;
  auto text = [&](const char* key) {
    auto it = c->find(key);
    return it != c->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  id.tenant = text("tid");
  id.client_id = text("appid");
  if (id.client_id.empty()) id.client_id = text("azp");
  id.object_id = text("oid");
  for (const char* k : {"upn", "preferred_username", "unique_name"})
    if (id.user.empty()) id.user = text(k);
  if (auto it = c->find("exp"); it != c->end() && it->is_number()) id.expires_on = it->get<std::int64_t>();
  return id;
}

Certificate Certificate::from_pem(std::string_view pem, const std::string& password, const std::string& where) {
  if (pem.find("-----BEGIN") == std::string_view::npos)
    throw std::runtime_error("the client certificate " + where +
                             " is not PEM (expected -----BEGIN CERTIFICATE----- and -----BEGIN PRIVATE KEY----- blocks)");
  ERR_clear_error();
  auto bio = memory_bio(pem);
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert)
    throw std::runtime_error("the client certificate " + where + " holds no certificate (" + openssl_reason() + ")");
  bio = memory_bio(pem);
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, password_cb, const_cast<std::string*>(&password));
  if (raw == nullptr) {
    std::string reason = openssl_reason();
    bool encrypted = pem.find("ENCRYPTED") != std::string_view::npos;
    throw std::runtime_error("the client certificate " + where + " holds no usable private key (" + reason + ")" +
                             (encrypted && password.empty() ? "; the key is encrypted: set AZURE_CLIENT_CERTIFICATE_PASSWORD" : ""));
  }
  Certificate c;
  c.key_.reset(raw, EVP_PKEY_free);
  if (EVP_PKEY_base_id(raw) != EVP_PKEY_RSA)
    throw std::runtime_error("the client certificate " + where + " has a non-RSA key; Entra client assertions need RSA");
  if (X509_check_private_key(cert.get(), raw) != 1) {
    ERR_clear_error();
    throw std::runtime_error("the private key in " + where + " does not belong to its certificate");
  }
  unsigned char der_hash[SHA_DIGEST_LENGTH];
  unsigned int len = 0;
  if (X509_digest(cert.get(), EVP_sha1(), der_hash, &len) != 1) throw std::runtime_error("cannot hash the certificate " + where);
  c.x5t_ = b64url_encode(std::string_view(reinterpret_cast<const char*>(der_hash), len));
  for (unsigned int i = 0; i < len; ++i) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02X", der_hash[i]);
    c.thumbprint_ += hex;
  }
  return c;
}

std::string Certificate::sign_rs256(std::string_view input) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  std::size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw std::runtime_error("signing the client assertion failed (" + openssl_reason() + ")");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw std::runtime_error("signing the client assertion failed (" + openssl_reason() + ")");
  sig.resize(len);
  return sig;
}

std::string client_assertion(const Certificate& cert, const std::string& client_id, const std::string& audience,
                             std::int64_t now, const std::string& jti) {
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"x5t", cert.x5t()}, {"kid", cert.thumbprint()}};
  nlohmann::json payload = {{"aud", audience}, {"iss", client_id}, {"sub", client_id}, {"jti", jti},
                            {"iat", now},      {"nbf", now},       {"exp", now + 600}};
  std::string input = b64url_encode(header.dump()) + "." + b64url_encode(payload.dump());
  return input + "." + b64url_encode(cert.sign_rs256(input));
}

std::string new_uuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("the system's random source failed (OpenSSL RAND_bytes)");
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
                b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

}  // namespace tarn::auth::jwt
