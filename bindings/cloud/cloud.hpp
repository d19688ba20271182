#pragma once
// Cloud profiles: the one place that knows the service endpoints. Every C++ client builds
// its URLs from tarn::cloud::current(L) and every recipe from require("tarn.cloud"), so
// `--cloud local` (or TARN_CLOUD=local) points all of them at the simulator at once.
#include <lua.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tarn::cloud {

// Token scopes: the same in every profile (the simulator accepts the public ones).
struct Scopes {
  std::string fabric = "https://api.fabric.microsoft.com/.default";
  std::string arm = "https://management.azure.com/.default";
  std::string keyvault = "https://vault.azure.net/.default";
  std::string storage = "https://storage.azure.com/.default";
  std::string postgres = "https://ossrdbms-aad.database.windows.net/.default";
};

struct Profile {
  std::string name;             // "public" or "local"
  std::string fabric;           // Fabric REST base, ending in /v1
  std::string arm;              // Azure Resource Manager
  std::string authority;        // Entra authority host (AZURE_AUTHORITY_HOST in public)
  std::string imds;             // Instance Metadata Service (plain http, see docs/api/cloud.md)
  std::string keyvault_suffix;  // "vault.azure.net"; empty where vaults are paths (local)
  std::string dfs_suffix;       // "dfs.core.windows.net"; empty where accounts are paths
  std::string sim;              // the simulator's base URL in the local profile, else empty
  Scopes scopes;

  // https://{vault}.vault.azure.net (local: {sim}/keyvault/{vault}). Throws
  // std::invalid_argument when vault is not a valid Key Vault name.
  std::string keyvault_url(std::string_view vault) const;
  // https://{account}.dfs.core.windows.net (local: {sim}/dfs/{account}). Throws
  // std::invalid_argument when account is not a valid storage account name.
  std::string dfs_url(std::string_view account) const;
};

// Reads an environment variable; nullopt when unset or empty.
using Env = std::function<std::optional<std::string>(const char*)>;
std::optional<std::string> process_env(const char* name);

// The names make() knows, in the order shown in messages.
const std::vector<std::string>& known();

// The profile called name, reading TARN_SIM_URL (local) and AZURE_AUTHORITY_HOST (public)
// through env. Throws std::invalid_argument for an unknown name, listing the known ones;
// `source` says where the name came from ("--cloud", "TARN_CLOUD").
Profile make(std::string_view name, const Env& env = process_env, std::string_view source = "");

// The profile of the runtime that owns L: --cloud (settings["cloud"]), else TARN_CLOUD,
// else "public". Made on first use and kept for the runtime's life.
const Profile& current(lua_State* L);

}  // namespace tarn::cloud
