// Fuzz target for the json codec: decode arbitrary bytes; when simdjson accepts them the
// syntax scan must too (and the other way round), the value must encode, and decoding
// that text (compact and pretty) must give an equal value that encodes to the same text.
// Built as a libFuzzer target with -DTARN_FUZZ=ON (clang), and with driver.cpp as a plain
// program that replays the seed corpus under ctest.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bindings/json/json.hpp"
#include "tarn/lua.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view input, const std::string& detail = {}) {
  std::fprintf(stderr, "json_fuzz: %s\n  input (%zu bytes): %.*s\n  %s\n", what, input.size(),
               static_cast<int>(input.size() > 300 ? 300 : input.size()), input.data(), detail.c_str());
  std::abort();
}

// Same type and value; tables with the same keys, equal values and the same mark.
bool same(lua_State* L, int a, int b, int depth = 0) {
  a = lua_absindex(L, a);
  b = lua_absindex(L, b);
  if (lua_type(L, a) != lua_type(L, b)) return false;
  if (lua_type(L, a) != LUA_TTABLE) return lua_rawequal(L, a, b);
  if (!lua_checkstack(L, 6) || depth > tarn::json::max_depth + 1) return false;
  bool ma = lua_getmetatable(L, a), mb = lua_getmetatable(L, b);
  bool marks = ma == mb && (!ma || lua_rawequal(L, -1, -2));
  lua_pop(L, static_cast<int>(ma) + static_cast<int>(mb));
  if (!marks) return false;
  lua_Integer na = 0, nb = 0;
  lua_pushnil(L);
  while (lua_next(L, a)) {
    ++na;
    lua_pushvalue(L, -2);
    lua_rawget(L, b);
    bool eq = same(L, -2, -1, depth + 1);
    lua_pop(L, 2);
    if (!eq) return lua_pop(L, 1), false;
  }
  lua_pushnil(L);
  while (lua_next(L, b)) lua_pop(L, 1), ++nb;
  return na == nb;
}

lua_State* state() {
  static lua_State* L = [] {
    lua_State* s = luaL_newstate();
    luaL_openlibs(s);
    return s;
  }();
  return L;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace json = tarn::json;
  lua_State* L = state();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  bool scan_accepts = !json::find_syntax_error(input).has_value();
  try {
    json::decode(L, input);
  } catch (const std::runtime_error& e) {
    if (scan_accepts) fail("simdjson rejected text the syntax scan accepts", input, e.what());
    if (std::string_view(e.what()).find("at byte ") == std::string_view::npos)
      fail("decode error without a byte offset", input, e.what());
    lua_settop(L, 0);
    return 0;
  }
  if (!scan_accepts) fail("the syntax scan rejected text simdjson accepts", input, json::find_syntax_error(input)->message);

  std::string compact, pretty;
  try {
    compact = json::encode(L, 1);
    pretty = json::encode(L, 1, {.pretty = true});
  } catch (const std::runtime_error& e) {
    fail("a decoded value did not encode", input, e.what());
  }
  for (const std::string* text : {&compact, &pretty}) {
    try {
      json::decode(L, *text);
    } catch (const std::runtime_error& e) {
      fail("encoded text did not decode", input, *text + "\n  " + e.what());
    }
    if (!same(L, 1, -1)) fail("round trip changed the value", input, *text);
    if (json::encode(L, -1) != compact) fail("re-encoding is not stable", input, *text);
    lua_pop(L, 1);
  }
  lua_settop(L, 0);
  return 0;
}
