-- tarn-sim's Fabric routes over plain HTTP (http.request, no fabric module): what a client sees
-- on the wire — 401 challenges, 202s whose Location and /result can be followed as given,
-- continuationUri as an absolute URL, the mirrored database status machine, Retry-After on an
-- injected 429, and state that survives a restart with --state. The routes' details are
-- tested in-process in tests/sim/fabric_test.cpp; the fabric module over them in
-- fabric_e2e_spec.lua.
local spec = require("spec")
local sim = require("sim")
local core = require("tarn.core")

local TENANT = "3c1d0e7a-1111-4000-8000-0000000000aa"
local APP, SECRET = "3c1d0e7a-2222-4000-8000-0000000000bb", "fabric-sim-spec-secret"
local WS = "3c1d0e7a-3333-4000-8000-000000000001"
local CONN = "3c1d0e7a-4444-4000-8000-000000000001"

local function seed_of(extra)
  local s = {
    entra = { principals = { { tenant = TENANT, client_id = APP, client_secret = SECRET } } },
    lro = { running_polls = 1, retry_after_seconds = 0 },
    fabric = {
      config = { start_delay_ms = 300, stop_delay_ms = 100, table_progress_ms = 1500 },
      workspaces = { { id = WS, displayName = "Dev" } },
      source_tables = { [CONN] = { { schema = "public", table = "orders", rows = 500 } } },
    },
  }
  for k, v in pairs(extra or {}) do s.fabric[k] = v end
  return s
end

local function token(s)
  local r = http.request{ method = "POST", url = s.url .. "/entra/" .. TENANT .. "/oauth2/v2.0/token",
    headers = { ["Content-Type"] = "application/x-www-form-urlencoded" },
    body = "grant_type=client_credentials&client_id=" .. APP .. "&client_secret=" .. SECRET ..
           "&scope=https%3A%2F%2Fapi.fabric.microsoft.com%2F.default" }
  spec.eq(r.status, 200, r.body)
  return r:json().access_token
end

-- A Fabric call: path under /fabric/v1 (or a full URL), JSON body; the response.
local function client(s)
  local bearer = "Bearer " .. token(s)
  return function(method, path, body)
    local url = path:match("^http") and path or s.url .. "/fabric/v1" .. path
    return http.request{ method = method, url = url, json = body, headers = { Authorization = bearer }, max_attempts = 1 }
  end
end

local function mirroring_definition()
  local doc = json.encode({ properties = {
    source = { type = "AzurePostgreSql", typeProperties = { connection = CONN, database = "appdb" } },
    target = { type = "MountedRelationalDatabase", typeProperties = { defaultSchema = "public", format = "Delta" } },
  } })
  return { parts = { { path = "mirroring.json", payload = tarn.base64.encode(doc), payloadType = "InlineBase64" } } }
end

local s = sim.start()

spec.it("a call without a token gets Fabric's 401 with a challenge naming the simulator's Entra", function()
  s:reset()
  s:seed(seed_of())
  local r = http.request{ url = s.url .. "/fabric/v1/workspaces" }
  spec.eq(r.status, 401)
  spec.eq(r:json().errorCode, "Unauthorized")
  spec.eq(r.headers["x-ms-public-api-error-code"], "Unauthorized")
  spec.contains(r.headers["WWW-Authenticate"], s.url .. "/entra/" .. TENANT .. "/oauth2/authorize")
  spec.truthy(r.headers["RequestId"], "RequestId header")
  spec.eq(r:json().requestId, r.headers["RequestId"])
end)

spec.it("a 202 is followed as given: Location, then the result URL the final state names", function()
  s:reset()
  s:seed(seed_of())
  local call = client(s)
  local created = call("POST", "/workspaces/" .. WS .. "/items",
    { displayName = "nb", type = "Notebook", definition = { parts = {
      { path = "notebook-content.py", payload = tarn.base64.encode("print(1)"), payloadType = "InlineBase64" } } } })
  spec.eq(created.status, 202)
  spec.eq(created.headers["Retry-After"], "0")
  local op = created.headers["x-ms-operation-id"]
  spec.eq(created.headers["Location"], s.url .. "/fabric/v1/operations/" .. op)
  local first = call("GET", created.headers["Location"])
  spec.eq(first:json().status, "Running")
  local done = call("GET", first.headers["Location"])
  spec.eq(done:json().status, "Succeeded")
  spec.eq(done:json().percentComplete, 100)
  local result = call("GET", done.headers["Location"])
  spec.eq(result.status, 200)
  spec.eq(result:json().displayName, "nb")
  local item = result:json().id

  local def = call("POST", "/workspaces/" .. WS .. "/items/" .. item .. "/getDefinition")
  spec.eq(def.status, 202)
  call("GET", def.headers["Location"])
  local parts = call("GET", call("GET", def.headers["Location"]).headers["Location"]):json().definition.parts
  spec.eq(parts[1].path, "notebook-content.py")
  spec.eq(tarn.base64.decode(parts[1].payload), "print(1)")
  spec.eq(parts[2].path, ".platform")
  spec.eq(json.decode(tarn.base64.decode(parts[2].payload)).metadata.displayName, "nb")
end)

