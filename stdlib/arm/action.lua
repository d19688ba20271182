--- arm.action (internal): turns a helper's compute/perform pair into the plan, ensure and
-- step functions every arm helper offers, so each behaves the same way in a recipe.
--
--   compute(r) -> { change = bool, detail = text, ... }   reads only
--   perform(plan) -> status ("changed" | "unchanged"), detail  writes
--
-- r is the helper's checked spec (each public function checks its argument first, so
-- misuse blames the caller's line). plan(r) answers like a ctx:step check (false, detail |
-- change text); ensure(r) computes and performs; step(r[, name]) is a ctx:step spec whose
-- check's reading is reused by its apply, so a step reads the resource once.
local action = {}

--- Returns plan, ensure and step functions for compute/perform; describe(r) names a step.
---@param describe fun(r: table): string
---@param compute fun(r: table): table
---@param perform fun(plan: table): string, string
---@return function plan
---@return function ensure
---@return function step
function action.new(describe, compute, perform)
  local function plan(r)
    local p = compute(r)
    if p.change then return p.detail end
    return false, p.detail
  end
  local function ensure(r)
    local p = compute(r)
    if not p.change then return "unchanged", p.detail end
    return perform(p)
  end
  local function step(r, name)
    local cached
    return {
      name = name or describe(r),
      check = function()
        cached = compute(r)
        if cached.change then return cached.detail end
        return false, cached.detail
      end,
      apply = function()
        local p = cached or compute(r)
        cached = nil
        local _, detail = perform(p)
        return detail
      end,
    }
  end
  return plan, ensure, step
end

--- Raises `fn: message` at the caller of the public helper (level 3 from a resolve function).
function action.fail(fn, message, level)
  error(fn .. ": " .. message, (level or 3) + 1)
end

--- Checks that spec is a table whose keys are all in `fields` (a set); raises naming the bad one.
function action.check_fields(fn, spec, fields, level)
  level = (level or 3) + 1
  if type(spec) ~= "table" then
    local names = {}
    for k in pairs(fields) do names[#names + 1] = k end
    table.sort(names)
    error(fn .. ": expected a table {" .. table.concat(names, ", ") .. "}, got " .. type(spec), level)
  end
  for k in pairs(spec) do
    if not fields[k] then
      local names = {}
      for f in pairs(fields) do names[#names + 1] = f end
      table.sort(names)
      error(string.format("%s: unknown field '%s' (expected %s)", fn, tostring(k), table.concat(names, ", ")), level)
    end
  end
end

local GUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"

--- True when s is a GUID in the 8-4-4-4-12 form.
function action.is_guid(s) return type(s) == "string" and s:match(GUID) ~= nil end

--- Case-insensitive equality of two ids, trailing '/' ignored.
function action.same_id(a, b)
  if type(a) ~= "string" or type(b) ~= "string" then return false end
  return a:lower():gsub("/+$", "") == b:lower():gsub("/+$", "")
end

return action
