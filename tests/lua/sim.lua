--- tarn-sim for Lua specs: start it on a free loopback port, drive its control API, stop it.
--   local sim = require("sim")
--   local s = sim.start()                 -- TARN_SIM_BIN, --port 0
--   s:seed{ entra = { principals = {...} } }
--   s:fault{ path = "^/imds/", drop = true, count = json.null }
--   local log = s:requests("^/entra/")    -- the simulator's log of matching requests
--   sim.stop_all()                        -- at the end of the spec, whatever happened
local spec = require("spec")
local core = require("tarn.core")

local sim = {}
local running = {}
local q = spec.quote

local Sim = {}
Sim.__index = Sim

local function control(s, method, path, body)
  local r = http.request{ method = method, url = s.url .. path, json = body }
  if r.status >= 300 then error(string.format("tarn-sim %s %s: %d %s", method, path, r.status, r.body), 3) end
  return r
end

--- Merges a state document into the simulator's (POST /_sim/seed).
function Sim:seed(state) control(self, "POST", "/_sim/seed", state) end

--- Adds an injected fault (POST /_sim/faults).
function Sim:fault(f) control(self, "POST", "/_sim/faults", f) end

--- The logged requests whose path matches the regular expression (and method, if given).
function Sim:requests(path, method)
  local url = "/_sim/requests?path=" .. path:gsub("[^%w%-._~^$]", function(c)
    return string.format("%%%02X", c:byte())
  end)
  if method then url = url .. "&method=" .. method end
  return control(self, "GET", url):json().requests
end

--- Clears the request log (DELETE /_sim/requests).
function Sim:clear_log() control(self, "DELETE", "/_sim/requests") end

--- Removes every injected fault (DELETE /_sim/faults).
function Sim:clear_faults() control(self, "DELETE", "/_sim/faults") end

--- Back to the seed: state, faults and the request log cleared.
function Sim:reset()
  control(self, "POST", "/_sim/reset")
  control(self, "DELETE", "/_sim/faults")
  control(self, "DELETE", "/_sim/requests")
end

--- Starts tarn-sim with --port 0 and `extra` (shell words); waits for its listening line(s).
function sim.start(extra)
  local bin = os.getenv("TARN_SIM_BIN")
  assert(bin, "TARN_SIM_BIN is not set: this spec needs tarn-sim")
  local dir = spec.tmpdir()
  local p = io.popen(string.format("%s --port 0 %s >%s/out 2>%s/err & echo $!", q(bin), extra or "", q(dir), q(dir)))
  local pid = p:read("l")
  p:close()
  local s = setmetatable({ pid = pid, dir = dir }, Sim)
  running[#running + 1] = s
  local want = extra and extra:find("--https-port", 1, true) and 2 or 1
  local deadline = core.clock() + 15
  while core.clock() < deadline do
    local f = io.open(dir .. "/out")
    local text = f and f:read("a") or ""
    if f then f:close() end
    s.url = text:match("tarn%-sim listening on (http://[%d.:]+)")
    s.https_url = text:match("tarn%-sim listening on (https://[%d.:]+)")
    if (s.url and 1 or 0) + (s.https_url and 1 or 0) >= want then return s end
    core.sleep(0.05)
  end
  local f = io.open(dir .. "/err")
  error("tarn-sim did not start: " .. (f and f:read("a") or "?"))
end

--- Stops every simulator this spec started and removes their folders.
function sim.stop_all()
  for _, s in ipairs(running) do
    os.execute("kill " .. s.pid .. " 2>/dev/null")
    os.execute("rm -rf " .. q(s.dir))
  end
  running = {}
end

return sim
