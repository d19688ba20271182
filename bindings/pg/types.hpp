#pragma once
// How values cross between PostgreSQL's text format and Lua, decided by the column's type
// OID: what a result column becomes, and the text a Lua number is sent as.
#include <optional>
#include <string>
#include <string_view>

namespace tarn::pg {

enum class Kind {
  text,     // text, varchar, name, char, dates, arrays, ...: the text as a string
  integer,  // int2, int4, int8, oid: a Lua integer
  number,   // float4, float8: a Lua float (NaN and +-Infinity included)
  numeric,  // numeric: a Lua integer when the text is a whole number in 64 bits, else the text
  boolean,  // bool
  json,     // json, jsonb: decoded with the json module
};
Kind kind_of(unsigned oid);

// "-?[0-9]+" within the 64-bit range, nothing else.
std::optional<long long> parse_integer(std::string_view text);
// A float8 or float4 as PostgreSQL prints it ("1.5", "1e+100", "NaN", "Infinity", "-Infinity").
std::optional<double> parse_float(std::string_view text);
// The shortest text that reads back as exactly d; NaN and infinities as PostgreSQL spells them.
std::string format_float(double d);

}  // namespace tarn::pg
