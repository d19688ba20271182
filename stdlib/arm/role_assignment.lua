--- arm.role_assignment: Azure RBAC role assignments, made and removed idempotently.
--
--   local spec = { scope = account_id, role = "Storage Blob Data Reader",
--                  principal_id = oid, principal_type = "ServicePrincipal" }
--   arm.role_assignment.ensure(spec)            --> "changed" | "unchanged", detail
--   ctx:step(arm.role_assignment.step(spec))     -- in a recipe: plan mode, journal
--
-- The assignment is named by arm.assignment_name(scope, role, principal_id) (UUID v5, the
-- same on every run). ensure reads that name first and, when it is missing, lists the
-- principal's assignments, so an assignment made elsewhere under another name counts as
-- present and no PUT is sent; a PUT answered 409 RoleAssignmentExists also counts as
-- unchanged. remove deletes every assignment of the role to the principal at the scope.
local core = require("arm.core")
local arm = require("arm")
local action = require("arm.action")

local M = {}

local FIELDS = { scope = true, role = true, principal_id = true, principal_type = true, description = true,
  api_version = true }
local TYPES = { User = true, Group = true, ServicePrincipal = true, ForeignGroup = true, Device = true }

-- Checks spec and derives the role definition id, the deterministic name and the id.
local function resolve(spec, fn)
  action.check_fields(fn, spec, FIELDS)
  local scope = spec.scope
  if type(scope) ~= "string" or scope:sub(1, 1) ~= "/" then
    action.fail(fn, "'scope' must be a resource id starting with / (e.g. the storage account's id), got " .. tostring(scope))
  end
  scope = scope:gsub("(.)/+$", "%1")
  if type(spec.role) ~= "string" then action.fail(fn, "'role' must be a role name or GUID, got " .. type(spec.role)) end
  local guid = core.role_guid(spec.role)
  if not guid then
    local names = {}
    for _, r in ipairs(core.roles()) do names[#names + 1] = r.name end
    action.fail(fn, string.format("unknown role '%s' (expected a role definition GUID or one of %s)", spec.role,
      table.concat(names, ", ")))
  end
  if not action.is_guid(spec.principal_id) then
    action.fail(fn, "'principal_id' must be the principal's object id (a GUID), got " .. tostring(spec.principal_id))
  end
  local ptype = spec.principal_type or "ServicePrincipal"
  if not TYPES[ptype] then
    action.fail(fn, "'principal_type' must be User, Group, ServicePrincipal, ForeignGroup or Device, got " .. tostring(ptype))
  end
  local sub = arm.parse_id(scope).subscription
  local name = core.assignment_name(scope, guid, spec.principal_id)
  return {
    scope = scope,
    role = guid,
    role_definition_id = (sub and ("/subscriptions/" .. sub) or "") .. "/providers/Microsoft.Authorization/roleDefinitions/" .. guid,
    principal_id = spec.principal_id:lower(),
    principal_type = ptype,
    description = spec.description,
    name = name,
    id = scope .. "/providers/Microsoft.Authorization/roleAssignments/" .. name,
    api = spec.api_version or arm.api.authorization,
    label = string.format("%s for %s at %s", core.role_name(guid) or guid, spec.principal_id, scope),
  }
end

-- Does the assignment a (as ARM returns it) give r's role to r's principal at exactly r's scope?
local function matches(a, r)
  local p = type(a) == "table" and a.properties
  if type(p) ~= "table" or type(p.roleDefinitionId) ~= "string" or type(p.principalId) ~= "string" then return false end
  return p.principalId:lower() == r.principal_id and p.roleDefinitionId:lower():match("([^/]+)$") == r.role
    and action.same_id(p.scope, r.scope)
end

-- The principal's assignments of r's role at r's scope, whatever their names.
local function listed(r)
  local found = {}
  local pager = arm.list(r.scope .. "/providers/Microsoft.Authorization/roleAssignments", {
    api_version = r.api, query = { ["$filter"] = "principalId eq '" .. r.principal_id .. "'" } })
  for a in pager do
    if matches(a, r) then found[#found + 1] = a end
  end
  return found
end

local function compute_ensure(r)
  local own = arm.find(r.id, r.api)
  if own and matches(own, r) then return { change = false, detail = r.label .. ": assigned (" .. r.name .. ")", r = r } end
  local other = listed(r)[1]
  if other then return { change = false, detail = r.label .. ": assigned as " .. tostring(other.name), r = r } end
  return { change = true, detail = "assign " .. r.label, r = r }
end

local function perform_ensure(plan)
  local r = plan.r
  local body = { properties = { roleDefinitionId = r.role_definition_id, principalId = r.principal_id,
    principalType = r.principal_type, description = r.description } }
  local ok, err = pcall(arm.put, r.id, body, r.api)
  if ok then return "changed", "assigned " .. r.label .. " (" .. r.name .. ")" end
  if type(err) == "table" and err.kind == "arm" and err.code == "RoleAssignmentExists" then
    return "unchanged", r.label .. ": already assigned under another name (409 RoleAssignmentExists)"
  end
  error(err, 0)
end

local function compute_remove(r)
  local found = listed(r)
  if #found == 0 then return { change = false, detail = r.label .. ": not assigned", r = r } end
  return { change = true, detail = string.format("remove %s (%d assignment%s)", r.label, #found, #found > 1 and "s" or ""),
    r = r, found = found }
end

local function perform_remove(plan)
  local n = 0
  for _, a in ipairs(plan.found) do
    if arm.delete(a.id, plan.r.api) then n = n + 1 end
  end
  if n == 0 then return "unchanged", plan.r.label .. ": already removed" end
  return "changed", string.format("removed %s (%d assignment%s)", plan.r.label, n, n > 1 and "s" or "")
end

local plan, ensure, step = action.new(function(r) return "role assignment " .. r.label end, compute_ensure,
  perform_ensure)
local plan_remove, remove, remove_step = action.new(function(r) return "remove role assignment " .. r.label end,
  compute_remove, perform_remove)

--- The deterministic name of the assignment spec describes (a GUID; see arm.assignment_name).
---@param spec table {scope, role, principal_id}
---@return string name
function M.name(spec) return resolve(spec, "arm.role_assignment.name").name end

--- The existing assignments of spec's role to its principal at exactly its scope (any name).
---@param spec table {scope, role, principal_id}
---@return table[] assignments as ARM returns them
function M.find(spec) return listed(resolve(spec, "arm.role_assignment.find")) end

--- What ensure would do: false, detail when assigned already, else the change as text (a ctx:step check).
---@param spec table {scope, role, principal_id, principal_type?, description?, api_version?}
---@return string|false change
---@return string|nil detail
function M.plan(spec) return plan(resolve(spec, "arm.role_assignment.plan")) end

--- Assigns the role to the principal at the scope unless it is assigned already.
---@param spec table {scope, role, principal_id, principal_type? (default ServicePrincipal), description?, api_version?}
---@return "changed"|"unchanged" status
---@return string detail
function M.ensure(spec) return ensure(resolve(spec, "arm.role_assignment.ensure")) end

--- Sends the PUT without checking first; 409 RoleAssignmentExists returns "unchanged".
---@param spec table as for ensure
---@return "changed"|"unchanged" status
---@return string detail
function M.apply(spec) return perform_ensure({ r = resolve(spec, "arm.role_assignment.apply") }) end

--- A ctx:step spec {name, check, apply} for ensure: ctx:step(arm.role_assignment.step(spec)).
---@param spec table as for ensure
---@param name? string the step's name
---@return table step
function M.step(spec, name) return step(resolve(spec, "arm.role_assignment.step"), name) end

--- What remove would do: false, detail when nothing is assigned, else the change as text.
---@param spec table {scope, role, principal_id}
---@return string|false change
---@return string|nil detail
function M.plan_remove(spec) return plan_remove(resolve(spec, "arm.role_assignment.plan_remove")) end

--- Deletes every assignment of the role to the principal at the scope; "unchanged" when there is none.
---@param spec table {scope, role, principal_id}
---@return "changed"|"unchanged" status
---@return string detail
function M.remove(spec) return remove(resolve(spec, "arm.role_assignment.remove")) end

--- A ctx:step spec for remove.
---@param spec table {scope, role, principal_id}
---@param name? string the step's name
---@return table step
function M.remove_step(spec, name) return remove_step(resolve(spec, "arm.role_assignment.remove_step"), name) end

return M
