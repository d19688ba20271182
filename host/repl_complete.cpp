// Completion candidates, looked up inside one protected call so a failing module load (or
// running out of memory) cannot escape.
#include "host/repl_complete.hpp"

#include <set>

#include "tarn/lua.hpp"
#include "tarn/runtime.hpp"

namespace tarn::repl {
namespace {

const char* const keywords[] = {"and",   "break", "do",   "else", "elseif", "end",    "false",
                                "for",   "function", "goto", "if", "in",     "local",  "nil",
                                "not",   "or",    "repeat", "return", "then", "true", "until",
                                "while"};

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

bool is_identifier(std::string_view s) {
  if (s.empty() || !ident_start(s[0])) return false;
  for (char c : s)
    if (!ident_char(c)) return false;
  return true;
}

// A prefix of an identifier (may be empty).
bool is_partial(std::string_view s) {
  if (!s.empty() && !ident_start(s[0])) return false;
  for (char c : s)
    if (!ident_char(c)) return false;
  return true;
}

struct Query {
  std::vector<std::string> chain;  // names before the last separator ("a.b" -> a, b)
  char sep = 0;                    // '.', ':' or 0 for a global
  std::string partial;             // what follows the separator
  std::set<std::string>* out = nullptr;
};

// Replaces the value at the top of the stack with its field `name`: a raw get on a table,
// then through metatable __index tables (never __index functions). Pushes nil when absent.
void raw_field(lua_State* L, const std::string& name) {
  for (int hops = 0; hops < 16; ++hops) {
    if (lua_istable(L, -1)) {
      lua_pushstring(L, name.c_str());
      if (lua_rawget(L, -2) != LUA_TNIL) {
        lua_remove(L, -2);
        return;
      }
      lua_pop(L, 1);
    }
    if (!lua_getmetatable(L, -1)) break;
    lua_pushliteral(L, "__index");
    lua_rawget(L, -2);
    lua_remove(L, -2);  // the metatable
    lua_remove(L, -2);  // the previous value
    if (!lua_istable(L, -1)) break;
  }
  lua_pop(L, 1);
  lua_pushnil(L);
}

// Adds the keys of the value at the top of the stack (and of its __index tables) that start
// with q.partial; with ':' only those holding functions.
void add_keys(lua_State* L, const Query& q) {
  lua_pushvalue(L, -1);
  for (int hops = 0; hops < 16; ++hops) {
    if (lua_istable(L, -1)) {
      lua_pushnil(L);
      while (lua_next(L, -2) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING && (q.sep != ':' || lua_type(L, -1) == LUA_TFUNCTION)) {
          std::string_view key = lua_tostring(L, -2);
          if (is_identifier(key) && key.starts_with(q.partial)) q.out->emplace(key);
        }
        lua_pop(L, 1);
      }
    }
    if (!lua_getmetatable(L, -1)) break;
    lua_pushliteral(L, "__index");
    lua_rawget(L, -2);
    lua_remove(L, -2);
    lua_remove(L, -2);
    if (!lua_istable(L, -1)) break;
  }
  lua_pop(L, 1);
}

int l_collect(lua_State* L) {
  const Query& q = *static_cast<const Query*>(lua_touserdata(L, 1));
  lua_getfield(L, LUA_REGISTRYINDEX, "tarn.global_modules");
  int modules = lua_gettop(L);
  lua_pushglobaltable(L);
  if (q.chain.empty()) {
    add_keys(L, q);
    if (lua_istable(L, modules)) {
      lua_pushvalue(L, modules);
      add_keys(L, q);
    }
    for (const char* k : keywords)
      if (std::string_view(k).starts_with(q.partial)) q.out->emplace(k);
    return 0;
  }
  const std::string& first = q.chain.front();
  lua_pushstring(L, first.c_str());
  if (lua_rawget(L, -2) == LUA_TNIL && lua_istable(L, modules)) {
    lua_pop(L, 1);
    lua_pushstring(L, first.c_str());
    bool is_module = lua_rawget(L, modules) != LUA_TNIL;
    lua_pop(L, 1);
    if (is_module)
      lua_getfield(L, -1, first.c_str());  // _G.__index loads the module: allowed here
    else
      lua_pushnil(L);
  }
  for (std::size_t i = 1; i < q.chain.size() && !lua_isnil(L, -1); ++i) raw_field(L, q.chain[i]);
  if (!lua_isnil(L, -1)) add_keys(L, q);
  return 0;
}

}  // namespace

std::vector<std::string> completions(Runtime& rt, std::string_view word) {
  Query q;
  std::size_t cut = word.find_last_of(".:");
  std::string_view head;
  if (cut == std::string_view::npos) {
    q.partial = word;
  } else {
    head = word.substr(0, cut);
    q.sep = word[cut];
    q.partial = word.substr(cut + 1);
    std::size_t from = 0;
    for (;;) {
      std::size_t dot = head.find('.', from);
      q.chain.emplace_back(head.substr(from, dot == std::string_view::npos ? dot : dot - from));
      if (!is_identifier(q.chain.back())) return {};  // not a plain name chain (a ':' inside too)
      if (dot == std::string_view::npos) break;
      from = dot + 1;
    }
  }
  if (!is_partial(q.partial)) return {};
  std::set<std::string> names;
  q.out = &names;
  lua_State* L = rt.lua();
  int top = lua_gettop(L);
  lua_pushcfunction(L, guarded<l_collect>);
  lua_pushlightuserdata(L, &q);
  if (!rt.pcall(1, 0)) names.clear();  // e.g. the module failed to load: nothing to offer
  lua_settop(L, top);
  std::vector<std::string> out;
  out.reserve(names.size());
  std::string prefix(word.substr(0, cut == std::string_view::npos ? 0 : cut + 1));
  for (const auto& n : names) out.push_back(prefix + n);
  return out;
}

}  // namespace tarn::repl
