// Structured error values and secrets: the two value types every binding shares.
#include <cstring>
#include <string>

#include "tarn/lua.hpp"
#include "tarn/redact.hpp"

namespace tarn {
namespace {

const char* const error_mt = "tarn.Error";
const char* const secret_mt = "tarn.Secret";

struct SecretBox {
  std::string* value;  // owned; the box itself lives in Lua's memory
};

// "<kind> error: <message> (status 404, code NotFound, request id ...)".
int l_error_tostring(lua_State* L) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  lua_getfield(L, 1, "kind");
  if (lua_isstring(L, -1)) {
    luaL_addvalue(&b);
    luaL_addstring(&b, " error: ");
  } else {
    lua_pop(L, 1);
  }
  lua_getfield(L, 1, "message");
  if (lua_isstring(L, -1)) luaL_addvalue(&b); else lua_pop(L, 1);
  bool open = false;
  for (const char* key : {"status", "code", "sqlstate", "request_id", "url"}) {
    lua_getfield(L, 1, key);
    if (lua_isstring(L, -1)) {
      lua_pushfstring(L, "%s%s %s", open ? ", " : " (", key, lua_tostring(L, -1));
      lua_remove(L, -2);
      luaL_addvalue(&b);
      open = true;
    } else {
      lua_pop(L, 1);
    }
  }
  if (open) luaL_addchar(&b, ')');
  luaL_pushresult(&b);
  lua_pushstring(L, redact::scrub(lua_tostring(L, -1)).c_str());
  return 1;
}

int l_secret_tostring(lua_State* L) {
  lua_pushlstring(L, redact::mask.data(), redact::mask.size());
  return 1;
}

int l_secret_gc(lua_State* L) {
  auto* box = static_cast<SecretBox*>(luaL_checkudata(L, 1, secret_mt));
  if (box->value != nullptr) {
    // Wipe before freeing so the value does not linger in freed memory.
    std::memset(box->value->data(), 0, box->value->size());
    delete box->value;
    box->value = nullptr;
  }
  return 0;
}

int l_secret_eq(lua_State* L) {
  lua_pushboolean(L, is_secret(L, 1) && is_secret(L, 2) && check_text(L, 1) == check_text(L, 2));
  return 1;
}

int l_secret_concat(lua_State* L) {
  return luaL_error(L, "a secret cannot be concatenated; use secret.reveal(s) where the plain value is meant");
}

int l_secret_len(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(check_text(L, 1).size()));
  return 1;
}

void secret_metatable(lua_State* L) {
  if (luaL_newmetatable(L, secret_mt)) {
    const luaL_Reg methods[] = {{"__tostring", l_secret_tostring}, {"__gc", l_secret_gc},
                                {"__eq", l_secret_eq},             {"__concat", l_secret_concat},
                                {"__len", l_secret_len},           {nullptr, nullptr}};
    luaL_setfuncs(L, methods, 0);
    lua_pushliteral(L, "secret");
    lua_setfield(L, -2, "__name");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
  }
}

}  // namespace

void push_error_value(lua_State* L, const ServiceError& e) {
  lua_createtable(L, 0, static_cast<int>(e.fields.size()) + 2);
  lua_pushstring(L, e.kind.c_str());
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, redact::scrub(e.what()).c_str());
  lua_setfield(L, -2, "message");
  for (const auto& [k, v] : e.fields) {
    // Numeric fields (status) stay numbers so callers can compare them.
    char* end = nullptr;
    long long n = std::strtoll(v.c_str(), &end, 10);
    if (!v.empty() && end != nullptr && *end == '\0' && k == "status")
      lua_pushinteger(L, n);
    else
      lua_pushstring(L, redact::scrub(v).c_str());
    lua_setfield(L, -2, k.c_str());
  }
  if (luaL_newmetatable(L, error_mt)) {
    lua_pushcfunction(L, l_error_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "error");
    lua_setfield(L, -2, "__name");
  }
  lua_setmetatable(L, -2);
}

void raise(lua_State* L) {
  lua_error(L);
  throw std::logic_error("unreachable");  // lua_error does not return
}

bool is_secret(lua_State* L, int idx) { return luaL_testudata(L, idx, secret_mt) != nullptr; }

std::string check_text(lua_State* L, int idx) {
  if (auto* box = static_cast<SecretBox*>(luaL_testudata(L, idx, secret_mt))) {
    if (box->value == nullptr) luaL_error(L, "attempt to use a released secret");
    return *box->value;
  }
  if (lua_type(L, idx) != LUA_TSTRING && lua_type(L, idx) != LUA_TNUMBER)
    luaL_typeerror(L, idx, "string or secret");
  std::size_t len = 0;
  const char* s = lua_tolstring(L, idx, &len);
  return std::string(s, len);
}

void push_secret(lua_State* L, std::string value) {
  redact::add(value);
  auto* box = static_cast<SecretBox*>(lua_newuserdatauv(L, sizeof(SecretBox), 0));
  box->value = nullptr;
  secret_metatable(L);
  lua_setmetatable(L, -2);
  box->value = new std::string(std::move(value));
}

void push_string_list(lua_State* L, const std::vector<std::string>& items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (std::size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
}

std::string to_display(lua_State* L, int idx) {
  if (is_secret(L, idx)) return std::string(redact::mask);
  std::size_t len = 0;
  const char* s = luaL_tolstring(L, idx, &len);
  std::string out(s, len);
  lua_pop(L, 1);
  return out;
}

}  // namespace tarn
