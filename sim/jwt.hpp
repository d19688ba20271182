#pragma once
// JSON Web Tokens as tarn-sim needs them: it signs its own access tokens with HS256 and
// verifies client assertions (RS256 / PS256) against a principal's certificate or public key.
// OpenSSL does the cryptography and nlohmann_json the parsing; this file only joins them.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace sim::jwt {

using json = nlohmann::json;

std::string b64url_encode(std::string_view bytes);
// Accepts base64url with or without padding; nullopt for anything else.
std::optional<std::string> b64url_decode(std::string_view text);
std::string b64_encode(std::string_view bytes);

// A token split into its parts. `signing_input` is "header.payload" exactly as received.
struct Token {
  json header;
  json payload;
  std::string signing_input;
  std::string signature;
};

// nullopt when the text is not three base64url parts of which the first two are JSON objects.
std::optional<Token> parse(std::string_view text);

std::string sign_hs256(const json& payload, std::string_view key);
bool verify_hs256(const Token& token, std::string_view key);

enum class Check { ok, bad_signature, unsupported_alg, bad_key };
// Verifies an RS256 or PS256 signature with the key in `pem`: an X.509 certificate or a
// public key ("BEGIN PUBLIC KEY"). Any other alg is unsupported_alg.
Check verify_rsa(const Token& token, std::string_view pem);

// Thumbprints of the DER form of a PEM certificate, base64url as JWT headers carry them
// (x5t = SHA-1, x5t#S256 = SHA-256); nullopt when `pem` is not a certificate.
std::optional<std::string> x5t(std::string_view pem);
std::optional<std::string> x5t_s256(std::string_view pem);

// True when `pem` holds a certificate or a public key OpenSSL can read.
bool is_public_key_pem(std::string_view pem);

}  // namespace sim::jwt
