// `http`: the Lua face of tarn::http::Client. It only converts arguments and results;
// retries, timeouts, TLS and the URL rule live in the client.
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "bindings/http/client.hpp"
#include "tarn/lua.hpp"

namespace tarn {
namespace {

const char* const response_mt = "http.Response";
const char* const headers_mt = "http.Headers";

struct Decoded {
  http::Request req;
  bool raise = false;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// json.encode(value at idx), through Lua so this module does not depend on json's C++ side.
std::string json_encode(lua_State* L, int idx) {
  idx = lua_absindex(L, idx);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "json");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "encode");
  lua_pushvalue(L, idx);
  lua_call(L, 1, 1);
  std::size_t len = 0;
  const char* s = lua_tolstring(L, -1, &len);
  if (s == nullptr) luaL_error(L, "json.encode returned no string");
  std::string out(s, len);
  lua_pop(L, 2);
  return out;
}

[[noreturn]] void bad_field(lua_State* L, int arg, const char* fn, const std::string& msg) {
  luaL_argerror(L, arg, lua_pushfstring(L, "%s", msg.c_str()));
  throw std::logic_error(fn);  // luaL_argerror does not return
}

// Reads the request table at idx (argument number arg of fn, for error messages).
Decoded decode_request(lua_State* L, int idx, int arg, const char* fn, const char* where) {
  idx = lua_absindex(L, idx);
  if (!lua_istable(L, idx)) bad_field(L, arg, fn, std::string(where) + "a request table expected, got " + luaL_typename(L, idx));
  Decoded d;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING)
      bad_field(L, arg, fn, std::string(where) + "unexpected non-string key in a request table");
    std::string key = lua_tostring(L, -2);
    int v = lua_gettop(L);
    auto want = [&](int type, const char* what) {
      if (lua_type(L, v) != type)
        bad_field(L, arg, fn, std::string(where) + "'" + key + "' must be " + what + ", got " + luaL_typename(L, v));
    };
    if (key == "url") {
      want(LUA_TSTRING, "a string (https://...)");
      d.req.url = lua_tostring(L, v);
    } else if (key == "method") {
      want(LUA_TSTRING, "a string (GET, POST, ...)");
      std::string m = lua_tostring(L, v);
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      bool token = !m.empty() && m.size() <= 16;
      for (char c : m) token = token && c >= 'A' && c <= 'Z';
      if (!token) bad_field(L, arg, fn, std::string(where) + "'method' must be an HTTP method such as GET or POST, got '" + m + "'");
      d.req.method = m;
    } else if (key == "headers") {
      want(LUA_TTABLE, "a table of name = value");
      lua_pushnil(L);
      while (lua_next(L, v) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING)
          bad_field(L, arg, fn, std::string(where) + "header names must be strings");
        std::string name = lua_tostring(L, -2);
        if (!is_secret(L, -1) && lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
          bad_field(L, arg, fn, std::string(where) + "header '" + name + "' must be a string or secret, got " + luaL_typename(L, -1));
        d.req.headers[name] = check_text(L, -1);
        lua_pop(L, 1);
      }
    } else if (key == "body") {
      if (!is_secret(L, v)) want(LUA_TSTRING, "a string or secret");
      d.req.body = check_text(L, v);
    } else if (key == "json") {
      d.req.body = json_encode(L, v);
      d.req.headers.try_emplace("Content-Type", "application/json");
    } else if (key == "timeout" || key == "time_budget") {
      want(LUA_TNUMBER, "a number of seconds");
      double s = lua_tonumber(L, v);
      if (!(s > 0)) bad_field(L, arg, fn, std::string(where) + "'" + key + "' must be a positive number of seconds");
      (key == "timeout" ? d.req.timeout : d.req.time_budget.emplace()) = s;
    } else if (key == "max_attempts") {
      if (!lua_isinteger(L, v) || lua_tointeger(L, v) < 1 || lua_tointeger(L, v) > 100)
        bad_field(L, arg, fn, std::string(where) + "'max_attempts' must be a whole number from 1 to 100");
      d.req.max_attempts = static_cast<int>(lua_tointeger(L, v));
    } else if (key == "auth") {
      auto* a = static_cast<std::shared_ptr<http::Authorizer>*>(luaL_testudata(L, v, http::authorizer_mt));
      if (a == nullptr || !*a)
        bad_field(L, arg, fn, std::string(where) + "'auth' must be an authorizer from auth.authorizer(scope), got " + luaL_typename(L, v));
      d.req.auth = *a;
    } else if (key == "raise") {
      want(LUA_TBOOLEAN, "a boolean");
      d.raise = lua_toboolean(L, v);
    } else {
      bad_field(L, arg, fn, std::string(where) + "unknown request field '" + key +
                                "' (expected url, method, headers, body, json, auth, timeout, raise, max_attempts, time_budget)");
    }
    lua_settop(L, v - 1);
  }
  lua_getfield(L, idx, "body");
  lua_getfield(L, idx, "json");
  bool both = !lua_isnil(L, -1) && !lua_isnil(L, -2);
  lua_pop(L, 2);
  if (both) bad_field(L, arg, fn, std::string(where) + "give 'body' or 'json', not both");
  if (d.req.url.empty()) bad_field(L, arg, fn, std::string(where) + "'url' is required");
  return d;
}

int l_headers_index(lua_State* L) {
  if (lua_type(L, 2) != LUA_TSTRING) return 0;
  std::string key = lower(lua_tostring(L, 2));
  lua_pushlstring(L, key.data(), key.size());
  lua_rawget(L, 1);
  return 1;
}

