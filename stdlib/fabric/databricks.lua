--- fabric.databricks: mirrored Azure Databricks catalogs (Fabric items mirroring a Unity
--- Catalog) and the discovery of a Databricks workspace's catalogs, schemas and tables
--- through its Fabric connection.
local args = require("fabric.args")
local call = require("fabric.call")
local definition = require("fabric.definition")

local databricks = {}

local MODES = { "Full", "Partial" }
local AUTO_SYNC = { "Enabled", "Disabled" }
-- The definition part: definition.json in the spec's examples, mirroringAzureDatabricksCatalog.json
-- in the definition article (docs/api/fabric.md, "Databricks definitions").
local PARTS = { "definition.json", "mirroringAzureDatabricksCatalog.json" }
-- Each setting and the key spellings seen for it, the spec's first.
local KEYS = {
  catalog_name = { "catalogName", "name" },
  connection_id = { "databricksWorkspaceConnectionId", "databrickWorkspaceConnectionId" },
  auto_sync = { "autoSync" },
  mirroring_mode = { "mirroringMode" },
  storage_connection_id = { "storageConnectionId" },
  mirror_configuration = { "mirrorConfiguration" },
}

local function path(ws, id, ...)
  local p = { "workspaces", ws, "mirroredAzureDatabricksCatalogs" }
  if id then p[#p + 1] = id end
  return args.append(p, { ... })
end

local function ids(fname, ws, id)
  args.id(ws, fname, "workspace", 3)
  if id ~= false then args.id(id, fname, "catalog item", 3) end
end

function databricks.list(ws)
  ids("fabric.databricks.list", ws, false)
  return call.pages({ path = path(ws) })
end

function databricks.get(ws, id)
  ids("fabric.databricks.get", ws, id)
  return (call.send({ path = path(ws, id) }))
end

function databricks.find(ws, name)
  ids("fabric.databricks.find", ws, false)
  args.id(name, "fabric.databricks.find", "name")
  return call.by_name(databricks.list(ws), name)
end

function databricks.create(ws, opts)
  local fname = "fabric.databricks.create"
  ids(fname, ws, false)
  opts = args.options(opts, fname, { "display_name", "description", "folder_id", "catalog_name", "connection_id",
    "mirroring_mode", "storage_connection_id", "definition", "wait", "timeout" })
  local name = args.required(opts, "display_name", "id", fname)
  local body = {
    displayName = name,
    description = args.field(opts, "description", "string", fname),
    folderId = args.field(opts, "folder_id", "id", fname),
  }
  if opts.definition ~= nil then
    if opts.catalog_name or opts.connection_id or opts.mirroring_mode or opts.storage_connection_id then
      args.fail(fname, "give a 'definition' or the creation settings (catalog_name, connection_id, ...), not both", 2)
    end
    body.definition = definition.encode(opts.definition, nil, fname)
  else
    body.creationPayload = {
      catalogName = args.required(opts, "catalog_name", "id", fname),
      databricksWorkspaceConnectionId = args.required(opts, "connection_id", "id", fname),
      mirroringMode = args.field(opts, "mirroring_mode", "string", fname, MODES) or "Full",
      storageConnectionId = args.field(opts, "storage_connection_id", "id", fname),
    }
  end
  return (call.send({
    method = "POST", path = path(ws), body = body, label = string.format("create mirrored Databricks catalog '%s'", name),
  }, { wait = opts.wait, timeout = opts.timeout }))
end

function databricks.update(ws, id, opts)
  local fname = "fabric.databricks.update"
  ids(fname, ws, id)
  opts = args.options(opts, fname, { "display_name", "description", "mirroring_mode", "auto_sync",
    "storage_connection_id" })
  local props = {
    mirroringMode = args.field(opts, "mirroring_mode", "string", fname, MODES),
    autoSync = args.field(opts, "auto_sync", "string", fname, AUTO_SYNC),
    storageConnectionId = args.field(opts, "storage_connection_id", "id", fname),
  }
  local body = {
    displayName = args.field(opts, "display_name", "id", fname),
    description = args.field(opts, "description", "string", fname),
    properties = next(props) and props or nil,
  }
  if next(body) == nil then args.fail(fname, "nothing to update", 2) end
  return (call.send({ method = "PATCH", path = path(ws, id), body = body }))
end

function databricks.delete(ws, id, opts)
  local fname = "fabric.databricks.delete"
  ids(fname, ws, id)
  opts = args.options(opts, fname, { "hard" })
  local hard = args.field(opts, "hard", "boolean", fname)
  return call.delete(call.send, { method = "DELETE", path = path(ws, id), query = hard and { hardDelete = true } or nil })
end

-- The settings part of a parts table: its path and decoded JSON, or nil.
local function settings_part(parts)
  for _, p in ipairs(PARTS) do
    if parts[p] ~= nil then
      local ok, doc = pcall(json.decode, parts[p])
      if not ok or type(doc) ~= "table" then
        call.raise({ message = "definition part '" .. p .. "' is not a JSON object", code = "bad_definition" })
      end
      return p, doc
    end
  end
  return nil
end

--- Reads the catalog settings of a decoded definition part, whichever spellings it uses.
function databricks.settings_of(parts)
  local part, doc = settings_part(parts)
  if not part then return nil end
  local out = { part = part }
  for setting, keys in pairs(KEYS) do
    for _, k in ipairs(keys) do
      if doc[k] ~= nil and doc[k] ~= json.null then
        out[setting] = doc[k]
        break
      end
    end
  end
  if type(out.auto_sync) == "boolean" then out.auto_sync = out.auto_sync and "Enabled" or "Disabled" end
  return out
end

function databricks.get_definition(ws, id, opts)
  local fname = "fabric.databricks.get_definition"
  ids(fname, ws, id)
  opts = args.options(opts, fname, { "format", "timeout" })
  local parts, format = definition.fetch(path(ws, id), opts, "get definition of mirrored Databricks catalog " .. id)
  return parts, format, databricks.settings_of(parts)
end

function databricks.update_definition(ws, id, parts, opts)
  local fname = "fabric.databricks.update_definition"
  ids(fname, ws, id)
  if type(parts) ~= "table" then args.fail(fname, "bad argument 'parts' (a table of part path -> text expected)", 2) end
  opts = args.options(opts, fname, { "format", "update_metadata", "wait", "timeout" })
  return definition.store(path(ws, id), parts, opts, "update definition of mirrored Databricks catalog " .. id, fname)
end

function databricks.update_settings(ws, id, changes, opts)
  local fname = "fabric.databricks.update_settings"
  ids(fname, ws, id)
  local allowed = {}
  for k in pairs(KEYS) do allowed[#allowed + 1] = k end
  changes = args.options(changes, fname, allowed)
  args.field(changes, "auto_sync", "string", fname, AUTO_SYNC)
  args.field(changes, "mirroring_mode", "string", fname, MODES)
  opts = args.options(opts, fname, { "wait", "timeout" })
  local parts = databricks.get_definition(ws, id)
  local part, doc = settings_part(parts)
  if not part then
    call.raise({
      message = "mirrored Databricks catalog " .. id .. ": its definition has neither " .. table.concat(PARTS, " nor "),
      code = "bad_definition",
    })
  end
  for setting, value in pairs(changes) do
    local keys, key = KEYS[setting], nil
    for _, k in ipairs(keys) do
      if doc[k] ~= nil then key = k break end
    end
    key = key or keys[1]
    if setting == "auto_sync" and type(doc[key]) == "boolean" then value = value == "Enabled" end
    doc[key] = value
  end
  -- .platform goes back only with updateMetadata (the service refuses it otherwise).
  local out = {}
  for p, text in pairs(parts) do
    if p ~= ".platform" then out[p] = text end
  end
  out[part] = json.encode(doc, { pretty = true })
  definition.store(path(ws, id), out, opts, "update definition of mirrored Databricks catalog " .. id, fname)
  return databricks.settings_of(out)
end

function databricks.refresh_metadata(ws, id, opts)
  local fname = "fabric.databricks.refresh_metadata"
  ids(fname, ws, id)
  opts = args.options(opts, fname, { "wait", "timeout" })
  return (call.send({
    method = "POST", path = path(ws, id, "refreshCatalogMetadata"), expect_result = false,
    label = "refresh metadata of mirrored Databricks catalog " .. id,
  }, opts))
end

-- Discovery pages carry a capital-E `Error` when the workspace could not be read.
local function discovery(p, connection_id, opts, fname)
  opts = args.options(opts, fname, { "max_results" }, 3)
  args.field(opts, "max_results", "number", fname, nil, 3)
  return call.pages({
    path = p, query = { databricksWorkspaceConnectionId = connection_id, maxResults = opts.max_results },
  }, function(page)
    local e = type(page) == "table" and page.Error
    if type(e) == "table" then
      call.raise({ message = fname .. ": " .. tostring(e.message or "the Databricks workspace could not be read"),
        code = e.errorCode, request_id = e.requestId })
    end
  end)
end

function databricks.catalogs(ws, connection_id, opts)
  local fname = "fabric.databricks.catalogs"
  args.id(ws, fname, "workspace")
  args.id(connection_id, fname, "connection_id")
  return discovery({ "workspaces", ws, "azureDatabricks", "catalogs" }, connection_id, opts, fname)
end

function databricks.schemas(ws, connection_id, catalog, opts)
  local fname = "fabric.databricks.schemas"
  args.id(ws, fname, "workspace")
  args.id(connection_id, fname, "connection_id")
  args.id(catalog, fname, "catalog")
  return discovery({ "workspaces", ws, "azureDatabricks", "catalogs", catalog, "schemas" }, connection_id, opts, fname)
end

function databricks.tables(ws, connection_id, catalog, schema, opts)
  local fname = "fabric.databricks.tables"
  args.id(ws, fname, "workspace")
  args.id(connection_id, fname, "connection_id")
  args.id(catalog, fname, "catalog")
  args.id(schema, fname, "schema")
  return discovery({ "workspaces", ws, "azureDatabricks", "catalogs", catalog, "schemas", schema, "tables" },
    connection_id, opts, fname)
end

return databricks
