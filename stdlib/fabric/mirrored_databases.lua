--- fabric.mirrored_databases: mirrored databases (the MirroredDatabase API): items with a
--- mirroring.json definition, and mirroring's start, stop and status.
local args = require("fabric.args")
local call = require("fabric.call")
local definition = require("fabric.definition")
local mirroring = require("fabric.mirroring")

local mirrored = {}

local function path(ws, id, ...)
  local p = { "workspaces", ws, "mirroredDatabases" }
  if id then p[#p + 1] = id end
  return args.append(p, { ... })
end

local function ids(fname, ws, id)
  args.id(ws, fname, "workspace", 3)
  if id ~= false then args.id(id, fname, "mirrored database", 3) end
end

function mirrored.list(ws)
  ids("fabric.mirrored_databases.list", ws, false)
  return call.pages({ path = path(ws) })
end

function mirrored.get(ws, id)
  ids("fabric.mirrored_databases.get", ws, id)
  return (call.send({ path = path(ws, id) }))
end

function mirrored.find(ws, name)
  ids("fabric.mirrored_databases.find", ws, false)
  args.id(name, "fabric.mirrored_databases.find", "name")
  return call.by_name(mirrored.list(ws), name)
end

function mirrored.create(ws, opts)
  local fname = "fabric.mirrored_databases.create"
  ids(fname, ws, false)
  opts = args.options(opts, fname, { "display_name", "description", "folder_id", "mirroring", "definition", "wait",
    "timeout" })
  local name = args.required(opts, "display_name", "id", fname)
  local parts = opts.definition
  if parts ~= nil and opts.mirroring ~= nil then args.fail(fname, "give 'mirroring' or 'definition', not both", 2) end
  if opts.mirroring ~= nil then
    local m = opts.mirroring
    if type(m) ~= "string" and type(m) ~= "table" then
      args.fail(fname, "'mirroring' must be mirroring.json text or its table (fabric.mirroring.postgres builds it)", 2)
    end
    mirroring.validate(m)
    parts = { ["mirroring.json"] = type(m) == "string" and m or json.encode(m, { pretty = true }) }
  end
  if parts == nil then
    args.fail(fname, "a mirrored database is created with its definition: give 'mirroring' (mirroring.json) " ..
      "or 'definition' (part path -> text)", 2)
  end
  local body = {
    displayName = name,
    description = args.field(opts, "description", "string", fname),
    folderId = args.field(opts, "folder_id", "id", fname),
    definition = definition.encode(parts, nil, fname),
  }
  -- The spec says 201 only; a 202 is followed like any long-running operation.
  return (call.send({
    method = "POST", path = path(ws), body = body, label = string.format("create mirrored database '%s'", name),
  }, { wait = opts.wait, timeout = opts.timeout }))
end

function mirrored.update(ws, id, opts)
  local fname = "fabric.mirrored_databases.update"
  ids(fname, ws, id)
  opts = args.options(opts, fname, { "display_name", "description" })
  local body = {
    displayName = args.field(opts, "display_name", "id", fname),
    description = args.field(opts, "description", "string", fname),
  }
  if next(body) == nil then args.fail(fname, "nothing to update (give display_name and/or description)", 2) end
  return (call.send({ method = "PATCH", path = path(ws, id), body = body }))
end

function mirrored.delete(ws, id, opts)
  local fname = "fabric.mirrored_databases.delete"
  ids(fname, ws, id)
  opts = args.options(opts, fname, { "hard" })
  local hard = args.field(opts, "hard", "boolean", fname)
  return call.delete(call.send, { method = "DELETE", path = path(ws, id), query = hard and { hardDelete = true } or nil })
end

function mirrored.get_definition(ws, id, opts)
  local fname = "fabric.mirrored_databases.get_definition"
  ids(fname, ws, id)
  opts = args.options(opts, fname, { "format", "timeout" })
  return definition.fetch(path(ws, id), opts, "get definition of mirrored database " .. id)
end

function mirrored.update_definition(ws, id, parts, opts)
  local fname = "fabric.mirrored_databases.update_definition"
  ids(fname, ws, id)
  if type(parts) ~= "table" then args.fail(fname, "bad argument 'parts' (a table of part path -> text expected)", 2) end
  opts = args.options(opts, fname, { "format", "update_metadata", "wait", "timeout" })
  if parts["mirroring.json"] ~= nil then mirroring.validate(parts["mirroring.json"]) end
  return definition.store(path(ws, id), parts, opts, "update definition of mirrored database " .. id, fname)
end

function mirrored.start_mirroring(ws, id)
  ids("fabric.mirrored_databases.start_mirroring", ws, id)
  call.send({ method = "POST", path = path(ws, id, "startMirroring") })
  return true
end

function mirrored.stop_mirroring(ws, id)
  ids("fabric.mirrored_databases.stop_mirroring", ws, id)
  call.send({ method = "POST", path = path(ws, id, "stopMirroring") })
  return true
end

function mirrored.mirroring_status(ws, id)
  ids("fabric.mirrored_databases.mirroring_status", ws, id)
  return (call.send({ method = "POST", path = path(ws, id, "getMirroringStatus") }))
end

function mirrored.tables_mirroring_status(ws, id)
  ids("fabric.mirrored_databases.tables_mirroring_status", ws, id)
  return call.pages({ method = "POST", path = path(ws, id, "getTablesMirroringStatus"), item_key = "data" })
end

function mirrored.wait_for(ws, id, status, opts)
  local fname = "fabric.mirrored_databases.wait_for"
  ids(fname, ws, id)
  local wanted = {}
  if type(status) == "string" then
    wanted[status] = true
  elseif type(status) == "table" and #status > 0 then
    for _, s in ipairs(status) do wanted[s] = true end
  else
    args.fail(fname, "bad argument 'status' (a mirroring status such as \"Running\", or a list of them)", 2)
  end
  opts = args.options(opts, fname, { "timeout", "interval" })
  args.field(opts, "timeout", "number", fname)
  args.field(opts, "interval", "number", fname)
  local timeout, interval = opts.timeout or 600, opts.interval or 5
  local tcore, log = require("tarn.core"), require("log")
  local start = tcore.clock()
  while true do
    local ok, st = pcall(mirrored.mirroring_status, ws, id)
    if not ok then
      log.status_done()
      error(st, 0)
    end
    local s = type(st) == "table" and st.status or "?"
    local e = type(st) == "table" and st.error
    if wanted[s] then
      log.status_done()
      return st
    end
    local elapsed = tcore.clock() - start
    if type(e) == "table" or elapsed + interval > timeout then
      log.status_done()
      if type(e) == "table" then
        call.raise({
          message = string.format("mirrored database %s: mirroring is %s with an error: %s", id, tostring(s),
            tostring(e.message or e.errorCode)),
          code = e.errorCode, request_id = e.requestId,
        })
      end
      error(tcore.error({
        kind = "timeout", code = "timeout",
        message = string.format("mirrored database %s: still %s after %d s (waiting for %s)", id, s,
          math.floor(elapsed), type(status) == "table" and table.concat(status, " or ") or status),
      }), 0)
    end
    log.status(string.format("mirrored database %s: %s (%d s)", id, s, math.floor(elapsed)))
    local slept, why = pcall(tcore.sleep, interval)  -- Ctrl-C clears the line too
    if not slept then
      log.status_done()
      error(why, 0)
    end
  end
end

return mirrored
