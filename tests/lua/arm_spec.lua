-- The arm module and its helpers through the real binary against tarn-sim (--cloud local):
-- generic calls and paging, ARM errors, role assignments, storage resource instance rules,
-- PostgreSQL flexible server settings (Fabric mirroring, firewall, auth, identity), Key Vault
-- network access opened and restored, recipe steps, operation pacing, Ctrl-C and the REPL.
-- Each case checks the simulator's request log for what was (and was not) sent.
local spec = require("spec")
local sim = require("sim")

local q = spec.quote

local TENANT = "7d3a1f0e-5b6c-4d2e-8f90-1a2b3c4d5e6f"
local APP = "aaaaaaaa-0000-4000-8000-0000000000a7"
local SECRET = "arm-spec-s3cret/+="
local SUB = "/subscriptions/11111111-1111-4111-8111-111111111111"
local RG = SUB .. "/resourceGroups/rg-tarn"
local ACCOUNT = RG .. "/providers/Microsoft.Storage/storageAccounts/tarnlake"
local SERVER = RG .. "/providers/Microsoft.DBforPostgreSQL/flexibleServers/tarn-pg"
local VAULT = RG .. "/providers/Microsoft.KeyVault/vaults/tarn-kv"
local PRINCIPAL = "9d0f1c2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f"
local OTHER_NAME = "5f6e7d8c-0000-4000-8000-00000000c0de"
local WORKSPACE = "22222222-3333-4444-8555-666666666666"
local SYNAPSE = SUB .. "/resourceGroups/rg-tarn/providers/Microsoft.Synapse/workspaces/syn"
local FABRIC_RESOURCE = "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/Fabric/providers/Microsoft.Fabric/workspaces/" .. WORKSPACE

local AUTH_VARS = { "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "TARN_ACCESS_TOKEN",
  "TARN_AUTH", "TARN_CLOUD" }

local VAULT_ACLS = { bypass = "AzureServices", defaultAction = "Deny", ipRules = { { value = "198.51.100.7/32" } },
  virtualNetworkRules = json.array() }

local SEED = {
  entra = { principals = { { tenant = TENANT, client_id = APP, client_secret = SECRET } } },
  lro = { running_polls = 1, retry_after_seconds = 0 },
  paging = { page_size = 2 },
  arm = { resources = {
    [RG] = { location = "westeurope", tags = {}, properties = { provisioningState = "Succeeded" } },
    [ACCOUNT] = { properties = { networkAcls = {
      bypass = "AzureServices", defaultAction = "Deny",
      ipRules = { { value = "203.0.113.0/24", action = "Allow" } }, virtualNetworkRules = json.array(),
      resourceAccessRules = { { tenantId = TENANT, resourceId = SYNAPSE } } } } },
    [SERVER] = { properties = { authConfig = { activeDirectoryAuth = "Enabled", passwordAuth = "Disabled",
      tenantId = TENANT } } },
    [VAULT] = { properties = { publicNetworkAccess = "Disabled", networkAcls = VAULT_ACLS } },
    [ACCOUNT .. "/providers/Microsoft.Authorization/roleAssignments/" .. OTHER_NAME] = { properties = {
      roleDefinitionId = SUB .. "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
      principalId = PRINCIPAL, principalType = "ServicePrincipal" } },
  } },
}

-- Shared by every script run in tarn: the ids above as locals, results collected in R.
local PRELUDE = string.format([[
local SUB, RG, ACCOUNT, SERVER, VAULT = %q, %q, %q, %q, %q
local PRINCIPAL, TENANT, WORKSPACE = %q, %q, %q
R = {}
]], SUB, RG, ACCOUNT, SERVER, VAULT, PRINCIPAL, TENANT, WORKSPACE)

