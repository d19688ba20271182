-- The Lua half of the conformance tests (fabric_conformance_test.cpp drives it): runs the
-- tarn function of one operation against one example response that the C++ fake serves,
-- and compares what tarn returns with what the example says it should.
local dir = ...
local ops = dofile(dir .. "/operations.lua")

local H = {}

-- An independent base64 decoder (the test's oracle, not tarn's code): nil for bad input.
local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local VALUE = {}
for i = 1, #ALPHABET do VALUE[ALPHABET:sub(i, i)] = i - 1 end
function H.b64decode(s)
  s = s:gsub("=+$", "")
  if #s % 4 == 1 then return nil end
  local out, bits, n = {}, 0, 0
  for c in s:gmatch(".") do
    local v = VALUE[c]
    if not v then return nil end
    bits, n = (bits << 6) | v, n + 6
    if n >= 8 then
      n = n - 8
      out[#out + 1] = string.char((bits >> n) & 0xff)
    end
  end
  return table.concat(out)
end

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if v == json.null then return "null" end
  if type(v) == "table" then
    local ok, text = pcall(json.encode, v)
    return ok and text or tostring(v)
  end
  return tostring(v)
end

-- The first difference between got and want, as "path: expected X, got Y"; nil when equal.
local function diff(got, want, path)
  if type(want) ~= "table" or type(got) ~= "table" then
    if got == want then return nil end
    return string.format("%s: expected %s, got %s", path, show(want), show(got))
  end
  for k, v in pairs(want) do
    local d = diff(got[k], v, path .. "." .. tostring(k))
    if d then return d end
  end
  for k, v in pairs(got) do
    if want[k] == nil then return string.format("%s.%s: unexpected %s", path, tostring(k), show(v)) end
  end
  return nil
end
H.diff = diff

-- A response of an example: its body (nil when none). One stored example writes the body
-- without its "body" wrapper; such a response's other members are the body.
function H.body_of(resp)
  if type(resp) ~= "table" then return nil end
  if resp.body ~= nil then return resp.body end
  for k in pairs(resp) do
    if k ~= "headers" and k ~= "description" then
      local copy = {}
      for kk, vv in pairs(resp) do
        if kk ~= "headers" and kk ~= "description" then copy[kk] = vv end
      end
      return copy
    end
  end
  return nil
end

--- Runs operation op on example (JSON text) answering `status`; nil when tarn's result is
--- what the example says, else the difference.
function H.run(op, example_text, status)
  local entry = ops.operations[op]
  if not entry then return "no driver for " .. op end
  local ex = json.decode(example_text)
  local responses = ex.responses or {}
  local resp = responses[status] or {}
  -- After a 202 the operation's result is what the inline answer would have carried.
  local result = status == "202" and (H.body_of(responses["200"]) or H.body_of(responses["201"])) or H.body_of(resp)
  local headers = {}
  for k, v in pairs(resp.headers or {}) do headers[k:lower()] = tostring(v) end
  local want = entry.expect(result, ex.parameters or {}, headers, H)
  local ok, got = pcall(entry.run, ex.parameters or {}, H)
  if type(want) == "table" and want.error then
    if ok then return "expected an error containing " .. show(want.error) .. ", got " .. show(got) end
    if not tostring(got):find(want.error, 1, true) then
      return "expected an error containing " .. show(want.error) .. ", got " .. show(tostring(got))
    end
    return nil
  end
  if not ok then return "tarn raised: " .. tostring(got) end
  return diff(got, want, "result")
end

-- "op\tfunction" lines, sorted: the operations tarn wraps.
function H.mapping()
  local lines = {}
  for op, e in pairs(ops.operations) do lines[#lines + 1] = op .. "\t" .. e.fn end
  table.sort(lines)
  return table.concat(lines, "\n")
end

-- "file\top" lines for example files no x-ms-examples names ("-": not an endpoint tarn uses).
function H.extra_examples()
  local lines = {}
  for file, op in pairs(ops.extra_examples) do lines[#lines + 1] = file .. "\t" .. (op or "-") end
  table.sort(lines)
  return table.concat(lines, "\n")
end

-- Names in the mapping that are not functions of the fabric module.
function H.missing_functions()
  local missing = {}
  for _, e in pairs(ops.operations) do
    local v = _G
    for part in e.fn:gmatch("[^.]+") do v = type(v) == "table" and v[part] or nil end
    if type(v) ~= "function" then missing[#missing + 1] = e.fn end
  end
  table.sort(missing)
  return table.concat(missing, ", ")
end

return H
