-- postgres-prep: readies an Azure Database for PostgreSQL flexible server database as a
-- Fabric mirroring source — server parameters, the mirroring role with its password kept in
-- Key Vault, grants, a seed table, and ownership of the tables to mirror. Every step checks
-- before it changes, so a second run changes nothing. The SQL lives in mirroring.postgres.
local sql = require("mirroring.postgres")

local function server_id(p)
  if not (p.subscription and p.resource_group and p.server_name) then return nil end
  return string.format("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s",
    p.subscription, p.resource_group, p.server_name)
end

local function connection(p, admin_password)
  return { host = p.server, port = p.port, dbname = p.database, user = p.admin_user, password = admin_password,
    sslmode = p.sslmode, application_name = "tarn postgres-prep" }
end

return {
  name = "postgres-prep",
  description = "Ready a PostgreSQL flexible server database for Fabric mirroring (role, password in Key Vault, grants, ownership)",
  params = {
    { name = "server", type = "string", required = true, doc = "server host name (FQDN), e.g. pg-dev.postgres.database.azure.com" },
    { name = "port", type = "integer", default = 5432, min = 1, max = 65535 },
    { name = "database", type = "string", default = "postgres", doc = "the database to mirror" },
    { name = "admin_user", type = "string", required = true, doc = "admin login (an azure_pg_admin member; an Entra principal when no password is given)" },
    { name = "admin_password", type = "string", secret = true, doc = "admin password; else admin_password_secret; else a Microsoft Entra token" },
    { name = "admin_password_secret", type = "string", doc = "Key Vault secret holding the admin password" },
    { name = "keyvault", type = "string", required = true, doc = "Key Vault name or URL holding the mirroring role's password" },
    { name = "role", type = "string", default = "fabric_user", doc = "the mirroring role Fabric logs in as" },
    { name = "role_secret", type = "string", default = "postgres-fabric-user-password", doc = "Key Vault secret with the role's password" },
    { name = "tables", type = "list", default = { "public" }, doc = "what to mirror: schemas and/or schema.table entries" },
    { name = "auth_mode", type = "enum", values = { "password", "entra" }, default = "password",
      doc = "password: the role logs in with the Key Vault password; entra: the role is a Microsoft Entra principal" },
    { name = "subscription", type = "string", doc = "ARM coordinates of the server (optional): subscription id" },
    { name = "resource_group", type = "string", doc = "ARM: resource group of the server" },
    { name = "server_name", type = "string", doc = "ARM: the server's resource name" },
    { name = "keyvault_resource_group", type = "string", doc = "ARM: resource group of the Key Vault (default resource_group)" },
    { name = "open_keyvault", type = "boolean", default = false, doc = "open Key Vault public access for this run, then restore it" },
    { name = "client_ip", type = "string", pattern = "^[%d%.]+$", doc = "add a firewall rule for this IPv4 address for this run, then remove it" },
    { name = "sslmode", type = "string", doc = "libpq sslmode (default: require for remote servers)" },
  },
  outputs = { role = "the mirroring role", secret = "the Key Vault secret holding its password", tables = "tables to mirror",
    without_key = "tables that will mirror with REPLICA IDENTITY FULL", unsupported_columns = "columns Fabric skips" },
  usage = "tarn run postgres-prep --set server=pg-dev.postgres.database.azure.com --set admin_user=pgadmin \\\n" ..
    "  --set admin_password_secret=postgres-admin-password --set keyvault=kv-dev",

  run = function(ctx, p)
    local scope = sql.scope(p.tables)
    local schemas = sql.schemas(scope)
    local sid = server_id(p)
    if (p.open_keyvault or p.client_ip) and not (p.subscription and p.resource_group) then
      error("open_keyvault and client_ip need the ARM coordinates (subscription, resource_group, server_name)", 0)
    end

    -- 1. Temporary openings, undone whatever happens.
    if p.open_keyvault then
      local vault_id = string.format("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.KeyVault/vaults/%s",
        p.subscription, p.keyvault_resource_group or p.resource_group, p.keyvault)
      ctx:temporary(arm.keyvault.public_access { vault = vault_id })
    end
    if p.client_ip then
      local rule = { server = sid, name = "tarn-postgres-prep", start_ip = p.client_ip, end_ip = p.client_ip }
      ctx:temporary {
        name = "firewall rule for " .. p.client_ip,
        check = function() return arm.postgres.plan_firewall_rule(rule) end,
        apply = function() arm.postgres.ensure_firewall_rule(rule) end,
        undo = function() arm.postgres.remove_firewall_rule{ server = sid, name = rule.name } end,
      }
    end

    local admin_password = p.admin_password
    if not admin_password and p.admin_password_secret then admin_password = keyvault.get(p.keyvault, p.admin_password_secret) end
    if not admin_password then admin_password = auth.token("postgres") end
    local settings = connection(p, admin_password)

    -- 2. Server readiness.
    if sid then
      local step = arm.postgres.mirroring_step({ server = sid, databases = { p.database } }, "server parameters for mirroring")
      local apply = step.apply
      step.apply = function()
        local detail = apply()
        -- A restart may have happened: go on once the server accepts connections again.
        tarn.wait { what = "PostgreSQL accepting connections", timeout = 600, interval = 5,
          fn = function() return pg.ready(settings) end }
        return detail
      end
      ctx:step(step)
    end
    local db <close> = pg.connect(settings)
    ctx:step {
      name = "server readiness",
      check = function()
        local s = sql.server_settings(db)
        local problems = {}
        if s.wal_level ~= "logical" then problems[#problems + 1] = "wal_level = logical (now " .. s.wal_level .. ")" end
        local mirrored = 1
        if s.mirror_databases and s.mirror_databases ~= "" then mirrored = select(2, s.mirror_databases:gsub(",", "")) + 1 end
        local needed = 8 + 3 * mirrored -- the default plus 3 per mirrored database
        if s.max_worker_processes < needed then
          problems[#problems + 1] = string.format("max_worker_processes >= %d (now %d)", needed, s.max_worker_processes)
        end
        if s.fabric_mirror_enabled ~= nil and s.fabric_mirror_enabled ~= "on" then
          problems[#problems + 1] = "azure.fabric_mirror_enabled = on (now " .. s.fabric_mirror_enabled .. ")"
        end
        if #problems > 0 then
          error("the server is not ready for mirroring; set " .. table.concat(problems, ", ") ..
            " (Azure portal: Server parameters, then restart; or pass subscription, resource_group and server_name so tarn sets them)", 0)
        end
        return false, "wal_level logical, max_worker_processes " .. s.max_worker_processes
      end,
    }

    -- 3. The role's password: Key Vault first, then the role, so the two never disagree. A
    -- value written but not yet given to the role is tagged pending; the next step applies it.
    local password, version, pending
    local function read_secret()
      local value, info = keyvault.try_get(p.keyvault, p.role_secret)
      if value then
        password, version, pending = value, info.version, info.tags["tarn-state"] == "pending"
      elseif info.code ~= "SecretNotFound" then
        error(info, 0)
      end
    end
    if p.auth_mode == "password" then
      read_secret()
      ctx:step {
        name = "role password in Key Vault",
        check = function()
          if not password then return "generate a password into secret " .. p.role_secret end
          if ctx.rotate then return "rotate: a new password into secret " .. p.role_secret end
          return false
        end,
        apply = function()
          keyvault.set(p.keyvault, p.role_secret, tarn.password{ length = 32 },
            { content_type = "text/plain", tags = { ["tarn-state"] = "pending", ["tarn-role"] = p.role } })
          read_secret()
          return "stored in " .. p.role_secret
        end,
      }
    end

    -- 4. The role, its attributes and its password.
    local state = sql.role_state(db, p.role, schemas)
    ctx:step {
      name = "role " .. p.role,
      check = function()
        if not state.exists then return "create " .. p.role end
        if not state.attributes then return "alter " .. p.role .. " to LOGIN REPLICATION CREATEDB CREATEROLE" end
        if p.auth_mode ~= "password" then return false end
        if pending or ctx.plan and not password then return "set the role's password from Key Vault" end
        local ok, err = sql.can_log_in(settings, p.role, password)
        if ok then return false, "logs in with the Key Vault password" end
        local text = tostring(err)
        if (type(err) == "table" and err.sqlstate == "28P01") or text:find("password authentication failed", 1, true) then
          error(string.format("role %s exists but does not log in with the password in Key Vault secret %s: run again " ..
            "with --rotate to set a new password in both, or update the secret to the role's password", p.role, p.role_secret), 0)
        end
        error(err, 0)
      end,
      apply = function()
        if not state.exists and p.auth_mode == "entra" then
          db:query("SELECT * FROM pgaadauth_create_principal($1, false, false)", p.role)
          state.exists = true
        end
        sql.set_role(db, p.role, p.auth_mode == "password" and password or nil, state.exists)
        if pending then keyvault.update(p.keyvault, p.role_secret, { version = version, tags = { ["tarn-state"] = "applied", ["tarn-role"] = p.role } }) end
        state = sql.role_state(db, p.role, schemas)
      end,
    }

    ctx:step {
      name = "grants",
      check = function()
        if not state.cdc_role_exists then
          error(string.format("the server is not enabled for Fabric mirroring: role azure_cdc_admin does not exist in %s. " ..
            "Enable it in the Azure portal (server > Fabric mirroring > select %s > Prepare; the server restarts), or with " ..
            "'az postgres flexible-server fabric-mirroring start -g <group> -s <server> --database-names %s', or pass " ..
            "subscription, resource_group and server_name so tarn does it", p.database, p.database, p.database), 0)
        end
        for _, s in ipairs(schemas) do
          local present = false
          for _, q in ipairs(state.schemas_present) do present = present or q == s end
          if not present then error(string.format("schema %s does not exist in %s", s, p.database), 0) end
        end
        return sql.missing_grants(state) or false
      end,
      apply = function()
        sql.grant(db, p.role, state, p.database)
        state = sql.role_state(db, p.role, schemas)
      end,
    }

    -- 5. The seed table, so Fabric always finds a table to replicate.
    ctx:step {
      name = "seed table public.fabric_mirror_seed",
      check = function()
        local s = sql.seed_state(db, p.role)
        if not s.exists then return "create it with one row, owned by " .. p.role end
        if not s.owned then return "give it to " .. p.role end
        return false
      end,
      apply = function() sql.ensure_seed(db, p.role) end,
    }

    -- 6. Ownership of every table to mirror, in one batch.
    local report = sql.table_report(db, p.role, scope)
    ctx:step {
      name = "table ownership",
      check = function()
        if report.not_owned == 0 then return false, report.total .. " tables owned by " .. p.role end
        return string.format("give %d of %d tables to %s", report.not_owned, report.total, p.role)
      end,
      apply = function()
        local moved = sql.transfer_ownership(db, p.role, scope)
        return string.format("gave %d tables to %s", moved, p.role)
      end,
    }
    if #report.no_key > 0 then
      log.warn("%d table(s) without a primary key or non-null unique index mirror with REPLICA IDENTITY FULL (slower, more WAL): %s",
        #report.no_key, table.concat(report.no_key, ", ", 1, math.min(10, #report.no_key)))
    end
    if #report.unsupported > 0 then
      log.warn("%d column(s) of types Fabric may not mirror are skipped: %s", #report.unsupported,
        table.concat(report.unsupported, ", ", 1, math.min(10, #report.unsupported)))
    end
    if report.total > sql.table_limit then
      log.warn("%d tables to mirror: more than Fabric's documented limit of %d", report.total, sql.table_limit)
    end

    -- 7. Verification as the role itself.
    ctx:step {
      name = "verify",
      check = function()
        if ctx.plan and (not state.exists or not password) then return false, "skipped in plan mode: the role is not there yet" end
        if p.auth_mode == "password" then
          local ok, err = sql.can_log_in(settings, p.role, password)
          if not ok then error("the role cannot log in: " .. tostring(err), 0) end
        end
        local final = sql.role_state(db, p.role, schemas)
        if not (final.attributes and final.cdc_granted and final.db_create and #final.schemas_missing == 0) and not ctx.plan then
          error("the role lacks " .. (sql.missing_grants(final) or "LOGIN REPLICATION CREATEDB CREATEROLE"), 0)
        end
        local after = sql.table_report(db, p.role, scope)
        if after.not_owned > 0 and not ctx.plan then error(after.not_owned .. " tables are still not owned by " .. p.role, 0) end
        return false, string.format("%s: login ok, grants ok, %d tables owned", p.role, after.total - after.not_owned)
      end,
    }

    return { role = p.role, secret = p.auth_mode == "password" and p.role_secret or nil, tables = report.total,
      without_key = #report.no_key, unsupported_columns = #report.unsupported }
  end,
}
