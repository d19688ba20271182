-- recipes/postgres-prep against a real PostgreSQL and tarn-sim (Key Vault, ARM): a fresh run,
-- a second run that changes nothing (no mutating request, no catalog change), plan mode,
-- the password kept in step with Key Vault (mismatch, --rotate, a failing Key Vault write),
-- a server not enabled for mirroring, ARM readiness, hostile names.
local spec = require("spec")
local sim = require("sim")
local pgtest = require("pgtest")
local eq, contains = spec.eq, spec.contains

local TENANT = "7d3a1f0e-5b6c-4d2e-8f90-1a2b3c4d5e6f"
local APP = "aaaaaaaa-0000-4000-8000-0000000000d1"
local CLIENT_SECRET = "prep-spec client secret"
local AUTH_VARS = { "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "TARN_ACCESS_TOKEN", "TARN_AUTH", "TARN_CLOUD" }
local SUB, RG, SERVER = "11111111-2222-4333-8444-555555555555", "rg-data", "pg-dev"

pgtest.run(spec, function(server)
  local dir = spec.tmpdir()
  spec.write(dir .. "/seed.json", json.encode({
    entra = { default_tenant = TENANT, principals = { { tenant = TENANT, client_id = APP, client_secret = CLIENT_SECRET } } },
    keyvault = { vaults = { kv1 = { secrets = { ["pg-admin"] = server.password } } } },
  }))
  local s = sim.start("--seed " .. spec.quote(dir .. "/seed.json"))
  local env = { TARN_SIM_URL = s.url, AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = APP, AZURE_CLIENT_SECRET = CLIENT_SECRET }
  local admin <close> = pg.connect(server:params())

  local function prep(extra, dbname)
    local args = { "--cloud", "local", "--json", "run", "postgres-prep", "--set", "server=127.0.0.1",
      "--set", "port=" .. server.port, "--set", "admin_user=postgres", "--set", "admin_password_secret=pg-admin",
      "--set", "keyvault=kv1", "--set", "database=" .. (dbname or "postgres") }
    for _, a in ipairs(extra or {}) do args[#args + 1] = a end
    local r = spec.run(args, { env = env, unset = AUTH_VARS })
    local ok, doc = pcall(json.decode, r.out)
    r.doc = ok and doc or nil
    return r
  end
  local function statuses(doc)
    local out = {}
    for _, st in ipairs(doc.steps) do out[st.name] = st.status end
    return out
  end
  -- Secrets are scrubbed from tarn's output, so the value travels through a file.
  local function kv_password(name)
    local file = dir .. "/pw"
    local r = spec.run({ "--cloud", "local", "-e", string.format("assert(tarn.write_file(%q, (keyvault.get('kv1', %q))))", file, name) },
      { env = env, unset = AUTH_VARS })
    eq(r.code, 0, r.err)
    return assert(tarn.read_file(file))
  end
  local function logs_in(role, password)
    local ok, conn = pcall(pg.connect, server:params{ host = "127.0.0.1", user = role, password = password })
    if ok then conn:close() end
    return ok
  end
  -- Roles, memberships, grants, default privileges and owners: what a re-run must not change.
  local function catalog()
    return admin:value([[SELECT json_build_object(
      'roles', (SELECT json_agg(row(rolname, rolcanlogin, rolreplication, rolcreatedb, rolcreaterole, rolpassword) ORDER BY rolname) FROM pg_authid),
      'members', (SELECT json_agg(row(roleid, member) ORDER BY roleid, member) FROM pg_auth_members),
      'owners', (SELECT json_agg(row(relname, relowner, relacl::text) ORDER BY relname) FROM pg_class WHERE relkind = 'r'),
      'schemas', (SELECT json_agg(row(nspname, nspacl::text) ORDER BY nspname) FROM pg_namespace),
      'db', (SELECT json_agg(datacl::text) FROM pg_database),
      'defaults', (SELECT json_agg(defaclacl::text ORDER BY oid) FROM pg_default_acl))::text]])
  end
  admin:exec([[CREATE SCHEMA sales; CREATE TABLE public.orders (id int PRIMARY KEY, note text);
    CREATE TABLE public.events (at timestamptz, payload jsonb); CREATE TABLE sales.items (id int PRIMARY KEY);]])

  spec.it("--plan on a fresh database changes nothing and exits 3", function()
    local before = catalog()
    local r = prep({ "--plan" })
    eq(r.code, 3, r.err)
    local st = statuses(r.doc)
    eq(st["role password in Key Vault"], "would change")
    eq(st["role fabric_user"], "would change")
    eq(st["table ownership"], "would change")
    eq(catalog(), before)
    eq(#s:requests("^/keyvault/kv1/secrets/postgres-fabric-user-password", "PUT"), 0)
  end)

  spec.it("a fresh run prepares the role, the secret, the grants, the seed table and ownership", function()
    local r = prep({ "--set", "tables=public,sales" })
    eq(r.code, 0, r.err)
    eq(r.doc.status, "ok")
    local pw = kv_password("postgres-fabric-user-password")
    eq(#pw, 32)
    spec.truthy(logs_in("fabric_user", pw), "fabric_user logs in with the Key Vault password")
    eq(server:psql("select rolcanlogin, rolreplication, rolcreatedb, rolcreaterole from pg_roles where rolname = 'fabric_user'"), "t|t|t|t")
    eq(server:psql("select pg_has_role('fabric_user', 'azure_cdc_admin', 'member'), has_database_privilege('fabric_user', 'postgres', 'CREATE')"), "t|t")
    eq(server:psql("select count(*) from pg_tables where schemaname in ('public','sales') and tableowner <> 'fabric_user'"), "0")
    eq(server:psql("select count(*) from public.fabric_mirror_seed"), "1")
    eq(r.doc.outputs.tables, 4)
    eq(r.doc.outputs.without_key, 1) -- public.events
    eq(r.doc.outputs.unsupported_columns, 1) -- events.payload jsonb
    spec.not_contains(r.out .. r.err, pw, "the generated password")
    spec.not_contains(r.out .. r.err, server.password, "the admin password")
  end)

  spec.it("a second run reports every step unchanged, sends no mutating request and changes no catalog", function()
    local before = catalog()
    s:clear_log()
    local r = prep({ "--set", "tables=public,sales" })
    eq(r.code, 0, r.err)
    for _, st in ipairs(r.doc.steps) do
      spec.truthy(st.status == "unchanged", st.name .. " is " .. st.status)
    end
    for _, req in ipairs(s:requests("^/")) do
      spec.truthy(req.method == "GET" or req.path:match("^/entra/"), "mutating request " .. req.method .. " " .. req.path)
    end
    eq(catalog(), before)
    r = prep({ "--plan", "--set", "tables=public,sales" })
    eq(r.code, 0, r.err)
  end)

  spec.it("a role whose password differs from Key Vault stops the run; --rotate puts both in step", function()
    admin:exec("ALTER ROLE fabric_user PASSWORD 'Changed-by-hand-1'")
    local r = prep()
    eq(r.code, 1)
    contains(r.doc.error, "does not log in with the password in Key Vault secret postgres-fabric-user-password")
    contains(r.doc.error, "--rotate")
    local old = kv_password("postgres-fabric-user-password")
    r = prep({ "--rotate" })
    eq(r.code, 0, r.err)
    local new = kv_password("postgres-fabric-user-password")
    spec.truthy(new ~= old, "a new password")
    spec.truthy(logs_in("fabric_user", new), "the role has the new password")
    eq(prep().code, 0)
  end)

  spec.it("a failing Key Vault write fails the run naming it, and the next run converges", function()
    admin:exec("DROP OWNED BY fabric_user; DROP ROLE fabric_user")
    s:fault{ method = "PUT", path = "^/keyvault/kv1/secrets/postgres-fabric-user-password", status = 500, count = 10 }
    local r = prep({ "--rotate" })
    eq(r.code, 1)
    contains(r.doc.error, "role password in Key Vault")
    eq(server:psql("select count(*) from pg_roles where rolname = 'fabric_user'"), "0") -- nothing half-done
    s:clear_faults()
    r = prep()
    eq(r.code, 0, r.err)
    spec.truthy(logs_in("fabric_user", kv_password("postgres-fabric-user-password")), "in step after the retry")
  end)

  spec.it("a server without azure_cdc_admin is reported as not enabled for mirroring", function()
    admin:exec("CREATE DATABASE plain")
    server:psql("DROP ROLE azure_cdc_admin")
    local r = prep({ "--set", "role=other_user" })
    eq(r.code, 1)
    contains(r.doc.error, "not enabled for Fabric mirroring")
    contains(r.doc.error, "fabric-mirroring start")
    server:psql("CREATE ROLE azure_cdc_admin NOLOGIN")
  end)

  spec.it("hostile role, schema and table names survive every step", function()
    local role, schema, tbl = 'fabric "user"; DROP', "schéma ünïcode", "a;b c"
    admin:exec("CREATE SCHEMA " .. admin:ident(schema) .. "; CREATE TABLE " .. admin:ident(schema) .. "." .. admin:ident(tbl) .. " (id int primary key)")
    local r = prep({ "--set", "role=" .. role, "--set", "role_secret=hostile-pw", "--set", "tables=" .. schema .. "," .. "public.orders" })
    eq(r.code, 0, r.err)
    eq(admin:value("select pg_get_userbyid(c.relowner) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2", schema, tbl), role)
    spec.truthy(logs_in(role, kv_password("hostile-pw")), "the hostile role logs in")
    r = prep({ "--set", "role=" .. role, "--set", "role_secret=hostile-pw", "--set", "tables=" .. schema .. "," .. "public.orders" })
    eq(r.code, 0, r.err)
    for _, st in ipairs(r.doc.steps) do spec.truthy(st.status == "unchanged", st.name .. " is " .. st.status) end
  end)

  spec.it("with ARM coordinates: server parameters set with one restart, openings undone, a re-run restarts nothing", function()
    local base = "/subscriptions/" .. SUB .. "/resourceGroups/" .. RG .. "/providers/"
    local pgid = base .. "Microsoft.DBforPostgreSQL/flexibleServers/" .. SERVER
    local kvid = base .. "Microsoft.KeyVault/vaults/kv1"
    s:seed{ arm = { resources = {
      ["/subscriptions/" .. SUB .. "/resourceGroups/" .. RG] = { location = "westeurope" },
      [pgid] = { properties = {} },
      [kvid] = { properties = { publicNetworkAccess = "Disabled" } },
    } } }
    s:clear_log()
    local args = { "--set", "subscription=" .. SUB, "--set", "resource_group=" .. RG, "--set", "server_name=" .. SERVER,
      "--set", "open_keyvault=true", "--set", "client_ip=203.0.113.7" }
    local r = prep(args)
    eq(r.code, 0, r.err)
    local st = statuses(r.doc)
    eq(st["server parameters for mirroring"], "changed")
    eq(st["Key Vault public access"] or st["public network access to Key Vault kv1"], "temporary")
    eq(#s:requests("/flexibleServers/" .. SERVER .. "/restart$", "POST"), 1)
    local function arm_get(id, v)
      local out = dir .. "/arm.json"
      local g = spec.run({ "--cloud", "local", "-e", string.format("assert(tarn.write_file(%q, json.encode(arm.get(%q, %q))))", out, id, v) },
        { env = env, unset = AUTH_VARS })
      eq(g.code, 0, g.err)
      return json.decode(tarn.read_file(out))
    end
    eq(arm_get(kvid, "2023-07-01").properties.publicNetworkAccess, "Disabled", "Key Vault access restored")
    eq(arm_get(pgid .. "/configurations/wal_level", "2024-08-01").properties.value, "logical")
    local fw = spec.run({ "--cloud", "local", "-e", string.format("print(arm.find(%q, '2024-08-01') == nil)", pgid .. "/firewallRules/tarn-postgres-prep") },
      { env = env, unset = AUTH_VARS })
    eq(fw.out, "true\n", "the temporary firewall rule is gone")
    s:clear_log()
    r = prep(args)
    eq(r.code, 0, r.err)
    eq(statuses(r.doc)["server parameters for mirroring"], "unchanged")
    eq(#s:requests("/restart$", "POST"), 0)
  end)

  sim.stop_all()
end)
