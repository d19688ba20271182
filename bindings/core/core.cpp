// `tarn.core`: the host's native helpers behind stdlib/tarn.lua (environment, clocks,
// interruptible sleep, random ids and passwords, base64, library files, error values).
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "tarn/lua.hpp"
#include "tarn/output.hpp"
#include "tarn/runtime.hpp"

namespace tarn {

int l_core_read_file(lua_State* L);
int l_core_write_file(lua_State* L);
int l_core_exists(lua_State* L);
int l_core_mkdir(lua_State* L);
int l_core_remove(lua_State* L);
int l_core_list_dir(lua_State* L);
int l_core_cwd(lua_State* L);

namespace {

void random_bytes(unsigned char* buf, int n) {
  if (RAND_bytes(buf, n) != 1) throw std::runtime_error("the system's random source failed (OpenSSL RAND_bytes)");
}

int l_core_getenv(lua_State* L) {
  const char* v = std::getenv(luaL_checkstring(L, 1));
  if (v == nullptr) lua_pushnil(L); else lua_pushstring(L, v);
  return 1;
}

int l_core_setenv(lua_State* L) {
  const char* name = luaL_checkstring(L, 1);
  if (lua_isnoneornil(L, 2)) ::unsetenv(name);
  else ::setenv(name, luaL_checkstring(L, 2), 1);
  return 0;
}

int l_core_clock(lua_State* L) {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9);
  return 1;
}

int l_core_time(lua_State* L) {
  struct timespec ts {};
  clock_gettime(CLOCK_REALTIME, &ts);
  lua_pushnumber(L, static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9);
  return 1;
}

// ISO 8601 UTC time of a unix timestamp (default now).
int l_core_isotime(lua_State* L) {
  std::time_t t = lua_isnoneornil(L, 1) ? std::time(nullptr) : static_cast<std::time_t>(luaL_checknumber(L, 1));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  lua_pushstring(L, buf);
  return 1;
}

int l_core_sleep(lua_State* L) {
  double s = luaL_checknumber(L, 1);
  if (!interrupt::sleep(s)) interrupt::raise_now(L);
  return 0;
}

int l_core_check_interrupt(lua_State* L) {
  if (interrupt::pending()) interrupt::raise_now(L);
  return 0;
}

int l_core_uuid(lua_State* L) {
  unsigned char b[16];
  random_bytes(b, 16);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  lua_pushstring(L, out);
  return 1;
}

int l_core_b64encode(lua_State* L) {
  std::string in = check_text(L, 1);
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  lua_pushlstring(L, out.data(), static_cast<std::size_t>(n));
  return 1;
}

// Standard alphabet with or without padding; URL-safe input (-_) accepted too.
int l_core_b64decode(lua_State* L) {
  std::size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  std::string in;
  in.reserve(len + 3);
  for (std::size_t i = 0; i < len; ++i) {
    char c = s[i];
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    in += c == '-' ? '+' : c == '_' ? '/' : c;
  }
  while (in.size() % 4 != 0) in += '=';
  std::string out(in.size() / 4 * 3 + 1, '\0');
  int n = in.empty() ? 0 : EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                           reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) {
    lua_pushnil(L);
    lua_pushliteral(L, "invalid base64 input");
    return 2;
  }
  // EVP_DecodeBlock counts padding as zero bytes: drop them.
  std::size_t pad = 0;
  for (std::size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) ++pad;
  lua_pushlstring(L, out.data(), static_cast<std::size_t>(n) - std::min<std::size_t>(pad, 2));
  return 1;
}

