-- The fabric module through the real binary against tarn-sim (--cloud local): sign-in and
-- paging on the simulator's workspace list, and — through the simulator's fault rules, which
-- answer any status, headers and body — Fabric errors, 429s, long-running operations with
-- their status line, Ctrl-C in a wait, secrets kept out of --debug output, and misuse
-- messages. The simulator's own Fabric routes are tested with it (tests/sim, tests/integration).
local spec = require("spec")
local sim = require("sim")
local core = require("tarn.core")

local TENANT = "7d3a1f0e-5b6c-4d2e-8f90-1a2b3c4d5e6f"
local APP = "aaaaaaaa-0000-4000-8000-0000000000f1"
local APP_SECRET = "fabric-spec-client-secret"
local WS = "11111111-0000-4000-8000-000000000001"
local AUTH_VARS = { "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "TARN_ACCESS_TOKEN", "TARN_AUTH",
  "TARN_CLOUD" }

local s = sim.start()

-- Control calls with Connection: close. tarn sends every POST on a fresh connection and keeps
-- the old ones for reuse; left open, they would hold tarn-sim's few worker threads (each for
-- its keep-alive timeout) and later calls would wait seconds for one.
local function control(method, path, body)
  local r = http.request({ method = method, url = s.url .. path, json = body, headers = { Connection = "close" } })
  if r.status >= 300 then error(string.format("tarn-sim %s %s: %d %s", method, path, r.status, r.body), 2) end
end
function s:seed(state) control("POST", "/_sim/seed", state) end
function s:fault(f) control("POST", "/_sim/faults", f) end
function s:reset()
  control("POST", "/_sim/reset")
  control("DELETE", "/_sim/faults")
  control("DELETE", "/_sim/requests")
end

local function seed()
  s:seed({
    entra = { principals = { { tenant = TENANT, client_id = APP, client_secret = APP_SECRET } } },
    fabric = { workspaces = {
      { id = WS, displayName = "Sales" },
      { id = "11111111-0000-4000-8000-000000000002", displayName = "HR" },
      { id = "11111111-0000-4000-8000-000000000003", displayName = "Ops" },
      { id = "11111111-0000-4000-8000-000000000004", displayName = "sales" },
      { id = "11111111-0000-4000-8000-000000000005", displayName = "Finance" },
    } },
    paging = { page_size = 2 },
  })
end

local function fresh()
  s:reset()
  seed()
end

