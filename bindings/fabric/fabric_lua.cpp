// `fabric.core`: the Lua face of fabric::Client, used by stdlib/fabric.lua. It converts
// request tables into fabric::Call and results into Lua values; URLs, long-running
// operations, paging, retries and errors are the client's.
#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bindings/auth/auth.hpp"
#include "bindings/cloud/cloud.hpp"
#include "bindings/fabric/client.hpp"
#include "bindings/fabric/definition.hpp"
#include "bindings/json/json.hpp"
#include "tarn/lua.hpp"

namespace tarn {
namespace {

struct Decoded {
  fabric::Call call;
  bool wait = true;
  fabric::WaitOptions options;
  std::string item_key;                // page: the list's member ("value", "data"); empty: either
  std::vector<std::string> secrets;    // revealed into the body text only
};

[[noreturn]] void bad(lua_State* L, int arg, const std::string& msg) {
  luaL_argerror(L, arg, lua_pushfstring(L, "%s", msg.c_str()));
  throw std::logic_error("unreachable");  // luaL_argerror does not return
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ---- Bodies: Lua value -> JSON text, secrets revealed only inside that text ---------------

bool has_secret(lua_State* L, int idx, int depth) {
  if (is_secret(L, idx)) return true;
  if (!lua_istable(L, idx) || depth > json::max_depth) return false;
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    if (has_secret(L, -1, depth + 1)) {
      lua_pop(L, 2);
      return true;
    }
    lua_pop(L, 1);
  }
  return false;
}

std::string placeholder(std::size_t n) { return "\x01tarn-secret-" + std::to_string(n) + "\x01"; }

// Pushes a copy of the value at idx with each secret replaced by placeholder(i), its text
// appended to secrets. Tables keep their metatables (json.object_mt / json.array_mt).
void copy_without_secrets(lua_State* L, int idx, std::vector<std::string>& secrets, int depth) {
  idx = lua_absindex(L, idx);
  if (is_secret(L, idx)) {
    secrets.push_back(check_text(L, idx));
    std::string p = placeholder(secrets.size() - 1);
    lua_pushlstring(L, p.data(), p.size());
    return;
  }
  if (!lua_istable(L, idx)) {
    lua_pushvalue(L, idx);
    return;
  }
  if (depth > json::max_depth) luaL_error(L, "fabric: the request body nests deeper than %d levels (a cycle?)", json::max_depth);
  lua_newtable(L);
  int copy = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_pushvalue(L, -2);
    copy_without_secrets(L, -2, secrets, depth + 1);
    lua_rawset(L, copy);
    lua_pop(L, 1);
  }
  if (lua_getmetatable(L, idx)) lua_setmetatable(L, copy);
}

// JSON text of the body at idx (a string is taken as JSON text already).
std::string body_text(lua_State* L, int idx, std::vector<std::string>& secrets) {
  if (lua_type(L, idx) == LUA_TSTRING) return lua_tostring(L, idx);
  if (is_secret(L, idx)) {
    secrets.push_back(check_text(L, idx));
    return secrets.back();
  }
  if (!has_secret(L, idx, 0)) return json::encode(L, idx);
  std::vector<std::string> found;
  copy_without_secrets(L, idx, found, 0);
  std::string text = json::encode(L, -1);
  lua_pop(L, 1);
  for (std::size_t i = 0; i < found.size(); ++i) {
    std::string p = placeholder(i);
    lua_pushlstring(L, p.data(), p.size());
    std::string encoded = json::encode(L, -1);
    lua_pop(L, 1);
    std::string value = nlohmann::json(found[i]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    for (auto at = text.find(encoded); at != std::string::npos; at = text.find(encoded, at + value.size()))
      text.replace(at, encoded.size(), value);
    secrets.push_back(std::move(found[i]));
  }
  return text;
}

// ---- Requests ------------------------------------------------------------------------------

std::string path_of(lua_State* L, int v, int arg) {
  if (lua_type(L, v) == LUA_TSTRING) {
    std::string p = lua_tostring(L, v);
    if (p.empty() || (p[0] != '/' && p.rfind("https://", 0) != 0 && p.rfind("http://", 0) != 0))
      bad(L, arg, "'path' must start with / (under the Fabric API base, e.g. /workspaces), got '" + p + "'");
    return p;
  }
  if (!lua_istable(L, v)) bad(L, arg, std::string("'path' must be a string or a list of segments, got ") + luaL_typename(L, v));
  std::string p;
  lua_Integer n = luaL_len(L, v);
  if (n == 0) bad(L, arg, "'path' must not be an empty list");
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_rawgeti(L, v, i);
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
      bad(L, arg, "path segment " + std::to_string(i) + " must be a string, got " + luaL_typename(L, -1));
    std::size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    if (len == 0) bad(L, arg, "path segment " + std::to_string(i) + " is empty");
    p += "/" + fabric::escape(std::string_view(s, len));
    lua_pop(L, 1);
  }
  return p;
}

Decoded decode(lua_State* L, int idx, int arg) {
  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  Decoded d;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING) bad(L, arg, "request fields are named (method, path, query, body, ...)");
    std::string key = lua_tostring(L, -2);
    int v = lua_gettop(L);
    auto want = [&](int type, const char* what) {
      if (lua_type(L, v) != type) bad(L, arg, "'" + key + "' must be " + what + ", got " + luaL_typename(L, v));
    };
    if (key == "method") {
      want(LUA_TSTRING, "a string (GET, POST, PATCH, DELETE, ...)");
      std::string m = lua_tostring(L, v);
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      d.call.method = m;
    } else if (key == "path") {
      d.call.path = path_of(L, v, arg);
    } else if (key == "query") {
      want(LUA_TTABLE, "a table of name = value");
      std::map<std::string, std::string> sorted;
      lua_pushnil(L);
      while (lua_next(L, v) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) bad(L, arg, "query parameter names must be strings");
        std::string name = lua_tostring(L, -2);
        int t = lua_type(L, -1);
        if (t == LUA_TBOOLEAN) sorted[name] = lua_toboolean(L, -1) ? "true" : "false";
        else if (t == LUA_TSTRING || t == LUA_TNUMBER) sorted[name] = lua_tostring(L, -1);
        else bad(L, arg, "query parameter '" + name + "' must be a string, number or boolean, got " + luaL_typename(L, -1));
        lua_pop(L, 1);
      }
      d.call.query.assign(sorted.begin(), sorted.end());
    } else if (key == "body") {
      d.call.body = body_text(L, v, d.secrets);
    } else if (key == "wait") {
      want(LUA_TBOOLEAN, "a boolean");
      d.wait = lua_toboolean(L, v);
    } else if (key == "expect_result") {
      want(LUA_TBOOLEAN, "a boolean");
      d.call.expect_result = lua_toboolean(L, v);
    } else if (key == "label") {
      want(LUA_TSTRING, "a string");
      d.call.label = lua_tostring(L, v);
    } else if (key == "timeout") {
      want(LUA_TNUMBER, "a number of seconds (0: no limit)");
      d.options.timeout = lua_tonumber(L, v);
      if (!(d.options.timeout >= 0)) bad(L, arg, "'timeout' must be 0 (no limit) or a positive number of seconds");
    } else if (key == "item_key") {
      want(LUA_TSTRING, "a string (value, data)");
      d.item_key = lua_tostring(L, v);
    } else {
      bad(L, arg, "unknown request field '" + key +
                      "' (expected method, path, query, body, wait, timeout, label, expect_result, item_key)");
    }
    lua_settop(L, v - 1);
  }
  if (d.call.path.empty()) bad(L, arg, "'path' is required");
  return d;
}

