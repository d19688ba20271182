// `secret`: values that print as *** everywhere and are scrubbed from all output.
#include "tarn/lua.hpp"

namespace tarn {
namespace {

// secret.new(s) / secret(s): wraps s; a secret passes through unchanged.
int l_secret_new(lua_State* L) {
  if (is_secret(L, 1)) {
    lua_settop(L, 1);
    return 1;
  }
  push_secret(L, check_text(L, 1));
  return 1;
}

int l_secret_call(lua_State* L) {
  lua_remove(L, 1);  // the module table
  return l_secret_new(L);
}

int l_secret_reveal(lua_State* L) {
  if (!is_secret(L, 1)) luaL_typeerror(L, 1, "secret");
  std::string v = check_text(L, 1);
  lua_pushlstring(L, v.data(), v.size());
  return 1;
}

int l_secret_is(lua_State* L) {
  lua_pushboolean(L, is_secret(L, 1));
  return 1;
}

}  // namespace

int tarn_open_secret(lua_State* L) {
  const luaL_Reg fns[] = {TARN_FN("new", l_secret_new), TARN_FN("reveal", l_secret_reveal),
                          TARN_FN("is", l_secret_is), {nullptr, nullptr}};
  luaL_newlib(L, fns);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, guarded<l_secret_call>);
  lua_setfield(L, -2, "__call");
  lua_setmetatable(L, -2);
  return 1;
}

}  // namespace tarn
