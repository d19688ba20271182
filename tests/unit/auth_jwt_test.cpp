// bindings/auth/jwt: base64url, reading a token's claims, and the certificate client
// assertion (built, signed, and checked here with the certificate's public key).
#include <catch2/catch.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "bindings/auth/jwt.hpp"

using namespace tarn::auth;
using nlohmann::json;

namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// A self-signed certificate and its key, made with OpenSSL for the test.
struct TestCert {
  std::shared_ptr<EVP_PKEY> key;
  std::shared_ptr<X509> cert;

  TestCert() {
    key.reset(EVP_RSA_gen(2048), EVP_PKEY_free);
    REQUIRE(key);
    cert.reset(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("tarn-test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
  }

  std::string cert_pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(bio.get(), cert.get());
    return bio_text(bio.get());
  }
  std::string key_pem(const std::string& password = "") const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (password.empty())
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    else
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(), password.data(),
                                    static_cast<int>(password.size()), nullptr, nullptr);
    return bio_text(bio.get());
  }
  // x5t computed here from the DER bytes, independently of jwt.cpp.
  std::string sha1_of_der() const {
    unsigned char* der = nullptr;
    int len = i2d_X509(cert.get(), &der);
    unsigned char md[SHA_DIGEST_LENGTH];
    SHA1(der, static_cast<std::size_t>(len), md);
    OPENSSL_free(der);
    return std::string(reinterpret_cast<char*>(md), sizeof md);
  }
};

const TestCert& test_cert() {
  static const TestCert c;
  return c;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    parts.push_back(s.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

bool verify_rs256(EVP_PKEY* key, const std::string& input, const std::string& sig) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) != 1) return false;
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

std::string unsigned_jwt(const json& claims) {
  return jwt::b64url_encode(R"({"alg":"none"})") + "." + jwt::b64url_encode(claims.dump()) + ".sig";
}

}  // namespace

TEST_CASE("auth jwt: base64url round-trips bytes without padding", "[auth][jwt]") {
  CHECK(jwt::b64url_encode("") == "");
  CHECK(jwt::b64url_encode("f") == "Zg");
  CHECK(jwt::b64url_encode("fo") == "Zm8");
  CHECK(jwt::b64url_encode("foo") == "Zm9v");
  CHECK(jwt::b64url_encode("\xfb\xff\xfe") == "-__-");
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t n = 0; n <= bytes.size(); n += 37) CHECK(jwt::b64url_decode(jwt::b64url_encode(bytes.substr(0, n))) == bytes.substr(0, n));
  CHECK(jwt::b64url_decode("Zm8=") == std::string("fo"));
  CHECK(jwt::b64url_decode("-__-") == std::string("\xfb\xff\xfe"));
  CHECK_FALSE(jwt::b64url_decode("Zm9v!"));
  CHECK_FALSE(jwt::b64url_decode("Z"));
}

TEST_CASE("auth jwt: identity reads tid, appid or azp, oid, upn and exp", "[auth][jwt]") {
  auto v1 = jwt::identity(unsigned_jwt({{"tid", "t-1"}, {"appid", "app-1"}, {"azp", "other"}, {"oid", "o-1"}, {"exp", 1700000000}}));
  CHECK(v1.tenant == "t-1");
  CHECK(v1.client_id == "app-1");
  CHECK(v1.object_id == "o-1");
  CHECK(v1.user.empty());
  CHECK(v1.expires_on == 1700000000);
  auto v2 = jwt::identity(unsigned_jwt({{"tid", "t-2"}, {"azp", "app-2"}, {"preferred_username", "dev@example.com"}}));
  CHECK(v2.client_id == "app-2");
  CHECK(v2.user == "dev@example.com");
  CHECK_FALSE(v2.expires_on);
  // Opaque tokens and broken JWTs tell nothing, and do not throw.
  for (const char* opaque : {"opaque-token", "a.b", "a.b.c.d", "e30.bm90IGpzb24.x", "e30.W10.x"}) {
    auto id = jwt::identity(opaque);
    CHECK(id.tenant.empty());
    CHECK(id.client_id.empty());
    CHECK_FALSE(id.expires_on);
  }
}

