--- fabric.mirroring: the mirroring.json part of a mirrored database's definition, built and
--- checked against the documented schema (docs/api/fabric.md, "mirroring.json").
local args = require("fabric.args")

local mirroring = {}

-- Source types of the newer definition article ("Additional source types may be added over
-- time": others pass with their own shape unchecked beyond the common fields).
local SOURCE_TYPES = {
  AzureMySql = true, AzurePostgreSql = true, AzureSqlDatabase = true, AzureSqlMI = true, CosmosDb = true,
  GenericMirror = true, GoogleBigQuery = true, MSSQL = true, Oracle = true, SAP = true, SharePointList = true,
  Snowflake = true, SqlServer2025 = true,
}
local NO_CONNECTION = { GenericMirror = true, SAP = true }
local NEEDS_DATABASE = { Snowflake = true, CosmosDb = true }

local function is_guid(s)
  return type(s) == "string" and s:match("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$") ~= nil
end
mirroring.is_guid = is_guid

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

-- Collects the problems of a decoded mirroring.json; each names the field and what it expects.
local function problems(doc)
  local out = {}
  local function bad(path, expected, got)
    out[#out + 1] = string.format("%s must be %s%s", path, expected, got ~= nil and (", got " .. show(got)) or "")
  end
  local function object(v, path)
    if type(v) ~= "table" then
      bad(path, "an object", v)
      return false
    end
    return true
  end
  if not object(doc, "the document") then return out end
  local p = doc.properties
  if not object(p, "properties") then return out end
  if object(p.source, "properties.source") then
    local s = p.source
    if type(s.type) ~= "string" or s.type == "" then
      bad("properties.source.type", "a source type such as \"AzurePostgreSql\"", s.type)
    end
    local tp = s.typeProperties
    if tp ~= nil and type(tp) ~= "table" then bad("properties.source.typeProperties", "an object", tp) end
    tp = type(tp) == "table" and tp or {}
    if tp.connection ~= nil and not is_guid(tp.connection) then
      bad("properties.source.typeProperties.connection", "a connection id (a GUID)", tp.connection)
    elseif tp.connection == nil and type(s.type) == "string" and SOURCE_TYPES[s.type] and not NO_CONNECTION[s.type] then
      bad("properties.source.typeProperties.connection", "the id of the source's Fabric connection (required for " .. s.type .. ")")
    end
    if tp.database ~= nil and (type(tp.database) ~= "string" or tp.database == "") then
      bad("properties.source.typeProperties.database", "a non-empty string", tp.database)
    elseif tp.database == nil and NEEDS_DATABASE[s.type] then
      bad("properties.source.typeProperties.database", "the source database's name (required for " .. s.type .. ")")
    end
  end
  if object(p.target, "properties.target") then
    local t = p.target
    if t.type ~= "MountedRelationalDatabase" then bad("properties.target.type", "\"MountedRelationalDatabase\"", t.type) end
    if object(t.typeProperties, "properties.target.typeProperties") then
      local tp = t.typeProperties
      if tp.format ~= "Delta" then bad("properties.target.typeProperties.format", "\"Delta\"", tp.format) end
      local r = tp.retentionInDays
      if r ~= nil and (math.type(r) ~= "integer" or r < 1 or r > 30) then
        bad("properties.target.typeProperties.retentionInDays", "a whole number of days from 1 to 30", r)
      end
      if tp.defaultSchema ~= nil and (type(tp.defaultSchema) ~= "string" or tp.defaultSchema == "") then
        bad("properties.target.typeProperties.defaultSchema", "a non-empty string", tp.defaultSchema)
      end
      if tp.enableDeltaChangeDataFeed ~= nil and type(tp.enableDeltaChangeDataFeed) ~= "boolean" then
        bad("properties.target.typeProperties.enableDeltaChangeDataFeed", "a boolean", tp.enableDeltaChangeDataFeed)
      end
    end
  end
  if p.mountedTables ~= nil then
    if type(p.mountedTables) ~= "table" then
      bad("properties.mountedTables", "a list of tables", p.mountedTables)
    else
      for i, m in ipairs(p.mountedTables) do
        local path = string.format("properties.mountedTables[%d].source.typeProperties", i)
        local tp = type(m) == "table" and type(m.source) == "table" and m.source.typeProperties
        if type(tp) ~= "table" then
          bad(path, "an object with schemaName and tableName")
        else
          for _, key in ipairs({ "schemaName", "tableName" }) do
            if type(tp[key]) ~= "string" or tp[key] == "" then bad(path .. "." .. key, "a non-empty string", tp[key]) end
          end
        end
      end
    end
  end
  return out
end

function mirroring.validate(doc)
  local fname = "fabric.mirroring.validate"
  if type(doc) == "string" then
    local ok, decoded = pcall(json.decode, doc)
    if not ok then args.fail(fname, "mirroring.json is not JSON: " .. tostring(decoded), 2) end
    doc = decoded
  end
  local found = problems(doc)
  if #found > 0 then args.fail(fname, "mirroring.json: " .. table.concat(found, "; "), 2) end
  return doc
end

-- "schema.table" or {schema=, table=} -> a mountedTables entry.
local function mounted(t, i, fname)
  local schema, name
  if type(t) == "string" then
    schema, name = t:match("^([^.]+)%.(.+)$")
    if not schema then
      args.fail(fname, string.format("tables[%d] must be \"schema.table\", got %q", i, t), 3)
    end
  elseif type(t) == "table" then
    schema, name = t.schema, t.table
    if type(schema) ~= "string" or schema == "" or type(name) ~= "string" or name == "" then
      args.fail(fname, string.format("tables[%d] must have non-empty schema and table", i), 3)
    end
  else
    args.fail(fname, string.format("tables[%d] must be \"schema.table\" or {schema=, table=}, got %s", i, type(t)), 3)
  end
  return { source = { typeProperties = { schemaName = schema, tableName = name } } }
end

function mirroring.postgres(opts)
  local fname = "fabric.mirroring.postgres"
  opts = args.options(opts, fname, { "connection", "database", "default_schema", "tables", "retention_days",
    "change_data_feed" })
  local connection = opts.connection
  if not is_guid(connection) then
    args.fail(fname, "'connection' must be the Fabric connection id (a GUID such as " ..
      "0f0e1d2c-3b4a-5968-7a8b-9c0d1e2f3a4b; fabric.connections.find gives it), got " .. show(connection), 2)
  end
  args.field(opts, "database", "id", fname)
  args.field(opts, "default_schema", "id", fname)
  args.field(opts, "change_data_feed", "boolean", fname)
  local r = opts.retention_days
  if r ~= nil and (math.type(r) ~= "integer" or r < 1 or r > 30) then
    args.fail(fname, "'retention_days' must be a whole number from 1 to 30, got " .. show(r), 2)
  end
  if opts.tables ~= nil and type(opts.tables) ~= "table" then
    args.fail(fname, "'tables' must be a list of \"schema.table\" (omit it to mirror every table)", 2)
  end
  local doc = {
    properties = {
      source = { type = "AzurePostgreSql", typeProperties = { connection = connection, database = opts.database } },
      target = {
        type = "MountedRelationalDatabase",
        typeProperties = {
          format = "Delta", defaultSchema = opts.default_schema, retentionInDays = r,
          enableDeltaChangeDataFeed = opts.change_data_feed,
        },
      },
    },
  }
  if opts.tables then
    if #opts.tables == 0 then
      args.fail(fname, "'tables' is empty: list the tables to mirror, or omit it to mirror every table", 2)
    end
    local list = {}
    for i, t in ipairs(opts.tables) do list[i] = mounted(t, i, fname) end
    doc.properties.mountedTables = list
  end
  local found = problems(doc)
  if #found > 0 then args.fail(fname, "mirroring.json: " .. table.concat(found, "; "), 2) end
  return json.encode(doc, { pretty = true }), doc
end

return mirroring
