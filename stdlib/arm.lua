--- arm: Azure Resource Manager. Generic get, put, patch, post, delete and list on resource ids
-- with an api-version; long-running operations are followed to their end (a progress line,
-- Ctrl-C stops) and failures are error values of kind "arm" (status, code, message,
-- request_id, target, details). Idempotent helpers, each usable as a recipe step:
-- arm.role_assignment, arm.storage, arm.postgres and arm.keyvault. See docs/api/arm.md.
local core = require("arm.core")

local arm = {}

--- The api-versions the helpers use, by resource provider (a call may pass its own).
arm.api = {
  authorization = "2022-04-01", -- Microsoft.Authorization/roleAssignments
  resources = "2021-04-01",     -- resource groups
  storage = "2025-01-01",       -- Microsoft.Storage/storageAccounts
  postgres = "2024-08-01",      -- Microsoft.DBforPostgreSQL/flexibleServers and children
  keyvault = "2023-07-01",      -- Microsoft.KeyVault/vaults
}

local OPTIONS = { api_version = true, query = true, wait = true, what = true, timeout = true, poll_interval = true }
local OPTION_NAMES = "api_version, query, wait, what, timeout, poll_interval"

-- Builds the core request for arm.<fn>(id, [body,] opts); `level` blames the caller's caller.
local function build(fn, method, id, body, opts, level)
  level = level + 1
  if type(id) ~= "string" or not (id:sub(1, 1) == "/" or id:find("^https?://")) then
    error(string.format("arm.%s: expected a resource id (/subscriptions/...) or a URL under %s, got %s", fn, core.base(),
      type(id) == "string" and string.format("%q", id) or type(id)), level)
  end
  if type(opts) == "string" then opts = { api_version = opts } end
  if opts ~= nil and type(opts) ~= "table" then
    error(string.format("arm.%s: options must be an api-version string or a table (%s), got %s", fn, OPTION_NAMES,
      type(opts)), level)
  end
  local req = { method = method, target = id, body = body }
  for k, v in pairs(opts or {}) do
    if not OPTIONS[k] then
      error(string.format("arm.%s: unknown option '%s' (expected %s)", fn, tostring(k), OPTION_NAMES), level)
    end
    req[k] = v
  end
  if req.api_version == nil and not id:lower():find("[?&]api%-version=") then
    error(string.format("arm.%s: an api_version is required, e.g. arm.%s(id, \"2022-04-01\")", fn, fn), level)
  end
  return req
end

local function check_body(fn, body, level)
  if type(body) ~= "table" and type(body) ~= "string" then
    error(string.format("arm.%s: the body must be a table (sent as JSON) or JSON text, got %s", fn, type(body)), level + 1)
  end
end

--- Reads a resource; raises an "arm" error (status 404, code ResourceNotFound...) when it is not there.
---@param id string resource id, e.g. /subscriptions/{s}/resourceGroups/{rg}/providers/...
---@param opts string|table api-version, or {api_version, query, wait, what, timeout, poll_interval}
---@return table resource
function arm.get(id, opts)
  return (core.request(build("get", "GET", id, nil, opts, 2)))
end

--- Reads a resource, or returns nil when it does not exist (404).
---@param id string resource id
---@param opts string|table api-version or options
---@return table|nil resource
function arm.find(id, opts)
  local req = build("find", "GET", id, nil, opts, 2)
  req.missing_ok = true
  return (core.request(req))
end

--- Creates or replaces a resource and waits for its long-running operation; returns the resource.
---@param id string resource id
---@param body table|string the resource (a table is sent as JSON)
---@param opts string|table api-version or options (wait = false returns the first answer)
---@return table|nil resource
---@return integer status of the first response (200, 201, 202)
function arm.put(id, body, opts)
  check_body("put", body, 2)
  local result, status = core.request(build("put", "PUT", id, body, opts, 2))
  return result, status
end

--- Updates part of a resource (PATCH) and waits for its operation; returns the resource.
---@param id string resource id
---@param body table|string the properties to change
---@param opts string|table api-version or options
---@return table|nil resource
---@return integer status of the first response
function arm.patch(id, body, opts)
  check_body("patch", body, 2)
  local result, status = core.request(build("patch", "PATCH", id, body, opts, 2))
  return result, status
end

--- Calls an action (POST .../restart) and waits for its operation; returns its result, if any.
---@param id string the action's resource path
---@param body? table|string request body (none when nil)
---@param opts string|table api-version or options
---@return table|nil result
---@return integer status of the first response
function arm.post(id, body, opts)
  if body ~= nil then check_body("post", body, 2) end
  local result, status = core.request(build("post", "POST", id, body, opts, 2))
  return result, status
end

--- Deletes a resource and waits; true when something was deleted, false when it was not there (204 or 404).
---@param id string resource id
---@param opts string|table api-version or options
---@return boolean deleted
function arm.delete(id, opts)
  local req = build("delete", "DELETE", id, nil, opts, 2)
  req.missing_ok = true
  local _, status = core.request(req)
  return status ~= 204 and status ~= 404
end

