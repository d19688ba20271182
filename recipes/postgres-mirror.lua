-- postgres-mirror: mirrors a PostgreSQL database into a Fabric workspace — the connection,
-- the mirrored database, mirroring started — and waits until every table replicates.
-- Run postgres-prep first: it creates the role and keeps its password in Key Vault.
local GUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"

local PORTAL_STEPS = [[
Fabric refused to create the connection (%s). Create it in the portal:
  1. Open the Fabric workspace > Settings > Manage connections and gateways > New connection.
  2. Choose Cloud, type "Azure Database for PostgreSQL" (or PostgreSQL).
  3. Server: %s   Database: %s
  4. Authentication: Basic, user %s, password from Key Vault secret %s (vault %s).
  5. Keep "Use encrypted connection" checked, save, and copy the connection id.
Then run again with --set connection=<connection id>.]]

local function resolve_workspace(ws)
  if ws:match(GUID) then return ws end
  local found = fabric.workspaces.find(ws)
  if not found then tarn.usage_error("no Fabric workspace named '%s' (pass its name or id)", ws) end
  return found.id
end

-- The mirroring.json this run wants.
local function wanted(p, connection_id)
  return select(2, fabric.mirroring.postgres { connection = connection_id, database = p.database, default_schema = p.default_schema,
    tables = p.tables, retention_days = p.retention_days })
end

local function same_json(a, b) return json.encode(a) == json.encode(b) end

local function table_line(t)
  local m = t.metrics or {}
  return string.format("%s.%s %s %s rows", t.sourceSchemaName or "?", t.sourceTableName or "?", t.status or "?",
    tostring(m.processedRows or 0))
end

