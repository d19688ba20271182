--- fabric.shortcuts: OneLake shortcuts of a lakehouse (or other item): create, get, list, delete.
local args = require("fabric.args")
local call = require("fabric.call")

local shortcuts = {}

local function base(ws, item) return { "workspaces", ws, "items", item, "shortcuts" } end

function shortcuts.create(ws, item, opts)
  local fname = "fabric.shortcuts.create"
  args.id(ws, fname, "workspace")
  args.id(item, fname, "item")
  opts = args.options(opts, fname, { "path", "name", "target", "conflict_policy" })
  local body = {
    path = args.required(opts, "path", "id", fname),
    name = args.required(opts, "name", "id", fname),
    target = args.required(opts, "target", "table", fname),
  }
  local policy = args.field(opts, "conflict_policy", "string", fname,
    { "Abort", "GenerateUniqueName", "CreateOrOverwrite", "OverwriteOnly" })
  return (call.send({
    method = "POST", path = base(ws, item), body = body, query = policy and { shortcutConflictPolicy = policy } or nil,
  }))
end

function shortcuts.get(ws, item, path, name)
  local fname = "fabric.shortcuts.get"
  args.id(ws, fname, "workspace")
  args.id(item, fname, "item")
  args.id(path, fname, "path")
  args.id(name, fname, "name")
  return (call.send({ path = args.append(args.append(base(ws, item), args.segments(path)), { name }) }))
end

function shortcuts.list(ws, item, opts)
  local fname = "fabric.shortcuts.list"
  args.id(ws, fname, "workspace")
  args.id(item, fname, "item")
  opts = args.options(opts, fname, { "parent_path" })
  return call.pages({ path = base(ws, item), query = { parentPath = args.field(opts, "parent_path", "id", fname) } })
end

function shortcuts.delete(ws, item, path, name)
  local fname = "fabric.shortcuts.delete"
  args.id(ws, fname, "workspace")
  args.id(item, fname, "item")
  args.id(path, fname, "path")
  args.id(name, fname, "name")
  return call.delete(call.send, {
    method = "DELETE", path = args.append(args.append(base(ws, item), args.segments(path)), { name }),
  })
end

return shortcuts
