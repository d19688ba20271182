// Entra token endpoint and managed identity, over HTTP against the real tarn-sim binary.
#include <catch2/catch.hpp>

#include <regex>

#include "support.hpp"

using simtest::json;

namespace {

const std::string kTenant = "6f1c3a52-0d3b-4f7e-9a51-2c9f4b7e8d10";
const std::string kClient = "a1b2c3d4-0000-4000-8000-000000000001";
const std::string kFabricScope = "https://api.fabric.microsoft.com/.default";

json seed_with(const json& principal_extra = json::object()) {
  json p = {{"tenant", kTenant}, {"client_id", kClient}, {"client_secret", "right-secret"},
            {"object_id", "0bj3c7-1d"}};
  p.update(principal_extra);
  return {{"entra", {{"principals", json::array({p})}}}};
}

httplib::Result post_token(httplib::Client& c, const httplib::Params& form, const std::string& tenant = kTenant) {
  return c.Post("/entra/" + tenant + "/oauth2/v2.0/token", form);
}

httplib::Params assertion_form(const std::string& assertion) {
  return {{"grant_type", "client_credentials"},
          {"client_id", kClient},
          {"scope", kFabricScope},
          {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
          {"client_assertion", assertion}};
}

void check_entra_error(const httplib::Result& r, int status, const std::string& error, int code,
                       const std::string& message_start) {
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == status);
  json b = json::parse(r->body);
  CHECK(b["error"] == error);
  CHECK(b["error_codes"] == json::array({code}));
  std::string prefix = "AADSTS" + std::to_string(code) + ": " + message_start;
  CHECK(b["error_description"].get<std::string>().rfind(prefix, 0) == 0);
  CHECK(b["trace_id"] == r->get_header_value("x-ms-request-id"));
}

}  // namespace

