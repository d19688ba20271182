--- arm.postgres_mirroring (internal): what arm.postgres.plan_mirroring, ensure_mirroring and
-- mirroring_step do, in a file of its own. The settings are those `az postgres
-- flexible-server fabric-mirroring start` makes (azure-cli's fabric_mirroring_commands.py)
-- and the Fabric tutorial asks for: wal_level logical, azure.fabric_mirror_enabled on, the
-- databases in azure.mirror_databases (added to those listed, none removed), and
-- max_worker_processes at least 8 + 3 per mirrored database (never lowered). Whether a change
-- needs a restart is the server's answer (isDynamicConfig), as is a value still waiting for
-- one (isConfigPendingRestart); the restart happens once, after every parameter is set.
local arm = require("arm")
local action = require("arm.action")

local mirroring = {}

local function check_server(fn, id)
  local parts = type(id) == "string" and id:sub(1, 1) == "/" and arm.parse_id(id)
  if not parts or (parts.type or ""):lower() ~= "microsoft.dbforpostgresql/flexibleservers" or not parts.name then
    action.fail(fn, "'server' must be a flexible server's resource id (.../providers/Microsoft.DBforPostgreSQL/flexibleServers/NAME), got "
      .. tostring(id), 4)
  end
  return (id:gsub("/+$", "")), parts.name
end

-- "on"/"ON", " 8 "/"8": parameter values compare without case and surrounding spaces.
local function same_value(a, b)
  return tostring(a or ""):lower():match("^%s*(.-)%s*$") == tostring(b or ""):lower():match("^%s*(.-)%s*$")
end

local MIRROR_FIELDS = { server = true, databases = true, min_worker_processes = true }

function mirroring.resolve(spec, fn)
  action.check_fields(fn, spec, MIRROR_FIELDS)
  local id, name = check_server(fn, spec.server)
  if type(spec.databases) ~= "table" or #spec.databases == 0 then
    action.fail(fn, "'databases' must be a list of the database names to mirror, e.g. { \"sales\" }")
  end
  for i, db in ipairs(spec.databases) do
    if type(db) ~= "string" or db == "" or db:find(",", 1, true) then
      action.fail(fn, string.format("databases[%d] must be a database name (no commas), got %s", i, tostring(db)))
    end
  end
  local min = spec.min_worker_processes
  if min ~= nil and (math.type(min) ~= "integer" or min < 8) then
    action.fail(fn, "'min_worker_processes' must be a whole number of at least 8, got " .. tostring(min))
  end
  return { server = id, name = name, databases = spec.databases, min = min }
end

local function split_list(v)
  local out = {}
  for item in tostring(v or ""):gmatch("[^,]+") do
    item = item:match("^%s*(.-)%s*$")
    if item ~= "" then out[#out + 1] = item end
  end
  return out
end

local function compute(postgres, r)
  local names = { "wal_level", "max_worker_processes", "azure.fabric_mirror_enabled", "azure.mirror_databases" }
  local cur = {}
  for _, n in ipairs(names) do
    local value, props = postgres.parameter(r.server, n)
    cur[n] = { value = value, props = props }
  end
  -- Databases already listed stay (another recipe may have added them); new ones follow.
  local dbs, seen = split_list(cur["azure.mirror_databases"].value), {}
  for _, db in ipairs(dbs) do seen[db] = true end
  for _, db in ipairs(r.databases) do
    if not seen[db] then
      dbs[#dbs + 1], seen[db] = db, true
    end
  end
  -- The tutorial: max_worker_processes "must be increased by 3 for each mirrored database"
  -- (default 8); never lowered.
  local min = r.min or (8 + 3 * #dbs)
  local workers = math.tointeger(tonumber(cur.max_worker_processes.value)) or 0
  local want = {
    wal_level = "logical",
    max_worker_processes = tostring(math.max(workers, min)),
    ["azure.fabric_mirror_enabled"] = "on",
    ["azure.mirror_databases"] = table.concat(dbs, ","),
  }
  local changes, texts, restart = {}, {}, false
  for _, n in ipairs(names) do
    local c = cur[n]
    -- dbs is the current list plus the new names, so an equal length means none is new.
    local same = n == "azure.mirror_databases" and #split_list(c.value) == #dbs or same_value(c.value, want[n])
    if not same then
      changes[#changes + 1] = { name = n, value = want[n] }
      texts[#texts + 1] = string.format("%s: %s -> %s", n, c.value == "" and "''" or tostring(c.value), want[n])
      -- Whether a change needs a restart is the server's answer (isDynamicConfig).
      if c.props.isDynamicConfig == false then restart = true end
    elseif c.props.isConfigPendingRestart == true then
      restart = true
      texts[#texts + 1] = n .. " waits for a restart"
    end
  end
  if restart then texts[#texts + 1] = "restart " .. r.name end
  if #changes == 0 and not restart then
    return { change = false, r = r, detail = string.format("Fabric mirroring settings of %s in place (%s)", r.name,
      table.concat({ "wal_level=" .. tostring(cur.wal_level.value), "max_worker_processes=" .. tostring(workers),
        "azure.mirror_databases=" .. want["azure.mirror_databases"] }, ", ")) }
  end
  return { change = true, r = r, changes = changes, restart = restart, detail = table.concat(texts, "; ") }
end

local function perform(postgres, plan)
  for _, c in ipairs(plan.changes) do
    arm.put(plan.r.server .. "/configurations/" .. c.name, { properties = { value = c.value, source = "user-override" } },
      { api_version = arm.api.postgres, what = "set " .. c.name })
  end
  if plan.restart then postgres.restart(plan.r.server) end
  return "changed", plan.detail, plan.restart
end

--- compute(r) and perform(plan) for arm.action.new, over the arm.postgres module (which
--- gives parameter() and restart()).
function mirroring.new(postgres)
  return function(r) return compute(postgres, r) end, function(plan) return perform(postgres, plan) end
end

return mirroring
