--- arm.keyvault: a Key Vault's network access, opened for the length of a run and then put
-- back exactly as it was (publicNetworkAccess and networkAcls).
--
--   ctx:temporary(arm.keyvault.public_access{ vault = vault_id })          -- in a recipe
--   local saved = arm.keyvault.open_public_access{ vault = vault_id, ip = "203.0.113.7" }
--   ... use the vault ...
--   arm.keyvault.restore_public_access(saved)
--
-- Opening sets publicNetworkAccess to Enabled and, when the firewall denies by default,
-- either allows every network (defaultAction Allow) or, given `ip`, adds that address to
-- ipRules. Only what was changed is written back on restore, with the values read before.
local arm = require("arm")
local action = require("arm.action")
local json = require("json")

local M = {}

local FIELDS = { vault = true, ip = true, name = true }

local function resolve(spec, fn)
  action.check_fields(fn, spec, FIELDS)
  local parts = type(spec.vault) == "string" and spec.vault:sub(1, 1) == "/" and arm.parse_id(spec.vault)
  if not parts or not parts.type or parts.type:lower() ~= "microsoft.keyvault/vaults" or not parts.name then
    action.fail(fn, "'vault' must be the vault's resource id (.../providers/Microsoft.KeyVault/vaults/NAME), got "
      .. tostring(spec.vault))
  end
  local ip = spec.ip
  if ip ~= nil and (type(ip) ~= "string" or not ip:match("^%d+%.%d+%.%d+%.%d+$") and not ip:match("^%d+%.%d+%.%d+%.%d+/%d+$")) then
    action.fail(fn, "'ip' must be an IPv4 address or CIDR range, got " .. tostring(ip))
  end
  return { vault = spec.vault, name = parts.name, ip = ip, step_name = spec.name }
end

--- The vault's network settings: {public_network_access = "Enabled"|"Disabled"|nil, network_acls = table|nil}.
---@param id string the vault's resource id
---@return table network
function M.network(id)
  local props = arm.get(id, arm.api.keyvault).properties or {}
  return { public_network_access = props.publicNetworkAccess, network_acls = props.networkAcls }
end

local function bare(ip) return (ip:gsub("/32$", "")) end

-- What opening needs: the properties to PATCH and the values they had.
local function compute_open(r)
  local props = arm.get(r.vault, arm.api.keyvault).properties or {}
  local patch, saved, texts = {}, {}, {}
  local pna = props.publicNetworkAccess
  if type(pna) == "string" and pna:lower() ~= "enabled" then
    patch.publicNetworkAccess, saved.publicNetworkAccess = "Enabled", pna
    texts[#texts + 1] = "publicNetworkAccess " .. pna .. " -> Enabled"
  end
  local acls = props.networkAcls
  if type(acls) == "table" and type(acls.defaultAction) == "string" and acls.defaultAction:lower() == "deny" then
    local opened = {}
    for k, v in pairs(acls) do opened[k] = v end
    if r.ip then
      local rules, present = {}, false
      for _, rule in ipairs(type(acls.ipRules) == "table" and acls.ipRules or {}) do
        rules[#rules + 1] = rule
        present = present or (type(rule) == "table" and type(rule.value) == "string" and bare(rule.value) == bare(r.ip))
      end
      if not present then
        rules[#rules + 1] = { value = r.ip }
        opened.ipRules = json.array(rules)
        texts[#texts + 1] = "allow " .. r.ip .. " in the firewall"
      end
    else
      opened.defaultAction = "Allow"
      texts[#texts + 1] = "firewall defaultAction Deny -> Allow"
    end
    if opened.ipRules ~= acls.ipRules or opened.defaultAction ~= acls.defaultAction then
      patch.networkAcls, saved.networkAcls = opened, acls
    end
  end
  if next(patch) == nil then
    return { change = false, detail = "Key Vault " .. r.name .. " is reachable (public network access open)", r = r }
  end
  return { change = true, detail = "open Key Vault " .. r.name .. ": " .. table.concat(texts, ", "), r = r,
    patch = patch, saved = saved }
end

-- What restore_public_access needs to undo plan.
local function saved_of(plan) return { vault = plan.r.vault, name = plan.r.name, properties = plan.saved } end

local function open(plan)
  arm.patch(plan.r.vault, { properties = plan.patch }, { api_version = arm.api.keyvault, what = "open Key Vault " .. plan.r.name })
  return saved_of(plan)
end

--- What open_public_access would do: false, detail when the vault is reachable already, else the change.
---@param spec table {vault, ip?}
---@return string|false change
---@return string|nil detail
function M.plan_public_access(spec)
  local p = compute_open(resolve(spec, "arm.keyvault.plan_public_access"))
  if p.change then return p.detail end
  return false, p.detail
end

--- Opens the vault to the public network (or to `ip`); returns what restore_public_access needs, or nil when nothing changed.
---@param spec table {vault, ip? (an address or CIDR added to ipRules instead of allowing every network)}
---@return table|nil saved the previous values of what was changed
---@return string detail
function M.open_public_access(spec)
  local p = compute_open(resolve(spec, "arm.keyvault.open_public_access"))
  if not p.change then return nil, p.detail end
  return open(p), p.detail
end

--- Puts back what open_public_access changed, with the values it read before; nil does nothing.
---@param saved table|nil what open_public_access returned
---@return "changed"|"unchanged" status
function M.restore_public_access(saved)
  if saved == nil then return "unchanged" end
  if type(saved) ~= "table" or type(saved.vault) ~= "string" or type(saved.properties) ~= "table" then
    error("arm.keyvault.restore_public_access: expected what open_public_access returned", 2)
  end
  arm.patch(saved.vault, { properties = saved.properties },
    { api_version = arm.api.keyvault, what = "restore Key Vault " .. tostring(saved.name) })
  return "changed"
end

--- A ctx:temporary spec {name, check, apply, undo}: opens the vault for the run, restores it when the run ends.
---@param spec table {vault, ip?, name? (the journal entry's name)}
---@return table temporary
function M.public_access(spec)
  local r = resolve(spec, "arm.keyvault.public_access")
  local cached, saved
  return {
    name = r.step_name or ("public network access to Key Vault " .. r.name),
    check = function()
      cached = compute_open(r)
      if cached.change then return cached.detail end
      return false, cached.detail
    end,
    apply = function()
      local p = cached or compute_open(r)
      cached = nil
      -- Kept before the PATCH: if it fails after the vault took it, undo still restores.
      if p.change then
        saved = saved_of(p)
        open(p)
      end
    end,
    undo = function()
      local s = saved
      saved = nil
      M.restore_public_access(s)
    end,
  }
end

return M
