// JSON text to Lua values: simdjson's DOM parser, then one walk of the tape that builds
// tables of exact sizes. The values the codec shares (json.null, the marks of empty
// objects and arrays, the reusable parser) live in the registry, one set per Lua state.
#include <simdjson.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "bindings/json/json.hpp"
#include "tarn/lua.hpp"

namespace tarn::json {
namespace {

const char* const null_key = "json.null";
const char* const object_mt_key = "json.object_mt";
const char* const array_mt_key = "json.array_mt";
const char* const parser_key = "json.parser";

// A parser that grew past this (input bytes) is released after the call, so one huge
// document does not pin hundreds of megabytes of tape for the life of the state.
constexpr std::size_t keep_capacity = 64u << 20;

int l_null_tostring(lua_State* L) {
  lua_pushliteral(L, "null");
  return 1;
}

// Pushes registry[key], creating it with make() the first time.
template <typename Make>
void push_shared(lua_State* L, const char* key, Make make) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, key) != LUA_TNIL) return;
  lua_pop(L, 1);
  make();
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, key);
}

void push_mark(lua_State* L, const char* key, const char* name) {
  push_shared(L, key, [&] {
    lua_createtable(L, 0, 1);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__name");
  });
}

std::unique_ptr<simdjson::dom::parser> new_parser() {
  auto p = std::make_unique<simdjson::dom::parser>();
  // simdjson counts the root too: max_depth + 1 lets max_depth nested containers through.
  if (p->allocate(simdjson::dom::MINIMAL_DOCUMENT_CAPACITY, max_depth + 1) != simdjson::SUCCESS)
    throw std::runtime_error("json.decode: out of memory");
  return p;
}

struct ParserBox {
  simdjson::dom::parser* parser;
  bool busy;  // a __gc metamethod run mid-decode may decode too: it gets its own parser
};

int l_parser_gc(lua_State* L) {
  auto* box = static_cast<ParserBox*>(lua_touserdata(L, 1));
  delete box->parser;
  box->parser = nullptr;
  return 0;
}

ParserBox& parser_box(lua_State* L) {
  push_shared(L, parser_key, [&] {
    auto* box = static_cast<ParserBox*>(lua_newuserdatauv(L, sizeof(ParserBox), 0));
    *box = ParserBox{nullptr, false};
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, guarded<l_parser_gc>);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
  });
  auto* box = static_cast<ParserBox*>(lua_touserdata(L, -1));
  lua_pop(L, 1);  // the registry keeps it alive
  return *box;
}

class Builder {
 public:
  // null, object_mt, array_mt at these stack indexes.
  Builder(lua_State* L, int null_idx, int object_mt_idx, int array_mt_idx)
      : L_(L), null_(null_idx), object_mt_(object_mt_idx), array_mt_(array_mt_idx) {}

  void push(simdjson::dom::element e) {
    using simdjson::dom::element_type;
    switch (e.type()) {
      case element_type::ARRAY: return push_array(e.get_array().value_unsafe());
      case element_type::OBJECT: return push_object(e.get_object().value_unsafe());
      case element_type::STRING: {
        std::string_view s = e.get_string().value_unsafe();
        lua_pushlstring(L_, s.data(), s.size());
        return;
      }
      case element_type::INT64: return lua_pushinteger(L_, e.get_int64().value_unsafe());
      // Above INT64_MAX: no Lua integer holds it, a float comes closest.
      case element_type::UINT64: return lua_pushnumber(L_, static_cast<lua_Number>(e.get_uint64().value_unsafe()));
      case element_type::DOUBLE: return lua_pushnumber(L_, e.get_double().value_unsafe());
      case element_type::BOOL: return lua_pushboolean(L_, e.get_bool().value_unsafe());
      case element_type::NULL_VALUE: return lua_pushvalue(L_, null_);
    }
  }

 private:
  void room() {
    if (!lua_checkstack(L_, 4)) throw std::runtime_error("json.decode: out of Lua stack space");
  }

