// Type OIDs are fixed for built-in types (src/include/catalog/pg_type.dat).
#include "bindings/pg/types.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace tarn::pg {

Kind kind_of(unsigned oid) {
  switch (oid) {
    case 16: return Kind::boolean;                                  // bool
    case 20: case 21: case 23: case 26: return Kind::integer;       // int8, int2, int4, oid
    case 700: case 701: return Kind::number;                        // float4, float8
    case 1700: return Kind::numeric;                                // numeric
    case 114: case 3802: return Kind::json;                         // json, jsonb
    default: return Kind::text;
  }
}

std::optional<long long> parse_integer(std::string_view text) {
  long long v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || text.empty() || text.front() == '+') return std::nullopt;
  return v;
}

std::optional<double> parse_float(std::string_view text) {
  if (text == "NaN") return std::nan("");
  if (text == "Infinity") return HUGE_VAL;
  if (text == "-Infinity") return -HUGE_VAL;
  double v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ptr != end || text.empty()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) return std::strtod(std::string(text).c_str(), nullptr);  // subnormal
  if (ec != std::errc()) return std::nullopt;
  return v;
}

std::string format_float(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, ptr);
}

}  // namespace tarn::pg
