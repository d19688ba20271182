-- JSON throughput on a Fabric-style listing (~20 MB: 50,000 mirrored databases with
-- nested objects, strings, numbers and nulls). Prints figures, not pass/fail.
--
--   tarn bench/json.lua            -- tarn's json module
--   lua5.4 bench/json.lua          -- Debian's lua-cjson, for comparison
--   bench/json.sh                  -- both in one run, with the ratios
--
-- Options (arguments): items=N (default 50000), rounds=N (default 5). Each line of
-- output is "<op> <codec> <MB/s> <best seconds> <MB>", for json.sh to read.
local args = {}
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^(%w+)=(%d+)$")
  if k then args[k] = tonumber(v) end
end
local items, rounds = args.items or 50000, args.rounds or 5

local codec_name, decode, encode, null
if json ~= nil then  -- inside tarn the module is a global, loaded on first use
  codec_name, decode, encode, null = "tarn", json.decode, json.encode, json.null
else
  local cjson = require("cjson")
  codec_name, decode, encode, null = "cjson", cjson.decode, cjson.encode, cjson.null
end

-- Deterministic pseudo-random numbers, the same in both interpreters.
local seed = 2463534242
local function rand(n)  -- xorshift32
  seed = seed ~ ((seed << 13) & 0xffffffff)
  seed = seed ~ (seed >> 17)
  seed = seed ~ ((seed << 5) & 0xffffffff)
  return seed % n
end
local hex = "0123456789abcdef"
local function uuid()
  local t = {}
  for i = 1, 32 do
    local d = rand(16) + 1
    t[#t + 1] = hex:sub(d, d)
    if i == 8 or i == 12 or i == 16 or i == 20 then t[#t + 1] = "-" end
  end
  return table.concat(t)
end

-- The text is built by hand so both codecs decode exactly the same bytes.
local function q(s) return '"' .. s .. '"' end
local statuses = { "Running", "Initialized", "Stopped", "Running", "Running" }
local words = { "sales", "orders", "inventory", "customers", "ledger", "telemetry", "Zürich", "café", "data \\\"lake\\\"", "line\\nbreak" }
local parts = {}
for i = 1, items do
  local ws, id = uuid(), uuid()
  local w1, w2 = words[rand(#words) + 1], words[rand(#words) + 1]
  parts[#parts + 1] = table.concat({
    "{", q("id"), ":", q(id), ",",
    q("displayName"), ":", q(string.format("Mirror_%05d %s", i, w1)), ",",
    q("type"), ":", q("MirroredDatabase"), ",",
    q("workspaceId"), ":", q(ws), ",",
    q("folderId"), ":", (rand(8) == 0) and q(uuid()) or "null", ",",
    q("tags"), ":[", (rand(2) == 0) and ("{" .. q("displayName") .. ":" .. q(w2) .. "}") or "", "],",
    q("properties"), ":{",
      q("sqlEndpointProperties"), ":{",
        q("connectionString"), ":", q(string.format("x%06d.datawarehouse.fabric.microsoft.com", rand(1000000))), ",",
        q("provisioningStatus"), ":", q("Success"), "},",
      q("mirroringStatus"), ":", q(statuses[rand(#statuses) + 1]), ",",
      q("tablesCount"), ":", tostring(rand(200)), ",",
      q("sizeBytes"), ":", tostring(rand(2000000000) * 1000), ",",
      q("replicationLagSeconds"), ":", string.format("%d.%03d", rand(100), rand(1000)), ",",
      q("isPaused"), ":", (rand(4) == 0) and "true" or "false", ",",
      q("nulls"), ":null",
    "}}",
  })
end
local text = '{"value":[' .. table.concat(parts, ",") .. '],"continuationToken":null}'
parts = nil
local mb = #text / 1e6

local function best_of(fn)
  local best = math.huge
  for _ = 1, rounds do
    collectgarbage("collect")
    local t0 = os.clock()
    fn()
    local dt = os.clock() - t0
    if dt < best then best = dt end
  end
  return best
end

local doc = decode(text)
assert(#doc.value == items and doc.value[1].type == "MirroredDatabase" and doc.value[1].properties.nulls == null)
local out = encode(doc)
local out_mb = #out / 1e6

local dt = best_of(function() decode(text) end)
print(string.format("decode %s %.1f %.4f %.2f", codec_name, mb / dt, dt, mb))
dt = best_of(function() encode(doc) end)
print(string.format("encode %s %.1f %.4f %.2f", codec_name, out_mb / dt, dt, out_mb))
