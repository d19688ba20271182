// Lua values to JSON text: one walk of the value into one growing buffer, raw table
// access only (no metamethods run), object keys sorted so output is deterministic.
//
// A table is an array when its keys are exactly 1..n, an object when they are all strings;
// anything else is an error naming the path, unless a mark says what it is:
// json.object_mt (numeric keys become strings) or json.array_mt (empty gives []).
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings/json/json.hpp"
#include "tarn/lua.hpp"
#include "tarn/redact.hpp"

namespace tarn::json {
namespace {

enum class Mark { none, object, array };

// 0: copied as is; 1: escaped; 2: start of a multi-byte UTF-8 sequence (validated).
constexpr std::array<unsigned char, 256> escape_class = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  t['"'] = t['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
  return t;
}();

// Table at idx (absolute) and the stack slots for the two marks.
Mark mark_of(lua_State* L, int idx, int object_mt, int array_mt) {
  if (!lua_getmetatable(L, idx)) return Mark::none;
  Mark m = lua_rawequal(L, -1, object_mt) ? Mark::object : lua_rawequal(L, -1, array_mt) ? Mark::array : Mark::none;
  lua_pop(L, 1);
  return m;
}

// True when the keys of the table at idx (absolute) are exactly 1..n.
bool is_sequence(lua_State* L, int idx, lua_Integer n) {
  lua_Integer count = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1)) return lua_pop(L, 1), false;
    lua_Integer k = lua_tointeger(L, -1);
    if (k < 1 || k > n || ++count > n) return lua_pop(L, 1), false;
  }
  return count == n;
}

bool is_empty(lua_State* L, int idx) {
  lua_pushnil(L);
  if (lua_next(L, idx) == 0) return true;
  lua_pop(L, 2);
  return false;
}

// One step of the path to the value being encoded, for error messages.
struct Step {
  bool is_index = false;
  lua_Integer index = 0;
  std::string_view key;  // points at a live Lua string or at the Member being encoded
};

// An object member waiting to be sorted: its key text and where its value is.
struct Member {
  const char* key;  // a string key, anchored by the table
  std::size_t len;
  int slot;         // stack index of the value, or 0: fetch it again by key
  int key_type;     // LUA_TSTRING or LUA_TNUMBER
  bool int_key;
  lua_Integer ikey;
  lua_Number fkey;
  char num[32];     // text of a numeric key
  std::string_view text() const { return {key_type == LUA_TSTRING ? key : num, len}; }
};

// Values parked on the Lua stack while their object is sorted; past this many, members
// are fetched again by key instead (a huge object must not exhaust the stack).
constexpr int stack_budget = 100000;

// The output: out grows geometrically; len is the part written so far.
class Writer {
 public:
  Writer(std::string& out, std::size_t start) : out_(out), len_(start) {}
  std::size_t size() const { return len_; }

  char* room(std::size_t n) {
    if (out_.size() - len_ < n) out_.resize(std::max({out_.size() * 2, len_ + n, std::size_t{256}}));
    return out_.data() + len_;
  }
  void advance(std::size_t n) { len_ += n; }
  void put(char c) {
    *room(1) = c;
    ++len_;
  }
  void put(const char* s, std::size_t n) {
    std::memcpy(room(n), s, n);
    len_ += n;
  }
  void newline(int depth) {
    auto indent = 2 * static_cast<std::size_t>(depth);
    char* p = room(1 + indent);
    p[0] = '\n';
    std::memset(p + 1, ' ', indent);
    len_ += 1 + indent;
  }

