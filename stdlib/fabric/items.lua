--- fabric.items: any item of a workspace through the generic Items API, definitions included.
--- A definition is a table of part path -> decoded text ({["mirroring.json"] = "{...}",
--- [".platform"] = "{...}"}); tarn does the base64 both ways.
local core = require("fabric.core")
local args = require("fabric.args")
local call = require("fabric.call")

local items = {}

--- Encodes a parts table (path -> text) for a request; nil stays nil.
function items.encode_definition(parts, format, fname)
  if parts == nil then return nil end
  if type(parts) ~= "table" then args.fail(fname, "'definition' must be a table of part path -> text", 4) end
  return core.encode_definition(parts, format)
end

--- POST …/getDefinition on `path` (a list of segments): the parts table and the format.
function items.fetch_definition(path, opts, label)
  local body = call.send({
    method = "POST", path = args.append(path, { "getDefinition" }),
    query = opts.format and { format = opts.format } or nil, label = label,
  }, { timeout = opts.timeout })
  if type(body) ~= "table" or type(body.definition) ~= "table" then
    call.raise({ message = label .. ": the answer holds no definition", code = "bad_definition" })
  end
  return core.decode_definition(body.definition)
end

--- POST …/updateDefinition on `path` with a parts table.
function items.store_definition(path, parts, opts, label, fname)
  local query = nil
  if opts.update_metadata ~= nil then query = { updateMetadata = opts.update_metadata } end
  return (call.send({
    method = "POST", path = args.append(path, { "updateDefinition" }), query = query, label = label,
    body = { definition = items.encode_definition(parts, opts.format, fname) }, expect_result = false,
  }, opts))
end

function items.list(ws, opts)
  local fname = "fabric.items.list"
  args.id(ws, fname, "workspace")
  opts = args.options(opts, fname, { "type", "recursive", "root_folder_id", "include" })
  local query = {
    type = args.field(opts, "type", "string", fname),
    recursive = args.field(opts, "recursive", "boolean", fname),
    rootFolderId = args.field(opts, "root_folder_id", "id", fname),
    include = args.field(opts, "include", "string", fname, { "DefaultIdentity" }),
  }
  return call.pages({ path = { "workspaces", ws, "items" }, query = query })
end

function items.get(ws, id, opts)
  local fname = "fabric.items.get"
  args.id(ws, fname, "workspace")
  args.id(id, fname, "item")
  opts = args.options(opts, fname, { "include" })
  local include = args.field(opts, "include", "string", fname, { "DefaultIdentity" })
  return (call.send({ path = { "workspaces", ws, "items", id }, query = { include = include } }))
end

function items.find(ws, name, type_)
  local fname = "fabric.items.find"
  args.id(ws, fname, "workspace")
  args.id(name, fname, "name")
  args.id(type_, fname, "type")
  return call.by_name(items.list(ws, { type = type_ }), name)
end

function items.create(ws, opts)
  local fname = "fabric.items.create"
  args.id(ws, fname, "workspace")
  opts = args.options(opts, fname, { "display_name", "type", "description", "folder_id", "definition", "format",
    "creation_payload", "wait", "timeout" })
  local name = args.required(opts, "display_name", "id", fname)
  local body = {
    displayName = name,
    type = args.required(opts, "type", "id", fname),
    description = args.field(opts, "description", "string", fname),
    folderId = args.field(opts, "folder_id", "id", fname),
    creationPayload = args.field(opts, "creation_payload", "table", fname),
  }
  if opts.definition ~= nil and opts.creation_payload ~= nil then
    args.fail(fname, "give 'definition' or 'creation_payload', not both", 2)
  end
  body.definition = items.encode_definition(opts.definition, opts.format, fname)
  return (call.send({
    method = "POST", path = { "workspaces", ws, "items" }, body = body,
    label = string.format("create %s '%s'", body.type, name),
  }, { wait = opts.wait, timeout = opts.timeout }))
end

function items.update(ws, id, opts)
  local fname = "fabric.items.update"
  args.id(ws, fname, "workspace")
  args.id(id, fname, "item")
  opts = args.options(opts, fname, { "display_name", "description" })
  local body = {
    displayName = args.field(opts, "display_name", "id", fname),
    description = args.field(opts, "description", "string", fname),
  }
  if next(body) == nil then args.fail(fname, "nothing to update (give display_name and/or description)", 2) end
  return (call.send({ method = "PATCH", path = { "workspaces", ws, "items", id }, body = body }))
end

function items.delete(ws, id, opts)
  local fname = "fabric.items.delete"
  args.id(ws, fname, "workspace")
  args.id(id, fname, "item")
  opts = args.options(opts, fname, { "hard" })
  local hard = args.field(opts, "hard", "boolean", fname)
  return call.delete(call.send, {
    method = "DELETE", path = { "workspaces", ws, "items", id }, query = hard and { hardDelete = true } or nil,
  })
end

function items.get_definition(ws, id, opts)
  local fname = "fabric.items.get_definition"
  args.id(ws, fname, "workspace")
  args.id(id, fname, "item")
  opts = args.options(opts, fname, { "format", "timeout" })
  args.field(opts, "format", "string", fname)
  return items.fetch_definition({ "workspaces", ws, "items", id }, opts, "get definition of item " .. id)
end

function items.update_definition(ws, id, parts, opts)
  local fname = "fabric.items.update_definition"
  args.id(ws, fname, "workspace")
  args.id(id, fname, "item")
  if type(parts) ~= "table" then args.fail(fname, "bad argument 'parts' (a table of part path -> text expected)", 2) end
  opts = args.options(opts, fname, { "format", "update_metadata", "wait", "timeout" })
  args.field(opts, "update_metadata", "boolean", fname)
  return items.store_definition({ "workspaces", ws, "items", id }, parts, opts, "update definition of item " .. id, fname)
end

return items
