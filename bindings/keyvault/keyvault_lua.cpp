// `keyvault`: the Lua face of the Key Vault secrets client (client.hpp). Arguments are
// decoded and checked here, the work is the client's; values come back as secrets.
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <optional>

#include "bindings/auth/auth.hpp"
#include "bindings/keyvault/client.hpp"
#include "tarn/lua.hpp"
#include "tarn/redact.hpp"

namespace tarn::keyvault {
namespace {

const char* const vaults_key = "tarn.keyvault.Vaults";

using Vaults = std::map<std::string, std::shared_ptr<Vault>>;

// The runtime's vaults by URL, so each reads its challenge once per run.
Vaults& vaults_of(lua_State* L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, vaults_key) == LUA_TUSERDATA) {
    auto* v = static_cast<Vaults*>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    return *v;
  }
  lua_pop(L, 1);
  auto* v = static_cast<Vaults*>(lua_newuserdatauv(L, sizeof(Vaults), 0));
  new (v) Vaults();
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, +[](lua_State* S) -> int {
    static_cast<Vaults*>(lua_touserdata(S, 1))->~Vaults();
    return 0;
  });
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, vaults_key);
  return *v;
}

// Runs check(text), blaming argument `arg` with its message when it throws std::invalid_argument.
template <class F>
void check_arg(lua_State* L, int arg, F&& check) {
  std::string error;
  try {
    check();
  } catch (const std::invalid_argument& e) {
    error = e.what();  // raised below, outside the catch block
  }
  if (!error.empty()) luaL_argerror(L, arg, error.c_str());
}

std::shared_ptr<Vault> vault_arg(lua_State* L, int arg) {
  std::string text = luaL_checkstring(L, arg);
  const cloud::Profile& profile = cloud::current(L);  // an unknown cloud is not the argument's fault
  std::string url;
  check_arg(L, arg, [&] { url = vault_url(profile, text); });
  Vaults& vaults = vaults_of(L);
  auto it = vaults.find(url);
  if (it != vaults.end()) return it->second;
  auto v = std::make_shared<Vault>();
  v->url = url;
  v->auth = auth::authorizer(L, "keyvault");
  vaults.emplace(url, v);
  return v;
}

std::string name_arg(lua_State* L, int arg) {
  std::string name = luaL_checkstring(L, arg);
  check_arg(L, arg, [&] { check_name(name); });
  return name;
}

std::string version_arg(lua_State* L, int arg) {
  if (lua_isnoneornil(L, arg)) return {};
  std::string version = luaL_checkstring(L, arg);
  check_arg(L, arg, [&] { check_version(version); });
  return version;
}

// An options table: nil or a table whose keys are all in `known` (a misspelt option is an error).
bool options_arg(lua_State* L, int arg, std::initializer_list<const char*> known) {
  if (lua_isnoneornil(L, arg)) return false;
  luaL_checktype(L, arg, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, arg) != 0) {
    lua_pop(L, 1);
    bool ok = false;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (const char* k : known) ok = ok || std::string(k) == lua_tostring(L, -1);
    if (!ok) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      std::string key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1);
      luaL_argerror(L, arg, ("unknown option '" + key + "' (expected " + list + ")").c_str());
    }
  }
  return true;
}

// opts[key] pushed; nil when absent.
bool field(lua_State* L, int arg, const char* key) {
  if (lua_getfield(L, arg, key) != LUA_TNIL) return true;
  lua_pop(L, 1);
  return false;
}

[[noreturn]] void bad_option(lua_State* L, int arg, const char* key, const char* expected) {
  luaL_argerror(L, arg, (std::string("option '") + key + "' must be " + expected).c_str());
  std::abort();  // not reached: luaL_argerror raises
}

std::optional<std::int64_t> int_option(lua_State* L, int arg, const char* key) {
  if (!field(L, arg, key)) return std::nullopt;
  if (!lua_isinteger(L, -1)) bad_option(L, arg, key, "an integer (Unix seconds)");
  std::int64_t v = lua_tointeger(L, -1);
  lua_pop(L, 1);
  return v;
}