TEST_CASE("auth jwt: the client assertion is RS256 with x5t, kid and the claims Entra checks", "[auth][jwt]") {
  const TestCert& tc = test_cert();
  auto cert = jwt::Certificate::from_pem(tc.cert_pem() + tc.key_pem(), "", "'test.pem'");
  std::string a = jwt::client_assertion(cert, "app-id", "https://login.example/t/oauth2/v2.0/token", 1700000000, "jti-1");
  auto parts = split(a);
  REQUIRE(parts.size() == 3);
  auto header = json::parse(*jwt::b64url_decode(parts[0]));
  auto payload = json::parse(*jwt::b64url_decode(parts[1]));
  CHECK(header["alg"] == "RS256");
  CHECK(header["typ"] == "JWT");
  CHECK(header["x5t"] == jwt::b64url_encode(tc.sha1_of_der()));
  std::string hex;
  for (unsigned char c : tc.sha1_of_der()) {
    char b[3];
    std::snprintf(b, sizeof b, "%02X", c);
    hex += b;
  }
  CHECK(header["kid"] == hex);
  CHECK(cert.thumbprint() == hex);
  CHECK(payload == json{{"aud", "https://login.example/t/oauth2/v2.0/token"}, {"iss", "app-id"}, {"sub", "app-id"},
                        {"jti", "jti-1"}, {"iat", 1700000000}, {"nbf", 1700000000}, {"exp", 1700000600}});
  // The signature verifies with the certificate's public key, and not over other bytes.
  auto sig = jwt::b64url_decode(parts[2]);
  REQUIRE(sig);
  CHECK(sig->size() == 256);
  EVP_PKEY* pub = X509_get0_pubkey(tc.cert.get());
  CHECK(verify_rs256(pub, parts[0] + "." + parts[1], *sig));
  CHECK_FALSE(verify_rs256(pub, parts[0] + "." + parts[1] + "x", *sig));
}

TEST_CASE("auth jwt: an encrypted key needs AZURE_CLIENT_CERTIFICATE_PASSWORD", "[auth][jwt]") {
  const TestCert& tc = test_cert();
  std::string pem = tc.key_pem("pa55word") + tc.cert_pem();  // key first: order does not matter
  auto cert = jwt::Certificate::from_pem(pem, "pa55word", "'enc.pem'");
  CHECK(cert.x5t() == jwt::b64url_encode(tc.sha1_of_der()));
  try {
    jwt::Certificate::from_pem(pem, "", "'enc.pem'");
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("the client certificate 'enc.pem' holds no usable private key ("));
    CHECK_THAT(e.what(), Catch::EndsWith("; the key is encrypted: set AZURE_CLIENT_CERTIFICATE_PASSWORD"));
  }
  CHECK_THROWS_WITH(jwt::Certificate::from_pem(pem, "wrong", "'enc.pem'"),
                    Catch::StartsWith("the client certificate 'enc.pem' holds no usable private key"));
}

TEST_CASE("auth jwt: certificate files that cannot sign are refused with their name", "[auth][jwt]") {
  const TestCert& tc = test_cert();
  TestCert other;
  CHECK_THROWS_WITH(jwt::Certificate::from_pem("hello", "", "'x.pem'"),
                    "the client certificate 'x.pem' is not PEM (expected -----BEGIN CERTIFICATE----- and -----BEGIN PRIVATE KEY----- blocks)");
  CHECK_THROWS_WITH(jwt::Certificate::from_pem(tc.key_pem(), "", "'x.pem'"),
                    Catch::StartsWith("the client certificate 'x.pem' holds no certificate ("));
  CHECK_THROWS_WITH(jwt::Certificate::from_pem(tc.cert_pem(), "", "'x.pem'"),
                    Catch::StartsWith("the client certificate 'x.pem' holds no usable private key ("));
  CHECK_THROWS_WITH(jwt::Certificate::from_pem(tc.cert_pem() + other.key_pem(), "", "'x.pem'"),
                    "the private key in 'x.pem' does not belong to its certificate");
}

TEST_CASE("auth jwt: new_uuid gives distinct version 4 UUIDs", "[auth][jwt]") {
  std::string a = jwt::new_uuid(), b = jwt::new_uuid();
  CHECK(a != b);
  REQUIRE(a.size() == 36);
  CHECK(a[14] == '4');
  CHECK(std::string("89ab").find(a[19]) != std::string::npos);
}