--- Any ARM request: spec = {method, target, api_version, query, body, wait, what, timeout, poll_interval, missing_ok}.
---@param spec table
---@return any body decoded JSON (nil when the answer has none)
---@return integer status
---@return string|nil request_id
function arm.request(spec)
  if type(spec) ~= "table" then error("arm.request: expected a table {method, target, api_version, ...}", 2) end
  return core.request(spec)
end

--- The URL a request for id would go to (nothing is sent).
---@param id string resource id
---@param opts string|table api-version or options
---@return string url
function arm.url(id, opts)
  return core.url(build("url", "GET", id, nil, opts, 2))
end

local Pager = {}
Pager.__index = Pager

--- The next item of a list (nil at the end); fetches the next page at nextLink when needed.
function Pager:__call()
  while true do
    if self.index <= #self.items then
      local item = self.items[self.index]
      self.index = self.index + 1
      return item
    end
    if not self.next then return nil end
    local req = self.next
    self.next = nil
    local body = core.request(req)
    self.pages = self.pages + 1
    self.items, self.index = type(body) == "table" and type(body.value) == "table" and body.value or {}, 1
    local link = type(body) == "table" and body.nextLink
    if type(link) == "string" and link ~= "" then
      self.next = { method = "GET", target = link, api_version = req.api_version, what = req.what }
    end
  end
end

--- Every remaining item of the list, all pages read.
---@return table[] items
function Pager:all()
  local out = {}
  for item in self do out[#out + 1] = item end
  return out
end

function Pager:__tostring() return "arm.Pager(" .. self.id .. ", " .. self.pages .. " pages read)" end

--- A list (GET returning {value, nextLink}) as an iterator: `for r in arm.list(id, v) do`, or arm.list(id, v):all().
---@param id string the collection, e.g. {scope}/providers/Microsoft.Authorization/roleAssignments
---@param opts string|table api-version or options (query = {["$filter"] = "..."})
---@return arm.Pager pager
function arm.list(id, opts)
  local req = build("list", "GET", id, nil, opts, 2)
  return setmetatable({ id = id, next = req, items = {}, index = 1, pages = 0 }, Pager)
end

--- The parts of a resource id: subscription, resource_group, provider, type (e.g.
--- "Microsoft.Storage/storageAccounts") and name; parts that are absent are nil.
---@param id string
---@return table parts
function arm.parse_id(id)
  if type(id) ~= "string" or id:sub(1, 1) ~= "/" then
    error("arm.parse_id: expected a resource id starting with /, got " .. tostring(id), 2)
  end
  local seg = {}
  for s in id:gmatch("[^/]+") do seg[#seg + 1] = s end
  local parts = {}
  if seg[1] and seg[1]:lower() == "subscriptions" then parts.subscription = seg[2] end
  if seg[3] and seg[3]:lower() == "resourcegroups" then parts.resource_group = seg[4] end
  local p
  for i = #seg, 1, -1 do
    if seg[i]:lower() == "providers" then p = i break end
  end
  if p and seg[p + 1] then
    parts.provider = seg[p + 1]
    local types = {}
    for i = p + 2, #seg, 2 do types[#types + 1] = seg[i] end
    if #types > 0 then parts.type = seg[p + 1] .. "/" .. table.concat(types, "/") end
    if #seg >= p + 3 and (#seg - p) % 2 == 1 then parts.name = seg[#seg] end
  elseif parts.resource_group and #seg == 4 then
    parts.type, parts.name = "Microsoft.Resources/resourceGroups", parts.resource_group
  end
  return parts
end

--- The role definition GUID for a built-in role name ("Storage Blob Data Reader"), a GUID or a role definition id.
---@param role string
---@return string|nil guid
---@return string|nil message when the role is unknown
function arm.role_guid(role) return core.role_guid(role) end

--- The built-in role name for a role definition GUID, or nil.
---@param guid string
---@return string|nil name
function arm.role_name(guid) return core.role_name(guid) end

--- The built-in roles known by name: a list of {name, guid}.
---@return table[] roles
function arm.roles() return core.roles() end

--- The deterministic role assignment name (UUID v5) for role and principal at scope; see docs/api/arm.md.
---@param scope string resource id the role is assigned at
---@param role string role name, GUID or role definition id
---@param principal_id string the principal's object id
---@return string name a GUID
function arm.assignment_name(scope, role, principal_id) return core.assignment_name(scope, role, principal_id) end

--- A name-based UUID, version 5 (SHA-1), of name in the namespace UUID ns.
---@param ns string namespace UUID
---@param name string
---@return string uuid
function arm.uuid_v5(ns, name) return core.uuid_v5(ns, name) end

--- The Resource Manager endpoint of the cloud profile (https://management.azure.com, or {sim}/arm locally).
---@return string url
function arm.endpoint() return core.base() end

-- The helpers load on first use: arm.role_assignment is stdlib/arm/role_assignment.lua.
local HELPERS = { role_assignment = true, storage = true, postgres = true, keyvault = true }
setmetatable(arm, {
  __index = function(t, k)
    if HELPERS[k] then
      local m = require("arm." .. k)
      rawset(t, k, m)
      return m
    end
  end,
})

return arm
