// `json`: decode JSON text into Lua tables and encode Lua values as JSON text. The codec
// is in decode.cpp / encode.cpp (also usable from C++, see json.hpp); this file is the
// thin Lua surface: arguments, options, and the buffer reused between encodes.
#include <string>

#include "bindings/json/json.hpp"
#include "tarn/lua.hpp"

namespace tarn {
namespace {

// The encode buffer, kept between calls (an upvalue of json.encode).
struct EncodeBuffer {
  std::string* text;
  bool busy;  // a __gc metamethod run mid-encode may encode too: it gets its own buffer
};
// A buffer that grew past this is released after the call rather than kept.
constexpr std::size_t keep_buffer = 64u << 20;

int l_buffer_gc(lua_State* L) {
  auto* b = static_cast<EncodeBuffer*>(lua_touserdata(L, 1));
  delete b->text;
  b->text = nullptr;
  return 0;
}

json::EncodeOptions check_encode_options(lua_State* L, int idx) {
  json::EncodeOptions o;
  if (lua_isnoneornil(L, idx)) return o;
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    const char* key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    if (std::string(key) != "pretty")
      luaL_argerror(L, idx, lua_pushfstring(L, "unknown option '%s' (expected pretty)", luaL_tolstring(L, -1, nullptr)));
  }
  if (lua_getfield(L, idx, "pretty") != LUA_TNIL) {
    if (!lua_isboolean(L, -1)) luaL_argerror(L, idx, "option 'pretty' must be a boolean");
    o.pretty = lua_toboolean(L, -1);
  }
  lua_pop(L, 1);
  return o;
}

int l_json_decode(lua_State* L) {
  std::size_t len = 0;
  const char* text = luaL_checklstring(L, 1, &len);
  json::decode(L, {text, len});
  return 1;
}

int l_json_encode(lua_State* L) {
  luaL_checkany(L, 1);
  json::EncodeOptions options = check_encode_options(L, 2);
  lua_settop(L, 1);
  auto* b = static_cast<EncodeBuffer*>(lua_touserdata(L, lua_upvalueindex(1)));
  if (b->busy) {
    std::string text = json::encode(L, 1, options);
    lua_pushlstring(L, text.data(), text.size());
    return 1;
  }
  if (b->text == nullptr) b->text = new std::string;
  struct Busy {
    EncodeBuffer* b;
    ~Busy() {
      b->busy = false;
      if (b->text->size() > keep_buffer) std::string().swap(*b->text);
    }
  } busy{b};
  b->busy = true;
  std::size_t n = json::encode_reusing(L, 1, *b->text, options);
  lua_pushlstring(L, b->text->data(), n);
  return 1;
}

// json.object([t]) / json.array([t]): t (or a new table) marked to encode as {} / [].
template <void (*PushMark)(lua_State*)>
int l_json_mark(lua_State* L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  } else {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
  }
  PushMark(L);
  if (lua_getmetatable(L, 1)) {
    if (!lua_rawequal(L, -1, -2)) luaL_argerror(L, 1, "the table already has a metatable");
    lua_pop(L, 1);
  }
  lua_setmetatable(L, 1);
  return 1;
}

int l_json_is_array(lua_State* L) {
  luaL_checkany(L, 1);
  lua_pushboolean(L, json::shape_of(L, 1) == json::Shape::array);
  return 1;
}

int l_json_is_object(lua_State* L) {
  luaL_checkany(L, 1);
  lua_pushboolean(L, json::shape_of(L, 1) == json::Shape::object);
  return 1;
}

}  // namespace

int tarn_open_json(lua_State* L) {
  const luaL_Reg fns[] = {TARN_FN("decode", l_json_decode),
                          TARN_FN("object", l_json_mark<json::push_object_mt>),
                          TARN_FN("array", l_json_mark<json::push_array_mt>),
                          TARN_FN("is_array", l_json_is_array),
                          TARN_FN("is_object", l_json_is_object),
                          {nullptr, nullptr}};
  luaL_newlib(L, fns);

  auto* b = static_cast<EncodeBuffer*>(lua_newuserdatauv(L, sizeof(EncodeBuffer), 0));
  *b = EncodeBuffer{nullptr, false};
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, guarded<l_buffer_gc>);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_pushcclosure(L, guarded<l_json_encode>, 1);
  lua_setfield(L, -2, "encode");

  json::push_null(L);
  lua_setfield(L, -2, "null");
  json::push_object_mt(L);
  lua_setfield(L, -2, "object_mt");
  json::push_array_mt(L);
  lua_setfield(L, -2, "array_mt");
  return 1;
}

}  // namespace tarn
