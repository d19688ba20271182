// The runtime's C++ surface: modules, the protected-call path, error values, the redactor.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "tarn/lua.hpp"
#include "tarn/redact.hpp"
#include "tarn/runtime.hpp"

namespace {
int l_throws_std(lua_State*) { throw std::runtime_error("disk full"); }
int l_throws_service(lua_State*) {
  throw tarn::ServiceError("fabric", "Item not found").with("status", "404").with("code", "ItemNotFound");
}
int l_answer(lua_State* L) {
  lua_pushinteger(L, 42);
  return 1;
}
int open_testmod(lua_State* L) {
  const luaL_Reg fns[] = {TARN_FN("std", l_throws_std), TARN_FN("service", l_throws_service),
                          TARN_FN("answer", l_answer), {nullptr, nullptr}};
  luaL_newlib(L, fns);
  return 1;
}

std::string eval_string(tarn::Runtime& rt, const std::string& code) {
  lua_State* L = rt.lua();
  REQUIRE(luaL_loadstring(L, code.c_str()) == LUA_OK);
  REQUIRE(rt.pcall(0, 1));
  std::string out = lua_tostring(L, -1) ? lua_tostring(L, -1) : "(nil)";
  lua_pop(L, 1);
  return out;
}
}  // namespace

TEST_CASE("an added module is require-able and a global loaded on first use") {
  tarn::Runtime rt;
  rt.add_module("testmod", open_testmod);
  CHECK(eval_string(rt, "return tostring(rawget(_G, 'testmod'))") == "nil");
  CHECK(eval_string(rt, "return tostring(testmod.answer())") == "42");
  CHECK(eval_string(rt, "return tostring(rawequal(testmod, require('testmod')))") == "true");
  CHECK(eval_string(rt, "return tostring(undefined_global)") == "nil");
}

TEST_CASE("C++ exceptions become Lua errors; service errors become structured values") {
  tarn::Runtime rt;
  rt.add_module("testmod", open_testmod);
  CHECK(eval_string(rt, "local ok, e = pcall(testmod.std) return e") == "disk full");
  CHECK(eval_string(rt, "local ok, e = pcall(testmod.service) return e.kind .. ' ' .. e.status .. ' ' .. e.code") ==
        "fabric 404 ItemNotFound");
  CHECK(eval_string(rt, "local ok, e = pcall(testmod.service) return math.type(e.status)") == "integer");
  CHECK(eval_string(rt, "local ok, e = pcall(testmod.service) return tostring(e)") ==
        "fabric error: Item not found (status 404, code ItemNotFound)");
}

TEST_CASE("the protected path reports the message, keeps the traceback, and scrubs secrets") {
  tarn::Runtime rt;
  lua_State* L = rt.lua();
  std::string code = "local s = secret('hunter2-is-long')\nerror('leaked ' .. secret.reveal(s))";
  REQUIRE(luaL_loadbuffer(L, code.data(), code.size(), "@recipes/x.lua") == LUA_OK);
  CHECK_FALSE(rt.pcall(0, 0));
  CHECK(rt.last_error() == "recipes/x.lua:2: leaked ***");
  CHECK(rt.last_traceback().find("stack traceback:") != std::string::npos);
  CHECK(rt.last_traceback().find("hunter2-is-long") == std::string::npos);
  CHECK(lua_gettop(L) == 0);
}

TEST_CASE("run_chunk and run_file return exit codes") {
  tarn::Runtime rt;
  CHECK(rt.run_chunk("local x = 1", "=t") == tarn::exit_ok);
  CHECK(rt.run_chunk("error('x')", "=t") == tarn::exit_failed);
  CHECK(rt.run_chunk("this is not lua", "=t") == tarn::exit_usage);
  CHECK(rt.run_file("/nonexistent/script.lua", {}) == tarn::exit_usage);
}

TEST_CASE("stdlib modules load from the embedded copies with @stdlib chunk names") {
  tarn::Runtime rt;
  std::string text;
  CHECK(rt.lib_file("stdlib/tarn.lua", text));
  CHECK(text.find("tarn") != std::string::npos);
  CHECK_FALSE(rt.lib_file("stdlib/nope.lua", text));
  CHECK(eval_string(rt, "return debug.getinfo(require('tarn.suggest').nearest, 'S').source") == "@stdlib/tarn/suggest.lua");
  auto recipes = rt.lib_list("recipes/");
  CHECK(std::find(recipes.begin(), recipes.end(), "example.lua") != recipes.end());
}

TEST_CASE("the redactor masks registered values, longest first, and ignores very short ones") {
  tarn::redact::add("abc");  // below min_length: not scrubbed from text
  tarn::redact::add("pass-1234");
  tarn::redact::add("pass-1234-extended");
  CHECK(tarn::redact::scrub("x abc y") == "x abc y");
  CHECK(tarn::redact::scrub("a pass-1234 b pass-1234-extended c") == "a *** b *** c");
  CHECK(tarn::redact::scrub("pass-1234pass-1234") == "******");
}
