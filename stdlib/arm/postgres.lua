--- arm.postgres: Azure Database for PostgreSQL flexible servers through Resource Manager —
-- server parameters, restart, firewall rules, password authentication, the system-assigned
-- identity, and the Fabric mirroring settings as one helper (ensure_mirroring).
--
--   arm.postgres.set_parameter(server_id, "work_mem", "8192")     --> "changed", detail, false
--   arm.postgres.ensure_mirroring{ server = server_id, databases = { "sales" } }
--
-- Every write is a long-running operation on the real service; the calls wait for it.
local arm = require("arm")
local action = require("arm.action")

local M = {}

local TYPE = "microsoft.dbforpostgresql/flexibleservers"

local function check_server(fn, id, level)
  local parts = type(id) == "string" and id:sub(1, 1) == "/" and arm.parse_id(id)
  if not parts or not parts.type or parts.type:lower() ~= TYPE or not parts.name then
    error(fn .. ": expected a flexible server's resource id (.../providers/Microsoft.DBforPostgreSQL/flexibleServers/NAME), got "
      .. tostring(id), level + 1)
  end
  return id:gsub("/+$", ""), parts.name
end

--- The server resource (sku, identity, properties.authConfig, state, ...).
---@param id string the flexible server's resource id
---@param api_version? string default arm.api.postgres
---@return table server
function M.server(id, api_version)
  id = check_server("arm.postgres.server", id, 2)
  return arm.get(id, api_version or arm.api.postgres)
end

--- A server parameter's value and its properties (defaultValue, dataType, isDynamicConfig, isConfigPendingRestart, ...).
---@param id string the flexible server's resource id
---@param name string the parameter, e.g. "wal_level"
---@return string value
---@return table properties
function M.parameter(id, name)
  id = check_server("arm.postgres.parameter", id, 2)
  if type(name) ~= "string" or name == "" then error("arm.postgres.parameter: expected a parameter name, got " .. tostring(name), 2) end
  local c = arm.get(id .. "/configurations/" .. name, arm.api.postgres)
  local props = c.properties or {}
  return props.value, props
end

--- Every server parameter, as ARM lists them ({name, properties = {value, ...}}).
---@param id string the flexible server's resource id
---@return table[] configurations
function M.parameters(id)
  id = check_server("arm.postgres.parameters", id, 2)
  return arm.list(id .. "/configurations", arm.api.postgres):all()
end

-- "on"/"ON", "8"/"8": parameter values compare without case and surrounding spaces.
local function same_value(a, b)
  return tostring(a or ""):lower():match("^%s*(.-)%s*$") == tostring(b or ""):lower():match("^%s*(.-)%s*$")
end

local function put_parameter(id, name, value)
  arm.put(id .. "/configurations/" .. name, { properties = { value = tostring(value), source = "user-override" } },
    { api_version = arm.api.postgres, what = "set " .. name })
end

--- What set_parameter would do: false, detail when the value is set already, else the change as text.
---@param id string the flexible server's resource id
---@param name string parameter name
---@param value string|number the value wanted
---@return string|false change
---@return string|nil detail
function M.plan_parameter(id, name, value)
  id = check_server("arm.postgres.plan_parameter", id, 2)
  local current = M.parameter(id, name)
  if same_value(current, value) then return false, name .. " = " .. tostring(current) end
  return string.format("%s: %s -> %s", name, tostring(current), tostring(value))
end

--- Sets a server parameter unless it has that value; the third value says whether it needs a restart to apply.
---@param id string the flexible server's resource id
---@param name string parameter name
---@param value string|number the value
---@return "changed"|"unchanged" status
---@return string detail
---@return boolean restart_needed the parameter is static (isDynamicConfig false) or pending a restart
function M.set_parameter(id, name, value)
  id = check_server("arm.postgres.set_parameter", id, 2)
  if value == nil then error("arm.postgres.set_parameter: expected a value for " .. tostring(name), 2) end
  local current, props = M.parameter(id, name)
  if same_value(current, value) then
    return "unchanged", name .. " = " .. tostring(current), props.isConfigPendingRestart == true
  end
  put_parameter(id, name, value)
  return "changed", string.format("%s: %s -> %s", name, tostring(current), tostring(value)), props.isDynamicConfig == false