  // s quoted and escaped; false when s is not valid UTF-8 (written anyway).
  bool quoted(std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    put('"');
    std::size_t start = 0, i = 0, n = s.size();
    bool multibyte = false;
    while (i < n) {
      // Eight bytes at a time while none needs escaping: a byte < 0x20, '"' or '\\'.
      if (n - i >= 8) {
        std::uint64_t v;
        std::memcpy(&v, s.data() + i, 8);
        std::uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
        std::uint64_t special = ((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b);
        multibyte = multibyte || (v & highs) != 0;
        if ((special & highs) == 0) {
          i += 8;
          continue;
        }
      }
      for (std::size_t end = std::min(n, i + 8); i < end; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        unsigned char k = escape_class[c];
        if (k == 0) continue;
        if (k == 2) {
          multibyte = true;
          continue;
        }
        put(s.data() + start, i - start);
        start = i + 1;
        char* p = room(6);
        p[0] = '\\';
        char e = c == '"' ? '"' : c == '\\' ? '\\' : c == '\b' ? 'b' : c == '\f' ? 'f' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : 0;
        if (e != 0) {
          p[1] = e;
          len_ += 2;
        } else {
          p[1] = 'u', p[2] = '0', p[3] = '0', p[4] = hex[c >> 4], p[5] = hex[c & 15];
          len_ += 6;
        }
      }
    }
    put(s.data() + start, s.size() - start);
    put('"');
    return !multibyte || simdjson::validate_utf8(s.data(), s.size());
  }

 private:
  std::string& out_;
  std::size_t len_;
};

class Encoder {
 public:
  Encoder(lua_State* L, std::string& out, std::size_t start, const EncodeOptions& o)
      : L_(L), w_(out, start), pretty_(o.pretty) {}

  std::size_t run(int idx) {
    idx = lua_absindex(L_, idx);
    if (!lua_checkstack(L_, 8)) throw std::runtime_error("json.encode: out of Lua stack space");
    push_null(L_);
    null_ = lua_gettop(L_);
    push_object_mt(L_);
    push_array_mt(L_);
    object_mt_ = null_ + 1;
    array_mt_ = null_ + 2;
    value(idx, 0);
    lua_settop(L_, null_ - 1);
    return w_.size();
  }

