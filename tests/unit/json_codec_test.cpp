// The C++ side of the json codec, as other bindings use it: decode pushes one value and
// leaves the stack balanced, encode appends to a string and restores the stack on error,
// huge objects do not exhaust the Lua stack.
#include <simdjson.h>

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "bindings/json/json.hpp"
#include "tarn/lua.hpp"

namespace json = tarn::json;

namespace {

struct State {
  lua_State* L = luaL_newstate();
  State() { luaL_openlibs(L); }
  ~State() { lua_close(L); }
};

std::string decode_error(lua_State* L, const std::string& text) {
  try {
    json::decode(L, text);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

std::string encode_error(lua_State* L, int idx) {
  try {
    json::encode(L, idx);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("json codec: decode pushes exactly one value", "[json]") {
  State s;
  lua_pushliteral(s.L, "below");
  json::decode(s.L, R"({"a":[1,2.5,"x",null,{}],"b":true})");
  REQUIRE(lua_gettop(s.L) == 2);
  REQUIRE(lua_istable(s.L, 2));
  lua_getfield(s.L, 2, "a");
  lua_rawgeti(s.L, -1, 4);
  json::push_null(s.L);
  CHECK(lua_rawequal(s.L, -1, -2));
  lua_rawgeti(s.L, -3, 5);
  CHECK(json::shape_of(s.L, -1) == json::Shape::object);
  lua_settop(s.L, 2);
  CHECK(json::encode(s.L, 2) == R"({"a":[1,2.5,"x",null,{}],"b":true})");
  CHECK(lua_gettop(s.L) == 2);
}

TEST_CASE("json codec: decode errors give the byte, line and column", "[json]") {
  State s;
  CHECK(decode_error(s.L, "{\n  \"a\": [1,\n        2,,\n}") ==
        "json.decode: invalid JSON at byte 24 (line 3, column 11): expected a value");
  CHECK(decode_error(s.L, "{\n  \"a\": 1") == "json.decode: invalid JSON at byte 11 (line 2, column 9, end of text): "
                                             "expected ',' or '}' after an object member");
  CHECK(lua_gettop(s.L) == 0);
}

TEST_CASE("json codec: encode appends and leaves the stack as it was, also on error", "[json]") {
  State s;
  std::string out = "body=";
  lua_createtable(s.L, 0, 2);
  lua_pushinteger(s.L, 7);
  lua_setfield(s.L, -2, "n");
  json::encode(s.L, -1, out);
  CHECK(out == R"(body={"n":7})");
  CHECK(lua_gettop(s.L) == 1);

  lua_pushcfunction(s.L, luaopen_base);
  lua_setfield(s.L, 1, "f");
  out = "kept";
  CHECK_THROWS_WITH(json::encode(s.L, 1, out), "json.encode: cannot encode function at $.f");
  CHECK(out == "kept");
  CHECK(lua_gettop(s.L) == 1);
}

TEST_CASE("json codec: secrets encode as ***", "[json]") {
  State s;
  lua_createtable(s.L, 0, 1);
  tarn::push_secret(s.L, "correct horse battery staple");
  lua_setfield(s.L, -2, "password");
  CHECK(json::encode(s.L, -1) == R"({"password":"***"})");
}

TEST_CASE("json codec: an object larger than the stack budget still encodes sorted", "[json]") {
  State s;
  // 150,000 members: more than the encoder parks on the Lua stack, so the rest are
  // fetched again by key (string, integer and float keys of a json.object_mt table).
  constexpr int n = 150000;
  lua_createtable(s.L, 0, n);
  for (int i = 0; i < n; ++i) {
    switch (i % 3) {
      case 0: lua_pushfstring(s.L, "k%d", i); break;
      case 1: lua_pushinteger(s.L, i); break;
      default: lua_pushnumber(s.L, i + 0.5); break;
    }
    lua_pushinteger(s.L, i);
    lua_rawset(s.L, -3);
  }
  json::push_object_mt(s.L);
  lua_setmetatable(s.L, -2);
  std::string text = json::encode(s.L, -1);
  CHECK(lua_gettop(s.L) == 1);

  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  REQUIRE(parser.parse(text).get(obj) == simdjson::SUCCESS);
  std::size_t count = 0;
  std::string_view previous;
  bool sorted = true, values_match = true;
  for (auto [key, value] : obj) {
    sorted = sorted && (count == 0 || previous < key);
    previous = key;
    std::string expect = key[0] == 'k' ? std::string(key.substr(1)) : std::string(key.substr(0, key.find('.')));
    values_match = values_match && std::to_string(int64_t(value)) == expect;
    ++count;
  }
  CHECK(count == n);
  CHECK(sorted);
  CHECK(values_match);
}

TEST_CASE("json codec: shape_of follows the encoder's rules", "[json]") {
  State s;
  luaL_dostring(s.L, "return {1, 2}, {a = 1}, {}, {1, a = 1}, {[2] = 1}, 'x'");
  CHECK(json::shape_of(s.L, 1) == json::Shape::array);
  CHECK(json::shape_of(s.L, 2) == json::Shape::object);
  CHECK(json::shape_of(s.L, 3) == json::Shape::object);
  CHECK(json::shape_of(s.L, 4) == json::Shape::none);
  CHECK(json::shape_of(s.L, 5) == json::Shape::none);
  CHECK(json::shape_of(s.L, 6) == json::Shape::none);
  CHECK(encode_error(s.L, 5) == "json.encode: cannot encode table at $: sparse array (keys are not 1..n)");
  CHECK(lua_gettop(s.L) == 6);
}