Changes changes_arg(lua_State* L, int arg) {
  Changes c;
  if (field(L, arg, "content_type")) {
    if (lua_type(L, -1) != LUA_TSTRING) bad_option(L, arg, "content_type", "a string");
    c.content_type = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  if (field(L, arg, "enabled")) {
    if (!lua_isboolean(L, -1)) bad_option(L, arg, "enabled", "true or false");
    c.enabled = lua_toboolean(L, -1) != 0;
    lua_pop(L, 1);
  }
  if (field(L, arg, "tags")) {
    if (!lua_istable(L, -1)) bad_option(L, arg, "tags", "a table of string keys and string values");
    std::map<std::string, std::string> tags;
    int t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
        bad_option(L, arg, "tags", "a table of string keys and string values");
      tags[lua_tostring(L, -2)] = lua_tostring(L, -1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    c.tags = std::move(tags);
  }
  c.not_before = int_option(L, arg, "not_before");
  c.expires = int_option(L, arg, "expires");
  return c;
}

int page_size_arg(lua_State* L, int arg) {
  if (!options_arg(L, arg, {"page_size"})) return 0;
  auto n = int_option(L, arg, "page_size");
  if (n && (*n < 1 || *n > 25)) bad_option(L, arg, "page_size", "an integer from 1 to 25");
  return n ? static_cast<int>(*n) : 0;
}

Wait wait_arg(lua_State* L, int arg) {
  Wait w;
  if (!options_arg(L, arg, {"wait"}) || !field(L, arg, "wait")) return w;
  if (lua_isboolean(L, -1)) {
    if (!lua_toboolean(L, -1)) w.timeout = 0;
  } else if (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) >= 0) {
    w.timeout = lua_tonumber(L, -1);
  } else {
    bad_option(L, arg, "wait", "true, false or a number of seconds");
  }
  lua_pop(L, 1);
  return w;
}

void set_string(lua_State* L, const char* key, const std::string& v) {
  if (v.empty()) return;
  lua_pushlstring(L, v.data(), v.size());
  lua_setfield(L, -2, key);
}

void set_int(lua_State* L, const char* key, const std::optional<std::int64_t>& v) {
  if (!v) return;
  lua_pushinteger(L, static_cast<lua_Integer>(*v));
  lua_setfield(L, -2, key);
}

void push_properties(lua_State* L, const Properties& p) {
  lua_createtable(L, 0, 14);
  set_string(L, "id", p.id);
  set_string(L, "name", p.name);
  set_string(L, "version", p.version);
  set_string(L, "content_type", p.content_type);
  lua_pushboolean(L, p.enabled);
  lua_setfield(L, -2, "enabled");
  set_int(L, "created", p.created);
  set_int(L, "updated", p.updated);
  set_int(L, "not_before", p.not_before);
  set_int(L, "expires", p.expires);
  set_string(L, "recovery_level", p.recovery_level);
  set_string(L, "recovery_id", p.recovery_id);
  set_int(L, "deleted_on", p.deleted_on);
  set_int(L, "scheduled_purge_on", p.scheduled_purge_on);
  lua_createtable(L, 0, static_cast<int>(p.tags.size()));
  for (const auto& [k, v] : p.tags) {
    lua_pushlstring(L, v.data(), v.size());
    lua_setfield(L, -2, k.c_str());
  }
  lua_setfield(L, -2, "tags");
}

void push_list(lua_State* L, const std::vector<Properties>& list) {
  lua_createtable(L, static_cast<int>(list.size()), 0);
  for (std::size_t i = 0; i < list.size(); ++i) {
    push_properties(L, list[i]);
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
}

Client client(lua_State* L, std::shared_ptr<Vault> vault) { return Client(http::Client::of(L), std::move(vault)); }

// keyvault.get(vault, name[, version]) -> secret, properties
int l_keyvault_get(lua_State* L) {
  auto vault = vault_arg(L, 1);
  std::string name = name_arg(L, 2), version = version_arg(L, 3);
  Secret s = client(L, vault).get(name, version);
  push_secret(L, std::move(s.value));
  push_properties(L, s.properties);
  return 2;
}

// keyvault.try_get(vault, name[, version]) -> secret, properties | nil, error
int l_keyvault_try_get(lua_State* L) {
  auto vault = vault_arg(L, 1);
  std::string name = name_arg(L, 2), version = version_arg(L, 3);
  std::optional<Secret> s;
  std::optional<ServiceError> failure;
  try {
    s = client(L, vault).get(name, version);
  } catch (const ServiceError& e) {
    failure = e;
  }
  if (failure) {
    lua_pushnil(L);
    push_error_value(L, *failure);
    return 2;
  }
  push_secret(L, std::move(s->value));
  push_properties(L, s->properties);
  return 2;
}

// keyvault.set(vault, name, value[, {content_type, tags, enabled, not_before, expires}]) -> properties
int l_keyvault_set(lua_State* L) {
  auto vault = vault_arg(L, 1);
  std::string name = name_arg(L, 2);
  std::string value = check_text(L, 3);
  redact::add(value);  // a plain string becomes a secret the moment it is written to a vault
  options_arg(L, 4, {"content_type", "tags", "enabled", "not_before", "expires"});
  Changes changes = lua_isnoneornil(L, 4) ? Changes{} : changes_arg(L, 4);
  push_properties(L, client(L, vault).set(name, value, changes));
  return 1;
}

// keyvault.update(vault, name, {version, content_type, tags, enabled, not_before, expires}) -> properties
int l_keyvault_update(lua_State* L) {
  auto vault = vault_arg(L, 1);
  std::string name = name_arg(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  options_arg(L, 3, {"version", "content_type", "tags", "enabled", "not_before", "expires"});
  std::string version;
  if (field(L, 3, "version")) {
    if (lua_type(L, -1) != LUA_TSTRING) bad_option(L, 3, "version", "a string of 32 hexadecimal digits");
    version = lua_tostring(L, -1);
    lua_pop(L, 1);
    check_arg(L, 3, [&] { check_version(version); });
  }
  Changes changes = changes_arg(L, 3);
  push_properties(L, client(L, vault).update(name, version, changes));
  return 1;
}

// keyvault.list_versions(vault, name[, {page_size}]) -> {properties, ...}
int l_keyvault_list_versions(lua_State* L) {
  auto vault = vault_arg(L, 1);
  std::string name = name_arg(L, 2);
  int page_size = page_size_arg(L, 3);
  push_list(L, client(L, vault).list_versions(name, page_size));
  return 1;
}

// keyvault.list(vault[, {page_size}]) -> {properties, ...}
int l_keyvault_list(lua_State* L) {
  auto vault = vault_arg(L, 1);
  int page_size = page_size_arg(L, 2);
  push_list(L, client(L, vault).list(page_size));
  return 1;
}

// keyvault.exists(vault, name) -> boolean
int l_keyvault_exists(lua_State* L) {
  auto vault = vault_arg(L, 1);
  std::string name = name_arg(L, 2);
  lua_pushboolean(L, client(L, vault).exists(name));
  return 1;
}

// keyvault.delete(vault, name[, {wait}]) -> properties of the deleted secret
int l_keyvault_delete(lua_State* L) {
  auto vault = vault_arg(L, 1);
  std::string name = name_arg(L, 2);
  Wait wait = wait_arg(L, 3);
  push_properties(L, client(L, vault).remove(name, wait));
  return 1;
}

// keyvault.deleted(vault, name) -> properties | nil
int l_keyvault_deleted(lua_State* L) {
  auto vault = vault_arg(L, 1);
  std::string name = name_arg(L, 2);
  auto p = client(L, vault).deleted(name);
  if (p) push_properties(L, *p);
  else lua_pushnil(L);
  return 1;
}

// keyvault.recover(vault, name[, {wait}]) -> properties
int l_keyvault_recover(lua_State* L) {
  auto vault = vault_arg(L, 1);
  std::string name = name_arg(L, 2);
  Wait wait = wait_arg(L, 3);
  push_properties(L, client(L, vault).recover(name, wait));
  return 1;
}

// keyvault.purge(vault, name)
int l_keyvault_purge(lua_State* L) {
  auto vault = vault_arg(L, 1);
  std::string name = name_arg(L, 2);
  client(L, vault).purge(name);
  return 0;
}

// keyvault.url(vault) -> the vault's base URL
int l_keyvault_url(lua_State* L) {
  std::string text = luaL_checkstring(L, 1);
  const cloud::Profile& profile = cloud::current(L);
  std::string url;
  check_arg(L, 1, [&] { url = vault_url(profile, text); });
  lua_pushlstring(L, url.data(), url.size());
  return 1;
}

}  // namespace
}  // namespace tarn::keyvault

namespace tarn {
int tarn_open_keyvault(lua_State* L) {
  using namespace keyvault;
  const luaL_Reg fns[] = {TARN_FN("get", l_keyvault_get),
                          TARN_FN("try_get", l_keyvault_try_get),
                          TARN_FN("set", l_keyvault_set),
                          TARN_FN("update", l_keyvault_update),
                          TARN_FN("list_versions", l_keyvault_list_versions),
                          TARN_FN("list", l_keyvault_list),
                          TARN_FN("exists", l_keyvault_exists),
                          TARN_FN("delete", l_keyvault_delete),
                          TARN_FN("deleted", l_keyvault_deleted),
                          TARN_FN("recover", l_keyvault_recover),
                          TARN_FN("purge", l_keyvault_purge),
                          TARN_FN("url", l_keyvault_url),
                          {nullptr, nullptr}};
  luaL_newlib(L, fns);
  return 1;
}
}  // namespace tarn
