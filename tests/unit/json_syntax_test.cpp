// The validation scan that explains simdjson's rejections: it must accept exactly what
// simdjson accepts (else decode would report a vague error or a wrong byte) and point at
// the right byte.
#include <simdjson.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "bindings/json/json.hpp"

using tarn::json::find_syntax_error;

namespace {

bool simdjson_accepts(const std::string& text) {
  simdjson::dom::parser parser;
  REQUIRE(parser.allocate(64, tarn::json::max_depth + 1) == simdjson::SUCCESS);
  simdjson::dom::element root;
  std::string body = text.rfind("\xEF\xBB\xBF", 0) == 0 ? text.substr(3) : text;  // decode skips a BOM
  return parser.parse(body).get(root) == simdjson::SUCCESS;
}

std::string where(const std::string& text) {
  auto e = find_syntax_error(text);
  return e ? std::to_string(e->offset) + ": " + e->message : "valid";
}

std::string nested(int levels, const std::string& inner) {
  return std::string(static_cast<std::size_t>(levels), '[') + inner + std::string(static_cast<std::size_t>(levels), ']');
}

}  // namespace

TEST_CASE("json syntax: agrees with simdjson on what is valid", "[json]") {
  const std::vector<std::string> texts = {
      // valid
      "0", "-0", "-0.0e-0", "1E+2", "1e-400", "0e99999999999", "123456789012345678901234567890.5",
      "9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551615",
      "true", "false", "null", " \t\r\n[ 1 , {\"a\" : [ ] } ]\n", "\"\\ud83d\\ude00\"", "\"\\u0000\"",
      "\"\xf0\x9f\x98\x80 \xe2\x82\xac \xc3\xa9 \x7f\"", "{\"a\":1,\"a\":2}", "[[],[[]],{}]", "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"",
      nested(1000, "1"), nested(999, "[]") + "", "[" + nested(999, "1") + "]", "\xEF\xBB\xBF[1]", "\xEF\xBB\xBF 1 ",
      // invalid
      "", " ", "01", "-", "-a", "1.", ".5", "1e", "1e+", "+1", "0x10", "1e400", "-1e400", "18446744073709551616",
      "-9223372036854775809", "123456789012345678901234567890", "NaN", "Infinity", "nul", "truex", "True",
      "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{a:1}", "{\"a\":}", "[", "]", "{", "}", "[1]]", "[1] x", "1 2",
      "\"abc", "\"a\tb\"", "\"\\x\"", "\"\\u12G4\"", "\"\\u123\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
      "\"\\ud800x\"", "\"\xff\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"",
      "\"\xe2\x82\"x", "\"\x80\"", "[1]\xff", std::string("[1]\0", 4), std::string("\"a\0\"", 4), "\f1", "\v1",
      "[\"a\",]", "{\"a\":1 \"b\":2}", "\xEF\xBB\xBF", "\xEF\xBB[1]", " \xEF\xBB\xBF[1]", nested(1001, "1"), "[" + nested(1000, "1") + "]",
  };
  for (const auto& t : texts) {
    INFO("text: " << t << " -> " << where(t));
    CHECK(simdjson_accepts(t) == !find_syntax_error(t).has_value());
  }
}

TEST_CASE("json syntax: points at the byte where the text goes wrong", "[json]") {
  CHECK(where("{\"name\":\"db1\" \"type\":\"x\"}") == "14: expected ',' or '}' after an object member");
  CHECK(where("[1,2") == "4: expected ',' or ']' after an array element");
  CHECK(where("") == "0: expected a value");
  CHECK(where("\"\\u00e9\\ud800\\n\"") == "7: unpaired UTF-16 surrogate in a \\u escape");
  CHECK(where("\"ok\xc3\xa9 \xc3\x28\"") == "6: invalid UTF-8 in a string");
  CHECK(where("[0, 00]") == "4: invalid number: leading zeros are not allowed");
  CHECK(where("[-9223372036854775809]") == "1: integer out of range (more than 64 bits)");
  CHECK(where("{\"a\":\n [1e999]}") == "8: number out of range (too large for a double)");
  CHECK(where(nested(1001, "1")) == "1000: nesting deeper than 1000 levels");
  CHECK(where(nested(1000, "1")) == "valid");
  CHECK(where(nested(1000, "[]")) == "valid");  // simdjson does not count empty containers
}
