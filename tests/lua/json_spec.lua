-- json: decode into tables and encode back; null, empty objects and arrays, exact
-- integers, shortest floats, unicode, error offsets and paths, secrets, cycles, pretty.
local spec = require("spec")
local eq, it, contains = spec.eq, spec.it, spec.contains

-- The message of the error fn raises (pcall'd directly, so no "file:line:" prefix).
local function err(fn, ...)
  local ok, e = pcall(fn, ...)
  if ok then spec.fail("expected an error, got none") end
  return tostring(e)
end

it("decodes objects, arrays, strings, numbers, booleans and null into Lua values", function()
  local v = json.decode('{"s":"x","n":1,"f":1.5,"t":true,"F":false,"z":null,"a":[1,"b",null],"o":{"k":"v"}}')
  eq(v.s, "x")
  eq(math.type(v.n), "integer")
  eq(v.n, 1)
  eq(math.type(v.f), "float")
  eq(v.f, 1.5)
  eq(v.t, true)
  eq(v.F, false)
  eq(v.z, json.null)
  eq(v.a, { 1, "b", json.null })
  eq(v.o, { k = "v" })
  eq(json.decode("  42 "), 42)
  eq(json.decode('"top"'), "top")
end)

it("ignores a leading UTF-8 byte order mark", function()
  eq(json.decode('\xEF\xBB\xBF{"a":1}'), { a = 1 })
  eq(err(json.decode, "\xEF\xBB\xBF{"), "json.decode: invalid JSON at byte 5 (end of text): expected a string key or '}'")
  eq(err(json.decode, '"\xEF\xBB\xBF"x'), "json.decode: invalid JSON at byte 6: expected the end of the text after the JSON value")
end)

it("round-trips a document to the same compact text, keys sorted", function()
  local text = '{"a":[1,2.5,"x",true,false,null,{},[]],"b":{"c":{"d":[{"e":null}]}},"id":"0f8e","n":-17}'
  eq(json.encode(json.decode(text)), text)
  eq(json.encode({ zeta = 1, alpha = 2, Mid = 3, ["10"] = 4, ["9"] = 5 }), '{"10":4,"9":5,"Mid":3,"alpha":2,"zeta":1}')
end)

it("keeps empty objects and arrays apart through a round trip", function()
  eq(json.encode(json.decode("{}")), "{}")
  eq(json.encode(json.decode("[]")), "[]")
  eq(json.encode(json.decode('{"o":{},"a":[],"n":[[],[{}]]}')), '{"a":[],"n":[[],[{}]],"o":{}}')
  eq(getmetatable(json.decode("{}")), json.object_mt)
  eq(getmetatable(json.decode("[]")), json.array_mt)
  eq(getmetatable(json.decode("[1]")), nil, "non-empty arrays are left unmarked")
  eq(getmetatable(json.decode('{"a":1}')), nil, "non-empty objects are left unmarked")
end)

it("json.object() and json.array() make marked empty tables; a plain {} is an object", function()
  eq(json.encode(json.object()), "{}")
  eq(json.encode(json.array()), "[]")
  eq(json.encode({}), "{}")
  eq(json.encode({ items = json.array(), props = json.object() }), '{"items":[],"props":{}}')
  local a = json.array()
  a[1], a[2] = "x", "y"
  eq(json.encode(a), '["x","y"]', "a filled json.array() is an array")
  local o = json.object({ [1] = "a", [2] = "b", x = true })
  eq(json.encode(o), '{"1":"a","2":"b","x":true}', "json.object(t) marks t: numeric keys become strings")
  eq(err(json.object, setmetatable({}, {})), "bad argument #1 to 'json.object' (the table already has a metatable)")
end)

it("json.is_array and json.is_object say how a value encodes", function()
  eq(json.is_array({ 1, 2 }), true)
  eq(json.is_array(json.decode("[]")), true)
  eq(json.is_array({}), false)
  eq(json.is_object({}), true)
  eq(json.is_object({ a = 1 }), true)
  eq(json.is_object(json.decode("{}")), true)
  eq(json.is_object({ 1 }), false)
  eq(json.is_array({ 1, x = 1 }), false)
  eq(json.is_object({ 1, x = 1 }), false)
  eq(json.is_array("[]"), false)
end)

it("json.null is one value that prints and encodes as null", function()
  eq(tostring(json.null), "null")
  eq(json.decode("null"), json.null)
  eq(json.decode("[null]")[1], json.null)
  eq(json.encode(json.null), "null")
  eq(json.encode(nil), "null")
  eq(json.encode({ a = json.null, b = { json.null } }), '{"a":null,"b":[null]}')
  eq(type(json.null), "userdata")
end)

it("keeps 64-bit integers exact both ways", function()
  local v = json.decode("[9007199254740993,9223372036854775807,-9223372036854775808,0,-0]")
  eq(math.type(v[1]), "integer")
  eq(v[1], (1 << 53) + 1)
  eq(v[2], math.maxinteger)
  eq(v[3], math.mininteger)
  eq(json.encode(v), "[9007199254740993,9223372036854775807,-9223372036854775808,0,0]")
  eq(json.encode((1 << 53) + 1), "9007199254740993")
end)

it("turns integers above INT64_MAX into floats and rejects ones beyond 64 bits", function()
  local big = json.decode("18446744073709551615")
  eq(math.type(big), "float")
  eq(big, 18446744073709551615.0)
  eq(math.type(json.decode("9223372036854775808")), "float")
  eq(err(json.decode, "[18446744073709551616]"),
     "json.decode: invalid JSON at byte 2: integer out of range (more than 64 bits)")
end)

it("encodes floats in their shortest round-trip form", function()
  eq(json.encode(0.1), "0.1")
  eq(json.encode(1.5), "1.5")
  eq(json.encode(1e-7), "1e-07")
  eq(json.encode(123456.789), "123456.789")
  eq(json.encode(3.0), "3", "integral floats print as integers")
  eq(json.encode(-0.0), "-0.0")
  eq(json.encode(2.0 ^ 63), "9.223372036854776e+18")
  eq(json.encode(1e300), "1e+300")
  eq(json.encode(5e-324), "5e-324")
  eq(json.encode(1 / 3), "0.3333333333333333")
  for _, x in ipairs({ 0.1, 1 / 3, math.pi, -2.5e-300, 1.7976931348623157e308, 2.0 ^ 70, 12345678.9, 1e21 }) do
    eq(json.decode(json.encode(x)), x, "round trip of " .. string.format("%.17g", x))
  end
  eq(math.type(json.decode(json.encode(2.0 ^ 64))), "float", "beyond int64 a float stays a float")
end)

it("refuses NaN and infinity", function()
  eq(err(json.encode, { x = 0 / 0 }), "json.encode: cannot encode NaN at $.x")
  eq(err(json.encode, { 1, math.huge }), "json.encode: cannot encode inf at $[2]")
  eq(err(json.encode, -math.huge), "json.encode: cannot encode -inf at $")
end)

it("decodes \\u escapes and surrogate pairs to UTF-8", function()
  eq(json.decode('"caf\\u00e9 \\ud83d\\ude00 \\u0041\\n\\t\\"\\\\\\/"'), "café 😀 A\n\t\"\\/")
  eq(json.decode('"\\u0000"'), "\0")
  eq(json.decode('"Zürich 日本"'), "Zürich 日本")
end)

it("escapes quotes, backslashes and control characters; leaves UTF-8 and / alone", function()
  eq(json.encode("a\"b\\c/d"), '"a\\"b\\\\c/d"')
  eq(json.encode("\b\f\n\r\t"), '"\\b\\f\\n\\r\\t"')
  eq(json.encode("\0\1\31\127"), '"\\u0000\\u0001\\u001f\127"')
  eq(json.encode("café 😀"), '"café 😀"')
  local all = {}
  for b = 0, 127 do all[#all + 1] = string.char(b) end
  all = table.concat(all)
  eq(json.decode(json.encode(all)), all, "every ASCII byte survives a round trip")
end)

it("escapes a special byte wherever it sits in a longer string", function()
  local short = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
  local function reference(s)
    return '"' .. s:gsub('[\0-\31"\\]', function(c) return short[c] or string.format("\\u%04x", c:byte()) end) .. '"'
  end
  for len = 1, 24 do
    for pos = 1, len do
      for _, special in ipairs({ '"', "\\", "\n", "\1", "\31", "\127", "é", " " }) do
        local s = string.rep("a", pos - 1) .. special .. string.rep("b", len - pos)
        eq(json.encode(s), reference(s), string.format("%q", s))
        eq(json.decode(json.encode(s)), s)
      end
    end
  end
end)

it("refuses strings that are not UTF-8", function()
  eq(err(json.encode, { name = "ab\xff" }), "json.encode: cannot encode string at $.name: invalid UTF-8")
  eq(err(json.encode, { ["k\xc3"] = 1 }), 'json.encode: cannot encode string at $["k\xc3"]: invalid UTF-8')
  eq(err(json.decode, '"ab\xff"'), "json.decode: invalid JSON at byte 4: invalid UTF-8 in a string")
  for pos = 1, 20 do
    local s = string.rep("a", pos - 1) .. "\xc3" .. string.rep("b", 20 - pos)
    eq(err(json.encode, s), "json.encode: cannot encode string at $: invalid UTF-8", "lone lead byte at " .. pos)
  end
end)

it("reports the byte and what was expected for invalid JSON", function()
  local cases = {
    { '{"name":"db1" "type":"x"}', "at byte 15: expected ',' or '}' after an object member" },
    { '{"a":1,}', "at byte 8: expected a string key" },
    { '{"a" 1}', "at byte 6: expected ':' after an object key" },
    { "{a:1}", "at byte 2: expected a string key or '}'" },
    { "[1 2]", "at byte 4: expected ',' or ']' after an array element" },
    { "[1,]", "at byte 4: expected a value" },
    { "[", "at byte 2 (end of text): expected a value or ']'" },
    { '{"a":[1,2', "at byte 10 (end of text): expected ',' or ']' after an array element" },
    { "", "at byte 1 (end of text): expected a value" },
    { "   ", "at byte 4 (end of text): expected a value" },
    { "[1] x", "at byte 5: expected the end of the text after the JSON value" },
    { "nul", "at byte 1: invalid literal (expected true, false or null)" },
    { "[truex]", "at byte 6: expected ',' or ']' after an array element" },
    { '"abc', "at byte 1: unterminated string" },
    { '["a\tb"]', "at byte 4: unescaped control character in a string" },
    { '"\\x"', "at byte 2: invalid escape in a string" },
    { '"\\u12G4"', "at byte 2: invalid \\u escape (expected 4 hex digits)" },
    { '"\\ud800"', "at byte 2: unpaired UTF-16 surrogate in a \\u escape" },
    { '"\\udc00\\ud800"', "at byte 2: unpaired UTF-16 surrogate in a \\u escape" },
    { "01", "at byte 1: invalid number: leading zeros are not allowed" },
    { "[-]", "at byte 3: invalid number: expected a digit after '-'" },
    { "1.", "at byte 3 (end of text): invalid number: expected a digit after '.'" },
    { "1e+", "at byte 4 (end of text): invalid number: expected a digit in the exponent" },
    { "[1e400]", "at byte 2: number out of range (too large for a double)" },
    { '{\n  "a": 1,\n  "b": x\n}', "at byte 20 (line 3, column 8): expected a value" },
  }
  for _, c in ipairs(cases) do
    eq(err(json.decode, c[1]), "json.decode: invalid JSON " .. c[2], string.format("%q", c[1]))
  end
end)

it("blames the caller's line for a decode error", function()
  local ok, e = pcall(function() return json.decode("{") end)
  eq(ok, false)
  spec.matches(e, "json_spec%.lua:%d+: json%.decode: invalid JSON at byte 2")
end)

it("decodes strings (and numbers, as their text) only", function()
  eq(json.decode(42), 42, "a number is read as its text, as Lua's string functions do")
  contains(err(json.decode, {}), "bad argument #1 to 'json.decode' (string expected, got table)")
  contains(err(json.decode, secret.new("{}")), "bad argument #1 to 'json.decode' (string expected, got secret)")
end)

it("masks secrets as *** when encoding", function()
  local s = secret.new("hunter2-very-secret")
  local out = json.encode({ user = "app", password = s, list = { s } })
  eq(out, '{"list":["***"],"password":"***","user":"app"}')
  spec.not_contains(out, "hunter2")
end)

it("names the path of values it cannot encode", function()
  eq(err(json.encode, { items = { {}, {}, { 1, x = 2 } } }), "json.encode: cannot encode table at $.items[3]: mixed keys (numbers and strings)")
  eq(err(json.encode, { 1, 2, nil, 4 }), "json.encode: cannot encode table at $: sparse array (keys are not 1..n)")
  eq(err(json.encode, { [0] = "a" }), "json.encode: cannot encode table at $: sparse array (keys are not 1..n)")
  eq(err(json.encode, { cb = print }), "json.encode: cannot encode function at $.cb")
  eq(err(json.encode, { ["a b"] = { co = coroutine.create(print) } }), 'json.encode: cannot encode thread at $["a b"].co')
  eq(err(json.encode, { t = { [true] = 1 } }), "json.encode: cannot encode table at $.t: key of type boolean (keys must be strings or numbers)")
  eq(err(json.encode, { f = io.stdout }), "json.encode: cannot encode FILE* at $.f")
  eq(err(json.encode, setmetatable({ 1, x = 1 }, json.array_mt)),
     "json.encode: cannot encode table at $: marked as an array (json.array_mt) but its keys are not 1..n")
  eq(err(json.encode, json.object({ [1] = "a", ["1"] = "b" })),
     'json.encode: cannot encode table at $["1"]: duplicate key "1" (a number and a string)')
end)

it("stops at cycles instead of recursing forever", function()
  local t = { name = "loop" }
  t.self = t
  eq(err(json.encode, t), "json.encode: cannot encode table at $.self: cycle (the table contains itself)")
  local a, b = {}, {}
  a[1], b.back = b, a
  eq(err(json.encode, { root = a }), "json.encode: cannot encode table at $.root[1].back: cycle (the table contains itself)")
  local shared = { 1 }
  eq(json.encode({ shared, shared }), "[[1],[1]]", "a table seen twice but not inside itself is fine")
end)

it("accepts 1000 levels of nesting and refuses 1001, both ways", function()
  local deep = string.rep("[", 1000) .. "1" .. string.rep("]", 1000)
  local v = json.decode(deep)
  eq(json.encode(v), deep)
  eq(err(json.decode, "[" .. deep .. "]"), "json.decode: invalid JSON at byte 1001: nesting deeper than 1000 levels")
  eq(err(json.encode, { v }), "json.encode: cannot encode table at $" .. string.rep("[1]", 1000) .. ": nesting deeper than 1000 levels")
end)

it("pretty-prints with 2-space indent and sorted keys", function()
  local v = json.decode('{"b":[1,{"y":null,"x":"s"}],"a":{},"c":[],"d":{"k":true}}')
  eq(json.encode(v, { pretty = true }), table.concat({
    "{",
    '  "a": {},',
    '  "b": [',
    "    1,",
    "    {",
    '      "x": "s",',
    '      "y": null',
    "    }",
    "  ],",
    '  "c": [],',
    '  "d": {',
    '    "k": true',
    "  }",
    "}",
  }, "\n"))
  eq(json.encode(1, { pretty = true }), "1")
  eq(json.encode(v, { pretty = false }), '{"a":{},"b":[1,{"x":"s","y":null}],"c":[],"d":{"k":true}}')
end)

it("checks encode options", function()
  contains(err(json.encode, {}, { indent = 2 }), "bad argument #2 to 'json.encode' (unknown option 'indent' (expected pretty))")
  contains(err(json.encode, {}, { pretty = "yes" }), "bad argument #2 to 'json.encode' (option 'pretty' must be a boolean)")
  contains(err(json.encode, {}, "pretty"), "bad argument #2 to 'json.encode' (table expected, got string)")
  contains(err(json.encode), "bad argument #1 to 'json.encode' (value expected)")
end)

it("reads tables raw: no __index or __pairs runs", function()
  local proxy = setmetatable({ real = 1 }, {
    __index = function() error("__index ran") end,
    __pairs = function() error("__pairs ran") end,
  })
  eq(json.encode(proxy), '{"real":1}')
end)

it("round-trips a large listing", function()
  local parts = {}
  for i = 1, 2000 do
    parts[i] = string.format('{"displayName":"db%d","id":%d,"props":{"lag":%d.5,"none":null,"tags":[]}}', i, i * 7919, i)
  end
  local text = '{"value":[' .. table.concat(parts, ",") .. "]}"
  local v = json.decode(text)
  eq(#v.value, 2000)
  eq(v.value[2000].props.lag, 2000.5)
  eq(json.encode(v), text)
end)

return spec.finish()
