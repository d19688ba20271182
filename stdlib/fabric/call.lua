--- fabric.call: one way to send, wait and page for every fabric submodule, over the C++
--- client in `fabric.core` (which does the URLs, long-running operations, paging and errors).
local core = require("fabric.core")
local tcore = require("tarn.core")
local args = require("fabric.args")

local call = {}

-- Handles of long-running operations (wait = false).
local Operation = { __name = "fabric.Operation" }
Operation.__index = Operation
function Operation.__tostring(h)
  if h.done then return "fabric.Operation(done)" end
  return string.format("fabric.Operation(%s, %s)", h.id, h.label or "")
end
call.Operation = Operation

local function handle_of(res)
  if res.operation then return setmetatable(res.operation, Operation) end
  -- The service finished at once (200/201): a handle that is already done.
  return setmetatable({ done = true, result = res.body, status = res.status, headers = res.headers }, Operation)
end

--- Whether v is an operation handle.
function call.is_operation(v) return getmetatable(v) == Operation end

--- One call that may be long-running. req: {method=, path=, query=, body=, label=,
--- expect_result=}; opts: {wait=, timeout=}. Returns the result body and the raw result
--- ({status=, body=, headers=}), or with wait = false an operation handle.
function call.send(req, opts)
  opts = opts or {}
  if opts.wait ~= nil and type(opts.wait) ~= "boolean" then error("'wait' must be a boolean", 3) end
  if opts.timeout ~= nil and (type(opts.timeout) ~= "number" or opts.timeout < 0) then
    error("'timeout' must be 0 (no limit) or a positive number of seconds", 3)
  end
  req.wait = opts.wait ~= false
  req.timeout = opts.timeout
  local res = core.call(req)
  if not req.wait then return handle_of(res) end
  return res.body, res
end

--- Waits for a handle; returns the result body (nil when the operation has none).
function call.wait(h, opts)
  if not call.is_operation(h) then error("fabric.wait: an operation handle expected (from a call with wait = false)", 2) end
  opts = args.options(opts, "fabric.wait", { "timeout" })
  if h.done then return h.result end
  local res = core.wait(h, { timeout = opts.timeout })
  h.done, h.result = true, res.body
  return res.body
end

--- The state of a handle's operation now: {status=, percent=, retry_after=, body=}.
function call.state(h)
  if not call.is_operation(h) then error("fabric.operation_state: an operation handle expected", 2) end
  if h.done then return { status = "Succeeded", percent = 100 } end
  return core.state(h)
end

-- Lists: pages fetched as the iteration reaches them.
local Pages = { __name = "fabric.Pages" }
Pages.__index = Pages
function Pages.__tostring(p) return string.format("fabric.Pages(%s %s)", p.req.method or "GET", p.req.path_text) end

--- A list to iterate: `for x in pages:iter() do`, `pages:all()`, `pages:find(fn)`.
--- on_page(page), when given, sees each whole page as it arrives (and may raise).
function call.pages(req, on_page)
  local text = type(req.path) == "table" and ("/" .. table.concat(req.path, "/")) or req.path
  return setmetatable({ req = req, path_text = text, on_page = on_page }, Pages)
end

--- An iterator over the items of every page, fetching each page when it is reached. Each
--- call starts again from the first page.
function Pages:iter()
  local req, on_page, cursor, items, i, last = self.req, self.on_page, nil, {}, 0, false
  return function()
    while true do
      if i < #items then
        i = i + 1
        return items[i]
      end
      if last then return nil end
      local page
      items, cursor, page = core.page(req, cursor)
      if on_page then on_page(page) end
      i, last = 0, cursor == nil
    end
  end
end

--- Every item of every page, in one list.
function Pages:all()
  local out = {}
  for item in self:iter() do out[#out + 1] = item end
  return out
end

--- The first item for which fn(item) is true, reading no further pages than needed; nil when none.
function Pages:find(fn)
  for item in self:iter() do
    if fn(item) then return item end
  end
  return nil
end

call.Pages = Pages

--- Raises a structured error value of kind "fabric" with these fields.
function call.raise(fields)
  fields.kind = "fabric"
  error(tcore.error(fields), 0)
end

--- Whether e is a fabric error value with this HTTP status (and code, when given).
function call.is_error(e, status, code)
  return type(e) == "table" and e.kind == "fabric" and (status == nil or e.status == status) and
      (code == nil or e.code == code)
end

--- Runs fn(...); a 404 becomes `false`, anything else is raised; success returns true.
function call.delete(fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then return true end
  if call.is_error(err, 404) then return false end
  error(err, 0)
end

--- Finds by display name: the exact match, else the only case-insensitive one.
function call.by_name(pages, name)
  local lower, folded, count = name:lower(), nil, 0
  for item in pages:iter() do
    local n = item.displayName
    if n == name then return item end
    if type(n) == "string" and n:lower() == lower then folded, count = item, count + 1 end
  end
  return count == 1 and folded or nil
end

return call
