--- arm.storage: a storage account's network rules, in particular the resource instance rule
-- that lets a Fabric workspace reach the account (Fabric "trusted workspace access").
--
--   arm.storage.ensure_resource_rule{ account = account_id, tenant_id = tid, workspace_id = ws }
--   ctx:step(arm.storage.resource_rule_step{ account = account_id, tenant_id = tid, workspace_id = ws })
--
-- The account's whole networkAcls is read, the rule added unless one with the same tenant and
-- resource id exists (compared without case), and the whole rule set written back with PATCH,
-- as Add-AzStorageAccountNetworkRule does: PATCH replaces networkAcls as a unit.
local arm = require("arm")
local action = require("arm.action")
local json = require("json")
local log = require("log")

local M = {}

--- The subscription id Fabric's docs require in a workspace's resource id (all zeros).
M.FABRIC_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"

--- The resource id a resource instance rule names a Fabric workspace by:
--- /subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/Fabric/providers/Microsoft.Fabric/workspaces/{id}.
---@param workspace_id string the workspace's GUID (from its URL)
---@return string resource_id
function M.fabric_workspace_id(workspace_id)
  if not action.is_guid(workspace_id) then
    error("arm.storage.fabric_workspace_id: expected the workspace id (a GUID), got " .. tostring(workspace_id), 2)
  end
  return "/subscriptions/" .. M.FABRIC_SUBSCRIPTION .. "/resourcegroups/Fabric/providers/Microsoft.Fabric/workspaces/"
    .. workspace_id:lower()
end

--- The account's networkAcls as ARM returns them (bypass, defaultAction, ipRules, virtualNetworkRules, resourceAccessRules).
---@param account string the storage account's resource id
---@param api_version? string default arm.api.storage
---@return table network_acls
function M.network_rules(account, api_version)
  local acct = arm.get(account, api_version or arm.api.storage)
  return (type(acct.properties) == "table" and acct.properties.networkAcls) or {}
end

local FIELDS = { account = true, tenant_id = true, workspace_id = true, resource_id = true, api_version = true }

local function resolve(spec, fn)
  action.check_fields(fn, spec, FIELDS)
  if type(spec.account) ~= "string" or not arm.parse_id(spec.account).name then
    action.fail(fn, "'account' must be the storage account's resource id, got " .. tostring(spec.account))
  end
  if not action.is_guid(spec.tenant_id) then
    action.fail(fn, "'tenant_id' must be the tenant of the resource (a GUID), got " .. tostring(spec.tenant_id))
  end
  if (spec.workspace_id == nil) == (spec.resource_id == nil) then
    action.fail(fn, "give 'workspace_id' (a Fabric workspace GUID) or 'resource_id', one of them")
  end
  local rid = spec.resource_id
  if spec.workspace_id ~= nil then
    if not action.is_guid(spec.workspace_id) then
      action.fail(fn, "'workspace_id' must be the Fabric workspace's id (a GUID), got " .. tostring(spec.workspace_id))
    end
    rid = M.fabric_workspace_id(spec.workspace_id)
  elseif type(rid) ~= "string" or rid:sub(1, 1) ~= "/" then
    action.fail(fn, "'resource_id' must be a resource id starting with /, got " .. tostring(rid))
  end
  local name = arm.parse_id(spec.account).name
  return { account = spec.account, tenant_id = spec.tenant_id, resource_id = rid, api = spec.api_version or arm.api.storage,
    label = string.format("resource rule for %s on storage account %s", rid, name) }
end

local function same_rule(rule, r)
  return type(rule) == "table" and action.same_id(rule.resourceId, r.resource_id)
    and type(rule.tenantId) == "string" and rule.tenantId:lower() == r.tenant_id:lower()
end