-- Runs a chunk in tarn --cloud local, signed in as the seeded app.
local function tarn(script, args, opts)
  local argv = { "--cloud", "local" }
  for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
  argv[#argv + 1] = "-e"
  argv[#argv + 1] = script
  opts = opts or {}
  opts.env = { TARN_SIM_URL = s.url, AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = APP, AZURE_CLIENT_SECRET = APP_SECRET,
    TARN_AUTH = "env" }
  opts.unset = { "TARN_ACCESS_TOKEN", "TARN_CLOUD", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE" }
  return spec.run(argv, opts)
end

local function ok(r)
  spec.eq(r.code, 0, r.err)
  return r
end

spec.it("fabric is a global that loads on first use, on the local cloud's base", function()
  fresh()
  local r = ok(tarn([[print(rawget(_G, "fabric") == nil) print(fabric.base_url())]]))
  spec.eq(r.out, "true\n" .. s.url .. "/fabric/v1\n")
  spec.eq(#s:requests("^/"), 0, "nothing is asked before a call")
end)

spec.it("lists follow every page; find stops at the page that has it", function()
  fresh()
  local r = ok(tarn([[
    local names = {}
    for w in fabric.workspaces.list():iter() do names[#names + 1] = w.displayName end
    print(table.concat(names, ","))
    print(#fabric.workspaces.list():all())]]))
  spec.eq(r.out, "Sales,HR,Ops,sales,Finance\n5\n")
  spec.eq(#s:requests("^/fabric/v1/workspaces$", "GET"), 6, "3 pages, twice")
  fresh()
  r = ok(tarn([[print(fabric.workspaces.find("HR").id) print(fabric.workspaces.find("nobody"))]]))
  spec.eq(r.out, "11111111-0000-4000-8000-000000000002\nnil\n")
  -- HR is on the first page; "nobody" needs all three.
  spec.eq(#s:requests("^/fabric/v1/workspaces$", "GET"), 4)
  -- The exact name first; a case-insensitive match only when it is the only one.
  r = ok(tarn([[print(fabric.workspaces.find("sales").id, fabric.workspaces.find("SALES"), fabric.workspaces.find("finance").displayName)]]))
  spec.eq(r.out, "11111111-0000-4000-8000-000000000004\tnil\tFinance\n")
end)

spec.it("a Fabric error body becomes the fields of the error value", function()
  fresh()
  s:fault({ method = "PATCH", path = "^/fabric/v1/workspaces/[^/]+/items/i1$", status = 400,
    headers = { ["x-ms-public-api-error-code"] = "InvalidRequest" },
    body = { requestId = "0b7c8d9e-0000-4000-8000-000000000001", errorCode = "InvalidRequest",
      message = "The description is too long", isRetriable = false,
      moreDetails = { { errorCode = "DescriptionTooLong", message = "256 characters at most" } },
      relatedResource = { resourceId = "i1", resourceType = "Item" } } })
  local r = tarn(string.format([[
    local ok, e = pcall(fabric.items.update, %q, "i1", { description = string.rep("x", 300) })
    print(e.kind, e.status, e.code, e.request_id, e.is_retriable, e.method)
    print(e.more_details[1].errorCode, e.related_resource.resourceType)
    print(tostring(e))
    error(e)]], WS))
  spec.eq(r.code, 1)
  local lines = {}
  for l in r.out:gmatch("[^\n]+") do lines[#lines + 1] = l end
  spec.eq(lines[1], "fabric\t400\tInvalidRequest\t0b7c8d9e-0000-4000-8000-000000000001\tfalse\tPATCH")
  spec.eq(lines[2], "DescriptionTooLong\tItem")
  spec.matches(lines[3], "^fabric error: The description is too long %(status 400, code InvalidRequest, request_id 0b7c8d9e%-0000%-4000%-8000%-000000000001, url http://[%d.:]+/fabric/v1/workspaces/" .. WS:gsub("%-", "%%-") .. "/items/i1%)$")
  spec.contains(r.err, "fabric error: The description is too long")
end)

spec.it("a 429 waits out its Retry-After, then the call goes through", function()
  fresh()
  s:fault({ method = "GET", path = "^/fabric/v1/workspaces$", status = 429, retry_after = "1", count = 1 })
  local t0 = core.clock()
  local r = ok(tarn([[print(#fabric.workspaces.list():all())]]))
  spec.eq(r.out, "5\n")
  spec.truthy(core.clock() - t0 >= 1, "waited the Retry-After")
  spec.eq(#s:requests("^/fabric/v1/workspaces$", "GET"), 4, "the throttled attempt and 3 pages")
end)

-- Scripts a long-running operation on the simulator: the call answers 202, the state is
-- Running (40%) then `final`, and /result answers `result` (or OperationHasNoResult).
local function lro(method, path, final, result)
  local id = "0acd697c-1550-43cd-b998-91bfbfbd47c6"
  s:fault({ method = method, path = path, status = 202, count = 1, body = json.null, retry_after = "0",
    headers = { Location = "https://api.fabric.microsoft.com/operations/" .. id, ["x-ms-operation-id"] = id } })
  s:fault({ method = "GET", path = "^/fabric/v1/operations/" .. id .. "$", status = 200, count = 1, retry_after = "1",
    body = { status = "Running", percentComplete = 40 } })
  s:fault({ method = "GET", path = "^/fabric/v1/operations/" .. id .. "$", status = 200, count = 1, body = final,
    headers = { Location = "https://api.fabric.microsoft.com/v1/operations/" .. id .. "/result" } })
  if result then
    s:fault({ method = "GET", path = "^/fabric/v1/operations/" .. id .. "/result$", status = 200, count = 1, body = result })
  else
    s:fault({ method = "GET", path = "^/fabric/v1/operations/" .. id .. "/result$", status = 400, count = 1,
      body = { errorCode = "OperationHasNoResult", message = "The operation has no result" } })
  end
  return id
end

spec.it("a long-running create is followed to its result, with a status line", function()
  fresh()
  lro("POST", "^/fabric/v1/workspaces/[^/]+/items$", { status = "Succeeded", percentComplete = 100 },
    { id = "5b218778-e7a5-4d73-8187-f10824047715", type = "Lakehouse", displayName = "lake" })
  local t0 = core.clock()
  local r = ok(tarn(string.format([[
    local item = fabric.items.create(%q, { display_name = "lake", type = "Lakehouse" })
    print(item.id, item.displayName)]], WS)))
  spec.eq(r.out, "5b218778-e7a5-4d73-8187-f10824047715\tlake\n")
  spec.contains(r.err, "create Lakehouse 'lake': Running 40%")
  spec.truthy(core.clock() - t0 >= 1, "the running state's Retry-After was honoured")
  spec.eq(#s:requests("^/fabric/v1/operations/"), 3, "two polls and the result")
end)

spec.it("wait = false hands back the operation; operation_state and wait finish it", function()
  fresh()
  lro("POST", "^/fabric/v1/workspaces/[^/]+/git/commitToGit$", { status = "Succeeded" }, nil)
  local r = ok(tarn(string.format([[
    local h = fabric.git.commit_to_git(%q, { comment = "x", wait = false })
    print(fabric.is_operation(h), h.id, h.location:match("/fabric/v1/operations/.*$"))
    local st = fabric.operation_state(h)
    print(st.status, st.percent)
    print(fabric.wait(h), h.done)]], WS)))
  spec.eq(r.out, "true\t0acd697c-1550-43cd-b998-91bfbfbd47c6\t/fabric/v1/operations/0acd697c-1550-43cd-b998-91bfbfbd47c6\n" ..
    "Running\t40\nnil\ttrue\n")
end)

spec.it("a failed operation is an error with the operation's code and message", function()
  fresh()
  lro("POST", "^/fabric/v1/workspaces/[^/]+/mirroredDatabases$",
    { status = "Failed", error = { errorCode = "ItemDisplayNameAlreadyInUse", message = "The name is taken",
      requestId = "4a4a4a4a-0000-4000-8000-000000000001" } }, nil)
  local mirroring = [[{"properties":{"source":{"type":"AzurePostgreSql","typeProperties":{"connection":"0f0e1d2c-3b4a-5968-7a8b-9c0d1e2f3a4b"}},"target":{"type":"MountedRelationalDatabase","typeProperties":{"format":"Delta"}}}}]]
  local r = tarn(string.format("fabric.mirrored_databases.create(%q, { display_name = 'db', mirroring = %q })", WS, mirroring))
  spec.eq(r.code, 1)
  spec.contains(r.err, "fabric error: create mirrored database 'db' failed: The name is taken " ..
    "(code ItemDisplayNameAlreadyInUse, request_id 4a4a4a4a-0000-4000-8000-000000000001)")
end)

spec.it("Ctrl-C ends a wait between polls (exit 130)", function()
  fresh()
  local id = "1b1b1b1b-0000-4000-8000-000000000001"
  s:fault({ method = "POST", path = "^/fabric/v1/connections/c1/testConnection$", status = 202, count = 1,
    body = json.null, retry_after = "60", headers = { ["x-ms-operation-id"] = id } })
  local t0 = core.clock()
  local r = spec.run({ "--preserve-status", "-s", "INT", "1", spec.bin, "--cloud", "local", "-e",
    "fabric.connections.test('c1')" }, { bin = "timeout", env = { TARN_SIM_URL = s.url, AZURE_TENANT_ID = TENANT,
    AZURE_CLIENT_ID = APP, AZURE_CLIENT_SECRET = APP_SECRET, TARN_AUTH = "env" }, unset = AUTH_VARS })
  spec.eq(r.code, 130, r.err)
  spec.contains(r.err, "interrupted")
  spec.truthy(core.clock() - t0 < 5, "ended at once")
end)

spec.it("a connection password never shows: not in --debug traces, errors or output", function()
  fresh()
  local password = "pg-Secr3t-Passw0rd-91xq"
  -- The service echoes it in its error, as a careless one might.
  s:fault({ method = "POST", path = "^/fabric/v1/connections$", status = 400,
    body = { errorCode = "IncorrectCredentials", message = "login failed for password " .. password } })
  local r = tarn(string.format([[
    local ok, e = pcall(fabric.connections.create, { display_name = "pg", type = "AzurePostgreSQL",
      creation_method = "AzurePostgreSQL.Database", parameters = { server = "pg1", database = "shop" },
      credential = { username = "fabric_user", password = %q } })
    print(e.code, e.message)
    error(e)]], password), { "--debug" })
  spec.eq(r.code, 1)
  spec.contains(r.out, "IncorrectCredentials\tlogin failed for password ***")
  spec.contains(r.err, "http> POST " .. s.url .. "/fabric/v1/connections")
  spec.not_contains(r.out .. r.err, password)
  spec.not_contains(r.out .. r.err, "Passw0rd")
end)

spec.it("misuse names the function, the option and what was expected, at the caller's line", function()
  fresh()
  local cases = {
    { "fabric.items.create('ws', { displayname = 'x' })", "fabric.items.create: unknown option 'displayname' (expected " },
    { "fabric.items.get(nil, 'x')", "fabric.items.get: bad argument 'workspace' (a non-empty string expected, got nil)" },
    { "fabric.workspaces.add_role_assignment('ws', { principal_id = 'p', principal_type = 'User', role = 'Owner' })",
      "'role' must be one of Admin, Member, Contributor, Viewer, got 'Owner'" },
    { "fabric.mirrored_databases.create('ws', { display_name = 'x' })",
      "a mirrored database is created with its definition: give 'mirroring'" },
    { "fabric.request{ path = 'workspaces' }", "'path' must start with / (under the Fabric API base, e.g. /workspaces)" },
    { "fabric.request{ path = 'https://evil.example/v1/workspaces' }", "is not under the Fabric API base" },
  }
  for _, c in ipairs(cases) do
    local r = tarn("\n" .. c[1])
    spec.eq(r.code, 1, c[1])
    spec.contains(r.err, c[2], c[1])
  end
  -- The caller's line, not the module's.
  local r = tarn("\n\nfabric.items.list(42)")
  spec.matches(r.err, "%(command line%):3: fabric%.items%.list: bad argument 'workspace'")
  spec.eq(#s:requests("^/fabric/"), 0, "nothing was sent")
end)

spec.it("mirroring.json for PostgreSQL is built, and checked field by field", function()
  local r = ok(tarn([[
    local text, doc = fabric.mirroring.postgres{ connection = "0f0e1d2c-3b4a-5968-7a8b-9c0d1e2f3a4b", database = "shop",
      default_schema = "public", tables = { "public.orders", { schema = "sales", table = "items" } }, retention_days = 14 }
    local d = json.decode(text)
    local p = d.properties
    print(p.source.type, p.source.typeProperties.connection, p.source.typeProperties.database)
    print(p.target.type, p.target.typeProperties.format, p.target.typeProperties.defaultSchema, p.target.typeProperties.retentionInDays)
    for _, m in ipairs(p.mountedTables) do print(m.source.typeProperties.schemaName, m.source.typeProperties.tableName) end
    print(fabric.mirroring.validate(text) ~= nil)]]))
  spec.eq(r.out, "AzurePostgreSql\t0f0e1d2c-3b4a-5968-7a8b-9c0d1e2f3a4b\tshop\n" ..
    "MountedRelationalDatabase\tDelta\tpublic\t14\npublic\torders\nsales\titems\ntrue\n")
  r = tarn([[fabric.mirroring.postgres{ connection = "pg-prod" }]])
  spec.contains(r.err, "'connection' must be the Fabric connection id (a GUID such as")
  spec.contains(r.err, "got \"pg-prod\"")
  r = tarn([[fabric.mirroring.postgres{ connection = "0f0e1d2c-3b4a-5968-7a8b-9c0d1e2f3a4b", retention_days = 45 }]])
  spec.contains(r.err, "'retention_days' must be a whole number from 1 to 30, got 45")
  r = tarn([[fabric.mirroring.validate('{"properties":{"source":{"type":"AzurePostgreSql","typeProperties":{"connection":"x"}},' ..
    '"target":{"type":"Mounted","typeProperties":{"retentionInDays":0}},"mountedTables":[{"source":{"typeProperties":{"schemaName":"s"}}}]}}')]])
  spec.contains(r.err, "properties.source.typeProperties.connection must be a connection id (a GUID), got \"x\"")
  spec.contains(r.err, "properties.target.type must be \"MountedRelationalDatabase\", got \"Mounted\"")
  spec.contains(r.err, "properties.target.typeProperties.format must be \"Delta\"")
  spec.contains(r.err, "properties.target.typeProperties.retentionInDays must be a whole number of days from 1 to 30, got 0")
  spec.contains(r.err, "properties.mountedTables[1].source.typeProperties.tableName must be a non-empty string")
end)

spec.it(":help answers for every function of the module", function()
  local r = ok(tarn([[
    local help = require("tarn.help")
    local missing, count = {}, 0
    local function walk(t, prefix, seen)
      for k, v in pairs(t) do
        local name = prefix .. "." .. k
        if type(v) == "function" and not k:match("^_") then
          count = count + 1
          local text = help.text(name)
          if not text or not text:find("\n\n  %S") then missing[#missing + 1] = name end
        elseif type(v) == "table" and not seen[v] then
          seen[v] = true
          walk(v, name, seen)
        end
      end
    end
    walk(fabric, "fabric", {})
    table.sort(missing)
    print(count, table.concat(missing, " "))]]))
  local count, missing = r.out:match("^(%d+)\t(.-)\n$")
  spec.eq(missing, "", "functions without a :help summary")
  spec.truthy(tonumber(count) > 60, "functions found: " .. tostring(count))
end)

sim.stop_all()
spec.finish()
