-- End to end: the real tarn binary with --cloud local against tarn-sim, through the fabric
-- module, doing what the Fabric issue's "done means" lists: a mirrored database created from a
-- Lua table in a REPL session, started and watched to Running with a progress line, its
-- tables' status listed; 500 items paged through; a deployment between two pipeline stages;
-- and a throttled request that succeeds after its Retry-After. Plus the Databricks and git
-- paths a recipe takes.
local spec = require("spec")
local sim = require("sim")
local core = require("tarn.core")

local TENANT = "5e2e0000-0000-4000-8000-0000000000aa"
local APP, SECRET = "5e2e0000-0000-4000-8000-0000000000bb", "fabric-e2e-client-secret"
local DEV = "5e2e0000-1111-4000-8000-000000000001"
local TEST = "5e2e0000-1111-4000-8000-000000000002"
local CONN = "5e2e0000-2222-4000-8000-000000000001"
local DBX = "5e2e0000-2222-4000-8000-000000000002"
local PIPE = "5e2e0000-3333-4000-8000-000000000001"

local s = sim.start()

local function seed(extra)
  local fabric = {
    config = { start_delay_ms = 1500, table_progress_ms = 400 },
    workspaces = { { id = DEV, displayName = "Dev" }, { id = TEST, displayName = "Test" } },
    connections = { {
      id = CONN, displayName = "pg-shop", connectivityType = "ShareableCloud",
      connectionDetails = { type = "AzurePostgreSQL", path = "pg1.postgres.database.azure.com;shop" },
      credentialDetails = { credentialType = "Basic", singleSignOnType = "None", connectionEncryption = "Encrypted",
                            skipTestConnection = false },
    } },
    source_tables = { [CONN] = {
      { schema = "public", table = "orders", rows = 2000 },
      { schema = "public", table = "customers", rows = 300 },
    } },
  }
  for k, v in pairs(extra or {}) do fabric[k] = v end
  s:reset()
  s:seed({
    entra = { principals = { { tenant = TENANT, client_id = APP, client_secret = SECRET } } },
    lro = { running_polls = 1, retry_after_seconds = 0 },
    fabric = fabric,
  })
end

