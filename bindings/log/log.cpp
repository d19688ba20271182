// `log`: levelled messages on stderr, human lines or (with --json) JSON lines; a live
// status line for long waits.
#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "tarn/lua.hpp"
#include "tarn/output.hpp"
#include "tarn/runtime.hpp"

namespace tarn {
namespace {

enum Level { error = 0, warn = 1, info = 2, debug = 3 };
const char* const names[] = {"error", "warn", "info", "debug"};

int current_level(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "tarn.log.level");
  int lvl = lua_isinteger(L, -1) ? static_cast<int>(lua_tointeger(L, -1))
                                 : (Runtime::of(L).options().verbosity >= 1 ? debug : info);
  lua_pop(L, 1);
  return lvl;
}

int check_level(lua_State* L, int idx) {
  std::string name = luaL_checkstring(L, idx);
  for (int i = 0; i <= debug; ++i)
    if (name == names[i]) return i;
  return luaL_argerror(L, idx, lua_pushfstring(L, "unknown log level '%s' (expected error, warn, info or debug)", name.c_str()));
}

// Message from (fmt, ...) like string.format, or the plain text when alone.
std::string message(lua_State* L, int first) {
  if (lua_gettop(L) <= first) return to_display(L, first);
  for (int i = first + 1; i <= lua_gettop(L); ++i)
    if (is_secret(L, i)) {  // format %s of a secret must print the mask
      std::string m = to_display(L, i);
      lua_pushlstring(L, m.data(), m.size());
      lua_replace(L, i);
    }
  lua_getglobal(L, "string");
  lua_getfield(L, -1, "format");
  lua_remove(L, -2);
  lua_insert(L, first);
  lua_call(L, lua_gettop(L) - first, 1);
  return lua_tostring(L, -1);
}

void emit(lua_State* L, int level, const std::string& text) {
  const Runtime& rt = Runtime::of(L);
  if (rt.options().json) {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[32];
    std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    nlohmann::json line = {{"time", ts}, {"level", names[level]}, {"message", text}};
    output::write(stderr, line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return;
  }
  bool color = output::use_color(stderr);
  static const char* const prefix[] = {"error: ", "warning: ", "", "debug: "};
  static const char* const colors[] = {"\x1b[31m", "\x1b[33m", "", "\x1b[2m"};
  std::string line = std::string(color ? colors[level] : "") + prefix[level] + text + (color && level != info ? "\x1b[0m" : "") + "\n";
  output::write(stderr, line);
}

template <int Lvl>
int l_log(lua_State* L) {
  luaL_checkany(L, 1);
  if (Lvl > current_level(L)) return 0;
  emit(L, Lvl, message(L, 1));
  return 0;
}

int l_log_set_level(lua_State* L) {
  lua_pushinteger(L, check_level(L, 1));
  lua_setfield(L, LUA_REGISTRYINDEX, "tarn.log.level");
  return 0;
}

int l_log_level(lua_State* L) {
  lua_pushstring(L, names[current_level(L)]);
  return 1;
}

int l_log_enabled(lua_State* L) {
  lua_pushboolean(L, check_level(L, 1) <= current_level(L));
  return 1;
}

int l_log_status(lua_State* L) {
  std::string text = message(L, 1);
  if (Runtime::of(L).options().json) {
    emit(L, info, text);
    return 0;
  }
  output::status(text);
  return 0;
}

int l_log_status_done(lua_State* L) {
  output::status_clear();
  if (!lua_isnoneornil(L, 1)) emit(L, info, message(L, 1));
  return 0;
}

}  // namespace

int tarn_open_log(lua_State* L) {
  const luaL_Reg fns[] = {TARN_FN("error", l_log<error>),     TARN_FN("warn", l_log<warn>),
                          TARN_FN("info", l_log<info>),       TARN_FN("debug", l_log<debug>),
                          TARN_FN("level", l_log_level),      TARN_FN("set_level", l_log_set_level),
                          TARN_FN("enabled", l_log_enabled),  TARN_FN("status", l_log_status),
                          TARN_FN("status_done", l_log_status_done), {nullptr, nullptr}};
  luaL_newlib(L, fns);
  return 1;
}

}  // namespace tarn