-- The rules without case-insensitive duplicates, first occurrence kept, order kept.
local function dedup(rules)
  local out, seen = {}, {}
  for _, rule in ipairs(rules) do
    local key = (tostring(rule.tenantId) .. "|" .. tostring(rule.resourceId)):lower():gsub("/+$", "")
    if not seen[key] then
      seen[key] = true
      out[#out + 1] = rule
    end
  end
  return out
end

local function read(r)
  local acls = M.network_rules(r.account, r.api)
  local rules = type(acls.resourceAccessRules) == "table" and acls.resourceAccessRules or {}
  return acls, rules
end

-- PATCH the whole networkAcls back with `rules` as its resource instance rules.
local function write(r, acls, rules)
  local updated = {}
  for k, v in pairs(acls) do updated[k] = v end
  updated.defaultAction = updated.defaultAction or "Allow" -- required by the API; Allow is its default
  updated.resourceAccessRules = json.array(rules)
  arm.patch(r.account, { properties = { networkAcls = updated } }, { api_version = r.api, what = "update " .. r.label })
end

local function compute_ensure(r)
  local acls, rules = read(r)
  for _, rule in ipairs(rules) do
    if same_rule(rule, r) then return { change = false, detail = r.label .. ": present", r = r } end
  end
  if acls.defaultAction == "Allow" then
    log.warn("storage account %s allows every network (defaultAction Allow): resource instance rules only matter once it is Deny",
      arm.parse_id(r.account).name)
  end
  return { change = true, detail = string.format("add %s (%d rule%s now)", r.label, #rules, #rules == 1 and "" or "s"),
    r = r, acls = acls, rules = rules }
end

local function perform_ensure(plan)
  local rules = {}
  for _, rule in ipairs(plan.rules) do rules[#rules + 1] = rule end
  rules[#rules + 1] = { tenantId = plan.r.tenant_id, resourceId = plan.r.resource_id }
  write(plan.r, plan.acls, dedup(rules))
  return "changed", "added " .. plan.r.label
end

local function compute_remove(r)
  local acls, rules = read(r)
  local kept = {}
  for _, rule in ipairs(rules) do
    if not same_rule(rule, r) then kept[#kept + 1] = rule end
  end
  if #kept == #rules then return { change = false, detail = r.label .. ": absent", r = r } end
  return { change = true, detail = "remove " .. r.label, r = r, acls = acls, rules = kept }
end

local function perform_remove(plan)
  write(plan.r, plan.acls, plan.rules)
  return "changed", "removed " .. plan.r.label
end

local plan, ensure, step = action.new(function(r) return r.label end, compute_ensure, perform_ensure)
local plan_remove, remove, remove_step = action.new(function(r) return "remove " .. r.label end, compute_remove,
  perform_remove)

--- What ensure_resource_rule would do: false, detail when the rule is there, else the change as text.
---@param spec table {account, tenant_id, workspace_id | resource_id, api_version?}
---@return string|false change
---@return string|nil detail
function M.plan_resource_rule(spec) return plan(resolve(spec, "arm.storage.plan_resource_rule")) end

--- Adds a resource instance rule (a Fabric workspace by workspace_id, or any resource_id) unless present.
---@param spec table {account, tenant_id, workspace_id | resource_id, api_version?}
---@return "changed"|"unchanged" status
---@return string detail
function M.ensure_resource_rule(spec) return ensure(resolve(spec, "arm.storage.ensure_resource_rule")) end

--- A ctx:step spec {name, check, apply} for ensure_resource_rule.
---@param spec table as for ensure_resource_rule
---@param name? string the step's name
---@return table step
function M.resource_rule_step(spec, name) return step(resolve(spec, "arm.storage.resource_rule_step"), name) end

--- What remove_resource_rule would do: false, detail when the rule is absent, else the change as text.
---@param spec table {account, tenant_id, workspace_id | resource_id}
---@return string|false change
---@return string|nil detail
function M.plan_remove_resource_rule(spec) return plan_remove(resolve(spec, "arm.storage.plan_remove_resource_rule")) end

--- Removes the resource instance rule when present (other rules are written back unchanged).
---@param spec table {account, tenant_id, workspace_id | resource_id}
---@return "changed"|"unchanged" status
---@return string detail
function M.remove_resource_rule(spec) return remove(resolve(spec, "arm.storage.remove_resource_rule")) end

--- A ctx:step spec for remove_resource_rule.
---@param spec table as for remove_resource_rule
---@param name? string the step's name
---@return table step
function M.remove_resource_rule_step(spec, name)
  return remove_step(resolve(spec, "arm.storage.remove_resource_rule_step"), name)
end

return M
