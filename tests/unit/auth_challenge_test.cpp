// bindings/auth/challenge and scope: WWW-Authenticate parsing, what a Bearer challenge asks
// for, and how scopes are written.
#include <catch2/catch.hpp>

#include "bindings/auth/challenge.hpp"
#include "bindings/auth/scope.hpp"

using namespace tarn;
using namespace tarn::auth;

TEST_CASE("auth challenge: Key Vault's quoted, comma-separated parameters", "[auth][challenge]") {
  auto cs = parse_challenges(R"(Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net")");
  REQUIRE(cs.size() == 1);
  CHECK(cs[0].scheme == "Bearer");
  CHECK(cs[0].params == std::map<std::string, std::string>{
                            {"authorization", "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47"},
                            {"resource", "https://vault.azure.net"}});
  auto t = bearer_target(R"(Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net")",
                         "https://login.microsoftonline.com");
  REQUIRE(t);
  CHECK(t->tenant == "72f988bf-86f1-41af-91ab-2d7cd011db47");
  CHECK(t->scope == "https://vault.azure.net/.default");
}

TEST_CASE("auth challenge: Storage's unquoted parameters without commas", "[auth][challenge]") {
  std::string h = "Bearer authorization_uri=https://login.microsoftonline.com/tenant-9/oauth2/authorize "
                  "resource_id=https://storage.azure.com";
  auto cs = parse_challenges(h);
  REQUIRE(cs.size() == 1);
  CHECK(cs[0].params.at("authorization_uri") == "https://login.microsoftonline.com/tenant-9/oauth2/authorize");
  CHECK(cs[0].params.at("resource_id") == "https://storage.azure.com");
  auto t = bearer_target(h, "https://login.microsoftonline.com");
  REQUIRE(t);
  CHECK(t->tenant == "tenant-9");
  CHECK(t->scope == "https://storage.azure.com/.default");
}

TEST_CASE("auth challenge: the SDK's test challenges, scope and several schemes", "[auth][challenge]") {
  auto t = bearer_target(R"(Bearer authorization="https://login.windows.net/OriginalTenantId", scope="https://test.vault.azure.net/.default")",
                         "https://login.microsoftonline.com");
  REQUIRE(t);
  CHECK(t->tenant == "OriginalTenantId");
  CHECK(t->scope == "https://test.vault.azure.net/.default");
  t = bearer_target(R"(Bearer authorization_uri="https://login.windows.net/NewTenantId/", resource="https://vault.azure.net/")", "");
  REQUIRE(t);
  CHECK(t->tenant == "NewTenantId");
  CHECK(t->scope == "https://vault.azure.net/.default");
  // A Basic challenge first, parameter names in any case, an escaped quote in a value.
  auto cs = parse_challenges(R"(Basic realm="x \"y\"", Bearer Error="invalid_token", AUTHORIZATION_URI="https://l/t1")");
  REQUIRE(cs.size() == 2);
  CHECK(cs[0].params.at("realm") == "x \"y\"");
  t = bearer_target(R"(Basic realm="x \"y\"", Bearer Error="invalid_token", AUTHORIZATION_URI="https://l/t1")", "https://l");
  REQUIRE(t);
  CHECK(t->tenant == "t1");
  CHECK(t->error == "invalid_token");
  CHECK(t->scope.empty());
  CHECK_FALSE(bearer_target("Basic realm=\"x\"", ""));
  CHECK(parse_challenges("").empty());
  CHECK(parse_challenges("  ,, =").empty());
}

TEST_CASE("auth challenge: the tenant under the simulator's authority", "[auth][challenge]") {
  std::string fabric = R"(Bearer authorization_uri="http://127.0.0.1:8642/entra/tenant-7/oauth2/authorize", error="invalid_token")";
  auto t = bearer_target(fabric, "http://127.0.0.1:8642/entra");
  REQUIRE(t);
  CHECK(t->tenant == "tenant-7");
  CHECK(t->scope.empty());  // Fabric names no resource
  t = bearer_target(R"(Bearer authorization="http://127.0.0.1:8642/entra/tenant-7", resource="https://vault.azure.net")",
                    "http://127.0.0.1:8642/entra/");
  CHECK(t->tenant == "tenant-7");
  // Something that is not a tenant id is not taken as one.
  CHECK(bearer_target(R"(Bearer authorization="https://evil.example/a%2fb", resource="https://vault.azure.net")", "")->tenant.empty());
}

TEST_CASE("auth challenge: a challenge's resource must be the request's host or above it", "[auth][challenge]") {
  CHECK(scope_fits_request("https://vault.azure.net/.default", "https://myvault.vault.azure.net/secrets/x?api-version=7.5", ""));
  CHECK(scope_fits_request("https://vault.azure.net/.default", "https://vault.azure.net/x", ""));
  CHECK_FALSE(scope_fits_request("https://vault.azure.net/.default", "https://myvault.notvault.azure.net/x", ""));
  CHECK_FALSE(scope_fits_request("https://vault.azure.net/.default", "https://evilvault.azure.net/x", ""));
  CHECK_FALSE(scope_fits_request("https://management.azure.com/.default", "https://myvault.vault.azure.net/x", ""));
  CHECK(scope_fits_request("https://vault.azure.net/.default", "http://127.0.0.1:8642/keyvault/kv/secrets/x", "http://127.0.0.1:8642"));
  CHECK_FALSE(scope_fits_request("https://vault.azure.net/.default", "http://127.0.0.1:9999/keyvault/kv", "http://127.0.0.1:8642"));
}

TEST_CASE("auth scope: short names, audiences and .default scopes", "[auth][scope]") {
  cloud::Scopes s;
  CHECK(scope("fabric", s) == "https://api.fabric.microsoft.com/.default");
  CHECK(scope("arm", s) == "https://management.azure.com/.default");
  CHECK(scope("keyvault", s) == "https://vault.azure.net/.default");
  CHECK(scope("storage", s) == "https://storage.azure.com/.default");
  CHECK(scope("postgres", s) == "https://ossrdbms-aad.database.windows.net/.default");
  CHECK(scope("https://vault.azure.net", s) == "https://vault.azure.net/.default");
  CHECK(scope("https://management.azure.com/", s) == "https://management.azure.com/.default");
  CHECK(scope("https://storage.azure.com/.default", s) == "https://storage.azure.com/.default");
  CHECK(scope("api://0000-1111/.default", s) == "api://0000-1111/.default");
  CHECK(scope("api://0000-1111", s) == "api://0000-1111/.default");
  CHECK_THROWS_WITH(scope("fabrik", s), "unknown scope 'fabrik': expected fabric, arm, keyvault, storage, postgres, "
                                        "an audience (https://vault.azure.net) or a scope ending in /.default");
  CHECK_THROWS_WITH(scope("--tenant", s), Catch::StartsWith("unknown scope '--tenant'"));
  CHECK_THROWS_WITH(scope("", s), Catch::StartsWith("empty scope: expected fabric, arm"));
  CHECK_THROWS_WITH(scope("https://a/.default https://b/.default", s),
                    "scope 'https://a/.default https://b/.default' holds spaces: ask for one resource at a time");
  CHECK(resource_of("https://vault.azure.net/.default") == "https://vault.azure.net");
  CHECK(resource_of("https://vault.azure.net") == "https://vault.azure.net");
  CHECK(host_of("https://User@MyVault.vault.azure.net:443/x?y") == "myvault.vault.azure.net");
  CHECK(host_of("http://[::1]:80/") == "[::1]");
  CHECK(host_of("no-scheme").empty());
}