local function body()
  local dir = spec.tmpdir()
  spec.write(dir .. "/seed.json", json.encode(SEED))
  local s = sim.start("--seed " .. q(dir .. "/seed.json"))
  local env = { TARN_SIM_URL = s.url, AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = APP, AZURE_CLIENT_SECRET = SECRET }

  -- Runs script in tarn --cloud local and returns the table it left in R, and the run.
  local function tarn(script)
    local r = spec.run({ "--cloud", "local", "-e", PRELUDE .. script .. "\nprint(json.encode(R))" },
      { env = env, unset = AUTH_VARS })
    if r.code ~= 0 then error("tarn exited " .. r.code .. ": " .. r.err, 2) end
    spec.not_contains(r.out .. r.err, SECRET, "the client secret")
    return json.decode(r.out:match("([^\n]*)\n$")), r
  end

  local function count(path, method) return #s:requests(path, method) end

  local function state_resource(id)
    local st = http.request{ url = s.url .. "/_sim/state" }:json()
    for k, v in pairs(st.arm.resources) do
      if k:lower() == id:lower() then return v end
    end
  end

  spec.it("generic calls: put, get, patch, list across pages, and a delete answered 202 + Location", function()
    s:reset()
    local R = tarn([[
      local v, rg = arm.api.resources, SUB .. "/resourceGroups/rg-new"
      local a, status = arm.put(rg, { location = "westeurope", tags = { team = "data" } }, v)
      R.put = { a.name, a.type, a.location, a.tags.team, status }
      R.put_again = select(2, arm.put(rg, { location = "westeurope", tags = { team = "data" } }, v))
      R.get = arm.get(rg, { api_version = v }).id
      R.patch = arm.patch(rg, { tags = { team = "ml" } }, v).tags.team
      for i = 1, 3 do arm.put(SUB .. "/resourceGroups/extra-" .. i, { location = "northeurope" }, v) end
      local pager, names = arm.list(SUB .. "/resourcegroups", v), {}
      for g in pager do names[#names + 1] = g.name end
      R.names, R.pages = names, pager.pages
      R.all = #arm.list(SUB .. "/resourcegroups", v):all()
      R.deleted = arm.delete(rg, v)
      R.found_after = arm.find(rg, v) ~= nil
      R.deleted_again = arm.delete(rg, v)
      R.url = arm.url(rg, v)]])
    spec.eq(R.put, { "rg-new", "Microsoft.Resources/resourceGroups", "westeurope", "data", 201 })
    spec.eq(R.put_again, 200)
    spec.eq(R.get, SUB .. "/resourceGroups/rg-new")
    spec.eq(R.patch, "ml")
    spec.eq(R.names, { "extra-1", "extra-2", "extra-3", "rg-new", "rg-tarn" })
    spec.eq(R.pages, 3, "five groups, two a page")
    spec.eq(R.all, 5)
    spec.eq(R.deleted, true)
    spec.eq(R.found_after, false)
    spec.eq(R.deleted_again, false, "a second delete finds nothing (404)")
    spec.eq(R.url, s.url .. "/arm" .. SUB .. "/resourceGroups/rg-new?api-version=2021-04-01")
    local deletes = s:requests("/resourceGroups/rg-new$", "DELETE")
    spec.eq(#deletes, 2)
    spec.eq({ deletes[1].status, deletes[2].status }, { 202, 404 })
    -- The first poll of the Location URL answers 202 (running_polls = 1), the second 204.
    local polls = s:requests("^/arm/providers/Tarn.Sim/locations/local/operationResults/", "GET")
    spec.eq(#polls, 2)
    spec.eq({ polls[1].status, polls[2].status }, { 202, 204 })
    spec.eq(#s:requests("resourcegroups$", "GET"), 3 + 3, "two lists of three pages")
  end)

  spec.it("errors: ARM failures are error values (kind, status, code, message, request_id, target, details)", function()
    s:reset()
    s:fault{ method = "GET", path = "/storageAccounts/tarnlake$", status = 409, body = { error = {
      code = "Conflict", message = "The account is being updated.", target = "tarnlake",
      details = { { code = "AnotherOperationInProgress", message = "an update is running" } } } } }
    local R = tarn([[
      local function catch(f, ...) local ok, e = pcall(f, ...) return { ok, type(e) == "table" and e.kind or e,
        type(e) == "table" and e.status, type(e) == "table" and e.code, tostring(e),
        type(e) == "table" and e.request_id, type(e) == "table" and e.target, type(e) == "table" and e.details } end
      R.details = catch(arm.get, ACCOUNT, arm.api.storage)
      R.missing = catch(arm.get, RG .. "/providers/Microsoft.Storage/storageAccounts/nope", arm.api.storage)
      R.version = catch(arm.get, ACCOUNT, "2019-06-01")
      R.bad_name = catch(arm.put, ACCOUNT .. "/providers/Microsoft.Authorization/roleAssignments/not-a-guid",
        { properties = {} }, arm.api.authorization)
      R.no_version = catch(arm.get, ACCOUNT)
      R.not_an_id = catch(arm.get, "subscriptions/x", "1")
      R.bad_role = catch(arm.role_assignment.ensure, { scope = ACCOUNT, role = "Storage Blob Data Reeder",
        principal_id = PRINCIPAL })
      R.bad_field = catch(arm.role_assignment.ensure, { scope = ACCOUNT, role = "Reader", principal = PRINCIPAL })]])
    local d = R.details
    spec.eq({ d[1], d[2], d[3], d[4], d[7] }, { false, "arm", 409, "Conflict", "tarnlake" })
    spec.eq(d[8], { { code = "AnotherOperationInProgress", message = "an update is running" } })
    spec.matches(d[6], "^%x+%-%x+%-%x+%-%x+%-%x+$", "request_id")
    spec.contains(d[5], "arm error: The account is being updated. (status 409, code Conflict, request_id ")
    local m = R.missing
    spec.eq({ m[2], m[3], m[4] }, { "arm", 404, "ResourceNotFound" })
    spec.contains(m[5], "The Resource 'Microsoft.Storage/storageAccounts/nope' under resource group 'rg-tarn' was not found.")
    spec.eq(R.version[4], "NoRegisteredProviderFound")
    spec.contains(R.version[5], "The supported api-versions are '2023-01-01, 2023-05-01, 2024-01-01, 2025-01-01, 2025-06-01'")
    spec.eq({ R.bad_name[3], R.bad_name[4] }, { 400, "InvalidRoleAssignmentId" })
    spec.eq(R.no_version[2], 'arm.get: an api_version is required, e.g. arm.get(id, "2022-04-01")')
    spec.eq(R.not_an_id[2], 'arm.get: expected a resource id (/subscriptions/...) or a URL under ' .. s.url ..
      '/arm, got "subscriptions/x"')
    spec.contains(R.bad_role[2], "arm.role_assignment.ensure: unknown role 'Storage Blob Data Reeder' (expected a role "
      .. "definition GUID or one of Owner, Contributor, Reader, Storage Blob Data Owner, Storage Blob Data Contributor, "
      .. "Storage Blob Data Reader, Storage Blob Delegator)")
    spec.contains(R.bad_field[2], "arm.role_assignment.ensure: unknown field 'principal' (expected api_version, "
      .. "description, principal_id, principal_type, role, scope)")
    spec.eq(count("/storageAccounts/", "PATCH") + count("/roleAssignments/", "PUT"), 1, "only the refused PUT was sent")
  end)

  spec.it("role assignment: ensure twice sends one PUT (the second run reads and stops); remove twice deletes once", function()
    s:reset()
    local R = tarn([[
      local a = { scope = ACCOUNT, role = "Storage Blob Data Reader", principal_id = PRINCIPAL }
      R.plan = { arm.role_assignment.plan(a) }
      R.first = { arm.role_assignment.ensure(a) }
      R.second = { arm.role_assignment.ensure(a) }
      R.plan_after = { arm.role_assignment.plan(a) }
      R.name = arm.role_assignment.name(a)
      R.expected = arm.assignment_name(ACCOUNT, "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", PRINCIPAL)
      R.props = arm.get(ACCOUNT .. "/providers/Microsoft.Authorization/roleAssignments/" .. R.name,
        arm.api.authorization).properties]])
    spec.eq(R.first[1], "changed")
    spec.eq(R.second[1], "unchanged")
    spec.contains(R.plan[1], "assign Storage Blob Data Reader for " .. PRINCIPAL .. " at " .. ACCOUNT)
    spec.eq(R.plan_after[1], false)
    spec.eq(R.name, R.expected)
    spec.eq(R.props.roleDefinitionId,
      SUB .. "/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1")
    spec.eq({ R.props.principalId, R.props.principalType, R.props.scope }, { PRINCIPAL, "ServicePrincipal", ACCOUNT })
    local puts = s:requests("/roleAssignments/", "PUT")
    spec.eq(#puts, 1, "one PUT in all")
    spec.eq(puts[1].status, 201)
    spec.eq(puts[1].path, "/arm" .. ACCOUNT .. "/providers/Microsoft.Authorization/roleAssignments/" .. R.name)

    R = tarn([[
      local a = { scope = ACCOUNT, role = "Storage Blob Data Reader", principal_id = PRINCIPAL }
      R.plan = { arm.role_assignment.plan_remove(a) }
      R.first = { arm.role_assignment.remove(a) }
      R.second = { arm.role_assignment.remove(a) }
      R.left = #arm.role_assignment.find(a)]])
    spec.eq(R.first[1], "changed")
    spec.eq(R.second, { "unchanged", "Storage Blob Data Reader for " .. PRINCIPAL .. " at " .. ACCOUNT .. ": not assigned" })
    spec.eq(R.left, 0)
    spec.eq(count("/roleAssignments/", "DELETE"), 1)
    spec.eq(count("/roleAssignments/", "PUT"), 1, "no PUT while removing")
  end)

  spec.it("role assignment: one made under another name counts as present; a PUT answered 409 is unchanged", function()
    s:reset()
    local R = tarn([[
      local a = { scope = ACCOUNT, role = "Contributor", principal_id = PRINCIPAL:upper() }
      R.ensure = { arm.role_assignment.ensure(a) }
      R.apply = { arm.role_assignment.apply(a) }
      R.found = #arm.role_assignment.find(a)]])
    spec.eq(R.ensure, { "unchanged", "Contributor for " .. PRINCIPAL:upper() .. " at " .. ACCOUNT .. ": assigned as " .. OTHER_NAME })
    spec.eq(R.apply[1], "unchanged")
    spec.contains(R.apply[2], "already assigned under another name (409 RoleAssignmentExists)")
    spec.eq(R.found, 1)
    -- ensure listed the principal's assignments and sent no PUT; apply sent one, refused with 409.
    local puts = s:requests("/roleAssignments/", "PUT")
    spec.eq(#puts, 1)
    spec.eq(puts[1].status, 409)
    local lists = s:requests("/roleAssignments$", "GET")
    spec.truthy(#lists >= 1 and lists[1].query:find("$filter=principalId%20eq%20%27" .. PRINCIPAL .. "%27", 1, true),
      lists[1] and lists[1].query)
  end)

  spec.it("storage rule: ensure twice — one PATCH, the rule set after is the old rules plus one", function()
    s:reset()
    local R = tarn([[
      local rule = { account = ACCOUNT, tenant_id = TENANT, workspace_id = WORKSPACE }
      R.plan = { arm.storage.plan_resource_rule(rule) }
      R.first = { arm.storage.ensure_resource_rule(rule) }
      R.second = { arm.storage.ensure_resource_rule(rule) }
      R.upper = { arm.storage.ensure_resource_rule{ account = ACCOUNT, tenant_id = TENANT:upper(), workspace_id = WORKSPACE:upper() } }
      R.acls = arm.storage.network_rules(ACCOUNT)
      R.id = arm.storage.fabric_workspace_id(WORKSPACE)]])
    spec.eq(R.id, FABRIC_RESOURCE)
    spec.contains(R.plan[1], "add resource rule for " .. FABRIC_RESOURCE .. " on storage account tarnlake (1 rule now)")
    spec.eq(R.first[1], "changed")
    spec.eq(R.second[1], "unchanged")
    spec.eq(R.upper[1], "unchanged", "tenant and resource id compare without case")
    spec.eq(R.acls.resourceAccessRules, { { tenantId = TENANT, resourceId = SYNAPSE },
      { tenantId = TENANT, resourceId = FABRIC_RESOURCE } })
    spec.eq(R.acls.defaultAction, "Deny")
    spec.eq(R.acls.ipRules, { { value = "203.0.113.0/24", action = "Allow" } }, "the other rules are written back as they were")
    spec.eq(R.acls.bypass, "AzureServices")
    spec.eq(count("/storageAccounts/tarnlake$", "PATCH"), 1)
    spec.eq(state_resource(ACCOUNT).properties.networkAcls.resourceAccessRules[2].resourceId, FABRIC_RESOURCE)

    R = tarn([[
      local rule = { account = ACCOUNT, tenant_id = TENANT, workspace_id = WORKSPACE }
      R.first = { arm.storage.remove_resource_rule(rule) }
      R.second = { arm.storage.remove_resource_rule(rule) }
      R.rules = arm.storage.network_rules(ACCOUNT).resourceAccessRules]])
    spec.eq({ R.first[1], R.second[1] }, { "changed", "unchanged" })
    spec.eq(R.rules, { { tenantId = TENANT, resourceId = SYNAPSE } })
  end)

  local MIRRORING = [[
    local function params()
      local out = {}
      for _, n in ipairs({ "wal_level", "max_worker_processes", "azure.fabric_mirror_enabled", "azure.mirror_databases" }) do
        local v, p = arm.postgres.parameter(SERVER, n)
        out[n] = { v, p.isConfigPendingRestart }
      end
      return out
    end
  ]]

  spec.it("postgres mirroring: the first run sets four parameters and restarts once; the second changes nothing", function()
    s:reset()
    local R = tarn(MIRRORING .. [[
      local m = { server = SERVER, databases = { "sales" } }
      R.plan = { arm.postgres.plan_mirroring(m) }
      R.first = { arm.postgres.ensure_mirroring(m) }
      R.params = params()
      R.second = { arm.postgres.ensure_mirroring(m) }
      R.plan_after = { arm.postgres.plan_mirroring(m) }]])
    spec.eq(R.plan[1], "wal_level: replica -> logical; max_worker_processes: 8 -> 11; azure.fabric_mirror_enabled: off -> on; "
      .. "azure.mirror_databases: '' -> sales; restart tarn-pg")
    spec.eq({ R.first[1], R.first[3] }, { "changed", true })
    spec.eq(R.params, { wal_level = { "logical", false }, max_worker_processes = { "11", false },
      ["azure.fabric_mirror_enabled"] = { "on", false }, ["azure.mirror_databases"] = { "sales", false } })
    spec.eq(R.second[1], "unchanged")
    spec.eq(R.second[2], "Fabric mirroring settings of tarn-pg in place (wal_level=logical, max_worker_processes=11, "
      .. "azure.mirror_databases=sales)")
    spec.eq(R.plan_after[1], false)
    spec.eq(count("/flexibleServers/tarn-pg/restart$", "POST"), 1, "restarted once in both runs")
    spec.eq(count("/flexibleServers/tarn-pg/configurations/", "PUT"), 4)
    -- Each PUT and the restart were followed to the end of their operation.
    spec.eq(count("^/arm/providers/Tarn.Sim/locations/local/operationStatuses/", "GET"), 5 * 2)
  end)

  spec.it("postgres mirroring: a new database raises max_worker_processes (static: restart); a pending static value restarts", function()
    s:reset()
    local R = tarn(MIRRORING .. [[
      arm.postgres.ensure_mirroring{ server = SERVER, databases = { "sales" } }
      R.more = { arm.postgres.ensure_mirroring{ server = SERVER, databases = { "hr" } } }
      R.params = params()
      R.set = { arm.postgres.set_parameter(SERVER, "max_worker_processes", 24) }
      R.pending = params().max_worker_processes
      R.again = { arm.postgres.ensure_mirroring{ server = SERVER, databases = { "sales", "hr" } } }
      R.params_after = params()
      R.dynamic = { arm.postgres.set_parameter(SERVER, "work_mem", "8192") }]])
    spec.eq(R.more[2], "max_worker_processes: 11 -> 14; azure.mirror_databases: sales -> sales,hr; restart tarn-pg")
    spec.eq(R.params["azure.mirror_databases"], { "sales,hr", false })
    spec.eq(R.set, { "changed", "max_worker_processes: 14 -> 24", true })
    spec.eq(R.pending, { "24", true })
    spec.eq(R.again[2], "max_worker_processes waits for a restart; restart tarn-pg")
    spec.eq(R.params_after.max_worker_processes, { "24", false })
    spec.eq(R.dynamic, { "changed", "work_mem: 4096 -> 8192", false })
    spec.eq(count("/restart$", "POST"), 3)
  end)

  spec.it("postgres: firewall rules, password authentication and the system-assigned identity, each idempotent", function()
    s:reset()
    local R = tarn([[
      local azure = { server = SERVER, name = "AllowAllAzureServicesAndResourcesWithinAzureIps", start_ip = "0.0.0.0" }
      R.fw = { arm.postgres.ensure_firewall_rule(azure), arm.postgres.ensure_firewall_rule(azure) }
      local office = { server = SERVER, name = "office", start_ip = "203.0.113.1", end_ip = "203.0.113.9" }
      R.office = { arm.postgres.ensure_firewall_rule(office) }
      office.end_ip = "203.0.113.20"
      R.widen = { arm.postgres.ensure_firewall_rule(office) }
      R.rule = arm.postgres.firewall_rule(SERVER, "office").properties
      R.rm = { arm.postgres.remove_firewall_rule{ server = SERVER, name = "office" },
        arm.postgres.remove_firewall_rule{ server = SERVER, name = "office" } }
      R.gone = arm.postgres.firewall_rule(SERVER, "office") == nil
      R.pw = { arm.postgres.ensure_password_auth{ server = SERVER } }
      R.pw_again = arm.postgres.ensure_password_auth{ server = SERVER }
      R.auth = arm.postgres.server(SERVER).properties.authConfig
      R.no_identity = arm.postgres.identity(SERVER) == nil
      R.id1 = { arm.postgres.ensure_system_identity{ server = SERVER } }
      R.id2 = { arm.postgres.ensure_system_identity{ server = SERVER } }
      R.identity = arm.postgres.identity(SERVER)]])
    spec.eq({ R.fw[1], R.fw[2] }, { "changed", "unchanged" })
    spec.eq(R.office[1], "changed")
    spec.eq(R.widen[1], "changed")
    spec.eq(R.widen[2], "update (was 203.0.113.1-203.0.113.9) firewall rule office (203.0.113.1-203.0.113.20) on tarn-pg")
    spec.eq(R.rule, { startIpAddress = "203.0.113.1", endIpAddress = "203.0.113.20" })
    spec.eq({ R.rm[1], R.rm[2] }, { "changed", "unchanged" })
    spec.eq(R.gone, true)
    spec.eq(R.pw[1], "changed")
    spec.eq(R.pw_again, "unchanged")
    spec.eq(R.auth, { passwordAuth = "Enabled", activeDirectoryAuth = "Enabled", tenantId = TENANT })
    spec.eq(R.no_identity, true)
    spec.eq(R.id1[1], "changed")
    spec.matches(R.id1[3], "^%x+%-%x+%-%x+%-%x+%-%x+$")
    spec.eq({ R.id2[1], R.id2[3] }, { "unchanged", R.id1[3] })
    spec.eq({ R.identity.type, R.identity.principalId, R.identity.tenantId }, { "SystemAssigned", R.id1[3], TENANT })
    spec.eq(count("/flexibleServers/tarn-pg$", "PATCH"), 2, "one PATCH for auth, one for the identity")
    spec.eq(count("/firewallRules/", "PUT"), 3)
    spec.eq(count("/firewallRules/", "DELETE"), 1)
  end)

  spec.it("key vault: public access opened for a run and restored exactly (also with one address, and in plan mode)", function()
    s:reset()
    local R = tarn([[
      local function net() local p = arm.get(VAULT, arm.api.keyvault).properties return { p.publicNetworkAccess, p.networkAcls } end
      R.before = net()
      local Context = require("tarn.context")
      local ctx = Context.new{ recipe = "kv" }
      local e = ctx:temporary(arm.keyvault.public_access{ vault = VAULT })
      R.entry = { e.status, e.detail }
      R.during = net()
      R.failures = #ctx:run_cleanups()
      R.after = net()
      local saved = arm.keyvault.open_public_access{ vault = VAULT, ip = "203.0.113.9" }
      local again, detail = arm.keyvault.open_public_access{ vault = VAULT, ip = "203.0.113.9" }
      R.second_open = { again == nil, detail }
      R.ip_during = net()
      R.restore = arm.keyvault.restore_public_access(saved)
      R.ip_after = net()
      local plan = Context.new{ recipe = "kv", plan = true }
      R.plan = plan:temporary(arm.keyvault.public_access{ vault = VAULT }).status
      R.plan_cleanups = #plan.cleanups]])
    spec.eq(R.before, { "Disabled", VAULT_ACLS })
    spec.eq(R.entry, { "temporary", "open Key Vault tarn-kv: publicNetworkAccess Disabled -> Enabled, firewall defaultAction Deny -> Allow" })
    spec.eq(R.during[1], "Enabled")
    spec.eq(R.during[2].defaultAction, "Allow")
    spec.eq(R.during[2].ipRules, VAULT_ACLS.ipRules)
    spec.eq(R.failures, 0)
    spec.eq(R.after, R.before, "restored exactly")
    spec.eq(R.second_open, { true, "Key Vault tarn-kv is reachable (public network access open)" })
    spec.eq(R.ip_during[2].defaultAction, "Deny")
    spec.eq(R.ip_during[2].ipRules, { { value = "198.51.100.7/32" }, { value = "203.0.113.9" } })
    spec.eq(R.ip_after, R.before, "restored exactly after the address rule")
    spec.eq(R.plan, "temporary")
    spec.eq(R.plan_cleanups, 0, "plan mode opens nothing")
    spec.eq(count("/vaults/tarn-kv$", "PATCH"), 4)
    spec.eq(state_resource(VAULT).properties.publicNetworkAccess, "Disabled")
  end)

  spec.it("recipe steps: plan mode sends nothing, apply changes, the next run is unchanged", function()
    s:reset()
    local R = tarn([[
      local Context = require("tarn.context")
      local a = { scope = ACCOUNT, role = "Storage Blob Delegator", principal_id = PRINCIPAL }
      local rule = { account = ACCOUNT, tenant_id = TENANT, workspace_id = WORKSPACE }
      local function run(plan)
        local ctx = Context.new{ recipe = "grant", plan = plan }
        local e1 = ctx:step(arm.role_assignment.step(a))
        local e2 = ctx:step(arm.storage.resource_rule_step(rule))
        local e3 = ctx:step(arm.postgres.mirroring_step{ server = SERVER, databases = { "sales" } })
        return { e1.status, e2.status, e3.status, e1.name }
      end
      R.plan = run(true)
      R.apply = run(false)
      R.again = run(false)]])
    spec.eq(R.plan, { "would change", "would change", "would change",
      "role assignment Storage Blob Delegator for " .. PRINCIPAL .. " at " .. ACCOUNT })
    spec.eq(R.apply, { "changed", "changed", "changed", R.plan[4] })
    spec.eq(R.again, { "unchanged", "unchanged", "unchanged", R.plan[4] })
    spec.eq(count("/roleAssignments/", "PUT"), 1)
    spec.eq(count("/storageAccounts/", "PATCH"), 1)
    spec.eq(count("/restart$", "POST"), 1)
    -- A step reads once: its apply reuses what its check read.
    spec.eq(count("/roleAssignments/[^/]+$", "GET"), 3, "one read of the assignment per run")
  end)

  spec.it("operations are polled at Retry-After pace with a progress line, and Ctrl-C stops the wait (exit 130)", function()
    s:reset()
    s:seed{ lro = { running_polls = 1, retry_after_seconds = 1 } }
    local R, run = tarn([[
      local t = tarn.clock()
      arm.postgres.set_parameter(SERVER, "work_mem", "8192")
      R.took = tarn.clock() - t]])
    spec.truthy(R.took >= 0.9 and R.took < 5, "took " .. R.took .. " s")
    spec.matches(run.err, "set work_mem: InProgress %(0s%)\n")
    s:seed{ lro = { running_polls = 1000, retry_after_seconds = 1 } }
    local started = os.time()
    local r = spec.run({ "--preserve-status", "-s", "INT", "2", spec.bin, "--cloud", "local", "-e",
      PRELUDE .. "arm.postgres.restart(SERVER)" }, { bin = "timeout", env = env, unset = AUTH_VARS })
    spec.eq(r.code, 130, r.err)
    spec.truthy(os.time() - started < 10, "stopped promptly")
    spec.eq(count("/restart$", "POST"), 1)
  end)

  spec.it("repl: a piped session adds a role assignment twice (second unchanged) and sets a server parameter", function()
    s:reset()
    local P2 = "0c0c0c0c-1111-4222-8333-444444444444"
    local input = table.concat({
      string.format("a = { scope = %q, role = 'Storage Blob Data Reader', principal_id = %q }", ACCOUNT, P2),
      "arm.role_assignment.ensure(a)",
      "arm.role_assignment.ensure(a)",
      string.format("srv = %q", SERVER),
      "arm.postgres.set_parameter(srv, 'work_mem', '8192')",
      "(arm.postgres.parameter(srv, 'work_mem'))",
      "",
    }, "\n")
    local r = spec.run({ "--cloud", "local", "repl" }, { stdin = input, env = env, unset = AUTH_VARS })
    spec.eq(r.code, 0, r.err)
    local lines = {}
    for l in r.out:gmatch("([^\n]*)\n") do lines[#lines + 1] = l end
    spec.eq(#lines, 4, r.out)
    spec.matches(lines[1], '^"changed"\t"assigned Storage Blob Data Reader for ' .. P2:gsub("%-", "%%-"))
    spec.matches(lines[2], '^"unchanged"\t".*: assigned %(')
    spec.eq(lines[3], '"changed"\t"work_mem: 4096 -> 8192"\tfalse')
    spec.eq(lines[4], '"8192"')
    spec.eq(count("/roleAssignments/", "PUT"), 1)
    spec.eq(count("/configurations/work_mem$", "PUT"), 1)
    spec.eq(state_resource(SERVER .. "/configurations/work_mem").properties.value, "8192")
  end)

  os.execute("rm -rf " .. q(dir))
end

local ok, err = xpcall(body, debug.traceback)
sim.stop_all()
if not ok then
  spec.failed = spec.failed + 1
  io.stdout:write("FAIL (outside a test) ", tostring(err), "\n")
end
return spec.finish()