// ---- Results -------------------------------------------------------------------------------

void push_json(lua_State* L, const std::string& body, const std::string& what) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    lua_pushnil(L);
    return;
  }
  try {
    json::decode(L, body);
  } catch (const std::runtime_error& e) {
    throw ServiceError("fabric", "the Fabric API answered " + what + " with a body that is not JSON (" + e.what() + ")")
        .with("code", "bad_json");
  }
}

void push_headers(lua_State* L, const http::Headers& headers) {
  lua_createtable(L, 0, static_cast<int>(headers.size()));
  for (const auto& [name, value] : headers) {
    lua_pushlstring(L, value.data(), value.size());
    lua_setfield(L, -2, lower(name).c_str());
  }
}

void push_operation(lua_State* L, const fabric::Operation& op) {
  lua_createtable(L, 0, 6);
  lua_pushstring(L, op.id.c_str());
  lua_setfield(L, -2, "id");
  lua_pushstring(L, op.url.c_str());
  lua_setfield(L, -2, "location");
  lua_pushnumber(L, op.retry_after);
  lua_setfield(L, -2, "retry_after");
  lua_pushstring(L, op.label.c_str());
  lua_setfield(L, -2, "label");
  lua_pushboolean(L, op.expect_result);
  lua_setfield(L, -2, "expect_result");
  if (auto dep = http::header(op.headers, "deployment-id")) {
    lua_pushstring(L, dep->c_str());
    lua_setfield(L, -2, "deployment_id");
  }
}

