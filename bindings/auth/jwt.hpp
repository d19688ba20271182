#pragma once
// JSON Web Tokens as a client needs them: reading the claims of an access token (never
// verifying it: that is the service's job) and building the signed client assertion of a
// certificate credential. OpenSSL does the cryptography and nlohmann_json the JSON.
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tarn::auth::jwt {

std::string b64url_encode(std::string_view bytes);
// Accepts base64url (or base64) with or without padding; nullopt for anything else.
std::optional<std::string> b64url_decode(std::string_view text);

// The payload of a JWT; nullopt when text is not header.payload.signature with an object payload.
std::optional<nlohmann::json> claims(std::string_view token);

// Who a token speaks for, read from its claims; fields are empty for an opaque token.
struct Identity {
  std::string tenant;     // tid
  std::string client_id;  // appid (v1 tokens), else azp (v2)
  std::string object_id;  // oid
  std::string user;       // upn, else preferred_username, else unique_name (user tokens only)
  std::optional<std::int64_t> expires_on;  // exp
};
Identity identity(std::string_view token);

// A certificate credential: the leaf certificate and its RSA private key from one PEM file
// (the form AZURE_CLIENT_CERTIFICATE_PATH names, as the Azure SDKs expect it).
class Certificate {
 public:
  // Throws std::runtime_error naming `where` (the file) and what is wrong with it.
  static Certificate from_pem(std::string_view pem, const std::string& password, const std::string& where);

  const std::string& x5t() const { return x5t_; }                // base64url SHA-1 of the DER certificate
  const std::string& thumbprint() const { return thumbprint_; }  // the same SHA-1 in upper-case hex
  // RSASSA-PKCS1-v1_5 with SHA-256 over input: the raw signature bytes.
  std::string sign_rs256(std::string_view input) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  std::string x5t_, thumbprint_;
};

// The client assertion Entra takes instead of a secret: header {alg RS256, typ JWT, x5t,
// kid}, claims {aud = the token endpoint, iss = sub = client_id, jti, iat = nbf = now,
// exp = now + 600}, signed with the certificate's key.
std::string client_assertion(const Certificate& cert, const std::string& client_id, const std::string& audience,
                             std::int64_t now, const std::string& jti);

// A random (version 4) UUID, for jti.
std::string new_uuid();

}  // namespace tarn::auth::jwt