spec.it("continuationUri is an absolute URL that leads to the next page", function()
  s:reset()
  local items = {}
  for i = 1, 7 do items[i] = { id = string.format("%08d-0000-4000-8000-000000000000", i), workspaceId = WS,
                               type = "Lakehouse", displayName = "lake " .. i } end
  local seed = seed_of({ items = items })
  seed.fabric.config.page_size = 3
  s:seed(seed)
  local call = client(s)
  local names, url, pages = {}, "/workspaces/" .. WS .. "/items?type=Lakehouse", 0
  while url do
    local r = call("GET", url)
    spec.eq(r.status, 200, r.body)
    pages = pages + 1
    for _, it in ipairs(r:json().value) do names[#names + 1] = it.displayName end
    url = r:json().continuationUri
    if url then spec.matches(url, "^" .. s.url:gsub("%p", "%%%0") .. "/fabric/v1/.*type=Lakehouse") end
  end
  spec.eq(pages, 3)
  spec.eq(#names, 7)
  spec.eq(names[7], "lake 7")
end)

spec.it("a mirrored database starts, runs, reports its tables and stops", function()
  s:reset()
  s:seed(seed_of())
  local call = client(s)
  local created = call("POST", "/workspaces/" .. WS .. "/mirroredDatabases",
    { displayName = "mirror", definition = mirroring_definition() })
  spec.eq(created.status, 201, created.body)
  local db = "/workspaces/" .. WS .. "/mirroredDatabases/" .. created:json().id
  local function status() return call("POST", db .. "/getMirroringStatus"):json().status end
  spec.eq(status(), "Initialized")
  spec.eq(call("POST", db .. "/startMirroring").status, 200)
  spec.eq(status(), "Starting")
  core.sleep(0.35)
  spec.eq(status(), "Running")
  local t = call("POST", db .. "/getTablesMirroringStatus"):json().data[1]
  spec.eq(t.sourceTableName, "orders")
  spec.eq(t.status, "Snapshotting")
  core.sleep(1.5)
  t = call("POST", db .. "/getTablesMirroringStatus"):json().data[1]
  spec.eq(t.status, "Replicating")
  spec.truthy(t.metrics.processedRows >= 500, "rows replicated")
  spec.matches(t.metrics.lastSyncDateTime, "^%d%d%d%d%-%d%d%-%d%dT")
  spec.eq(call("POST", db .. "/stopMirroring").status, 200)
  core.sleep(0.15)
  spec.eq(status(), "Stopped")
end)

spec.it("an injected 429 carries Retry-After and Fabric's error body; the next call goes through", function()
  s:reset()
  s:seed(seed_of())
  s:fault{ method = "POST", path = "^/fabric/v1/workspaces/[^/]+/items$", status = 429, retry_after = "2" }
  local call = client(s)
  local r = call("POST", "/workspaces/" .. WS .. "/items", { displayName = "x", type = "Lakehouse" })
  spec.eq(r.status, 429)
  spec.eq(r.headers["Retry-After"], "2")
  spec.eq(r:json().errorCode, "TooManyRequests")
  spec.eq(call("POST", "/workspaces/" .. WS .. "/items", { displayName = "x", type = "Lakehouse" }).status, 201)
end)

spec.it("with --state, connections and a running mirror survive a restart", function()
  local dir = spec.tmpdir()
  spec.write(dir .. "/seed.json", json.encode(seed_of()))
  local opts = "--seed " .. spec.quote(dir .. "/seed.json") .. " --state " .. spec.quote(dir .. "/state.json")
  local a = sim.start(opts)
  local call = client(a)
  local conn = call("POST", "/connections", {
    connectivityType = "ShareableCloud", displayName = "pg",
    connectionDetails = { type = "AzurePostgreSQL", creationMethod = "AzurePostgreSQL.Database",
      parameters = { { dataType = "Text", name = "server", value = "pg.example" },
                     { dataType = "Text", name = "database", value = "appdb" } } },
    credentialDetails = { connectionEncryption = "Encrypted",
      credentials = { credentialType = "Basic", username = "u", password = "not-kept-anywhere" } } })
  spec.eq(conn.status, 201, conn.body)
  local db = call("POST", "/workspaces/" .. WS .. "/mirroredDatabases", { displayName = "m", definition = mirroring_definition() })
  local path = "/workspaces/" .. WS .. "/mirroredDatabases/" .. db:json().id
  spec.eq(call("POST", path .. "/startMirroring").status, 200)
  os.execute("kill " .. a.pid .. "; while kill -0 " .. a.pid .. " 2>/dev/null; do sleep 0.05; done")
  local f = assert(io.open(dir .. "/state.json"))
  local text = f:read("a")
  f:close()
  spec.not_contains(text, "not-kept-anywhere", "the state file")

  local b = sim.start(opts)
  local again = client(b)
  spec.eq(again("GET", "/connections/" .. conn:json().id):json().connectionDetails.path, "pg.example;appdb")
  core.sleep(0.35)
  spec.eq(again("POST", path .. "/getMirroringStatus"):json().status, "Running")
end)

sim.stop_all()
spec.finish()