fabric::Operation read_operation(lua_State* L, int idx) {
  luaL_checktype(L, idx, LUA_TTABLE);
  fabric::Operation op;
  lua_getfield(L, idx, "id");
  if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0)
    bad(L, idx, "an operation handle {id=, location=, retry_after=} expected (from a call with wait = false)");
  op.id = lua_tostring(L, -1);
  lua_getfield(L, idx, "label");
  op.label = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "operation " + op.id;
  lua_getfield(L, idx, "expect_result");
  op.expect_result = lua_isnil(L, -1) || lua_toboolean(L, -1);
  lua_getfield(L, idx, "retry_after");
  op.retry_after = lua_isnumber(L, -1) ? std::clamp(lua_tonumber(L, -1), 0.0, 600.0) : 0;
  lua_pop(L, 4);
  return op;
}

void push_result(lua_State* L, const fabric::Result& r, const std::string& what) {
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, r.status);
  lua_setfield(L, -2, "status");
  push_json(L, r.body, what);
  lua_setfield(L, -2, "body");
  push_headers(L, r.headers);
  lua_setfield(L, -2, "headers");
  if (r.pending) {
    push_operation(L, *r.pending);
    lua_setfield(L, -2, "operation");
  }
}

fabric::Client client_of(lua_State* L) {
  auto& http = http::Client::of(L);
  const cloud::Profile& profile = cloud::current(L);
  return fabric::Client(http, profile.fabric, auth::authorizer(L, "fabric"));
}

// An absolute path is accepted only under the API base (a token never leaves it).
void check_under_base(const fabric::Client& client, fabric::Call& call) {
  if (call.path[0] == '/') return;
  const std::string& base = client.base();
  if (call.path.rfind(base + "/", 0) != 0)
    throw std::invalid_argument("fabric: '" + call.path + "' is not under the Fabric API base " + base +
                                "; give a path such as /workspaces");
  call.path = call.path.substr(base.size());
}

std::string describe(const fabric::Call& call) { return call.method + " " + call.path; }

// ---- Functions -----------------------------------------------------------------------------

// core.call{method=, path=, query=, body=, wait=, timeout=, label=, expect_result=}
int l_core_call(lua_State* L) {
  Decoded d = decode(L, 1, 1);
  fabric::Client client = client_of(L);
  check_under_base(client, d.call);
  fabric::Result r = client.call(d.call, d.wait, d.options);
  push_result(L, r, describe(d.call));
  return 1;
}

