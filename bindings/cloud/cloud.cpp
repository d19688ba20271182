// `tarn.cloud`: the endpoint profiles (C++ for the service clients, Lua for recipes).
#include "bindings/cloud/cloud.hpp"

#include <cctype>
#include <cstdlib>
#include <new>
#include <stdexcept>

#include "tarn/lua.hpp"
#include "tarn/runtime.hpp"

namespace tarn::cloud {
namespace {

std::string without_trailing_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// Key Vault names: 3-24 characters, letters, digits and single hyphens, starting with a
// letter and ending with a letter or digit.
bool valid_vault(std::string_view n) {
  if (n.size() < 3 || n.size() > 24 || !std::isalpha(static_cast<unsigned char>(n.front())) || n.back() == '-')
    return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    if (c == '-' && i > 0 && n[i - 1] == '-') return false;
  }
  return true;
}

// Storage account names: 3-24 lowercase letters and digits.
bool valid_account(std::string_view n) {
  if (n.size() < 3 || n.size() > 24) return false;
  for (char c : n)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)))) return false;
  return true;
}

}  // namespace

std::optional<std::string> process_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

const std::vector<std::string>& known() {
  static const std::vector<std::string> names = {"public", "local"};
  return names;
}

std::string Profile::keyvault_url(std::string_view vault) const {
  if (!valid_vault(vault))
    throw std::invalid_argument("invalid Key Vault name '" + std::string(vault) +
                                "': expected 3-24 letters, digits and single hyphens, starting with a letter");
  if (!sim.empty()) return sim + "/keyvault/" + std::string(vault);
  return "https://" + std::string(vault) + "." + keyvault_suffix;
}

std::string Profile::dfs_url(std::string_view account) const {
  if (!valid_account(account))
    throw std::invalid_argument("invalid storage account name '" + std::string(account) +
                                "': expected 3-24 lowercase letters and digits");
  if (!sim.empty()) return sim + "/dfs/" + std::string(account);
  return "https://" + std::string(account) + "." + dfs_suffix;
}

Profile make(std::string_view name, const Env& env, std::string_view source) {
  Profile p;
  p.name = std::string(name);
  if (name == "public") {
    p.fabric = "https://api.fabric.microsoft.com/v1";
    p.arm = "https://management.azure.com";
    std::string authority = env("AZURE_AUTHORITY_HOST").value_or("https://login.microsoftonline.com");
    if (authority.find("://") == std::string::npos) authority = "https://" + authority;
    p.authority = without_trailing_slash(authority);
    p.imds = "http://169.254.169.254";
    p.keyvault_suffix = "vault.azure.net";
    p.dfs_suffix = "dfs.core.windows.net";
    return p;
  }
  if (name == "local") {
    p.sim = without_trailing_slash(env("TARN_SIM_URL").value_or("http://127.0.0.1:8642"));
    p.fabric = p.sim + "/fabric/v1";
    p.arm = p.sim + "/arm";
    p.authority = p.sim + "/entra";
    p.imds = p.sim + "/imds";
    return p;
  }
  std::string list;
  for (const auto& k : known()) list += (list.empty() ? "" : ", ") + k;
  std::string from = source.empty() ? "" : " (from " + std::string(source) + ")";
  throw std::invalid_argument("unknown cloud '" + std::string(name) + "'" + from + ": known clouds are " + list);
}

const Profile& current(lua_State* L) {
  static const char* const key = "tarn.cloud.Profile";
  if (lua_getfield(L, LUA_REGISTRYINDEX, key) == LUA_TUSERDATA) {
    auto* p = static_cast<Profile*>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    return *p;
  }
  lua_pop(L, 1);
  const auto& settings = Runtime::of(L).options().settings;
  std::string name = "public", source;
  if (auto it = settings.find("cloud"); it != settings.end() && !it->second.empty()) {
    name = it->second;
    source = "--cloud";
  } else if (auto env = process_env("TARN_CLOUD")) {
    name = *env;
    source = "TARN_CLOUD";
  }
  Profile made = make(name, process_env, source);
  auto* p = static_cast<Profile*>(lua_newuserdatauv(L, sizeof(Profile), 0));
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, +[](lua_State* S) -> int {
    static_cast<Profile*>(lua_touserdata(S, 1))->~Profile();
    return 0;
  });
  lua_setfield(L, -2, "__gc");
  new (p) Profile(std::move(made));
  lua_setmetatable(L, -2);  // __gc only once the Profile is constructed
  lua_setfield(L, LUA_REGISTRYINDEX, key);
  return *p;
}

namespace {

void set(lua_State* L, const char* k, const std::string& v) {
  lua_pushlstring(L, v.data(), v.size());
  lua_setfield(L, -2, k);
}

// cloud.current(): the profile as a table (a fresh copy: changing it changes nothing).
int l_cloud_current(lua_State* L) {
  const Profile& p = current(L);
  lua_createtable(L, 0, 9);
  set(L, "name", p.name);
  set(L, "fabric", p.fabric);
  set(L, "arm", p.arm);
  set(L, "authority", p.authority);
  set(L, "imds", p.imds);
  set(L, "keyvault_suffix", p.keyvault_suffix);
  set(L, "dfs_suffix", p.dfs_suffix);
  if (!p.sim.empty()) set(L, "sim", p.sim);
  lua_createtable(L, 0, 5);
  set(L, "fabric", p.scopes.fabric);
  set(L, "arm", p.scopes.arm);
  set(L, "keyvault", p.scopes.keyvault);
  set(L, "storage", p.scopes.storage);
  set(L, "postgres", p.scopes.postgres);
  lua_setfield(L, -2, "scopes");
  return 1;
}

// Pushes the URL that make_url builds, or blames argument 1 with its message.
template <class MakeUrl>
int push_url(lua_State* L, MakeUrl make_url) {
  std::string url, error;
  try {
    url = make_url();
  } catch (const std::invalid_argument& e) {
    error = e.what();  // raised below, outside the catch block
  }
  if (!error.empty()) return luaL_argerror(L, 1, error.c_str());
  lua_pushstring(L, url.c_str());
  return 1;
}

int l_cloud_keyvault_url(lua_State* L) {
  std::string name = luaL_checkstring(L, 1);
  const Profile& p = current(L);
  return push_url(L, [&] { return p.keyvault_url(name); });
}

int l_cloud_dfs_url(lua_State* L) {
  std::string account = luaL_checkstring(L, 1);
  const Profile& p = current(L);
  return push_url(L, [&] { return p.dfs_url(account); });
}

int l_cloud_known(lua_State* L) {
  const auto& names = known();
  push_string_list(L, names);
  return 1;
}

}  // namespace
}  // namespace tarn::cloud

namespace tarn {
int tarn_open_cloud(lua_State* L) {
  const luaL_Reg fns[] = {TARN_FN("current", cloud::l_cloud_current), TARN_FN("keyvault_url", cloud::l_cloud_keyvault_url),
                          TARN_FN("dfs_url", cloud::l_cloud_dfs_url), TARN_FN("known", cloud::l_cloud_known),
                          {nullptr, nullptr}};
  luaL_newlib(L, fns);
  return 1;
}
}  // namespace tarn
