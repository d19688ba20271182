// `arm.core`: the Lua face of tarn::arm::Client (client.hpp) and the derived names
// (names.hpp). stdlib/arm.lua builds the friendly `arm` module and its helpers on it.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "bindings/arm/client.hpp"
#include "bindings/arm/names.hpp"
#include "bindings/auth/auth.hpp"
#include "bindings/cloud/cloud.hpp"
#include "bindings/json/json.hpp"
#include "tarn/lua.hpp"

namespace tarn {
namespace {

const char* const client_key = "tarn.arm.Client";

// The runtime's ARM client, made on first use for its cloud profile; it signs in for the
// arm scope on its first request, not before.
arm::Client& client_of(lua_State* L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, client_key) == LUA_TUSERDATA) {
    auto* c = *static_cast<arm::Client**>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    return *c;
  }
  lua_pop(L, 1);
  const cloud::Profile& profile = cloud::current(L);
  auto auth = tarn::auth::authorizer(L, "arm");
  auto** box = static_cast<arm::Client**>(lua_newuserdatauv(L, sizeof(arm::Client*), 0));
  *box = nullptr;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, [](lua_State* S) -> int {
    auto** b = static_cast<arm::Client**>(lua_touserdata(S, 1));
    delete *b;
    *b = nullptr;
    return 0;
  });
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  *box = new arm::Client(http::Client::of(L), profile.arm, std::move(auth));
  arm::Client* c = *box;
  lua_setfield(L, LUA_REGISTRYINDEX, client_key);
  return *c;
}

[[noreturn]] void bad_field(lua_State* L, const std::string& msg) {
  luaL_argerror(L, 1, msg.c_str());
  throw std::logic_error("unreachable");  // luaL_argerror does not return
}

struct Decoded {
  arm::Call call;
  bool missing_ok = false;
};

std::string string_field(lua_State* L, int v, const std::string& key, const char* what) {
  if (lua_type(L, v) != LUA_TSTRING)
    bad_field(L, "'" + key + "' must be " + what + ", got " + luaL_typename(L, v));
  return lua_tostring(L, v);
}

double seconds_field(lua_State* L, int v, const std::string& key) {
  if (lua_type(L, v) != LUA_TNUMBER || !(lua_tonumber(L, v) >= 0))
    bad_field(L, "'" + key + "' must be a number of seconds (0 or more)");
  return lua_tonumber(L, v);
}

Decoded decode_request(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  Decoded d;
  d.call.method.clear();
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING) bad_field(L, "unexpected non-string key in the request table");
    std::string key = lua_tostring(L, -2);
    int v = lua_gettop(L);
    if (key == "method") {
      d.call.method = string_field(L, v, key, "GET, PUT, PATCH, POST or DELETE");
      if (d.call.method != "GET" && d.call.method != "PUT" && d.call.method != "PATCH" && d.call.method != "POST" &&
          d.call.method != "DELETE" && d.call.method != "HEAD")
        bad_field(L, "'method' must be GET, PUT, PATCH, POST, DELETE or HEAD, got '" + d.call.method + "'");
    } else if (key == "target") {
      d.call.target = string_field(L, v, key, "a resource id or a URL");
    } else if (key == "api_version") {
      d.call.api_version = string_field(L, v, key, "a string such as \"2022-04-01\"");
    } else if (key == "what") {
      d.call.what = string_field(L, v, key, "a string");
    } else if (key == "query") {
      if (!lua_istable(L, v)) bad_field(L, "'query' must be a table of name = value");
      lua_pushnil(L);
      while (lua_next(L, v) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING || (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER))
          bad_field(L, "'query' must map names to strings");
        std::string name = lua_tostring(L, -2);
        d.call.query.emplace_back(name, lua_tostring(L, -1));
        lua_pop(L, 1);
      }
    } else if (key == "body") {
      if (lua_type(L, v) == LUA_TSTRING) d.call.body = std::string(lua_tostring(L, v));
      else if (lua_istable(L, v)) d.call.body = json::encode(L, v);
      else bad_field(L, std::string("'body' must be a table (sent as JSON) or JSON text, got ") + luaL_typename(L, v));
    } else if (key == "wait" || key == "missing_ok") {
      if (!lua_isboolean(L, v)) bad_field(L, "'" + key + "' must be a boolean");
      (key == "wait" ? d.call.wait : d.missing_ok) = lua_toboolean(L, v);
    } else if (key == "timeout") {
      d.call.timeout = seconds_field(L, v, key);
    } else if (key == "poll_interval") {
      d.call.poll_interval = seconds_field(L, v, key);
    } else {
      bad_field(L, "unknown request field '" + key +
                       "' (expected method, target, api_version, query, body, wait, what, timeout, poll_interval, missing_ok)");
    }
    lua_settop(L, v - 1);
  }
  if (d.call.method.empty()) bad_field(L, "'method' is required");
  if (d.call.target.empty()) bad_field(L, "'target' is required (a resource id such as /subscriptions/...)");
  std::sort(d.call.query.begin(), d.call.query.end());  // pairs() order is not stable; URLs should be
  return d;
}

// Pushes an ARM failure as an error value, its details decoded into a table.
[[noreturn]] void raise_arm(lua_State* L, const arm::Error& e) {
  push_error_value(L, e);
  if (!e.details.empty() && nlohmann::json::accept(e.details)) {
    json::decode(L, e.details);
    lua_setfield(L, -2, "details");
  }
  raise(L);
}

