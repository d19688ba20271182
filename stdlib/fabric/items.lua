--- fabric.items: any item of a workspace through the generic Items API, definitions included.
--- A definition is a table of part path -> decoded text ({["mirroring.json"] = "{...}",
--- [".platform"] = "{...}"}); tarn does the base64 both ways.
local args = require("fabric.args")
local call = require("fabric.call")
local definition = require("fabric.definition")

local items = {}

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
  body.definition = definition.encode(opts.definition, opts.format, fname)
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
  return definition.fetch({ "workspaces", ws, "items", id }, opts, "get definition of item " .. id)
end

function items.update_definition(ws, id, parts, opts)
  local fname = "fabric.items.update_definition"
  args.id(ws, fname, "workspace")
  args.id(id, fname, "item")
  if type(parts) ~= "table" then args.fail(fname, "bad argument 'parts' (a table of part path -> text expected)", 2) end
  opts = args.options(opts, fname, { "format", "update_metadata", "wait", "timeout" })
  args.field(opts, "update_metadata", "boolean", fname)
  return definition.store({ "workspaces", ws, "items", id }, parts, opts, "update definition of item " .. id, fname)
end

return items
