-- recipes/postgres-mirror and recipes/mirror-status against tarn-sim (Fabric, Key Vault):
-- connection created from the Key Vault secret, mirrored database created and started, the
-- wait until every table replicates, a second run that changes nothing, plan mode, a table
-- that fails, a throttled request, and the status listing.
local spec = require("spec")
local sim = require("sim")
local eq, contains = spec.eq, spec.contains

local TENANT = "7d3a1f0e-5b6c-4d2e-8f90-1a2b3c4d5e6f"
local APP = "aaaaaaaa-0000-4000-8000-0000000000e1"
local CLIENT_SECRET = "mirror-spec client secret"
local WS = "2b1f9e7c-0d3a-4c5b-8e6f-7a8b9c0d1e2f"
local FAILING_CONN = "5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716"
local ROLE_PW = "Mirror-Role-Pw-9c1e"
local AUTH_VARS = { "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "TARN_ACCESS_TOKEN", "TARN_AUTH", "TARN_CLOUD" }

local dir = spec.tmpdir()
spec.write(dir .. "/seed.json", json.encode({
  entra = { default_tenant = TENANT, principals = { { tenant = TENANT, client_id = APP, client_secret = CLIENT_SECRET } } },
  keyvault = { vaults = { kv1 = { secrets = { ["postgres-fabric-user-password"] = ROLE_PW } } } },
  fabric = {
    config = { start_delay_ms = 1500, table_progress_ms = 300, page_size = 3 },
    workspaces = { { id = WS, displayName = "Sales" } },
    connections = { { id = FAILING_CONN, displayName = "broken", connectivityType = "ShareableCloud",
      connectionDetails = { type = "AzurePostgreSQL", path = "pg-broken.example.com;postgres" } } },
    source_tables = { [FAILING_CONN] = { { schema = "public", table = "good" },
      { schema = "public", table = "bad", fail = { errorCode = "UnsupportedType", message = "column x has type xml" } } } },
  },
}))
local s = sim.start("--seed " .. spec.quote(dir .. "/seed.json"))
local env = { TARN_SIM_URL = s.url, AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = APP, AZURE_CLIENT_SECRET = CLIENT_SECRET }

local function run(recipe, extra)
  local args = { "--cloud", "local", "--json", "run", recipe }
  for _, a in ipairs(extra or {}) do args[#args + 1] = a end
  local r = spec.run(args, { env = env, unset = AUTH_VARS })
  local ok, doc = pcall(json.decode, r.out)
  r.doc = ok and doc or nil
  return r
end
local BASE = { "--set", "workspace=Sales", "--set", "name=pg-mirror-dev", "--set", "server=pg-dev.example.com",
  "--set", "keyvault=kv1", "--set", "tables=public.customers,public.orders,sales.items", "--set", "timeout=60" }
local function mirror(extra)
  local args = { table.unpack(BASE) }
  for _, a in ipairs(extra or {}) do args[#args + 1] = a end
  return run("postgres-mirror", args)
end
-- Requests that change something: reads that Fabric spells as POST are not changes.
local READS = { getMirroringStatus = true, getTablesMirroringStatus = true, getDefinition = true }
local function mutating()
  local out = {}
  for _, req in ipairs(s:requests("^/fabric/|^/keyvault/")) do
    local last = req.path:match("([^/]+)$")
    if req.method ~= "GET" and not READS[last] then out[#out + 1] = req.method .. " " .. req.path end
  end
  return out
end

spec.it("--plan on a fresh workspace changes nothing and exits 3", function()
  s:clear_log()
  local r = mirror({ "--plan" })
  eq(r.code, 3, r.err)
  eq(mutating(), {})
end)

spec.it("a fresh run creates the connection and the mirrored database, starts it and waits for every table", function()
  local r = mirror()
  eq(r.code, 0, r.err)
  eq(r.doc.status, "ok")
  eq(r.doc.outputs.tables, 3)
  spec.not_contains(r.out .. r.err, ROLE_PW)
  local conns = s:requests("^/fabric/v1/connections$", "POST")
  eq(#conns, 1)
end)

spec.it("a second run reports every step unchanged and sends no mutating request", function()
  s:clear_log()
  local r = mirror()
  eq(r.code, 0, r.err)
  for _, st in ipairs(r.doc.steps) do spec.truthy(st.status == "unchanged", st.name .. " is " .. st.status) end
  eq(mutating(), {})
end)

spec.it("a throttled request succeeds after its Retry-After", function()
  s:fault{ method = "POST", path = "getMirroringStatus$", status = 429, count = 1, retry_after = "1" }
  local t0 = tarn.clock()
  local r = mirror()
  eq(r.code, 0, r.err)
  spec.truthy(tarn.clock() - t0 >= 1, "waited for Retry-After")
end)

spec.it("a table that fails ends the run with exit 1 and its error", function()
  local r = run("postgres-mirror", { "--set", "workspace=" .. WS, "--set", "name=broken-mirror", "--set", "server=pg-broken.example.com",
    "--set", "connection=" .. FAILING_CONN, "--set", "timeout=60" })
  eq(r.code, 1)
  contains(r.doc.error, "table public.bad failed: column x has type xml")
end)

spec.it("mirror-status lists the databases with per-table status and rows", function()
  local r = run("mirror-status", { "--set", "workspace=Sales" })
  eq(r.code, 0, r.err)
  local dbs = r.doc.outputs.databases
  eq(#dbs, 2)
  local byname = {}
  for _, d in ipairs(dbs) do byname[d.name] = d end
  eq(byname["pg-mirror-dev"].status, "Running")
  eq(#byname["pg-mirror-dev"].tables, 3)
  eq(byname["pg-mirror-dev"].tables[1].status, "Replicating")
  spec.truthy(byname["pg-mirror-dev"].tables[1].rows > 0, "rows")
  local human = spec.run({ "--cloud", "local", "run", "mirror-status", "--set", "workspace=Sales" }, { env = env, unset = AUTH_VARS })
  eq(human.code, 0, human.err)
  spec.matches(human.out, "pg%-mirror%-dev%s+Running%s+%(3 tables%)")
  spec.matches(human.out, "public%.customers%s+Replicating")
end)

spec.it("an unknown workspace is a usage error", function()
  local r = run("mirror-status", { "--set", "workspace=Nope" })
  eq(r.code, 2)
  contains(r.doc.error, "no Fabric workspace named 'Nope'")
end)

sim.stop_all()
os.execute("rm -rf " .. spec.quote(dir))
spec.finish()
