---@meta json
-- LuaLS stubs for `json` (bindings/json/).

---JSON text to Lua values and back. Decoding uses simdjson; encoding writes sorted keys,
---compact by default. Objects and arrays are tables, null is json.null, and empty objects
---and arrays carry a mark (json.object_mt / json.array_mt) so they encode back as {} and [].
---Integers stay exact (64-bit); floats use their shortest round-trip text.
---@class jsonlib
json = {}

---The JSON null. One userdata value that prints and encodes as `null`; decode gives it
---for null, inside arrays and objects too (a table cannot hold nil).
---@class json.null
---@type json.null
json.null = nil

---Marks a table as a JSON object. Empty objects from decode and json.object() carry it;
---such a table always encodes as an object, numeric keys turned into strings.
---@type table
json.object_mt = {}

---Marks a table as a JSON array. Empty arrays from decode and json.array() carry it; such
---a table encodes as [] while empty and as an array once it holds 1..n.
---@type table
json.array_mt = {}

---Decodes JSON text into Lua values. Invalid text raises an error naming the byte (from 1)
---and what was expected there, e.g. `json.decode: invalid JSON at byte 17: expected ',' or
---'}' after an object member`. Integers above 2^63-1 become floats; ones beyond 64 bits and
---numbers beyond the double range are errors, as is nesting deeper than 1000 levels. A
---leading UTF-8 byte order mark is skipped.
---@param text string the JSON text (a number is read as its text)
---@return json.value value
function json.decode(text) end

---Encodes a Lua value as JSON text. Keys are sorted (byte order), so the output is
---deterministic; `opts.pretty` indents by 2 spaces, one member per line. A table with keys
---1..n is an array, one with string keys an object, a plain empty table `{}`; anything else
---raises naming the path (`json.encode: cannot encode table at $.items[3]: mixed keys
---(numbers and strings)`), as do functions, NaN/inf, invalid UTF-8, cycles and more than
---1000 levels. Secrets encode as "***". Tables are read raw (no __index/__pairs).
---@param value any the value (nil encodes as null)
---@param opts? {pretty?: boolean} pretty = true: indented, one member per line
---@return string text
function json.encode(value, opts) end

---A table that encodes as an object, `{}` when empty. Without t a new table, else t itself,
---marked with json.object_mt (so numeric keys encode as strings). Raises if t already has
---another metatable.
---@param t? table a table to mark
---@return table object
function json.object(t) end

---A table that encodes as an array, `[]` when empty. Without t a new table, else t itself,
---marked with json.array_mt. Raises if t already has another metatable.
---@param t? table a table to mark
---@return table array
function json.array(t) end

---Whether v encodes as a JSON array. True for a table with keys exactly 1..n, and for an
---empty table marked with json.array_mt.
---@param v any
---@return boolean
function json.is_array(v) end

---Whether v encodes as a JSON object. True for a table with only string keys (a plain
---empty table too), and for one marked with json.object_mt.
---@param v any
---@return boolean
function json.is_object(v) end

---A decoded JSON value: a table (object or array), string, number, boolean or json.null.
---@alias json.value table|string|number|boolean|json.null