// core.page(request, cursor?) -> items, next cursor or nil, the whole page
int l_core_page(lua_State* L) {
  Decoded d = decode(L, 1, 1);
  std::string cursor = luaL_optstring(L, 2, "");
  fabric::Client client = client_of(L);
  check_under_base(client, d.call);
  if (!cursor.empty() && cursor.rfind(client.base() + "/", 0) != 0)
    throw std::invalid_argument("fabric: a page cursor must be a URL under " + client.base());
  fabric::Page p = client.page(d.call, cursor);
  push_json(L, p.body, describe(d.call));
  int page = lua_gettop(L);
  if (!lua_istable(L, page)) throw ServiceError("fabric", "the Fabric API answered " + describe(d.call) + " with no list").with("code", "bad_page");
  // Most lists are "value"; getTablesMirroringStatus's is "data".
  std::vector<std::string> keys = d.item_key.empty() ? std::vector<std::string>{"value", "data"}
                                                     : std::vector<std::string>{d.item_key};
  bool found = false;
  for (const auto& k : keys) {
    if (lua_getfield(L, page, k.c_str()) == LUA_TTABLE) {
      found = true;
      break;
    }
    lua_pop(L, 1);
  }
  if (!found)
    throw ServiceError("fabric", "the Fabric API answered " + describe(d.call) + " without a '" + keys[0] + "' list")
        .with("code", "bad_page");
  if (p.next) lua_pushstring(L, p.next->c_str());
  else lua_pushnil(L);
  lua_pushvalue(L, page);
  return 3;
}

// core.state(handle) -> {status=, percent=, retry_after=, body=}
int l_core_state(lua_State* L) {
  fabric::Operation op = read_operation(L, 1);
  fabric::Client client = client_of(L);
  op.url = client.base() + "/operations/" + fabric::escape(op.id);
  fabric::OperationState s = client.state(op);
  lua_createtable(L, 0, 4);
  lua_pushstring(L, s.status.c_str());
  lua_setfield(L, -2, "status");
  if (s.percent) {
    lua_pushinteger(L, *s.percent);
    lua_setfield(L, -2, "percent");
  }
  if (s.retry_after) {
    lua_pushnumber(L, *s.retry_after);
    lua_setfield(L, -2, "retry_after");
  }
  push_json(L, s.body, "GET /operations/" + op.id);
  lua_setfield(L, -2, "body");
  return 1;
}

// core.wait(handle, {timeout=}) -> result
int l_core_wait(lua_State* L) {
  fabric::Operation op = read_operation(L, 1);
  fabric::WaitOptions options;
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 2, "timeout");
    if (!lua_isnil(L, -1)) {
      if (!lua_isnumber(L, -1) || !(lua_tonumber(L, -1) >= 0))
        bad(L, 2, "'timeout' must be 0 (no limit) or a positive number of seconds");
      options.timeout = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
  }
  fabric::Client client = client_of(L);
  op.url = client.base() + "/operations/" + fabric::escape(op.id);
  fabric::Result r = client.wait(op, options);
  push_result(L, r, "GET /operations/" + op.id + "/result");
  return 1;
}

// core.encode_definition({[path] = text, ...}, format?) -> {format=, parts={{path=, payload=, payloadType=}}}
int l_core_encode_definition(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  std::string format = luaL_optstring(L, 2, "");
  std::map<std::string, std::string> parts;
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING || lua_rawlen(L, -2) == 0)
      bad(L, 1, "definition parts are keyed by their path (\"mirroring.json\", \".platform\", ...)");
    std::string path = lua_tostring(L, -2);
    if (lua_type(L, -1) != LUA_TSTRING && !is_secret(L, -1))
      bad(L, 1, "definition part '" + path + "' must be text, got " + luaL_typename(L, -1));
    parts[path] = check_text(L, -1);
    lua_pop(L, 1);
  }
  if (parts.empty()) bad(L, 1, "a definition needs at least one part");
  lua_createtable(L, 0, 2);
  if (!format.empty()) {
    lua_pushstring(L, format.c_str());
    lua_setfield(L, -2, "format");
  }
  lua_createtable(L, static_cast<int>(parts.size()), 0);
  lua_Integer i = 0;
  for (const auto& [path, text] : parts) {
    lua_createtable(L, 0, 3);
    lua_pushstring(L, path.c_str());
    lua_setfield(L, -2, "path");
    std::string b64 = fabric::base64_encode(text);
    lua_pushlstring(L, b64.data(), b64.size());
    lua_setfield(L, -2, "payload");
    lua_pushliteral(L, "InlineBase64");
    lua_setfield(L, -2, "payloadType");
    lua_rawseti(L, -2, ++i);
  }
  lua_setfield(L, -2, "parts");
  return 1;
}