return {
  name = "postgres-mirror",
  description = "Mirror a PostgreSQL database into Fabric: connection, mirrored database, start, wait until tables replicate",
  params = {
    { name = "workspace", type = "string", required = true, doc = "Fabric workspace name or id" },
    { name = "name", type = "string", doc = "mirrored database name (default pg-mirror-<azd env> when an azd environment is in use)" },
    { name = "server", type = "string", required = true, doc = "PostgreSQL server host name (FQDN)" },
    { name = "database", type = "string", default = "postgres" },
    { name = "connection", type = "string", azd = "fabricPostgresConnectionId",
      doc = "Fabric connection id or name; found by server and database, or created, when not given" },
    { name = "keyvault", type = "string", doc = "Key Vault with the role's password (to create the connection)" },
    { name = "role", type = "string", default = "fabric_user" },
    { name = "role_secret", type = "string", default = "postgres-fabric-user-password" },
    { name = "tables", type = "list", doc = "schema.table entries to mirror (default: every table)" },
    { name = "default_schema", type = "string" },
    { name = "retention_days", type = "integer", min = 1, max = 30 },
    { name = "grant_server_identity", type = "boolean", default = false,
      doc = "give the server's managed identity Contributor on the workspace (needs the ARM coordinates)" },
    { name = "subscription", type = "string" },
    { name = "resource_group", type = "string" },
    { name = "server_name", type = "string" },
    { name = "timeout", type = "integer", default = 1800, min = 10, doc = "seconds to wait for replication" },
  },
  outputs = { mirrored_database = "the mirrored database id", connection = "the connection id", tables = "tables replicating" },
  usage = "tarn run postgres-mirror --set workspace=Sales --set server=pg-dev.postgres.database.azure.com --set keyvault=kv-dev",

  run = function(ctx, p)
    local name = p.name or (ctx.azd_env and ("pg-mirror-" .. ctx.azd_env))
    if not name then tarn.usage_error("missing parameter 'name': pass --set name=<mirrored database name> (or use an azd environment)") end
    local ws = resolve_workspace(p.workspace)

    -- 1. The connection.
    local conn_id
    local function find_connection()
      if p.connection and p.connection:match(GUID) then return fabric.connections.get(p.connection).id end
      if p.connection then
        for c in fabric.connections.list():iter() do if c.displayName == p.connection then return c.id end end
        tarn.usage_error("no Fabric connection named '%s'", p.connection)
      end
      local c = fabric.connections.find { server = p.server, database = p.database }
      return c and c.id
    end
    ctx:step {
      name = "connection",
      check = function()
        conn_id = find_connection()
        if conn_id then return false, conn_id end
        if not p.keyvault then
          tarn.usage_error("no connection to %s/%s exists: pass --set connection=<id>, or --set keyvault=<vault> to create one", p.server, p.database)
        end
        return "create a ShareableCloud PostgreSQL connection to " .. p.server .. "/" .. p.database
      end,
      apply = function()
        local ctype
        for t in fabric.connections.supported_types():iter() do
          if t.type == "AzurePostgreSQL" or (not ctype and t.type == "PostgreSQL") then ctype = t end
        end
        if not ctype then tarn.usage_error(PORTAL_STEPS, "no PostgreSQL connection type offered", p.server, p.database, p.role, p.role_secret, p.keyvault) end
        local ok, created = pcall(fabric.connections.create, {
          display_name = string.format("%s %s", p.server, p.database), type = ctype.type,
          creation_method = ctype.creationMethods[1].name, parameters = { server = p.server, database = p.database },
          credential = { type = "Basic", username = p.role, password = keyvault.get(p.keyvault, p.role_secret) },
          encryption = "Encrypted", privacy_level = "Organizational",
        })
        if not ok then
          if tarn.is_error(created) and created.status and created.status >= 400 and created.status < 500 and created.status ~= 429 then
            tarn.usage_error(PORTAL_STEPS, tostring(created.code or created.message), p.server, p.database, p.role, p.role_secret, p.keyvault)
          end
          error(created, 0)
        end
        conn_id = created.id
        return "created " .. conn_id
      end,
    }
    if ctx.plan and not conn_id then conn_id = "00000000-0000-0000-0000-000000000000" end -- what plan mode compares against
    if ctx.azd_env then
      ctx:step {
        name = "azd environment",
        check = function()
          local values = tarn.azd.read(ctx.azd_env) or {}
          if values.fabricPostgresConnectionId == conn_id then return false end
          return "set fabricPostgresConnectionId in " .. ctx.azd_env
        end,
        apply = function() tarn.azd.set(ctx.azd_env, "fabricPostgresConnectionId", conn_id) end,
      }
    end

    -- 2. The server's identity writes into OneLake: it needs a workspace role.
    if p.grant_server_identity then
      if not (p.subscription and p.resource_group and p.server_name) then
        tarn.usage_error("grant_server_identity needs subscription, resource_group and server_name")
      end
      local sid = string.format("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s",
        p.subscription, p.resource_group, p.server_name)
      ctx:step {
        name = "workspace role for the server's identity",
        check = function()
          local identity = arm.postgres.identity(sid)
          if not identity or not identity.principalId then error("the server has no system-assigned identity: run postgres-prep with the ARM coordinates", 0) end
          local has = fabric.workspaces.role_assignments(ws):find(function(a) return a.principal and a.principal.id == identity.principalId end)
          if has then return false, has.role end
          return "make " .. identity.principalId .. " Contributor"
        end,
        apply = function()
          local identity = arm.postgres.identity(sid)
          fabric.workspaces.add_role_assignment(ws, { principal_id = identity.principalId, principal_type = "ServicePrincipal", role = "Contributor" })
        end,
      }
    end

    -- 3. The mirrored database and its definition.
    local db_id
    ctx:step {
      name = "mirrored database " .. name,
      check = function()
        local found = fabric.mirrored_databases.find(ws, name)
        if not found then return "create it" end
        db_id = found.id
        local current = json.decode(fabric.mirrored_databases.get_definition(ws, db_id)["mirroring.json"])
        if same_json(current, wanted(p, conn_id)) then return false, db_id end
        log.debug("mirroring.json now: %s; wanted: %s", json.encode(current), json.encode(wanted(p, conn_id)))
        local status = fabric.mirrored_databases.mirroring_status(ws, db_id).status
        if status ~= "Initialized" and status ~= "Stopped" then
          error(string.format("the definition of %s differs (connection, database, schema or tables) but mirroring is %s: " ..
            "stop it first (fabric.mirrored_databases.stop_mirroring) — restarting reseeds every table", name, status), 0)
        end
        return "update its definition"
      end,
      apply = function()
        if db_id then
          fabric.mirrored_databases.update_definition(ws, db_id, { ["mirroring.json"] = json.encode(wanted(p, conn_id), { pretty = true }) })
          return "definition updated"
        end
        db_id = fabric.mirrored_databases.create(ws, { display_name = name, mirroring = wanted(p, conn_id) }).id
        return "created " .. db_id
      end,
    }

    -- 4. Mirroring started (Fabric does not start it by itself).
    ctx:step {
      name = "mirroring started",
      check = function()
        if not db_id then return "start mirroring" end
        local status = fabric.mirrored_databases.mirroring_status(ws, db_id).status
        if status == "Running" or status == "Starting" then return false, status end
        if status == "Initializing" then
          fabric.mirrored_databases.wait_for(ws, db_id, { "Initialized", "Stopped", "Running" }, { timeout = p.timeout })
        end
        return "start (now " .. tostring(status) .. ")"
      end,
      apply = function() fabric.mirrored_databases.start_mirroring(ws, db_id) end,
    }

    -- 5. Running, every table replicating; a failed table ends the run.
    local tables = 0
    ctx:step {
      name = "replication",
      check = function()
        if ctx.plan then return false, "not waited for in plan mode" end
        fabric.mirrored_databases.wait_for(ws, db_id, "Running", { timeout = p.timeout })
        tarn.wait { what = "tables replicating", timeout = p.timeout, interval = 2, fn = function()
          local all, lines, done = fabric.mirrored_databases.tables_mirroring_status(ws, db_id):all(), {}, true
          for _, t in ipairs(all) do
            if t.status == "Failed" then
              local e = t.error or {}
              error(string.format("table %s.%s failed: %s", t.sourceSchemaName, t.sourceTableName, tostring(e.message or e.errorCode or "no detail")), 0)
            end
            done = done and t.status == "Replicating"
            lines[#lines + 1] = table_line(t)
          end
          tables = #all
          return done and #all > 0, table.concat(lines, " | ")
        end }
        return false, tables .. " tables replicating"
      end,
    }
    return { mirrored_database = db_id, connection = conn_id, tables = tables }
  end,
}
