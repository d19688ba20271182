-- The http module against tarn-sim: retries as the policy says, no blind POST retries,
-- the URL rule, TLS with an added CA, parallel requests and a trace without credentials.
local spec = require("spec")
local core = require("tarn.core")

local sim_bin = os.getenv("TARN_SIM_BIN")
local q = spec.quote
local sims = {}

-- Starts tarn-sim on free ports; returns {url, https_url, pid}. Stopped by stop_sims().
local function start_sim(extra)
  assert(sim_bin, "TARN_SIM_BIN is not set: the http spec needs tarn-sim")
  local dir = spec.tmpdir()
  local p = io.popen(string.format("%s --port 0 %s >%s/out 2>%s/err & echo $!", q(sim_bin), extra or "",
    q(dir), q(dir)))
  local pid = p:read("l")
  p:close()
  local s = { pid = pid, dir = dir }
  sims[#sims + 1] = s
  local want = extra and extra:find("--https-port", 1, true) and 2 or 1
  local deadline = core.clock() + 15
  while core.clock() < deadline do
    local f = io.open(dir .. "/out")
    local text = f and f:read("a") or ""
    if f then f:close() end
    s.url = text:match("tarn%-sim listening on (http://[%d.:]+)")
    s.https_url = text:match("tarn%-sim listening on (https://[%d.:]+)")
    local got = (s.url and 1 or 0) + (s.https_url and 1 or 0)
    if got >= want then return s end
    core.sleep(0.05)
  end
  local f = io.open(dir .. "/err")
  error("tarn-sim did not start: " .. (f and f:read("a") or "?"))
end

local function stop_sims()
  for _, s in ipairs(sims) do
    os.execute("kill " .. s.pid .. " 2>/dev/null")
    os.execute("rm -rf " .. q(s.dir))
  end
  sims = {}
end

local function fault(sim, f)
  local r = http.request{ method = "POST", url = sim.url .. "/_sim/faults", json = f }
  spec.eq(r.status, 201, "adding a fault: " .. r.body)
end

-- The simulator's log of requests to one path.
local function logged(sim, path)
  local r = http.request{ url = sim.url .. "/_sim/requests?path=" .. path }
  spec.eq(r.status, 200, "reading the request log: " .. r.body)
  return r:json().requests
end

local function reset(sim)
  http.request{ method = "POST", url = sim.url .. "/_sim/reset" }
  http.request{ method = "DELETE", url = sim.url .. "/_sim/faults" }
  http.request{ method = "DELETE", url = sim.url .. "/_sim/requests" }
end

-- Runs a chunk in a fresh tarn (own transport, own env); returns {code, out, err}.
local function tarn(args, env)
  return spec.run(args, { env = env })
end

local function body()
  -- Misuse raises at once and blames the caller; nothing is sent.
  spec.it("rejects unknown fields, a missing url and body with json", function()
    spec.raises(function() http.request{ url = "https://x.example", hedaers = {} } end,
      "unknown request field 'hedaers'")
    spec.raises(function() http.request{ method = "GET" } end, "'url' is required")
    spec.raises(function() http.request{ url = "https://x.example", body = "a", json = {} } end,
      "give 'body' or 'json', not both")
    spec.raises(function() http.request{ url = "https://x.example", timeout = -1 } end,
      "'timeout' must be a positive number of seconds")
    spec.raises(function() http.all{ { url = "https://x.example" }, errors = "ignore" } end,
      "'errors' must be \"raise\" or \"collect\"")
  end)

  spec.it("refuses plain http:// to a host that is not loopback, before connecting", function()
    local t0 = core.clock()
    local err = spec.raises(function() http.request{ url = "http://example.com/x" } end,
      "refusing plain http:// to example.com: only loopback hosts may use http; use https://")
    spec.eq(err.kind, "http")
    spec.eq(err.code, "insecure_url")
    spec.truthy(core.clock() - t0 < 0.5, "refused without a network attempt")
    spec.raises(function() http.request{ url = "ftp://127.0.0.1/x" } end, "unsupported URL scheme 'ftp'")
  end)

  local sim = start_sim()

  spec.it("returns status, case-insensitive headers, body and :json()", function()
    local r = http.request{ url = sim.url .. "/_sim/health" }
    spec.eq(r.status, 200)
    spec.eq(r.ok, true)
    spec.eq(r.attempts, 1)
    spec.matches(r.headers["Content-Type"], "^application/json")
    spec.eq(r.headers["content-type"], r.headers["CONTENT-TYPE"])
    spec.eq(r:json().status, "ok")
    spec.truthy(r.duration > 0 and r.duration < 5, "duration " .. tostring(r.duration))
  end)

  spec.it("a non-2xx status is returned, or raised as an error value with raise = true", function()
    reset(sim)
    local r = http.request{ url = sim.url .. "/fabric/v1/nowhere" }
    spec.eq(r.status, 404)
    spec.eq(r.ok, false)
    spec.truthy(r.request_id and #r.request_id > 0, "request id from the RequestId header")
    local err = spec.raises(function() http.request{ url = sim.url .. "/fabric/v1/nowhere", raise = true } end)
    spec.eq(err.kind, "http")
    spec.eq(err.status, 404)
    spec.eq(err.code, "EntityNotFound")
    spec.eq(err.url, sim.url .. "/fabric/v1/nowhere")
    spec.truthy(err.request_id and #err.request_id > 0, "request id in the error")
    spec.contains(tostring(err), "tarn-sim has no route for GET /fabric/v1/nowhere")
  end)

  spec.it("sends json bodies with Content-Type application/json", function()
    reset(sim)
    -- /_sim/faults answers 400 with its reason for a bad fault, which proves it read our JSON.
    local r = http.request{ method = "POST", url = sim.url .. "/_sim/faults", json = { path = "x" } }
    spec.eq(r.status, 400)
    spec.contains(r.body, "a fault needs status, drop or delay_ms")
  end)

  spec.it("two 429s with Retry-After: 1 are waited out: about 2 s and 3 requests", function()
    reset(sim)
    fault(sim, { method = "GET", path = "^/fabric/v1/throttled$", status = 429, count = 2, retry_after = "1" })
    local t0 = core.clock()
    local r = http.request{ url = sim.url .. "/fabric/v1/throttled" }
    local took = core.clock() - t0
    spec.eq(r.status, 404, "the real answer after the faults")
    spec.eq(r.attempts, 3)
    spec.truthy(took >= 1.95 and took < 4, "took " .. took .. " s")
    local log = logged(sim, "/fabric/v1/throttled")
    spec.eq(#log, 3)
    spec.eq({ log[1].status, log[2].status, log[3].status }, { 429, 429, 404 })
  end)

  spec.it("retry-after-ms wins over Retry-After", function()
    reset(sim)
    fault(sim, { method = "GET", path = "^/fabric/v1/ms$", status = 503, count = 1, retry_after = "30",
                 retry_after_ms = 300 })
    local t0 = core.clock()
    local r = http.request{ url = sim.url .. "/fabric/v1/ms" }
    local took = core.clock() - t0
    spec.eq(r.attempts, 2)
    spec.truthy(took >= 0.29 and took < 2, "took " .. took .. " s")
  end)

  spec.it("a 429 without Retry-After backs off instead of failing or spinning", function()
    reset(sim)
    fault(sim, { method = "GET", path = "^/fabric/v1/bare$", status = 429, count = 2 })
    local t0 = core.clock()
    local r = http.request{ url = sim.url .. "/fabric/v1/bare" }
    local took = core.clock() - t0
    spec.eq(r.attempts, 3)
    -- full jitter: at most 0.8 s + 1.6 s
    spec.truthy(took < 2.6, "took " .. took .. " s")
    spec.eq(#logged(sim, "/fabric/v1/bare"), 3)
  end)

  spec.it("a dropped connection on a GET is retried", function()
    reset(sim)
    fault(sim, { method = "GET", path = "^/fabric/v1/flaky$", drop = true, count = 1 })
    -- A fresh tarn, so the first attempt is on a new connection: libcurl itself resends once
    -- when a reused keep-alive connection dies unanswered, and here the policy must.
    local r = tarn({ "-v", "-e", string.format("local r = http.request{url = %q} print(r.status, r.attempts)",
      sim.url .. "/fabric/v1/flaky") })
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "404\t2\n")
    spec.matches(r.err, "debug: http: GET [^\n]*/fabric/v1/flaky: connection lost: [^\n]*; retrying in [%d.]+ s %(attempt 2 of 6%)")
    local log = logged(sim, "/fabric/v1/flaky")
    spec.eq(#log, 2)
    spec.eq(log[1].fault, "drop")
  end)

  spec.it("a POST whose connection dropped after sending is not resent, even on a warm connection", function()
    reset(sim)
    http.request{ url = sim.url .. "/fabric/v1/warm-up" }
    fault(sim, { method = "POST", path = "^/fabric/v1/drop-post$", drop = true, count = 1 })
    local err = spec.raises(function()
      http.request{ method = "POST", url = sim.url .. "/fabric/v1/drop-post", json = { a = 1 } }
    end, "connection lost")
    spec.eq(err.code, "connection_lost")
    spec.eq(#logged(sim, "/fabric/v1/drop-post"), 1)
  end)

  spec.it("a POST that timed out after sending is not retried", function()
    reset(sim)
    fault(sim, { method = "POST", path = "^/fabric/v1/slow$", delay_ms = 2500, count = 1 })
    local t0 = core.clock()
    local err = spec.raises(function()
      http.request{ method = "POST", url = sim.url .. "/fabric/v1/slow", json = { a = 1 }, timeout = 1 }
    end, "timed out waiting for the response")
    spec.eq(err.code, "timeout")
    spec.truthy(core.clock() - t0 < 1.5, "one attempt only")
    core.sleep(2)  -- the simulator logs the request once its delayed handler returns
    spec.eq(#logged(sim, "/fabric/v1/slow"), 1)
  end)

  spec.it("a POST answered 500 is not retried; 503 and 429 are", function()
    reset(sim)
    fault(sim, { method = "POST", path = "^/fabric/v1/p500$", status = 500, count = 1 })
    fault(sim, { method = "POST", path = "^/fabric/v1/p503$", status = 503, count = 1, retry_after = "0" })
    local r = http.request{ method = "POST", url = sim.url .. "/fabric/v1/p500", body = "{}" }
    spec.eq(r.status, 500)
    spec.eq(r.attempts, 1)
    spec.eq(#logged(sim, "/fabric/v1/p500"), 1)
    r = http.request{ method = "POST", url = sim.url .. "/fabric/v1/p503", body = "{}" }
    spec.eq(r.attempts, 2)
    spec.eq(#logged(sim, "/fabric/v1/p503"), 2)
  end)

  spec.it("max_attempts and time_budget end the retries", function()
    reset(sim)
    fault(sim, { method = "GET", path = "^/fabric/v1/busy$", status = 503, count = 10, retry_after = "0" })
    local r = http.request{ url = sim.url .. "/fabric/v1/busy", max_attempts = 2 }
    spec.eq(r.status, 503)
    spec.eq(r.attempts, 2)
    fault(sim, { method = "GET", path = "^/fabric/v1/later$", status = 429, count = 1, retry_after = "5" })
    local t0 = core.clock()
    r = http.request{ url = sim.url .. "/fabric/v1/later", time_budget = 2 }
    spec.eq(r.status, 429, "a Retry-After beyond the budget returns the 429 at once")
    spec.eq(r.attempts, 1)
    spec.truthy(core.clock() - t0 < 1, "no wait")
  end)

  spec.it("TARN_HTTP_MAX_ATTEMPTS sets the attempts; -v logs each retry with reason and delay", function()
    reset(sim)
    fault(sim, { method = "GET", path = "^/fabric/v1/env$", status = 502, count = 5, retry_after = "0" })
    local r = tarn({ "-v", "-e", "local r = http.request{url = " .. string.format("%q", sim.url .. "/fabric/v1/env")
      .. "} print(r.status, r.attempts)" }, { TARN_HTTP_MAX_ATTEMPTS = "3" })
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "502\t3\n")
    spec.contains(r.err, "debug: http: GET " .. sim.url .. "/fabric/v1/env: HTTP 502; retrying in 0.0 s (attempt 2 of 3)")
    spec.contains(r.err, "(attempt 3 of 3)")
    spec.contains(r.err, "HTTP 502; giving up after 3 attempts")
    local bad = tarn({ "-e", "http.request{url = 'http://127.0.0.1:1/'}" }, { TARN_HTTP_MAX_ATTEMPTS = "lots" })
    spec.eq(bad.code, 1)
    spec.contains(bad.err, "TARN_HTTP_MAX_ATTEMPTS must be a whole number of attempts from 1 to 100, got 'lots'")
  end)

  spec.it("a refused connection is retried, then raised with the attempts made", function()
    local err = spec.raises(function()
      http.request{ url = "http://127.0.0.1:1/x", max_attempts = 2 }
    end, "could not connect")
    spec.eq(err.code, "connect")
    spec.contains(err.message, "(after 2 attempts)")
  end)

  spec.it("http.all runs requests in parallel and returns them in order", function()
    reset(sim)
    fault(sim, { method = "GET", path = "^/fabric/v1/slow-get/", delay_ms = 400, count = 8 })
    local reqs = {}
    for i = 1, 8 do reqs[i] = { url = sim.url .. "/fabric/v1/slow-get/" .. i } end
    local t0 = core.clock()
    local rs = http.all(reqs)
    local took = core.clock() - t0
    spec.eq(#rs, 8)
    for i = 1, 8 do
      spec.eq(rs[i].status, 404)
      spec.contains(rs[i].body, "/fabric/v1/slow-get/" .. i)
    end
    -- sequentially 8 x 0.4 s = 3.2 s
    spec.truthy(took < 1.6, "took " .. took .. " s")
  end)

  spec.it("http.all retries each request by the policy and bounds requests in flight", function()
    reset(sim)
    fault(sim, { method = "GET", path = "^/fabric/v1/all-retry/2$", status = 429, count = 1, retry_after = "1" })
    fault(sim, { method = "GET", path = "^/fabric/v1/bounded/", delay_ms = 300, count = 4 })
    local rs = http.all{ { url = sim.url .. "/fabric/v1/all-retry/1" }, { url = sim.url .. "/fabric/v1/all-retry/2" } }
    spec.eq(rs[1].attempts, 1)
    spec.eq(rs[2].attempts, 2)
    local t0 = core.clock()
    local reqs = { max_in_flight = 2 }
    for i = 1, 4 do reqs[i] = { url = sim.url .. "/fabric/v1/bounded/" .. i } end
    http.all(reqs)
    local took = core.clock() - t0
    spec.truthy(took >= 0.55, "2 at a time: two rounds of 0.3 s, took " .. took)
  end)

  spec.it("http.all raises the first failure, or collects error values", function()
    local list = { { url = sim.url .. "/_sim/health" }, { url = "http://example.com/" },
                   { url = sim.url .. "/fabric/v1/nowhere", raise = true } }
    spec.raises(function() http.all(list) end, "refusing plain http:// to example.com")
    list.errors = "collect"
    local rs = http.all(list)
    spec.eq(rs[1].status, 200)
    spec.eq(core.is_error(rs[2]), true)
    spec.eq(rs[2].code, "insecure_url")
    spec.eq(core.is_error(rs[3]), true)
    spec.eq(rs[3].status, 404)
  end)

  spec.it("--debug traces exchanges without Authorization values, sig= or registered secrets", function()
    reset(sim)
    fault(sim, { method = "GET", path = "^/fabric/v1/traced$", status = 429, count = 1, retry_after = "0" })
    local script = string.format([[
      local token = secret.new("eyJhbGciOi.s3cr3t-t0ken-value.sig")
      local pw = secret.new("hunter2-registered-password")
      local r = http.request{ url = %q, headers = { Authorization = token, ["X-Note"] = pw } }
      print(r.status)
    ]], sim.url .. "/fabric/v1/traced?sv=2021&sig=SASSIGNATURE123&x=1")
    local r = tarn({ "--debug", "-e", script })
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "404\n")
    spec.contains(r.err, "http> GET " .. sim.url .. "/fabric/v1/traced?sv=2021&sig=***&x=1 (attempt 1)")
    spec.contains(r.err, "http>  Authorization: ***")
    spec.contains(r.err, "http< 429 in ")
    spec.contains(r.err, "(attempt 2)")
    spec.matches(r.err, "http< 404 in %d+ ms, request id [%x-]+")
    for _, leak in ipairs({ "s3cr3t-t0ken-value", "eyJhbGciOi", "SASSIGNATURE123", "hunter2-registered-password" }) do
      spec.not_contains(r.err, leak)
      spec.not_contains(r.out, leak)
    end
  end)

  spec.it("Ctrl-C ends a request in flight and a wait between retries", function()
    -- its own simulator: the hung handler keeps one of the simulator's threads busy
    local own = start_sim()
    fault(own, { method = "GET", path = "^/fabric/v1/hang$", delay_ms = 5000, count = 1 })
    fault(own, { method = "GET", path = "^/fabric/v1/wait$", status = 429, count = 1, retry_after = "60" })
    for _, path in ipairs({ "/fabric/v1/hang", "/fabric/v1/wait" }) do
      local t0 = core.clock()
      local r = spec.run({ "--preserve-status", "-s", "INT", "1", spec.bin, "-e",
        string.format("http.request{url = %q}", own.url .. path) }, { bin = "timeout" })
      local took = core.clock() - t0
      spec.eq(r.code, 130, path .. ": " .. r.err)
      spec.contains(r.err, "interrupted")
      spec.truthy(took < 3, path .. " took " .. took .. " s")
    end
  end)

  stop_sims()

  -- TLS: a simulator whose certificate comes from a CA made here.
  local dir = spec.tmpdir()
  local function sh(cmd)
    local ok = os.execute("cd " .. q(dir) .. " && " .. cmd .. " >>openssl.log 2>&1")
    assert(ok, "failed: " .. cmd)
  end
  sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=tarn test CA' -keyout ca.key -out ca.pem")
  sh("openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout server.key -out server.csr")
  spec.write(dir .. "/san.ext", "subjectAltName=IP:127.0.0.1\n")
  sh("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.pem")
  local tls = start_sim(string.format("--https-port 0 --cert %s --key %s", q(dir .. "/server.pem"), q(dir .. "/server.key")))
  local probe = string.format("local r = http.request{url = %q} print(r.status, r:json().status)", tls.https_url .. "/_sim/health")

  spec.it("a certificate from an unknown CA is refused", function()
    local r = tarn({ "-e", probe })
    spec.eq(r.code, 1)
    spec.contains(r.err, "TLS verification failed")
    spec.contains(r.err, "--ca-file or TARN_CA_BUNDLE")
    spec.not_contains(r.out, "200")
  end)

  spec.it("TARN_CA_BUNDLE or --ca-file adds that CA", function()
    local r = tarn({ "-e", probe }, { TARN_CA_BUNDLE = dir .. "/ca.pem" })
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "200\tok\n")
    r = tarn({ "--ca-file", dir .. "/ca.pem", "-e", probe })
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "200\tok\n")
  end)

  spec.it("a CA file that is not PEM is refused with its name", function()
    spec.write(dir .. "/junk.pem", "not a certificate\n")
    local r = tarn({ "--ca-file", dir .. "/junk.pem", "-e", probe })
    spec.eq(r.code, 1)
    spec.contains(r.err, "the CA file '" .. dir .. "/junk.pem' (--ca-file / TARN_CA_BUNDLE) holds no PEM certificate")
  end)

  os.execute("rm -rf " .. q(dir))
end

local ok, err = xpcall(body, debug.traceback)
stop_sims()
if not ok then
  spec.failed = spec.failed + 1
  io.stdout:write("FAIL (outside a test) ", tostring(err), "\n")
end
return spec.finish()