end

--- Restarts the server and waits until it is back (a long-running operation).
---@param id string the flexible server's resource id
---@param opts? table {failover = true} restarts with a planned failover (HA servers)
function M.restart(id, opts)
  id = check_server("arm.postgres.restart", id, 2)
  local body = opts and opts.failover and { restartWithFailover = true, failoverMode = "PlannedFailover" } or nil
  arm.post(id .. "/restart", body, { api_version = arm.api.postgres, what = "restart " .. id:match("([^/]+)$") })
end

-- ---- firewall rules --------------------------------------------------------------------

local FW_FIELDS = { server = true, name = true, start_ip = true, end_ip = true }

local function is_ipv4(s)
  local parts = { tostring(s):match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$") }
  for i = 1, 4 do
    if not parts[i] or tonumber(parts[i]) > 255 then return false end
  end
  return true
end

local function resolve_rule(spec, fn, needs_range)
  action.check_fields(fn, spec, FW_FIELDS)
  local server = check_server(fn, spec.server, 3)
  if type(spec.name) ~= "string" or not spec.name:match("^[%w_%-%.]+$") then
    action.fail(fn, "'name' must be a firewall rule name (letters, digits, '-', '_', '.'), got " .. tostring(spec.name))
  end
  local start_ip, end_ip = spec.start_ip, spec.end_ip or spec.start_ip
  for field, ip in pairs(needs_range and { start_ip = start_ip, end_ip = end_ip } or {}) do
    if not is_ipv4(ip) then action.fail(fn, string.format("'%s' must be an IPv4 address, got %s", field, tostring(ip))) end
  end
  return { server = server, name = spec.name, start_ip = start_ip, end_ip = end_ip, id = server .. "/firewallRules/" .. spec.name,
    label = string.format("firewall rule %s (%s-%s) on %s", spec.name, tostring(start_ip), tostring(end_ip),
      server:match("([^/]+)$")) }
end

local function compute_rule(r)
  local rule = arm.find(r.id, arm.api.postgres)
  local p = rule and rule.properties or {}
  if rule and p.startIpAddress == r.start_ip and p.endIpAddress == r.end_ip then
    return { change = false, detail = r.label .. ": present", r = r }
  end
  local verb = rule and string.format("update (was %s-%s)", tostring(p.startIpAddress), tostring(p.endIpAddress)) or "create"
  return { change = true, detail = verb .. " " .. r.label, r = r }
end

local function perform_rule(plan)
  local r = plan.r
  arm.put(r.id, { properties = { startIpAddress = r.start_ip, endIpAddress = r.end_ip } },
    { api_version = arm.api.postgres, what = "firewall rule " .. r.name })
  return "changed", plan.detail
end

local function compute_rule_removal(r)
  if arm.find(r.id, arm.api.postgres) then return { change = true, detail = "remove firewall rule " .. r.name, r = r } end
  return { change = false, detail = "firewall rule " .. r.name .. ": absent", r = r }
end

local function perform_rule_removal(plan)
  if arm.delete(plan.r.id, { api_version = arm.api.postgres, what = "remove firewall rule " .. plan.r.name }) then
    return "changed", "removed firewall rule " .. plan.r.name
  end
  return "unchanged", "firewall rule " .. plan.r.name .. ": already gone"
end

local plan_rule, ensure_rule, rule_step = action.new(function(r) return r.label end, compute_rule, perform_rule)
local plan_rule_removal, remove_rule = action.new(function(r) return "remove " .. r.label end, compute_rule_removal,
  perform_rule_removal)

--- A firewall rule of the server, or nil.
---@param id string the flexible server's resource id
---@param name string the rule's name
---@return table|nil rule {name, properties = {startIpAddress, endIpAddress}}
function M.firewall_rule(id, name)
  id = check_server("arm.postgres.firewall_rule", id, 2)
  return arm.find(id .. "/firewallRules/" .. tostring(name), arm.api.postgres)
end

--- What ensure_firewall_rule would do: false, detail when the rule exists with that range, else the change.
---@param spec table {server, name, start_ip, end_ip? (default start_ip)}
---@return string|false change
---@return string|nil detail
function M.plan_firewall_rule(spec) return plan_rule(resolve_rule(spec, "arm.postgres.plan_firewall_rule", true)) end

--- Creates the firewall rule, or corrects its range; "unchanged" when it is as asked.
---@param spec table {server, name, start_ip, end_ip? (default start_ip)}; 0.0.0.0 allows Azure services
---@return "changed"|"unchanged" status
---@return string detail
function M.ensure_firewall_rule(spec) return ensure_rule(resolve_rule(spec, "arm.postgres.ensure_firewall_rule", true)) end

--- A ctx:step spec {name, check, apply} for ensure_firewall_rule.
---@param spec table as for ensure_firewall_rule
---@param name? string the step's name
---@return table step
function M.firewall_rule_step(spec, name) return rule_step(resolve_rule(spec, "arm.postgres.firewall_rule_step", true), name) end

--- What remove_firewall_rule would do: false, detail when there is no such rule, else the change.
---@param spec table {server, name}
---@return string|false change
---@return string|nil detail
function M.plan_remove_firewall_rule(spec)
  return plan_rule_removal(resolve_rule(spec, "arm.postgres.plan_remove_firewall_rule", false))
end

--- Deletes the firewall rule when it exists.
---@param spec table {server, name}
---@return "changed"|"unchanged" status
---@return string detail
function M.remove_firewall_rule(spec) return remove_rule(resolve_rule(spec, "arm.postgres.remove_firewall_rule", false)) end

-- ---- password authentication and the system-assigned identity --------------------------

local function resolve_server_spec(spec, fn)
  action.check_fields(fn, spec, { server = true })
  local id, name = check_server(fn, spec.server, 3)
  return { server = id, name = name }
end

local function compute_password(r)
  local s = arm.get(r.server, arm.api.postgres)
  local ac = (s.properties or {}).authConfig or {}
  if same_value(ac.passwordAuth, "Enabled") then
    return { change = false, detail = "password authentication on " .. r.name .. ": enabled", r = r }
  end
  return { change = true, detail = "enable password authentication on " .. r.name, r = r, auth = ac }
end

local function perform_password(plan)
  local ac = { passwordAuth = "Enabled", activeDirectoryAuth = plan.auth.activeDirectoryAuth, tenantId = plan.auth.tenantId }
  arm.patch(plan.r.server, { properties = { authConfig = ac } },
    { api_version = arm.api.postgres, what = "enable password authentication" })
  return "changed", "enabled password authentication on " .. plan.r.name
end

local plan_password, ensure_password, password_step = action.new(
  function(r) return "password authentication on " .. r.name end, compute_password, perform_password)

--- What ensure_password_auth would do: false, detail when password sign-in is enabled, else the change.
---@param spec table {server}
---@return string|false change
---@return string|nil detail
function M.plan_password_auth(spec) return plan_password(resolve_server_spec(spec, "arm.postgres.plan_password_auth")) end

--- Enables PostgreSQL password authentication (authConfig.passwordAuth), keeping Entra authentication as it is.
---@param spec table {server}
---@return "changed"|"unchanged" status
---@return string detail
function M.ensure_password_auth(spec) return ensure_password(resolve_server_spec(spec, "arm.postgres.ensure_password_auth")) end

--- A ctx:step spec for ensure_password_auth.
---@param spec table {server}
---@param name? string the step's name
---@return table step
function M.password_auth_step(spec, name)
  return password_step(resolve_server_spec(spec, "arm.postgres.password_auth_step"), name)
end

local function has_system(identity)
  return type(identity) == "table" and type(identity.type) == "string" and identity.type:lower():find("systemassigned") ~= nil
end

--- The server's managed identity ({type, principalId, tenantId, userAssignedIdentities}), or nil when it has none.
---@param id string the flexible server's resource id
---@return table|nil identity
function M.identity(id)
  id = check_server("arm.postgres.identity", id, 2)
  local identity = arm.get(id, arm.api.postgres).identity
  if type(identity) ~= "table" or identity.type == nil or same_value(identity.type, "None") then return nil end
  return identity
end

local function compute_identity(r)
  local identity = arm.get(r.server, arm.api.postgres).identity
  if has_system(identity) then
    return { change = false, detail = "system-assigned identity of " .. r.name .. ": " .. tostring(identity.principalId),
      r = r, principal_id = identity.principalId }
  end
  return { change = true, detail = "enable the system-assigned identity of " .. r.name, r = r, identity = identity }
end

local function perform_identity(plan)
  local old = type(plan.identity) == "table" and plan.identity or {}
  local user = type(old.type) == "string" and old.type:lower():find("userassigned") ~= nil
  local body = { identity = { type = user and "SystemAssigned,UserAssigned" or "SystemAssigned",
    userAssignedIdentities = user and old.userAssignedIdentities or nil } }
  local server = arm.patch(plan.r.server, body, { api_version = arm.api.postgres, what = "enable the system-assigned identity" })
  local pid = server and server.identity and server.identity.principalId
  return "changed", "enabled the system-assigned identity of " .. plan.r.name .. ": " .. tostring(pid), pid
end

local plan_identity, _, identity_step = action.new(function(r) return "system-assigned identity of " .. r.name end,
  compute_identity, perform_identity)

--- What ensure_system_identity would do: false, detail when the server has one, else the change.
---@param spec table {server}
---@return string|false change
---@return string|nil detail
function M.plan_system_identity(spec) return plan_identity(resolve_server_spec(spec, "arm.postgres.plan_system_identity")) end

--- Enables the server's system-assigned identity (Fabric mirroring writes to OneLake as it); returns its principal id.
---@param spec table {server}
---@return "changed"|"unchanged" status
---@return string detail
---@return string principal_id the identity's object id
function M.ensure_system_identity(spec)
  local p = compute_identity(resolve_server_spec(spec, "arm.postgres.ensure_system_identity"))
  if not p.change then return "unchanged", p.detail, p.principal_id end
  return perform_identity(p)
end

--- A ctx:step spec for ensure_system_identity.
---@param spec table {server}
---@param name? string the step's name
---@return table step
function M.system_identity_step(spec, name)
  return identity_step(resolve_server_spec(spec, "arm.postgres.system_identity_step"), name)
end

-- ---- Fabric mirroring (the rules are in stdlib/arm/postgres_mirroring.lua) -------------

local mirroring = require("arm.postgres_mirroring")
local plan_mirroring, ensure_mirroring, mirroring_step = action.new(
  function(r) return "Fabric mirroring settings of " .. r.name end, mirroring.new(M))

--- What ensure_mirroring would do: false, detail when every setting is in place, else the changes (and "restart").
---@param spec table {server, databases = {names}, min_worker_processes?}
---@return string|false change
---@return string|nil detail
function M.plan_mirroring(spec) return plan_mirroring(mirroring.resolve(spec, "arm.postgres.plan_mirroring")) end

--- Sets the Fabric mirroring parameters (wal_level logical, azure.fabric_mirror_enabled on, the
--- databases in azure.mirror_databases, max_worker_processes at least 8 + 3 per database) and
--- restarts once, only when a changed parameter is static or one waits for a restart.
---@param spec table {server, databases = {names}, min_worker_processes?}
---@return "changed"|"unchanged" status
---@return string detail
---@return boolean|nil restarted
function M.ensure_mirroring(spec) return ensure_mirroring(mirroring.resolve(spec, "arm.postgres.ensure_mirroring")) end

--- A ctx:step spec {name, check, apply} for ensure_mirroring.
---@param spec table {server, databases, min_worker_processes?}
---@param name? string the step's name
---@return table step
function M.mirroring_step(spec, name)
  return mirroring_step(mirroring.resolve(spec, "arm.postgres.mirroring_step"), name)
end

return M
