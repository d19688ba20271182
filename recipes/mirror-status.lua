-- mirror-status: a workspace's mirrored databases, their status and every table's status,
-- rows and last sync; --json for pipelines, watch=true to refresh in place.
local function snapshot(ws)
  local out = {}
  for db in fabric.mirrored_databases.list(ws):iter() do
    local entry = { name = db.displayName, id = db.id, tables = json.array() }
    local ok, st = pcall(fabric.mirrored_databases.mirroring_status, ws, db.id)
    entry.status = ok and st.status or ("unknown: " .. tostring(st.message or st))
    if ok and st.status ~= "Initialized" then
      for t in fabric.mirrored_databases.tables_mirroring_status(ws, db.id):iter() do
        local m = t.metrics or {}
        entry.tables[#entry.tables + 1] = { schema = t.sourceSchemaName, table = t.sourceTableName, status = t.status,
          rows = m.processedRows, last_sync = m.lastSyncDateTime, error = t.error and (t.error.message or t.error.errorCode) or nil }
      end
    end
    out[#out + 1] = entry
  end
  return out
end

local function render(dbs)
  local lines = {}
  if #dbs == 0 then return "no mirrored databases" end
  for _, db in ipairs(dbs) do
    lines[#lines + 1] = string.format("%s  %s  (%d tables)", db.name, db.status, #db.tables)
    local w = 5
    for _, t in ipairs(db.tables) do w = math.max(w, #(t.schema .. "." .. t.table)) end
    for _, t in ipairs(db.tables) do
      lines[#lines + 1] = string.format("  %-" .. w .. "s  %-12s %12s  %s%s", t.schema .. "." .. t.table, t.status or "?",
        tostring(t.rows or 0), t.last_sync or "-", t.error and ("  " .. t.error) or "")
    end
  end
  return table.concat(lines, "\n")
end

return {
  name = "mirror-status",
  description = "Show a workspace's mirrored databases with status and per-table status, rows and last sync",
  params = {
    { name = "workspace", type = "string", required = true, doc = "Fabric workspace name or id" },
    { name = "watch", type = "boolean", default = false, doc = "refresh until Ctrl-C" },
    { name = "interval", type = "number", default = 5, min = 1, doc = "seconds between refreshes with watch" },
  },
  outputs = { databases = "each mirrored database with its status and tables" },
  summary = false,
  run = function(_, p)
    local ws = p.workspace
    if not ws:match("^%x+%-%x+%-%x+%-%x+%-%x+$") then
      local found = fabric.workspaces.find(ws)
      if not found then tarn.usage_error("no Fabric workspace named '%s'", ws) end
      ws = found.id
    end
    local dbs = snapshot(ws)
    local tty = tarn.isatty("stdout")
    local as_json = require("tarn.core").json_mode()
    if not as_json then print(render(dbs)) end
    while p.watch and not as_json do
      tarn.sleep(p.interval)
      dbs = snapshot(ws)
      if tty then io.stdout:write("\27[H\27[2J") else print("-- " .. tarn.isotime()) end
      print(render(dbs))
    end
    return { databases = dbs }
  end,
}
