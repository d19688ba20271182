// Where invalid JSON goes wrong. simdjson's DOM parser only returns an error code, so when
// it rejects a text, decode runs this small recursive-descent check to find the byte and
// say what was expected there. It accepts exactly what simdjson 3 accepts (RFC 8259 plus
// simdjson's limits: 64-bit integers, finite doubles, nesting), which the fuzz target
// checks; it is never on the fast path. Like decode, it skips a leading UTF-8 BOM.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include "bindings/json/json.hpp"

namespace tarn::json {
namespace {

// RFC 8259 lets a parser ignore a leading UTF-8 byte order mark; Windows editors write one.
constexpr std::string_view bom = "\xEF\xBB\xBF";

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  std::optional<SyntaxError> run() {
    if (s_.substr(0, bom.size()) == bom) pos_ = bom.size();
    skip_ws();
    if (value(0, "expected a value")) {
      skip_ws();
      if (pos_ < s_.size()) fail(pos_, "expected the end of the text after the JSON value");
    }
    return error_;
  }

 private:
  bool fail(std::size_t at, std::string message) {
    error_ = SyntaxError{at, std::move(message)};
    return false;
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  void skip_ws() {
    while (!at_end() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  // depth: containers around this value.
  bool value(int depth, const char* expected) {
    if (at_end()) return fail(pos_, expected);
    switch (s_[pos_]) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default:
        if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) return number();
        return fail(pos_, expected);
    }
  }

  bool enter(std::size_t open, int depth) {
    // simdjson counts only non-empty containers against its depth limit.
    if (depth + 1 > max_depth) return fail(open, "nesting deeper than " + std::to_string(max_depth) + " levels");
    return true;
  }

  bool array(int depth) {
    std::size_t open = pos_++;
    skip_ws();
    if (peek() == ']') return ++pos_, true;
    if (!enter(open, depth)) return false;
    const char* expected = "expected a value or ']'";
    for (;;) {
      if (!value(depth + 1, expected)) return false;
      skip_ws();
      if (peek() == ']') return ++pos_, true;
      if (peek() != ',') return fail(pos_, "expected ',' or ']' after an array element");
      ++pos_;
      skip_ws();
      expected = "expected a value";
    }
  }

  bool object(int depth) {
    std::size_t open = pos_++;
    skip_ws();
    if (peek() == '}') return ++pos_, true;
    if (!enter(open, depth)) return false;
    const char* expected = "expected a string key or '}'";
    for (;;) {
      if (peek() != '"') return fail(pos_, expected);
      if (!string()) return false;
      skip_ws();
      if (peek() != ':') return fail(pos_, "expected ':' after an object key");
      ++pos_;
      skip_ws();
      if (!value(depth + 1, "expected a value")) return false;
      skip_ws();
      if (peek() == '}') return ++pos_, true;
      if (peek() != ',') return fail(pos_, "expected ',' or '}' after an object member");
      ++pos_;
      skip_ws();
      expected = "expected a string key";
    }
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail(pos_, "invalid literal (expected true, false or null)");
    pos_ += word.size();
    return true;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // The code unit of a \uXXXX escape at pos_ (the backslash), or -1.
  long unit_at(std::size_t at) const {
    if (at + 6 > s_.size() || s_[at] != '\\' || s_[at + 1] != 'u') return -1;
    long u = 0;
    for (std::size_t i = at + 2; i < at + 6; ++i) {
      int h = hex(s_[i]);
      if (h < 0) return -1;
      u = u * 16 + h;
    }
    return u;
  }

  bool escape() {
    std::size_t at = pos_;
    if (at + 1 >= s_.size()) return fail(at, "unterminated string");
    switch (s_[at + 1]) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        pos_ += 2;
        return true;
      case 'u': break;
      default: return fail(at, "invalid escape in a string");
    }
    long u = unit_at(at);
    if (u < 0) return fail(at, "invalid \\u escape (expected 4 hex digits)");
    pos_ += 6;
    if (u >= 0xDC00 && u <= 0xDFFF) return fail(at, "unpaired UTF-16 surrogate in a \\u escape");
    if (u >= 0xD800 && u <= 0xDBFF) {
      long low = unit_at(pos_);
      if (low < 0xDC00 || low > 0xDFFF) return fail(at, "unpaired UTF-16 surrogate in a \\u escape");
      pos_ += 6;
    }
    return true;
  }

  // One UTF-8 sequence starting with a byte >= 0x80 (RFC 3629: no overlongs, no
  // surrogates, nothing above U+10FFFF).
  bool utf8() {
    auto byte = [&](std::size_t i) { return i < s_.size() ? static_cast<unsigned char>(s_[i]) : 0u; };
    unsigned c = byte(pos_);
    unsigned lo = 0x80, hi = 0xBF;
    int n = 0;
    if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
    else return fail(pos_, "invalid UTF-8 in a string");
    for (int i = 1; i <= n; ++i) {
      unsigned b = byte(pos_ + i);
      if (b < lo || b > hi) return fail(pos_, "invalid UTF-8 in a string");
      lo = 0x80, hi = 0xBF;
    }
    pos_ += static_cast<std::size_t>(n) + 1;
    return true;
  }

  bool string() {
    std::size_t open = pos_++;
    for (;;) {
      if (at_end()) return fail(open, "unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') return ++pos_, true;
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x20) {
        return fail(pos_, "unescaped control character in a string");
      } else if (c >= 0x80) {
        if (!utf8()) return false;
      } else {
        ++pos_;
      }
    }
  }

  bool digits() {
    if (at_end() || !(s_[pos_] >= '0' && s_[pos_] <= '9')) return false;
    while (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return true;
  }

  bool number() {
    std::size_t start = pos_;
    bool negative = peek() == '-';
    if (negative) ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (peek() >= '0' && peek() <= '9') return fail(start, "invalid number: leading zeros are not allowed");
    } else if (!digits()) {
      return fail(pos_, "invalid number: expected a digit after '-'");
    }
    bool integer = true;
    if (peek() == '.') {
      ++pos_;
      integer = false;
      if (!digits()) return fail(pos_, "invalid number: expected a digit after '.'");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      integer = false;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!digits()) return fail(pos_, "invalid number: expected a digit in the exponent");
    }
    std::string text(s_.substr(start, pos_ - start));
    if (integer) {
      // simdjson keeps integers in 64 bits: int64 for negatives, uint64 for the rest.
      errno = 0;
      if (negative) (void)std::strtoll(text.c_str(), nullptr, 10);
      else (void)std::strtoull(text.c_str(), nullptr, 10);
      if (errno == ERANGE) return fail(start, "integer out of range (more than 64 bits)");
    } else if (std::isinf(std::strtod(text.c_str(), nullptr))) {
      return fail(start, "number out of range (too large for a double)");
    }
    return true;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::optional<SyntaxError> error_;
};

}  // namespace

std::optional<SyntaxError> find_syntax_error(std::string_view text) { return Scanner(text).run(); }

}  // namespace tarn::json
