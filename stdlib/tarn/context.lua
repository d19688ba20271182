--- The run context a recipe receives: journaled steps, cleanup, outputs.
-- Every change goes through ctx:step, which gives plan mode, the change report, the
-- idempotency check and the JSON summary from one mechanism.
local core = require("tarn.core")
local log = require("log")

local Context = {}
Context.__index = Context

local STATUS = { unchanged = "unchanged", changed = "changed", would_change = "would change", failed = "failed",
  temporary = "temporary" }
Context.STATUS = STATUS

--- Creates a context. opts: recipe (name), plan (bool), params, azd_env, rotate.
function Context.new(opts)
  return setmetatable({
    recipe = opts.recipe,
    plan = opts.plan or false,
    params = opts.params or {},
    azd_env = opts.azd_env,
    rotate = opts.rotate or false,
    journal = {},
    outputs = {},
    cleanups = {},
  }, Context)
end

local function detail_text(v)
  if v == nil or v == true or v == false then return nil end
  if type(v) == "table" and v.detail ~= nil then return tostring(v.detail) end
  return tostring(v)
end

-- Interprets what check() returned: needed (bool), detail.
-- false/nil: nothing to do. true or a string: a change is needed (the string says which).
-- A table: { change = bool, detail = text }.
local function interpret(a, b)
  if type(a) == "table" and a.change ~= nil then return a.change and true or false, detail_text(a.detail) end
  if a == nil or a == false then return false, detail_text(b) end
  if type(a) == "string" then return true, a end
  return true, detail_text(b)
end

local function error_text(err)
  if type(err) == "string" then return err end
  local ok, s = pcall(tostring, err)
  return ok and s or "(error)"
end

--- Runs one journaled step.
-- spec: name, check = fn() -> needed[, detail], apply = fn() -> detail|nil,
-- continue_on_error (bool). Without check the step always applies.
-- Returns the journal entry { name, status, detail, duration_ms, value }.
function Context:step(spec)
  if type(spec) ~= "table" or type(spec.name) ~= "string" then
    error("ctx:step{name = ..., check = ..., apply = ...} needs a name", 2)
  end
  if spec.apply ~= nil and type(spec.apply) ~= "function" then error("ctx:step '" .. spec.name .. "': apply must be a function", 2) end
  if spec.check ~= nil and type(spec.check) ~= "function" then error("ctx:step '" .. spec.name .. "': check must be a function", 2) end
  if spec.apply == nil and spec.check == nil then error("ctx:step '" .. spec.name .. "': needs check, apply or both", 2) end
  for k in pairs(spec) do
    if not ({ name = 1, check = 1, apply = 1, continue_on_error = 1 })[k] then
      error("ctx:step '" .. spec.name .. "': unknown field '" .. tostring(k) .. "' (expected name, check, apply, continue_on_error)", 2)
    end
  end
  local entry = { name = spec.name }
  self.journal[#self.journal + 1] = entry
  local start = core.clock()
  log.debug("step %s", spec.name)
  local ok, err = pcall(function()
    local needed, detail = true, nil
    if spec.check then needed, detail = interpret(spec.check()) end
    if not needed then
      entry.status, entry.detail = STATUS.unchanged, detail
    elseif self.plan or not spec.apply then
      entry.status, entry.detail = spec.apply and STATUS.would_change or STATUS.unchanged, detail
    else
      local result = spec.apply()
      entry.status = STATUS.changed
      entry.detail = detail_text(result) or detail
      entry.value = result
    end
  end)
  entry.duration_ms = math.floor((core.clock() - start) * 1000 + 0.5)
  if not ok then
    entry.status = STATUS.failed
    entry.error = error_text(err)
    entry.error_value = err
    if err == "interrupted" or not spec.continue_on_error then
      error({ step_failed = true, entry = entry, cause = err }, 0)
    end
    log.warn("step '%s' failed, continuing: %s", spec.name, entry.error)
  end
  return entry
end

--- A temporary change, undone when the run ends (an opened firewall, a lock): journaled as
-- "temporary", which counts neither as a change nor as a change to make, so a re-run that
-- needs the same opening still reports nothing changed. In plan mode nothing is applied.
-- spec: name, check = fn() -> needed[, detail], apply = fn(), undo = fn().
function Context:temporary(spec)
  if type(spec) ~= "table" or type(spec.name) ~= "string" or type(spec.apply) ~= "function"
      or type(spec.undo) ~= "function" then
    error("ctx:temporary{name = ..., check = ..., apply = ..., undo = ...} needs a name, apply and undo", 2)
  end
  local entry = { name = spec.name }
  self.journal[#self.journal + 1] = entry
  local start = core.clock()
  local ok, err = pcall(function()
    local needed, detail = true, nil
    if spec.check then needed, detail = interpret(spec.check()) end
    entry.detail = detail
    if not needed then
      entry.status = STATUS.unchanged
    elseif self.plan then
      entry.status = STATUS.temporary
      entry.detail = (detail or spec.name) .. " (would be opened, then undone)"
    else
      -- Register the undo first: a Ctrl-C between apply and registration must not leak it.
      self:finally(spec.undo, "undo " .. spec.name)
      spec.apply()
      entry.status = STATUS.temporary
    end
  end)
  entry.duration_ms = math.floor((core.clock() - start) * 1000 + 0.5)
  if not ok then
    entry.status, entry.error, entry.error_value = STATUS.failed, error_text(err), err
    error({ step_failed = true, entry = entry, cause = err }, 0)
  end
  return entry
end

--- Registers cleanup that runs when the run ends: success, failure or Ctrl-C. Last in, first out.
function Context:finally(fn, name)
  if type(fn) ~= "function" then error("ctx:finally(fn) needs a function", 2) end
  self.cleanups[#self.cleanups + 1] = { fn = fn, name = name or ("cleanup " .. (#self.cleanups + 1)) }
end

--- Records a named output of the run (shown in the summary and the JSON document).
function Context:output(name, value)
  self.outputs[name] = value
end

--- Runs the registered cleanups; returns the list of failures.
function Context:run_cleanups()
  local failures = {}
  while #self.cleanups > 0 do
    local c = table.remove(self.cleanups)
    local ok, err = pcall(c.fn)
    if not ok then
      -- A Ctrl-C during cleanup must not skip the remaining cleanups.
      failures[#failures + 1] = { name = c.name, error = error_text(err) }
      log.error("%s failed: %s", c.name, error_text(err))
    end
  end
  return failures
end

--- Counts of journal entries by status.
function Context:counts()
  local c = { unchanged = 0, changed = 0, ["would change"] = 0, failed = 0, temporary = 0 }
  for _, e in ipairs(self.journal) do c[e.status] = (c[e.status] or 0) + 1 end
  return c
end

return Context