-- tarn --cloud local, signed in as the seeded app; `args` the command (e.g. {"repl"} or {"-e", chunk}).
local function run(args, opts)
  local argv = { "--cloud", "local" }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  opts = opts or {}
  opts.env = { TARN_SIM_URL = s.url, AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = APP, AZURE_CLIENT_SECRET = SECRET,
               TARN_AUTH = "env" }
  opts.unset = { "TARN_ACCESS_TOKEN", "TARN_CLOUD", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE" }
  local r = spec.run(argv, opts)
  return r
end

local function ok(r)
  spec.eq(r.code, 0, "exit status; stderr: " .. r.err)
  return r
end

local function lines(text)
  local out = {}
  for l in text:gmatch("[^\n]+") do out[#out + 1] = l end
  return out
end

spec.it("a REPL session creates a mirrored database from a Lua table, starts it and watches it reach Running", function()
  seed()
  local r = ok(run({ "repl" }, { stdin = table.concat({
    'ws = fabric.workspaces.find("Dev")',
    'conn = fabric.connections.find{ server = "pg1.postgres.database.azure.com", database = "shop" }',
    'doc = { properties = {',
    '  source = { type = "AzurePostgreSql", typeProperties = { connection = conn.id, database = "shop" } },',
    '  target = { type = "MountedRelationalDatabase", typeProperties = { defaultSchema = "public", format = "Delta" } } } }',
    'db = fabric.mirrored_databases.create(ws.id, { display_name = "shop-mirror", mirroring = doc })',
    'db.displayName, db.type',
    'fabric.mirrored_databases.mirroring_status(ws.id, db.id).status',
    'fabric.mirrored_databases.start_mirroring(ws.id, db.id)',
    'st = fabric.mirrored_databases.wait_for(ws.id, db.id, "Running", { interval = 0.2, timeout = 30 })',
    'print("status: " .. st.status)',
    'require("tarn.core").sleep(0.6)',
    'for t in fabric.mirrored_databases.tables_mirroring_status(ws.id, db.id):iter() do print(t.sourceSchemaName .. "." .. t.sourceTableName, t.status, t.metrics.processedRows) end',
    '',
  }, "\n") }))
  spec.contains(r.out, '"shop-mirror"')
  spec.contains(r.out, '"MirroredDatabase"')
  spec.contains(r.out, '"Initialized"')
  spec.contains(r.out, "status: Running")
  spec.matches(r.out, "public%.orders\tReplicating\t%d+")
  spec.matches(r.out, "public%.customers\tReplicating\t%d+")
  spec.eq(r.err:match("repl:%d+:.*"), nil, "no REPL error")
  -- The progress line while waiting, on stderr.
  spec.matches(r.err, "mirrored database [%x%-]+: Starting %(%d+ s%)")
  local db = s:requests("^/fabric/v1/workspaces/" .. DEV .. "/mirroredDatabases$", "POST")
  spec.eq(#db, 1)
  spec.eq(db[1].status, 201)
  local polls = s:requests("/getMirroringStatus$", "POST")
  spec.truthy(#polls >= 3, "status polled while Starting (" .. #polls .. " polls)")
end)

spec.it("500 items are paged through: every item, one request per page", function()
  local items = {}
  for i = 1, 500 do
    items[i] = { id = string.format("5e2e0000-9999-4000-8000-%012d", i), workspaceId = DEV,
                 type = i % 5 == 0 and "Notebook" or "Lakehouse", displayName = "item " .. i }
  end
  seed({ items = items, config = { page_size = 40 } })
  local r = ok(run({ "-e", [[
    local all = fabric.items.list("]] .. DEV .. [["):all()
    local seen = {}
    for _, it in ipairs(all) do seen[it.id] = true end
    local n = 0
    for _ in pairs(seen) do n = n + 1 end
    print(#all, n, all[1].displayName, all[500].displayName)
    print(#fabric.items.list("]] .. DEV .. [[", { type = "Notebook" }):all())
  ]] }))
  spec.eq(lines(r.out)[1], "500\t500\titem 1\titem 500")
  spec.eq(lines(r.out)[2], "100")
  local pages = s:requests("^/fabric/v1/workspaces/" .. DEV .. "/items$", "GET")
  spec.eq(#pages, 13 + 3, "13 pages of 40 for all, 3 for the Notebooks")
  local with_token = 0
  for _, p in ipairs(pages) do if p.query:find("continuationToken=", 1, true) then with_token = with_token + 1 end end
  spec.eq(with_token, 12 + 2)
end)

spec.it("a deployment copies the source stage's items into the target stage's workspace", function()
  local mirroring = json.encode({ properties = {
    source = { type = "AzurePostgreSql", typeProperties = { connection = CONN, database = "shop" } },
    target = { type = "MountedRelationalDatabase", typeProperties = { format = "Delta" } } } })
  seed({
    items = {
      { id = "5e2e0000-8888-4000-8000-000000000001", workspaceId = DEV, type = "MirroredDatabase", displayName = "shop-mirror",
        definition = { parts = { { path = "mirroring.json", payload = tarn.base64.encode(mirroring), payloadType = "InlineBase64" } } },
        mirroring = { status = "Running" } },
      { id = "5e2e0000-8888-4000-8000-000000000002", workspaceId = DEV, type = "Notebook", displayName = "etl" },
    },
    deploymentPipelines = { { id = PIPE, displayName = "shop", stages = {
      { id = "5e2e0000-3333-4000-8000-0000000000d0", order = 0, displayName = "Development", workspaceId = DEV },
      { id = "5e2e0000-3333-4000-8000-0000000000d1", order = 1, displayName = "Test", workspaceId = TEST },
    } } },
  })
  local r = ok(run({ "-e", [[
    local p = fabric.deployment_pipelines.find("shop")
    local stages = fabric.deployment_pipelines.stages(p.id):all()
    local result, deployment = fabric.deployment_pipelines.deploy(p.id, {
      source_stage_id = stages[1].id, target_stage_id = stages[2].id, note = "to test" })
    print("deploy", result.status, deployment == result.id)
    local names = {}
    for it in fabric.items.list("]] .. TEST .. [["):iter() do names[#names + 1] = it.type .. ":" .. it.displayName end
    table.sort(names)
    print(table.concat(names, ","))
    local db = fabric.mirrored_databases.find("]] .. TEST .. [[", "shop-mirror")
    print("target mirror", fabric.mirrored_databases.mirroring_status("]] .. TEST .. [[", db.id).status)
    local parts = fabric.mirrored_databases.get_definition("]] .. TEST .. [[", db.id)
    print("connection", json.decode(parts["mirroring.json"]).properties.source.typeProperties.connection)
    for it in fabric.deployment_pipelines.stage_items(p.id, stages[2].id):iter() do
      print("stage item", it.itemDisplayName, it.sourceItemId ~= nil)
    end
    print("history", fabric.deployment_pipelines.operation(p.id, deployment).note.content)
  ]] }))
  local out = lines(r.out)
  spec.eq(out[1], "deploy\tSucceeded\ttrue")
  spec.eq(out[2], "MirroredDatabase:shop-mirror,Notebook:etl")
  spec.eq(out[3], "target mirror\tInitialized", "a deployed mirror is not started")
  spec.eq(out[4], "connection\t" .. CONN)
  spec.contains(r.out, "stage item\tshop-mirror\ttrue")
  spec.contains(r.out, "stage item\tetl\ttrue")
  spec.contains(r.out, "history\tto test")
  local deploys = s:requests("^/fabric/v1/deploymentPipelines/" .. PIPE .. "/deploy$", "POST")
  spec.eq(#deploys, 1)
  spec.eq(deploys[1].status, 202)
end)

spec.it("a throttled request succeeds after its Retry-After", function()
  seed()
  s:fault{ method = "POST", path = "^/fabric/v1/workspaces/" .. DEV .. "/items$", status = 429, retry_after = "1" }
  local t0 = core.clock()
  local r = ok(run({ "-e", [[
    local it = fabric.items.create("]] .. DEV .. [[", { display_name = "lake", type = "Lakehouse" })
    print(it.displayName, it.type)
  ]] }))
  local elapsed = core.clock() - t0
  spec.eq(r.out, "lake\tLakehouse\n")
  local posts = s:requests("^/fabric/v1/workspaces/" .. DEV .. "/items$", "POST")
  spec.eq(#posts, 2)
  spec.eq(posts[1].status, 429)
  spec.eq(posts[1].fault, "status")
  spec.eq(posts[2].status, 201)
  spec.truthy(elapsed >= 1, "waited out Retry-After (" .. elapsed .. " s)")
  local function ms(t)  -- "2024-05-06T07:08:09.123Z" -> milliseconds of the day
    local h, m, sec, frac = t:match("T(%d+):(%d+):(%d+)%.(%d+)Z$")
    return ((tonumber(h) * 60 + tonumber(m)) * 60 + tonumber(sec)) * 1000 + tonumber(frac)
  end
  spec.truthy(ms(posts[2].time) - ms(posts[1].time) >= 1000, "the retry came 1 s or more after the 429")
end)

spec.it("a Databricks catalog is discovered, mirrored and refreshed", function()
  seed({ unity_catalog = { [DBX] = { catalogs = { { name = "main", schemas = {
    { name = "sales", tables = { { name = "orders" }, { name = "orders_v", tableType = "VIEW" } } } } } } } } })
  local r = ok(run({ "-e", [[
    local ws = "]] .. DEV .. [["
    for c in fabric.databricks.catalogs(ws, "]] .. DBX .. [["):iter() do print("catalog", c.name) end
    for t in fabric.databricks.tables(ws, "]] .. DBX .. [[", "main", "sales"):iter() do print("table", t.fullName) end
    local item = fabric.databricks.create(ws, { display_name = "dbx-main", catalog_name = "main",
      connection_id = "]] .. DBX .. [[", mirroring_mode = "Full" })
    print("created", item.type)
    fabric.databricks.update(ws, item.id, { auto_sync = "Disabled" })
    local _, _, settings = fabric.databricks.get_definition(ws, item.id)
    print("settings", settings.catalog_name, settings.auto_sync, settings.mirroring_mode)
    fabric.databricks.refresh_metadata(ws, item.id)
    print("sync", fabric.databricks.get(ws, item.id).properties.syncDetails.status)
  ]] }))
  spec.eq(r.out, "catalog\tmain\ntable\tmain.sales.orders\ncreated\tMirroredAzureDatabricksCatalog\n" ..
                 "settings\tmain\tDisabled\tFull\nsync\tSuccess\n")
end)

spec.it("git: one workspace commits, another connected to the same branch updates from it", function()
  seed({ items = { { id = "5e2e0000-7777-4000-8000-000000000001", workspaceId = DEV, type = "Notebook", displayName = "etl" } } })
  local connect = json.encode({ gitProviderDetails = { gitProviderType = "AzureDevOps", organizationName = "org",
    projectName = "shop", repositoryName = "fabric", branchName = "main", directoryName = "items" } })
  for _, ws in ipairs({ DEV, TEST }) do
    local r = ok(run({ "-e", "fabric.request{ method = 'POST', path = {'workspaces', '" .. ws .. "', 'git', 'connect'}, body = [=[" ..
                              connect .. "]=] }" }))
    spec.eq(r.err, "")
  end
  local r = ok(run({ "-e", [[
    local dev, test = "]] .. DEV .. [[", "]] .. TEST .. [["
    print("dev", fabric.git.initialize_connection(dev, { strategy = "PreferWorkspace" }).requiredAction)
    local st = fabric.git.status(dev)
    print("dev changes", #st.changes, st.changes[1].workspaceChange)
    fabric.git.commit_to_git(dev, { mode = "All", workspace_head = st.workspaceHead, comment = "first" })
    print("dev clean", #fabric.git.status(dev).changes)
    print("test", fabric.git.initialize_connection(test).requiredAction)
    local ts = fabric.git.status(test)
    fabric.git.update_from_git(test, { remote_commit_hash = ts.remoteCommitHash, workspace_head = ts.workspaceHead })
    print("test item", fabric.items.find(test, "etl", "Notebook") ~= nil)
    print("connection", fabric.git.connection(test).gitConnectionState)
  ]] }))
  spec.eq(r.out, "dev\tCommitToGit\ndev changes\t1\tAdded\ndev clean\t0\ntest\tUpdateFromGit\ntest item\ttrue\n" ..
                 "connection\tConnectedAndInitialized\n")
end)

sim.stop_all()
spec.finish()