// password(length, symbols?): from the cryptographic source, with at least one lower,
// upper, digit (and symbol when symbols ~= false), as server password policies demand.
int l_core_password(lua_State* L) {
  lua_Integer length = luaL_optinteger(L, 1, 32);
  bool symbols = lua_isnoneornil(L, 2) ? true : lua_toboolean(L, 2);
  luaL_argcheck(L, length >= 8 && length <= 1024, 1, "length must be between 8 and 1024");
  static const std::string classes[] = {"abcdefghijkmnopqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "-_.~!#%+="};
  int nclasses = symbols ? 4 : 3;
  std::string all;
  for (int i = 0; i < nclasses; ++i) all += classes[i];
  auto pick = [](const std::string& from) {
    // Rejection sampling: no modulo bias.
    unsigned char b;
    unsigned limit = 256 - (256 % from.size());
    do random_bytes(&b, 1); while (b >= limit);
    return from[b % from.size()];
  };
  std::string out;
  for (;;) {
    out.clear();
    for (lua_Integer i = 0; i < length; ++i) out += pick(all);
    bool ok = true;
    for (int c = 0; c < nclasses; ++c) ok = ok && out.find_first_of(classes[c]) != std::string::npos;
    if (ok) break;
  }
  push_secret(L, std::move(out));
  return 1;
}

int l_core_isatty(lua_State* L) {
  std::string which = luaL_optstring(L, 1, "stdout");
  lua_pushboolean(L, output::is_terminal(which == "stderr" ? stderr : which == "stdin" ? stdin : stdout));
  return 1;
}

int l_core_lib_file(lua_State* L) {
  std::string text;
  if (!Runtime::of(L).lib_file(luaL_checkstring(L, 1), text)) return 0;
  lua_pushlstring(L, text.data(), text.size());
  return 1;
}

int l_core_lib_list(lua_State* L) {
  auto names = Runtime::of(L).lib_list(luaL_checkstring(L, 1));
  push_string_list(L, names);
  return 1;
}

int l_core_option(lua_State* L) {
  const auto& s = Runtime::of(L).options().settings;
  auto it = s.find(luaL_checkstring(L, 1));
  if (it == s.end()) return 0;
  lua_pushstring(L, it->second.c_str());
  return 1;
}

int l_core_verbosity(lua_State* L) {
  lua_pushinteger(L, Runtime::of(L).options().verbosity);
  return 1;
}

int l_core_json_mode(lua_State* L) {
  lua_pushboolean(L, Runtime::of(L).options().json);
  return 1;
}

// error{kind=, message=, ...}: a structured error value (not raised).
int l_core_error(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "kind");
  lua_getfield(L, 1, "message");
  ServiceError e(luaL_optstring(L, -2, "tarn"), luaL_optstring(L, -1, "error"));
  lua_pop(L, 2);
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    if (lua_type(L, -2) == LUA_TSTRING) {
      std::string k = lua_tostring(L, -2);
      if (k != "kind" && k != "message") e.with(k, to_display(L, -1));
    }
    lua_pop(L, 1);
  }
  push_error_value(L, e);
  return 1;
}

int l_core_is_error(lua_State* L) {
  bool result = false;
  if (lua_getmetatable(L, 1)) {
    luaL_getmetatable(L, "tarn.Error");
    result = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
  }
  lua_pushboolean(L, result);
  return 1;
}

}  // namespace

int tarn_open_core(lua_State* L) {
  const luaL_Reg fns[] = {
      TARN_FN("getenv", l_core_getenv),       TARN_FN("setenv", l_core_setenv),
      TARN_FN("clock", l_core_clock),         TARN_FN("time", l_core_time),
      TARN_FN("isotime", l_core_isotime),     TARN_FN("sleep", l_core_sleep),
      TARN_FN("check_interrupt", l_core_check_interrupt),
      TARN_FN("uuid", l_core_uuid),           TARN_FN("base64_encode", l_core_b64encode),
      TARN_FN("base64_decode", l_core_b64decode), TARN_FN("password", l_core_password),
      TARN_FN("isatty", l_core_isatty),       TARN_FN("lib_file", l_core_lib_file),
      TARN_FN("lib_list", l_core_lib_list),   TARN_FN("option", l_core_option),
      TARN_FN("verbosity", l_core_verbosity), TARN_FN("json_mode", l_core_json_mode),
      TARN_FN("error", l_core_error),         TARN_FN("is_error", l_core_is_error),
      TARN_FN("read_file", l_core_read_file), TARN_FN("write_file", l_core_write_file),
      TARN_FN("exists", l_core_exists),       TARN_FN("mkdir", l_core_mkdir),
      TARN_FN("remove", l_core_remove),       TARN_FN("list_dir", l_core_list_dir), TARN_FN("cwd", l_core_cwd),
      {nullptr, nullptr}};
  luaL_newlib(L, fns);
  lua_pushstring(L, TARN_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}

}  // namespace tarn