 private:
  // ---- errors: "json.encode: cannot encode <what> at <path>[: <why>]" ----
  std::string path() const {
    std::string p = "$";
    for (const Step& s : path_) {
      if (s.is_index) {
        p += "[" + std::to_string(s.index) + "]";
        continue;
      }
      bool ident = !s.key.empty() && !(s.key[0] >= '0' && s.key[0] <= '9');
      for (char c : s.key)
        ident = ident && (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
      if (ident) {
        p += ".";
        p += s.key;
        continue;
      }
      std::string quoted;
      Writer w(quoted, 0);
      w.quoted(s.key);
      quoted.resize(w.size());
      p += "[" + quoted + "]";
    }
    return p;
  }
  [[noreturn]] void fail(const std::string& what, const std::string& why = {}) {
    throw std::runtime_error("json.encode: cannot encode " + what + " at " + path() + (why.empty() ? "" : ": " + why));
  }

  // ---- values ----
  void value(int idx, int depth) {
    switch (lua_type(L_, idx)) {
      case LUA_TNIL: return w_.put("null", 4);
      case LUA_TBOOLEAN: return lua_toboolean(L_, idx) ? w_.put("true", 4) : w_.put("false", 5);
      case LUA_TNUMBER: return number(idx);
      case LUA_TSTRING: {
        std::size_t n = 0;
        const char* s = lua_tolstring(L_, idx, &n);
        return string({s, n});
      }
      case LUA_TTABLE: return table(idx, depth);
      case LUA_TUSERDATA:
        if (lua_rawequal(L_, idx, null_)) return w_.put("null", 4);
        if (is_secret(L_, idx)) return string(redact::mask);
        if (luaL_getmetafield(L_, idx, "__name") == LUA_TSTRING) fail(lua_tostring(L_, -1));
        fail("userdata");
      default: fail(luaL_typename(L_, idx));
    }
  }

  void number(int idx) {
    char* p = w_.room(32);
    if (lua_isinteger(L_, idx)) {
      w_.advance(static_cast<std::size_t>(std::to_chars(p, p + 32, lua_tointeger(L_, idx)).ptr - p));
      return;
    }
    double d = lua_tonumber(L_, idx);
    if (std::isnan(d)) fail("NaN");
    if (std::isinf(d)) fail(d > 0 ? "inf" : "-inf");
    if (d == 0 && std::signbit(d)) return w_.put("-0.0", 4);  // "-0" would decode as integer 0
    // Shortest text that reads back as the same double. Integral values print as
    // integers (3.0 -> 3); from 2^63 up those would not fit JSON's 64-bit integers.
    auto r = std::fabs(d) >= 0x1p63 ? std::to_chars(p, p + 32, d, std::chars_format::scientific)
                                    : std::to_chars(p, p + 32, d);
    w_.advance(static_cast<std::size_t>(r.ptr - p));
  }

  void string(std::string_view s) {
    if (!w_.quoted(s)) fail("string", "invalid UTF-8");
  }

  // ---- tables ----
  void enter(int idx, int depth) {
    if (!lua_checkstack(L_, 6)) throw std::runtime_error("json.encode: out of Lua stack space");
    const void* p = lua_topointer(L_, idx);
    if (std::find(open_.begin(), open_.end(), p) != open_.end()) fail("table", "cycle (the table contains itself)");
    if (depth + 1 > max_depth) fail("table", "nesting deeper than " + std::to_string(max_depth) + " levels");
    open_.push_back(p);
  }

  void table(int idx, int depth) {
    Mark mark = mark_of(L_, idx, object_mt_, array_mt_);
    if (mark != Mark::object) {
      auto n = static_cast<lua_Integer>(lua_rawlen(L_, idx));
      if (n > 0 && is_sequence(L_, idx, n)) return array(idx, n, depth);
      if (mark == Mark::array) {
        if (is_empty(L_, idx)) return w_.put("[]", 2);
        fail("table", "marked as an array (json.array_mt) but its keys are not 1..n");
      }
    }
    object(idx, depth, mark == Mark::object);
  }

  void array(int idx, lua_Integer n, int depth) {
    enter(idx, depth);
    w_.put('[');
    path_.push_back(Step{true, 0, {}});
    for (lua_Integer i = 1; i <= n; ++i) {
      if (i > 1) w_.put(',');
      if (pretty_) w_.newline(depth + 1);
      path_.back().index = i;
      lua_rawgeti(L_, idx, i);
      value(lua_gettop(L_), depth + 1);
      lua_pop(L_, 1);
    }
    path_.pop_back();
    if (pretty_) w_.newline(depth);
    w_.put(']');
    open_.pop_back();
  }

  void object(int idx, int depth, bool marked) {
    int top = lua_gettop(L_);
    std::size_t base = members_.size();
    int parked = 0;
    bool numeric = false, strings = false;
    lua_pushnil(L_);
    while (lua_next(L_, idx)) {
      Member& m = members_.emplace_back();
      m.key_type = lua_type(L_, -2);
      if (m.key_type == LUA_TSTRING) {
        m.key = lua_tolstring(L_, -2, &m.len);
        strings = true;
      } else if (m.key_type == LUA_TNUMBER) {
        numeric = true;
        m.int_key = lua_isinteger(L_, -2);
        char* end = m.int_key ? std::to_chars(m.num, m.num + sizeof m.num, m.ikey = lua_tointeger(L_, -2)).ptr
                              : std::to_chars(m.num, m.num + sizeof m.num, m.fkey = lua_tonumber(L_, -2)).ptr;
        m.len = static_cast<std::size_t>(end - m.num);
      } else {
        fail("table", std::string("key of type ") + luaL_typename(L_, -2) + " (keys must be strings or numbers)");
      }
      if (parked_ < stack_budget && lua_checkstack(L_, 3)) {
        lua_insert(L_, -2);  // the value stays below the key
        m.slot = lua_gettop(L_) - 1;
        ++parked, ++parked_;
      } else {
        lua_pop(L_, 1);
        m.slot = 0;
      }
    }
    if (!marked && numeric) fail("table", strings ? "mixed keys (numbers and strings)" : "sparse array (keys are not 1..n)");
    std::size_t n = members_.size() - base;
    if (n == 0) {
      w_.put("{}", 2);
    } else {
      enter(idx, depth);
      std::sort(members_.begin() + static_cast<std::ptrdiff_t>(base), members_.end(),
                [](const Member& a, const Member& b) { return a.text() < b.text(); });
      members(idx, base, n, depth, numeric && strings);
      open_.pop_back();
    }
    members_.resize(base);
    parked_ -= parked;
    lua_settop(L_, top);
  }

  void members(int idx, std::size_t base, std::size_t n, int depth, bool may_repeat) {
    w_.put('{');
    path_.push_back(Step{});
    for (std::size_t i = base; i < base + n; ++i) {
      // members_ may grow (and move) while a value is encoded: work on a copy.
      const Member m = members_[i];
      std::string_view key = m.text();
      path_.back().key = key;
      if (may_repeat && i > base && members_[i - 1].text() == key)
        fail("table", "duplicate key \"" + std::string(key) + "\" (a number and a string)");
      if (i > base) w_.put(',');
      if (pretty_) w_.newline(depth + 1);
      string(key);
      if (pretty_) w_.put(": ", 2);
      else w_.put(':');
      if (m.slot != 0) {
        value(m.slot, depth + 1);
        continue;
      }
      if (m.key_type == LUA_TSTRING) lua_pushlstring(L_, m.key, m.len);
      else if (m.int_key) lua_pushinteger(L_, m.ikey);
      else lua_pushnumber(L_, m.fkey);
      lua_rawget(L_, idx);
      value(lua_gettop(L_), depth + 1);
      lua_pop(L_, 1);
    }
    path_.pop_back();
    if (pretty_) w_.newline(depth);
    w_.put('}');
  }

  lua_State* L_;
  Writer w_;
  bool pretty_;
  int null_ = 0, object_mt_ = 0, array_mt_ = 0;
  int parked_ = 0;
  std::vector<Step> path_;
  std::vector<const void*> open_;
  std::vector<Member> members_;
};

}  // namespace

std::size_t encode_reusing(lua_State* L, int idx, std::string& buf, const EncodeOptions& options) {
  int top = lua_gettop(L);
  try {
    return Encoder(L, buf, 0, options).run(idx);
  } catch (const std::runtime_error&) {
    lua_settop(L, top);
    throw;
  }
}

void encode(lua_State* L, int idx, std::string& out, const EncodeOptions& options) {
  int top = lua_gettop(L);
  std::size_t start = out.size();
  try {
    out.resize(Encoder(L, out, start, options).run(idx));
  } catch (const std::runtime_error&) {
    out.resize(start);
    lua_settop(L, top);
    throw;
  }
}

std::string encode(lua_State* L, int idx, const EncodeOptions& options) {
  std::string out;
  encode(L, idx, out, options);
  return out;
}

Shape shape_of(lua_State* L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE) return Shape::none;
  idx = lua_absindex(L, idx);
  luaL_checkstack(L, 4, "json");
  push_object_mt(L);
  push_array_mt(L);
  Mark mark = mark_of(L, idx, lua_gettop(L) - 1, lua_gettop(L));
  lua_pop(L, 2);
  if (mark == Mark::object) return Shape::object;
  auto n = static_cast<lua_Integer>(lua_rawlen(L, idx));
  if (n > 0 && is_sequence(L, idx, n)) return Shape::array;
  if (mark == Mark::array) return is_empty(L, idx) ? Shape::array : Shape::none;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      lua_pop(L, 1);
      return Shape::none;
    }
  }
  return Shape::object;
}

}  // namespace tarn::json