TEST_CASE("client secret: the right secret gets a Bearer JWT with the principal's claims", "[entra]") {
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", seed_with().dump())});
  auto c = sim.client();
  auto r = post_token(c, {{"grant_type", "client_credentials"},
                          {"client_id", kClient},
                          {"client_secret", "right-secret"},
                          {"scope", kFabricScope}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  json b = json::parse(r->body);
  CHECK(b["token_type"] == "Bearer");
  CHECK(b["expires_in"] == 3599);
  CHECK(b["ext_expires_in"] == 3599);
  json claims = simtest::claims_of(b["access_token"]);
  CHECK(claims["aud"] == "https://api.fabric.microsoft.com");
  CHECK(claims["tid"] == kTenant);
  CHECK(claims["appid"] == kClient);
  CHECK(claims["azp"] == kClient);
  CHECK(claims["oid"] == "0bj3c7-1d");
  CHECK(claims["iss"] == sim.base() + "/entra/" + kTenant + "/v2.0");
  CHECK(claims["exp"].get<long long>() - claims["iat"].get<long long>() == 3599);
  CHECK(claims["nbf"] == claims["iat"]);
}

TEST_CASE("client secret: a wrong secret gets Entra's 401 invalid_client body", "[entra]") {
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", seed_with().dump())});
  auto c = sim.client();
  auto r = c.Post("/entra/" + kTenant + "/oauth2/v2.0/token", {{"client-request-id", "my-correlation"}},
                  httplib::Params{{"grant_type", "client_credentials"},
                                  {"client_id", kClient},
                                  {"client_secret", "wrong-secret"},
                                  {"scope", kFabricScope}});
  check_entra_error(r, 401, "invalid_client", 7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
                    "value, not the client secret ID, for a secret added to app '" + kClient + "'.");
  json b = json::parse(r->body);
  CHECK(b["correlation_id"] == "my-correlation");
  std::string ts = b["timestamp"];
  CHECK(std::regex_match(ts, std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)")));
  CHECK(b["error_description"].get<std::string>().find("\r\nTrace ID: " + b["trace_id"].get<std::string>() +
                                                       "\r\nCorrelation ID: my-correlation\r\nTimestamp: " + ts) !=
        std::string::npos);
  CHECK(r->body.find("wrong-secret") == std::string::npos);
}

TEST_CASE("token endpoint errors: unknown client, unknown tenant, bad scope, missing fields", "[entra]") {
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", seed_with().dump())});
  auto c = sim.client();
  httplib::Params good{{"grant_type", "client_credentials"}, {"client_id", kClient}, {"client_secret", "right-secret"},
                       {"scope", kFabricScope}};
  auto with = [&](const std::string& key, const std::string& value) {
    httplib::Params p;
    for (const auto& [k, v] : good)
      if (k != key) p.emplace(k, v);
    if (!value.empty()) p.emplace(key, value);
    return p;
  };
  check_entra_error(post_token(c, with("client_id", "ffffffff-0000-4000-8000-000000000000")), 400,
                    "unauthorized_client", 700016,
                    "Application with identifier 'ffffffff-0000-4000-8000-000000000000' was not found in the directory '" +
                        kTenant + "'.");
  check_entra_error(post_token(c, good, "no-such-tenant"), 400, "invalid_request", 90002,
                    "Tenant 'no-such-tenant' not found.");
  check_entra_error(post_token(c, with("scope", "https://api.fabric.microsoft.com/Workspace.ReadWrite.All")), 400,
                    "invalid_scope", 1002012,
                    "The provided value for scope https://api.fabric.microsoft.com/Workspace.ReadWrite.All is not valid.");
  check_entra_error(post_token(c, with("grant_type", "")), 400, "invalid_request", 900144,
                    "The request body must contain the following parameter: 'grant_type'.");
  check_entra_error(post_token(c, with("grant_type", "password")), 400, "unsupported_grant_type", 70003,
                    "The app requested an unsupported grant type 'password'.");
  check_entra_error(post_token(c, with("client_secret", "")), 401, "invalid_client", 7000218,
                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
}

TEST_CASE("certificate assertion: RS256 or PS256 signed by the registered certificate's key", "[entra][certificate]") {
  simtest::KeyPair key, stranger;
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", seed_with({{"certificate_pem", key.cert_pem}}).dump())});
  auto c = sim.client();
  std::string endpoint = sim.base() + "/entra/" + kTenant + "/oauth2/v2.0/token";
  long long now = std::time(nullptr);
  json claims = {{"aud", endpoint}, {"iss", kClient}, {"sub", kClient}, {"jti", "8f1b"}, {"nbf", now}, {"exp", now + 600}};
  json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"x5t", key.x5t}};

  auto ok = post_token(c, assertion_form(simtest::sign_jwt(header, claims, key)));
  REQUIRE(ok);
  INFO(ok->body);
  REQUIRE(ok->status == 200);
  json issued = simtest::claims_of(json::parse(ok->body)["access_token"]);
  CHECK(issued["appid"] == kClient);
  CHECK(issued["aud"] == "https://api.fabric.microsoft.com");

  json pss_header = {{"alg", "PS256"}, {"typ", "JWT"}};
  auto pss = post_token(c, assertion_form(simtest::sign_jwt(pss_header, claims, key, true)));
  REQUIRE(pss);
  CHECK(pss->status == 200);

  SECTION("signed by another key") {
    json h = {{"alg", "RS256"}, {"typ", "JWT"}};
    check_entra_error(post_token(c, assertion_form(simtest::sign_jwt(h, claims, stranger))), 401, "invalid_client",
                      700027, "Client assertion contains an invalid signature.");
  }
  SECTION("naming another certificate's thumbprint") {
    json h = {{"alg", "RS256"}, {"typ", "JWT"}, {"x5t", stranger.x5t}};
    check_entra_error(post_token(c, assertion_form(simtest::sign_jwt(h, claims, stranger))), 401, "invalid_client",
                      700027, "Client assertion failed signature validation. [Reason - The key was not found.");
  }
  SECTION("expired") {
    json old = claims;
    old["nbf"] = now - 1200;
    old["exp"] = now - 600;
    check_entra_error(post_token(c, assertion_form(simtest::sign_jwt(header, old, key))), 401, "invalid_client", 700024,
                      "Client assertion is not within its valid time range. Current time: ");
  }
  SECTION("audience is not the token endpoint") {
    json other = claims;
    other["aud"] = "https://login.microsoftonline.com/" + kTenant + "/oauth2/v2.0/token";
    check_entra_error(post_token(c, assertion_form(simtest::sign_jwt(header, other, key))), 401, "invalid_client",
                      50027, "JWT token is invalid or malformed. [Reason - the assertion's audience");
  }
  SECTION("not a JWT") {
    check_entra_error(post_token(c, assertion_form("not.a-jwt")), 401, "invalid_client", 50027,
                      "JWT token is invalid or malformed.");
  }
}

TEST_CASE("federated assertion: issuer, subject and audience must match a federated credential", "[entra][federated]") {
  simtest::KeyPair issuer_key;
  json federated = {{"issuer", "https://token.actions.githubusercontent.com"},
                    {"subject", "repo:org/repo:ref:refs/heads/main"},
                    {"public_key_pem", issuer_key.public_key_pem}};
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", seed_with({{"federated", federated}}).dump())});
  auto c = sim.client();
  long long now = std::time(nullptr);
  json claims = {{"iss", "https://token.actions.githubusercontent.com"},
                 {"sub", "repo:org/repo:ref:refs/heads/main"},
                 {"aud", "api://AzureADTokenExchange"},
                 {"iat", now},
                 {"exp", now + 300}};
  json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  auto ok = post_token(c, assertion_form(simtest::sign_jwt(header, claims, issuer_key)));
  REQUIRE(ok);
  INFO(ok->body);
  CHECK(ok->status == 200);

  json wrong = claims;
  wrong["sub"] = "repo:org/repo:pull_request";
  check_entra_error(post_token(c, assertion_form(simtest::sign_jwt(header, wrong, issuer_key))), 400, "invalid_request",
                    70021,
                    "No matching federated identity record found for presented assertion. Assertion Issuer: "
                    "'https://token.actions.githubusercontent.com'. Assertion Subject: 'repo:org/repo:pull_request'. "
                    "Assertion Audience: 'api://AzureADTokenExchange'.");

  simtest::KeyPair forger;
  check_entra_error(post_token(c, assertion_form(simtest::sign_jwt(header, claims, forger))), 401, "invalid_client",
                    700027, "Client assertion contains an invalid signature.");
}

TEST_CASE("IMDS: Metadata header required, tokens come back with string numbers", "[entra][imds]") {
  json seed = {{"managed_identity", {{"client_id", "mi-client"}, {"object_id", "mi-object"}, {"tenant", kTenant}}}};
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", seed.dump())});
  auto c = sim.client();
  std::string path = "/imds/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net";

  auto bare = c.Get(path);
  REQUIRE(bare);
  CHECK(bare->status == 400);
  CHECK(json::parse(bare->body) ==
        json({{"error", "invalid_request"}, {"error_description", "Required metadata header not specified"}}));
  auto wrong_case = c.Get(path, {{"Metadata", "True"}});
  CHECK(wrong_case->status == 400);

  auto r = c.Get(path, {{"Metadata", "true"}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  json b = json::parse(r->body);
  for (const char* k : {"access_token", "expires_in", "expires_on", "not_before", "resource", "token_type"})
    CHECK(b[k].is_string());
  CHECK(b["resource"] == "https://vault.azure.net");
  CHECK(b["token_type"] == "Bearer");
  CHECK(b["expires_in"] == "3599");
  CHECK(std::stoll(b["expires_on"].get<std::string>()) - std::stoll(b["not_before"].get<std::string>()) == 3599);
  json claims = simtest::claims_of(b["access_token"]);
  CHECK(claims["appid"] == "mi-client");
  CHECK(claims["oid"] == "mi-object");
  CHECK(claims["tid"] == kTenant);
  CHECK(claims["aud"] == "https://vault.azure.net");

  auto chosen = c.Get(path + "&client_id=mi-client", {{"Metadata", "true"}});
  CHECK(chosen->status == 200);
  auto other = c.Get(path + "&client_id=someone-else", {{"Metadata", "true"}});
  CHECK(other->status == 400);
  CHECK(json::parse(other->body)["error_description"] == "Identity not found");
}

TEST_CASE("App Service managed identity checks X-IDENTITY-HEADER", "[entra][imds]") {
  json seed = {{"managed_identity", {{"client_id", "mi-client"}, {"identity_header", "hdr-123"}}}};
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", seed.dump())});
  auto c = sim.client();
  std::string path = "/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fmanagement.azure.com%2F";
  auto none = c.Get(path);
  REQUIRE(none);
  CHECK(none->status == 401);
  CHECK(c.Get(path, {{"X-IDENTITY-HEADER", "hdr-999"}})->status == 401);
  CHECK(c.Get("/msi/token?api-version=2017-09-01&resource=x", {{"X-IDENTITY-HEADER", "hdr-123"}})->status == 400);
  auto r = c.Get(path, {{"X-IDENTITY-HEADER", "hdr-123"}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  json b = json::parse(r->body);
  CHECK(b["resource"] == "https://management.azure.com/");
  CHECK(b["client_id"] == "mi-client");
  CHECK(b["expires_on"].is_string());
  CHECK(simtest::claims_of(b["access_token"])["aud"] == "https://management.azure.com/");
}