// core.decode_definition({format=, parts={...}}) -> {[path] = text, ...}, format
int l_core_decode_definition(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "parts");
  if (!lua_istable(L, -1)) throw ServiceError("fabric", "the definition has no parts list").with("code", "bad_definition");
  int list = lua_gettop(L);
  lua_newtable(L);
  int out = lua_gettop(L);
  lua_Integer n = luaL_len(L, list);
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_rawgeti(L, list, i);
    int part = lua_gettop(L);
    lua_getfield(L, part, "path");
    lua_getfield(L, part, "payload");
    lua_getfield(L, part, "payloadType");
    if (lua_type(L, -3) != LUA_TSTRING || lua_type(L, -2) != LUA_TSTRING)
      throw ServiceError("fabric", "definition part " + std::to_string(i) + " has no path or payload").with("code", "bad_definition");
    std::string path = lua_tostring(L, -3);
    std::string type = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    std::string text = fabric::decode_part(path, lua_tostring(L, -2), type);
    lua_settop(L, out);
    lua_pushlstring(L, text.data(), text.size());
    lua_setfield(L, out, path.c_str());
  }
  lua_getfield(L, 1, "format");
  if (lua_type(L, -1) != LUA_TSTRING) {
    lua_pop(L, 1);
    lua_pushnil(L);
  }
  return 2;
}

int l_core_base(lua_State* L) {
  lua_pushstring(L, cloud::current(L).fabric.c_str());
  return 1;
}

// Error values get Lua types for the fields that are not text: is_retriable a boolean,
// more_details and related_resource decoded tables.
void refine_error(lua_State* L, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_getfield(L, idx, "is_retriable") == LUA_TSTRING) {
    bool yes = std::string(lua_tostring(L, -1)) == "true";
    lua_pushboolean(L, yes);
    lua_setfield(L, idx, "is_retriable");
  }
  lua_pop(L, 1);
  for (const char* key : {"more_details", "related_resource"}) {
    if (lua_getfield(L, idx, key) == LUA_TSTRING) {
      std::string text = lua_tostring(L, -1);
      bool decoded = false;
      try {
        json::decode(L, text);
        decoded = true;
      } catch (const std::runtime_error&) {
      }
      if (decoded) lua_setfield(L, idx, key);
    }
    lua_pop(L, 1);
  }
}

// tarn::guarded with refine_error on the way out.
template <lua_CFunction F>
int fabric_guarded(lua_State* L) {
  return guarded<F, refine_error>(L);
}

}  // namespace

int tarn_open_fabric_core(lua_State* L) {
  const luaL_Reg fns[] = {{"call", fabric_guarded<l_core_call>},
                          {"page", fabric_guarded<l_core_page>},
                          {"state", fabric_guarded<l_core_state>},
                          {"wait", fabric_guarded<l_core_wait>},
                          {"encode_definition", fabric_guarded<l_core_encode_definition>},
                          {"decode_definition", fabric_guarded<l_core_decode_definition>},
                          {"base", fabric_guarded<l_core_base>},
                          {nullptr, nullptr}};
  luaL_newlib(L, fns);
  return 1;
}

}  // namespace tarn
