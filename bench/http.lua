-- HTTP transport figures against a running tarn-sim (run by bench/http.sh):
--   tarn bench/http.lua BASE_URL [gets=1000] [delayed=100] [delay_ms=50]
-- Prints "name value" lines: requests per second over one reused connection and with a new
-- connection each time, and seconds for delayed requests run one by one and with http.all.
local core = require("tarn.core")

local base = assert(arg[1], "usage: tarn bench/http.lua BASE_URL [gets=N] [delayed=N] [delay_ms=N]")
local opt = { gets = 1000, delayed = 100, delay_ms = 50 }
for i = 2, #arg do
  local k, v = arg[i]:match("^(%w+)=(%d+)$")
  assert(k and opt[k], "unknown argument " .. arg[i])
  opt[k] = tonumber(v)
end

local function control(method, path, body)
  local r = http.request{ method = method, url = base .. path, json = body }
  assert(r.status < 300, path .. ": " .. r.status .. " " .. r.body)
end

local health = base .. "/_sim/health"
local function gets(n, headers)
  local t0 = core.clock()
  for _ = 1, n do
    local r = http.request{ url = health, headers = headers }
    assert(r.status == 200, "GET /_sim/health: " .. r.status)
  end
  return n / (core.clock() - t0)
end

gets(20)  -- warm up: connection, TLS session, allocator
print("reuse_rps", string.format("%.0f", gets(opt.gets)))
-- "Connection: close" makes the server end each connection, so every request opens a new one.
print("fresh_rps", string.format("%.0f", gets(opt.gets, { Connection = "close" })))

control("DELETE", "/_sim/faults")
control("POST", "/_sim/faults", { method = "GET", path = "^/fabric/v1/bench/delayed/", delay_ms = opt.delay_ms,
                                  count = opt.delayed * 2 })
local reqs = {}
for i = 1, opt.delayed do reqs[i] = { url = base .. "/fabric/v1/bench/delayed/" .. i } end
local t0 = core.clock()
for i = 1, opt.delayed do http.request(reqs[i]) end
print("sequential_s", string.format("%.3f", core.clock() - t0))
t0 = core.clock()
local rs = http.all(reqs)
print("parallel_s", string.format("%.3f", core.clock() - t0))
assert(#rs == opt.delayed)
control("DELETE", "/_sim/faults")
