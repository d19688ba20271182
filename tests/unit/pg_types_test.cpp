// How the pg module maps PostgreSQL's text format to Lua values (bindings/pg/types.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include "bindings/pg/types.hpp"

using namespace tarn::pg;

TEST_CASE("pg types: the kind of a column comes from its type OID", "[pg][types]") {
  CHECK(kind_of(16) == Kind::boolean);
  for (unsigned oid : {20u, 21u, 23u, 26u}) CHECK(kind_of(oid) == Kind::integer);  // int8 int2 int4 oid
  CHECK(kind_of(700) == Kind::number);
  CHECK(kind_of(701) == Kind::number);
  CHECK(kind_of(1700) == Kind::numeric);
  CHECK(kind_of(114) == Kind::json);
  CHECK(kind_of(3802) == Kind::json);
  for (unsigned oid : {25u, 1043u, 19u, 18u, 1009u, 1114u, 2950u, 17u}) CHECK(kind_of(oid) == Kind::text);
}

TEST_CASE("pg types: integers are exact within 64 bits and nothing else", "[pg][types]") {
  CHECK(parse_integer("0") == 0);
  CHECK(parse_integer("-42") == -42);
  CHECK(parse_integer("9223372036854775807") == std::numeric_limits<long long>::max());
  CHECK(parse_integer("-9223372036854775808") == std::numeric_limits<long long>::min());
  for (const char* bad : {"9223372036854775808", "-9223372036854775809", "", "+1", "1.0", "1e3", "12a", " 1", "NaN"})
    CHECK_FALSE(parse_integer(bad).has_value());
}

TEST_CASE("pg types: floats as PostgreSQL prints them", "[pg][types]") {
  CHECK(parse_float("1.5") == 1.5);
  CHECK(parse_float("-0.25") == -0.25);
  CHECK(parse_float("1e+100") == 1e100);
  CHECK(parse_float("Infinity") == HUGE_VAL);
  CHECK(parse_float("-Infinity") == -HUGE_VAL);
  CHECK(std::isnan(*parse_float("NaN")));
  CHECK(parse_float("5e-324") == std::numeric_limits<double>::denorm_min());
  CHECK_FALSE(parse_float("").has_value());
  CHECK_FALSE(parse_float("1.5x").has_value());
}

TEST_CASE("pg types: a float is sent as the shortest text that reads back exactly", "[pg][types]") {
  CHECK(format_float(0.1) == "0.1");
  CHECK(format_float(3.0) == "3");
  CHECK(format_float(-2.5) == "-2.5");
  CHECK(format_float(1e20) == "1e+20");
  CHECK(format_float(std::nan("")) == "NaN");
  CHECK(format_float(HUGE_VAL) == "Infinity");
  CHECK(format_float(-HUGE_VAL) == "-Infinity");
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> dist(-1e12, 1e12);
  for (int i = 0; i < 1000; ++i) {
    double d = dist(gen) / 3.0;
    CHECK(parse_float(format_float(d)) == d);
  }
}
