// Cloud profiles (bindings/cloud): the endpoints of each cloud and the URL builders.
#include <catch2/catch.hpp>

#include <map>

#include "bindings/cloud/cloud.hpp"

using namespace tarn;

namespace {
cloud::Env env_of(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}
}  // namespace

TEST_CASE("cloud: the public profile is Azure's public cloud", "[cloud]") {
  auto p = cloud::make("public", env_of({}));
  CHECK(p.fabric == "https://api.fabric.microsoft.com/v1");
  CHECK(p.arm == "https://management.azure.com");
  CHECK(p.authority == "https://login.microsoftonline.com");
  CHECK(p.imds == "http://169.254.169.254");
  CHECK(p.keyvault_url("my-vault") == "https://my-vault.vault.azure.net");
  CHECK(p.dfs_url("acct01") == "https://acct01.dfs.core.windows.net");
  CHECK(p.sim.empty());
}

TEST_CASE("cloud: AZURE_AUTHORITY_HOST moves the Entra authority", "[cloud]") {
  CHECK(cloud::make("public", env_of({{"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/"}})).authority ==
        "https://login.microsoftonline.us");
  CHECK(cloud::make("public", env_of({{"AZURE_AUTHORITY_HOST", "login.partner.microsoftonline.cn"}})).authority ==
        "https://login.partner.microsoftonline.cn");
}

TEST_CASE("cloud: the local profile points every endpoint at the simulator", "[cloud]") {
  auto p = cloud::make("local", env_of({}));
  CHECK(p.sim == "http://127.0.0.1:8642");
  CHECK(p.fabric == "http://127.0.0.1:8642/fabric/v1");
  auto q = cloud::make("local", env_of({{"TARN_SIM_URL", "http://127.0.0.1:5000/"}, {"AZURE_AUTHORITY_HOST", "https://x"}}));
  CHECK(q.authority == "http://127.0.0.1:5000/entra");
  CHECK(q.imds == "http://127.0.0.1:5000/imds");
  CHECK(q.fabric == "http://127.0.0.1:5000/fabric/v1");
  CHECK(q.arm == "http://127.0.0.1:5000/arm");
  CHECK(q.keyvault_url("kv1") == "http://127.0.0.1:5000/keyvault/kv1");
  CHECK(q.dfs_url("acct") == "http://127.0.0.1:5000/dfs/acct");
}

TEST_CASE("cloud: token scopes are the same in every profile", "[cloud]") {
  for (const auto& name : cloud::known()) {
    auto p = cloud::make(name, env_of({}));
    CHECK(p.scopes.fabric == "https://api.fabric.microsoft.com/.default");
    CHECK(p.scopes.arm == "https://management.azure.com/.default");
    CHECK(p.scopes.keyvault == "https://vault.azure.net/.default");
    CHECK(p.scopes.storage == "https://storage.azure.com/.default");
    CHECK(p.scopes.postgres == "https://ossrdbms-aad.database.windows.net/.default");
  }
}

TEST_CASE("cloud: unknown names and bad resource names are refused with what was expected", "[cloud]") {
  CHECK_THROWS_WITH(cloud::make("azure-mars", env_of({}), "--cloud"),
                    "unknown cloud 'azure-mars' (from --cloud): known clouds are public, local");
  auto p = cloud::make("public", env_of({}));
  for (const char* bad : {"ab", "1vault", "my--vault", "vault-", "has_underscore", "a-very-long-vault-name-over-24"})
    CHECK_THROWS_WITH(p.keyvault_url(bad), Catch::Contains("invalid Key Vault name '" + std::string(bad) + "'"));
  for (const char* bad : {"ab", "UpperCase", "with-hyphen", "accountnamelongerthan24chars"})
    CHECK_THROWS_WITH(p.dfs_url(bad), "invalid storage account name '" + std::string(bad) +
                                          "': expected 3-24 lowercase letters and digits");
}