  void push_array(simdjson::dom::array a) {
    room();
    std::size_t n = a.size();  // saturates at 0xFFFFFF: then only a size hint
    lua_createtable(L_, static_cast<int>(n), 0);
    lua_Integer i = 0;
    for (simdjson::dom::element v : a) {
      push(v);
      lua_rawseti(L_, -2, ++i);
    }
    if (i == 0) {
      lua_pushvalue(L_, array_mt_);
      lua_setmetatable(L_, -2);
    }
  }

  void push_object(simdjson::dom::object o) {
    room();
    std::size_t n = o.size();
    lua_createtable(L_, 0, static_cast<int>(n));
    if (n == 0) {
      lua_pushvalue(L_, object_mt_);
      lua_setmetatable(L_, -2);
      return;
    }
    for (auto it = o.begin(); it != o.end(); ++it) {
      lua_pushlstring(L_, it.key_c_str(), it.key_length());
      push(it.value());
      lua_rawset(L_, -3);
    }
  }

  lua_State* L_;
  int null_, object_mt_, array_mt_;
};

// "json.decode: invalid JSON at byte 17 (line 2, column 5): expected ..."; bytes count
// from 1, as string.sub does.
std::string describe(simdjson::error_code code, std::string_view text) {
  using namespace simdjson;
  if (code == MEMALLOC) return "json.decode: out of memory";
  if (code == CAPACITY) return "json.decode: text too large (" + std::to_string(text.size()) + " bytes)";
  std::optional<SyntaxError> e = find_syntax_error(text);
  if (!e) return std::string("json.decode: invalid JSON: ") + error_message(code);
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < e->offset && i < text.size(); ++i) {
    if (text[i] == '\n') ++line, column = 1;
    else ++column;
  }
  std::string where;
  if (line > 1) where = "line " + std::to_string(line) + ", column " + std::to_string(column);
  if (e->offset >= text.size()) where += where.empty() ? "end of text" : ", end of text";
  std::string out = "json.decode: invalid JSON at byte " + std::to_string(e->offset + 1);
  if (!where.empty()) out += " (" + where + ")";
  return out + ": " + e->message;
}

}  // namespace

void push_null(lua_State* L) {
  push_shared(L, null_key, [&] {
    lua_newuserdatauv(L, 0, 0);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, guarded<l_null_tostring>);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "json.null");
    lua_setfield(L, -2, "__name");
    lua_setmetatable(L, -2);
  });
}

void push_object_mt(lua_State* L) { push_mark(L, object_mt_key, "json.object"); }
void push_array_mt(lua_State* L) { push_mark(L, array_mt_key, "json.array"); }

void decode(lua_State* L, std::string_view text) {
  ParserBox& box = parser_box(L);
  std::unique_ptr<simdjson::dom::parser> own;
  if (box.busy) own = new_parser();
  else if (box.parser == nullptr) box.parser = new_parser().release();
  simdjson::dom::parser& parser = own ? *own : *box.parser;
  struct Busy {
    ParserBox* box;
    ~Busy() { if (box != nullptr) box->busy = false; }
  } busy{own ? nullptr : &box};
  if (!own) box.busy = true;

  // RFC 8259 lets a parser ignore a leading UTF-8 byte order mark; Windows editors write one.
  std::string_view body = text.substr(text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0);
  simdjson::dom::element root;
  // Lua strings carry no simdjson padding: parse() copies into the parser's padded buffer.
  if (auto code = parser.parse(body.data(), body.size()).get(root); code != simdjson::SUCCESS)
    throw std::runtime_error(describe(code, text));

  if (!lua_checkstack(L, 8)) throw std::runtime_error("json.decode: out of Lua stack space");
  int base = lua_gettop(L);
  push_null(L);
  push_object_mt(L);
  push_array_mt(L);
  Builder(L, base + 1, base + 2, base + 3).push(root);
  lua_replace(L, base + 1);
  lua_settop(L, base + 1);

  if (!own && parser.capacity() > keep_capacity) {
    delete box.parser;
    box.parser = nullptr;  // made afresh by the next call
  }
}

}  // namespace tarn::json