void push_body(lua_State* L, const std::string& body) {
  if (body.empty()) lua_pushnil(L);
  else if (nlohmann::json::accept(body)) json::decode(L, body);
  else lua_pushlstring(L, body.data(), body.size());
}

// core.request{method=, target=, api_version=, query=, body=, wait=, what=, timeout=,
// poll_interval=, missing_ok=} -> body (decoded; nil for none), status, request_id.
// missing_ok: a 404 returns nil, 404 instead of raising.
int l_request(lua_State* L) {
  Decoded d = decode_request(L);
  arm::Client& c = client_of(L);
  std::optional<arm::Result> result;
  std::optional<arm::Error> failed;
  try {
    result = c.send(d.call);
  } catch (const arm::Error& e) {
    failed = e;
  }
  if (failed) {
    bool missing = false;
    for (const auto& [k, v] : failed->fields) missing = missing || (k == "status" && v == "404");
    if (!(missing && d.missing_ok)) raise_arm(L, *failed);
    lua_pushnil(L);
    lua_pushinteger(L, 404);
    return 2;
  }
  push_body(L, result->body);
  lua_pushinteger(L, result->status);
  lua_pushstring(L, result->request_id.c_str());
  return 3;
}

// core.url{...}: the URL a request would go to (no request is made).
int l_url(lua_State* L) {
  Decoded d = decode_request(L);
  std::string u = client_of(L).url(d.call);
  lua_pushlstring(L, u.data(), u.size());
  return 1;
}

std::string resolve_role(lua_State* L, int idx) {
  std::string role = luaL_checkstring(L, idx);
  auto guid = arm::role_guid(role);
  if (!guid) {
    std::string known;
    for (const auto& r : arm::builtin_roles()) known += (known.empty() ? "" : ", ") + std::string(r.name);
    luaL_argerror(L, idx, lua_pushfstring(L, "unknown role '%s' (expected a role definition GUID or one of %s)",
                                          role.c_str(), known.c_str()));
  }
  return *guid;
}

// core.role_guid(role) -> GUID | nil, message
int l_role_guid(lua_State* L) {
  std::string role = luaL_checkstring(L, 1);
  auto guid = arm::role_guid(role);
  if (!guid) {
    lua_pushnil(L);
    lua_pushfstring(L, "unknown role '%s'", role.c_str());
    return 2;
  }
  lua_pushstring(L, guid->c_str());
  return 1;
}

// core.role_name(guid) -> name | nil
int l_role_name(lua_State* L) {
  auto name = arm::role_name(luaL_checkstring(L, 1));
  if (name) lua_pushstring(L, name->c_str());
  else lua_pushnil(L);
  return 1;
}

// core.roles() -> { {name=, guid=}, ... }
int l_roles(lua_State* L) {
  const auto& roles = arm::builtin_roles();
  lua_createtable(L, static_cast<int>(roles.size()), 0);
  for (std::size_t i = 0; i < roles.size(); ++i) {
    lua_createtable(L, 0, 2);
    lua_pushlstring(L, roles[i].name.data(), roles[i].name.size());
    lua_setfield(L, -2, "name");
    lua_pushlstring(L, roles[i].guid.data(), roles[i].guid.size());
    lua_setfield(L, -2, "guid");
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  return 1;
}

// core.assignment_name(scope, role, principal_id) -> GUID
int l_assignment_name(lua_State* L) {
  std::string scope = luaL_checkstring(L, 1);
  std::string role = resolve_role(L, 2);
  std::string principal = luaL_checkstring(L, 3);
  if (scope.empty() || scope.front() != '/')
    return luaL_argerror(L, 1, "expected a scope resource id starting with /");
  if (!arm::is_guid(principal)) return luaL_argerror(L, 3, "expected a principal object id (a GUID)");
  std::string name = arm::assignment_name(scope, role, principal);
  lua_pushstring(L, name.c_str());
  return 1;
}

// core.uuid_v5(namespace, name) -> UUID
int l_uuid_v5(lua_State* L) {
  std::string ns = luaL_checkstring(L, 1);
  std::size_t len = 0;
  const char* name = luaL_checklstring(L, 2, &len);
  if (!arm::is_guid(ns)) return luaL_argerror(L, 1, "expected a namespace UUID");
  std::string out = arm::uuid_v5(ns, std::string_view(name, len));
  lua_pushstring(L, out.c_str());
  return 1;
}

// core.base() -> the Resource Manager endpoint of the cloud profile
int l_base(lua_State* L) {
  lua_pushstring(L, cloud::current(L).arm.c_str());
  return 1;
}

}  // namespace

int tarn_open_arm_core(lua_State* L) {
  const luaL_Reg fns[] = {TARN_FN("request", l_request),
                          TARN_FN("url", l_url),
                          TARN_FN("role_guid", l_role_guid),
                          TARN_FN("role_name", l_role_name),
                          TARN_FN("roles", l_roles),
                          TARN_FN("assignment_name", l_assignment_name),
                          TARN_FN("uuid_v5", l_uuid_v5),
                          TARN_FN("base", l_base),
                          {nullptr, nullptr}};
  luaL_newlib(L, fns);
  return 1;
}

}  // namespace tarn
