#pragma once
// The JSON codec behind the `json` module, usable by other bindings: JSON text straight
// into Lua values (simdjson's DOM parser), and Lua values into JSON text in one buffer.
//
//   tarn::json::decode(L, body);                    // pushes the value, or throws
//   std::string text = tarn::json::encode(L, -1);   // or throws, naming the path
//
// Values: objects and arrays become tables; null becomes json.null (one userdata per Lua
// state); empty objects and arrays get the metatables json.object_mt / json.array_mt so
// they encode back as {} and []. Integers stay exact (int64 <-> lua_Integer).
#include <lua.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tarn::json {

// Most nested non-empty arrays/objects accepted by decode and encode.
constexpr int max_depth = 1000;

// Push the shared values (created once per Lua state, kept in the registry).
void push_null(lua_State* L);
void push_object_mt(lua_State* L);
void push_array_mt(lua_State* L);

// Decodes text (skipping a leading UTF-8 BOM) and pushes its value. Throws
// std::runtime_error on invalid JSON, e.g.
// "json.decode: invalid JSON at byte 17: expected ',' or '}' after an object member".
void decode(lua_State* L, std::string_view text);

struct EncodeOptions {
  bool pretty = false;  // 2-space indent, one member per line
};

// Appends the JSON text of the value at idx to out. Throws std::runtime_error naming
// the path of the bad value, e.g. "json.encode: cannot encode function at $.items[3].f".
void encode(lua_State* L, int idx, std::string& out, const EncodeOptions& options = {});
std::string encode(lua_State* L, int idx, const EncodeOptions& options = {});
// Writes from the start of buf and returns the length; buf keeps its larger size, so a
// buffer reused call after call is not zero-filled again (the json module does this).
std::size_t encode_reusing(lua_State* L, int idx, std::string& buf, const EncodeOptions& options = {});

// What kind of JSON value the table at idx encodes as; `none` when it cannot be encoded
// (mixed or sparse keys) or is not a table.
enum class Shape { none, array, object };
Shape shape_of(lua_State* L, int idx);

// Where text stops being valid JSON: the 0-based byte offset and what was expected
// there; nullopt when the text is valid (a leading BOM is skipped, as decode does).
// decode runs it only after simdjson rejected the text, to say where and why.
struct SyntaxError {
  std::size_t offset;
  std::string message;
};
std::optional<SyntaxError> find_syntax_error(std::string_view text);

}  // namespace tarn::json
