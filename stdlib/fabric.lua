--- fabric: the Microsoft Fabric REST API. Functions grouped by what they manage
--- (fabric.workspaces, fabric.items, fabric.mirrored_databases, fabric.mirroring,
--- fabric.databricks, fabric.connections, fabric.deployment_pipelines, fabric.git,
--- fabric.shortcuts), plus fabric.request / fabric.pages for any other endpoint.
-- The C++ client under it (bindings/fabric) follows long-running operations, pages, retries
-- and turns failures into error values of kind "fabric"; this module shapes arguments and
-- results. See docs/api/fabric.md.
local core = require("fabric.core")
local args = require("fabric.args")
local call = require("fabric.call")

local fabric = {}

local function request_of(t, fname)
  args.options(t, fname, { "method", "path", "query", "body", "wait", "timeout", "item_key", "expect_result" }, 3)
  if t.path == nil then args.fail(fname, "'path' is required (e.g. \"/workspaces\")", 3) end
  local method = t.method or "GET"
  if type(method) ~= "string" then args.fail(fname, "'method' must be a string", 3) end
  local path = t.path
  if type(path) == "string" and not (path:sub(1, 1) == "/" or path:match("^https?://")) then
    args.fail(fname, "'path' must start with / (under the Fabric API base, e.g. /workspaces), got '" .. path .. "'", 3)
  elseif type(path) ~= "string" and type(path) ~= "table" then
    args.fail(fname, "'path' must be a string or a list of segments, got " .. type(path), 3)
  end
  local text = type(path) == "table" and ("/" .. table.concat(path, "/")) or path
  return {
    method = method:upper(), path = path, query = t.query, body = t.body, item_key = t.item_key,
    label = method:upper() .. " " .. text, expect_result = t.expect_result,
  }
end

--- Calls any Fabric endpoint: fabric.request{method=, path=, query=, body=, wait=, timeout=}.
--- Returns the decoded result (nil when none) and {status=, headers=}; a 202 is followed to
--- its end (or, with wait = false, returned as an operation handle).
function fabric.request(t)
  if type(t) ~= "table" then args.fail("fabric.request", "a request table expected", 2) end
  local req = request_of(t, "fabric.request")
  local body, res = call.send(req, { wait = t.wait, timeout = t.timeout })
  if call.is_operation(body) then return body end
  return body, { status = res.status, headers = res.headers }
end

--- A paged list of any endpoint: fabric.pages{path=, query=, method=, body=, item_key=}.
function fabric.pages(t)
  if type(t) ~= "table" then args.fail("fabric.pages", "a request table expected", 2) end
  return call.pages(request_of(t, "fabric.pages"))
end

--- Waits for an operation handle (from a call with wait = false); returns its result.
fabric.wait = call.wait

--- The state of an operation handle now: {status=, percent=, retry_after=, body=}.
fabric.operation_state = call.state

--- Whether v is an operation handle.
fabric.is_operation = call.is_operation

--- The Fabric API base URL of the current cloud profile (ends in /v1).
function fabric.base_url() return core.base() end

fabric.workspaces = require("fabric.workspaces")
fabric.items = require("fabric.items")
fabric.mirrored_databases = require("fabric.mirrored_databases")
fabric.mirroring = require("fabric.mirroring")
fabric.databricks = require("fabric.databricks")
fabric.connections = require("fabric.connections")
fabric.deployment_pipelines = require("fabric.deployment_pipelines")
fabric.git = require("fabric.git")
fabric.shortcuts = require("fabric.shortcuts")

return fabric