int l_headers_newindex(lua_State* L) {
  if (lua_type(L, 2) == LUA_TSTRING) {
    std::string key = lower(lua_tostring(L, 2));
    lua_pushlstring(L, key.data(), key.size());
  } else {
    lua_pushvalue(L, 2);
  }
  lua_pushvalue(L, 3);
  lua_rawset(L, 1);
  return 0;
}

void push_response(lua_State* L, const http::Response& r) {
  lua_createtable(L, 0, 8);
  lua_pushinteger(L, r.status);
  lua_setfield(L, -2, "status");
  lua_pushboolean(L, r.ok());
  lua_setfield(L, -2, "ok");
  lua_pushlstring(L, r.body.data(), r.body.size());
  lua_setfield(L, -2, "body");
  lua_createtable(L, 0, static_cast<int>(r.headers.size()));
  for (const auto& [name, value] : r.headers) {
    std::string key = lower(name);
    lua_pushlstring(L, value.data(), value.size());
    lua_setfield(L, -2, key.c_str());
  }
  luaL_setmetatable(L, headers_mt);
  lua_setfield(L, -2, "headers");
  if (!r.request_id.empty()) {
    lua_pushstring(L, r.request_id.c_str());
    lua_setfield(L, -2, "request_id");
  }
  lua_pushstring(L, r.url.c_str());
  lua_setfield(L, -2, "url");
  lua_pushnumber(L, r.duration);
  lua_setfield(L, -2, "duration");
  lua_pushinteger(L, r.attempts);
  lua_setfield(L, -2, "attempts");
  luaL_setmetatable(L, response_mt);
}

// response:json(): the body decoded by the json module.
int l_response_json(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "body");
  if (!lua_isstring(L, -1)) return luaL_error(L, "this response has no body to decode");
  lua_getglobal(L, "require");
  lua_pushliteral(L, "json");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "decode");
  lua_pushvalue(L, -3);
  lua_call(L, 1, LUA_MULTRET);
  return lua_gettop(L) - 3;
}

int l_response_tostring(lua_State* L) {
  lua_getfield(L, 1, "status");
  lua_getfield(L, 1, "body");
  lua_pushfstring(L, "http.Response(%d, %d bytes)", static_cast<int>(lua_tointeger(L, -2)),
                  static_cast<int>(luaL_len(L, -1)));
  return 1;
}

// http.request{url=, method=, headers=, body= | json=, auth=, timeout=, raise=, max_attempts=, time_budget=}
int l_http_request(lua_State* L) {
  Decoded d = decode_request(L, 1, 1, "request", "");
  auto& client = http::Client::of(L);
  http::Response r = client.send(std::move(d.req));
  if (d.raise && !r.ok()) throw r.error();
  push_response(L, r);
  return 1;
}

// http.all{req1, req2, ..., errors = "raise" | "collect", max_in_flight = 8}
int l_http_all(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  bool collect = false;
  lua_Integer max_in_flight = 0;
  lua_Integer n = luaL_len(L, 1);
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    bool listed = lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 && lua_tointeger(L, -2) <= n;
    if (!listed) {
      std::string key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : luaL_typename(L, -2);
      if (key == "errors") {
        std::string v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
        if (v != "raise" && v != "collect") return luaL_argerror(L, 1, "'errors' must be \"raise\" or \"collect\"");
        collect = v == "collect";
      } else if (key == "max_in_flight") {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 64)
          return luaL_argerror(L, 1, "'max_in_flight' must be a whole number from 1 to 64");
        max_in_flight = lua_tointeger(L, -1);
      } else {
        return luaL_argerror(L, 1, lua_pushfstring(L, "unknown field '%s' (expected a list of request tables, errors, max_in_flight)", key.c_str()));
      }
    }
    lua_pop(L, 1);
  }
  std::vector<http::Request> requests;
  std::vector<bool> raise;
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_rawgeti(L, 1, i);
    std::string where = "request " + std::to_string(i) + ": ";
    Decoded d = decode_request(L, -1, 1, "all", where.c_str());
    lua_pop(L, 1);
    requests.push_back(std::move(d.req));
    raise.push_back(d.raise);
  }
  auto& client = http::Client::of(L);
  auto results = client.send_all(std::move(requests), static_cast<std::size_t>(max_in_flight));
  // Status failures of raise=true requests become errors like transport ones.
  for (std::size_t i = 0; i < results.size(); ++i)
    if (auto* r = std::get_if<http::Response>(&results[i]); r != nullptr && raise[i] && !r->ok())
      results[i] = r->error();
  if (!collect)
    for (auto& res : results)
      if (auto* e = std::get_if<ServiceError>(&res)) throw *e;
  lua_createtable(L, static_cast<int>(results.size()), 0);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (auto* r = std::get_if<http::Response>(&results[i])) push_response(L, *r);
    else push_error_value(L, std::get<ServiceError>(results[i]));
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  return 1;
}

}  // namespace

int tarn_open_http(lua_State* L) {
  if (luaL_newmetatable(L, headers_mt)) {
    lua_pushcfunction(L, l_headers_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_headers_newindex);
    lua_setfield(L, -2, "__newindex");
  }
  lua_pop(L, 1);
  if (luaL_newmetatable(L, response_mt)) {
    const luaL_Reg methods[] = {TARN_FN("json", l_response_json), {nullptr, nullptr}};
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, guarded<l_response_tostring>);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "http.Response");
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
  const luaL_Reg fns[] = {TARN_FN("request", l_http_request), TARN_FN("all", l_http_all), {nullptr, nullptr}};
  luaL_newlib(L, fns);
  return 1;
}

}  // namespace tarn
