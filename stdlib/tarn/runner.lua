--- Runs recipes for the CLI: finds and checks them, resolves parameters, runs the steps,
-- runs the cleanups, prints the journal and returns the exit code.
local core = require("tarn.core")
local log = require("log")
local params = require("tarn.params")
local Context = require("tarn.context")
local suggest = require("tarn.suggest")

local runner = {}

local EXIT = { ok = 0, failed = 1, usage = 2, plan_changes = 3, interrupted = 130 }
runner.EXIT = EXIT

local usage_error = params.fail

local function recipe_path_dirs()
  local dirs = {}
  for d in (core.getenv("TARN_RECIPES_PATH") or ""):gmatch("[^:]+") do dirs[#dirs + 1] = d end
  return dirs
end

--- Bundled recipe names, sorted.
function runner.bundled()
  local names = {}
  for _, f in ipairs(core.lib_list("recipes/")) do
    local n = f:match("^(.+)%.lua$")
    if n then names[#names + 1] = n end
  end
  return names
end

local function all_names()
  local names, seen = {}, {}
  for _, n in ipairs(runner.bundled()) do names[#names + 1], seen[n] = n, true end
  for _, d in ipairs(recipe_path_dirs()) do
    for _, f in ipairs(core.list_dir(d)) do
      local n = f:match("^(.+)%.lua$")
      if n and not seen[n] then names[#names + 1], seen[n] = n, true end
    end
  end
  table.sort(names)
  return names
end

--- Finds a recipe by bundled name, name on TARN_RECIPES_PATH, or path.
-- Returns source, chunkname, label; raises a usage error with suggestions when not found.
function runner.find(ref)
  if ref:match("%.lua$") or ref:find("/", 1, true) then
    local text, err = core.read_file(ref)
    if not text then usage_error("cannot read recipe %s", err) end
    return text, "@" .. ref, ref
  end
  local text = core.lib_file("recipes/" .. ref .. ".lua")
  if text then return text, "@recipes/" .. ref .. ".lua", ref end
  for _, d in ipairs(recipe_path_dirs()) do
    local path = d .. "/" .. ref .. ".lua"
    text = core.read_file(path)
    if text then return text, "@" .. path, ref end
  end
  local near = suggest.nearest(ref, all_names())
  usage_error("unknown recipe '%s'%s (see 'tarn recipes')", ref,
    #near > 0 and (": did you mean " .. table.concat(near, " or ") .. "?") or "")
end

--- Loads a recipe and checks its contract; returns the recipe table with .param_list.
function runner.load(ref)
  local text, chunkname, label = runner.find(ref)
  local fn, err = load(text, chunkname, "t")
  if not fn then usage_error("recipe %s does not compile: %s", label, err) end
  local ok, recipe = pcall(fn)
  if not ok then usage_error("recipe %s failed while loading: %s", label, tostring(recipe)) end
  local where = "recipe " .. label
  if type(recipe) ~= "table" then usage_error("%s must return a table (name, description, params, run), got %s", where, type(recipe)) end
  if type(recipe.name) ~= "string" or recipe.name == "" then usage_error("%s: 'name' must be a non-empty string", where) end
  if type(recipe.description) ~= "string" then usage_error("%s: 'description' must be a string", where) end
  if type(recipe.run) ~= "function" then usage_error("%s: missing 'run' (a function run(ctx, params))", where) end
  if recipe.usage ~= nil and type(recipe.usage) ~= "string" then usage_error("%s: 'usage' must be a string", where) end
  if recipe.outputs ~= nil and type(recipe.outputs) ~= "table" then usage_error("%s: 'outputs' must be a table of name = description", where) end
  for k in pairs(recipe) do
    if not ({ name = 1, description = 1, params = 1, run = 1, usage = 1, outputs = 1, summary = 1 })[k] then
      usage_error("%s: unknown field '%s' (expected name, description, params, run, usage, outputs, summary)", where, tostring(k))
    end
  end
  recipe.param_list = params.declarations(recipe.params, where)
  return recipe
end

local function azd_source(req)
  local azd = require("tarn.azd")
  local env = req.azd_env
  local root = azd.root()
  if not env then env = azd.default_env(root) end
  if not env then return nil end
  local values, err = azd.read(env, root)
  if not values then
    if req.azd_env then usage_error("--azd-env %s: %s", env, err) end
    return nil
  end
  return values, "azd environment '" .. env .. "'", env
end

-- The human summary on stdout.
local function print_summary(ctx, recipe, elapsed, status_word)
  local c = ctx:counts()
  local parts = {}
  for _, k in ipairs({ "changed", "would change", "unchanged", "temporary", "failed" }) do
    if c[k] > 0 then parts[#parts + 1] = c[k] .. " " .. k end
  end
  local lines = {}
  lines[#lines + 1] = string.format("%s%s: %s — %d step%s%s (%.1f s)", recipe.name, ctx.plan and " (plan)" or "",
    status_word, #ctx.journal, #ctx.journal == 1 and "" or "s", #parts > 0 and (", " .. table.concat(parts, ", ")) or "", elapsed)
  local width = 4
  for _, e in ipairs(ctx.journal) do width = math.max(width, #e.name) end
  for _, e in ipairs(ctx.journal) do
    local detail = e.error or e.detail
    lines[#lines + 1] = string.format("  %-12s %-" .. width .. "s  %5d ms%s", e.status, e.name, e.duration_ms,
      detail and ("  " .. tostring(detail):gsub("\n", " ")) or "")
  end
  local names = {}
  for k in pairs(ctx.outputs) do names[#names + 1] = k end
  table.sort(names)
  if #names > 0 then
    lines[#lines + 1] = "outputs:"
    for _, k in ipairs(names) do
      local v = ctx.outputs[k]
      if type(v) == "table" then v = require("json").encode(v) end
      lines[#lines + 1] = string.format("  %s = %s", k, tostring(v))
    end
  end
  print(table.concat(lines, "\n"))
end

local function summary_document(ctx, recipe_name, status, code, elapsed, err)
  local steps = {}
  for i, e in ipairs(ctx and ctx.journal or {}) do
    steps[i] = { name = e.name, status = e.status, duration_ms = e.duration_ms, detail = e.detail, error = e.error }
  end
  local json = require("json")
  return {
    recipe = recipe_name,
    status = status,
    exit_code = code,
    plan = ctx and ctx.plan or false,
    duration_ms = math.floor(elapsed * 1000 + 0.5),
    steps = #steps > 0 and steps or json.array(),
    outputs = (ctx and next(ctx.outputs)) and ctx.outputs or json.object(),
    error = err,
  }
end

--- The CLI's `tarn run`. req: recipe, sets, params_file, azd_env, plan, rotate, json.
function runner.main(req)
  local start = core.clock()
  local recipe, ctx
  local function finish(status, code, err)
    if req.json then
      io.stdout:write(require("json").encode(summary_document(ctx, recipe and recipe.name or req.recipe, status, code,
        core.clock() - start, err)), "\n")
    end
    return code
  end

  -- Everything up to the first step: a failure here is a usage error and touches nothing.
  local ok, err = pcall(function()
    recipe = runner.load(req.recipe)
    local azd_values, azd_label, azd_env = azd_source(req)
    local values = params.resolve(recipe.param_list, {
      sets = req.sets, file = req.params_file, azd = azd_values, azd_label = azd_label,
    })
    ctx = Context.new({ recipe = recipe.name, plan = req.plan, params = values, azd_env = azd_env, rotate = req.rotate })
  end)
  if not ok then
    if type(err) == "table" and err.usage then
      log.error("%s", err.message)
      return finish("usage_error", EXIT.usage, err.message)
    end
    log.error("%s", tostring(err))
    return finish("failed", EXIT.failed, tostring(err))
  end

  local run_ok, run_err = xpcall(function()
    local outputs = recipe.run(ctx, ctx.params)
    if type(outputs) == "table" then
      for k, v in pairs(outputs) do ctx.outputs[k] = v end
    end
  end, function(e)
    if type(e) == "table" and (e.step_failed or e.usage) then return e end
    if e == "interrupted" then return e end
    local text = type(e) == "string" and e or tostring(e)
    if core.verbosity() >= 2 then text = debug.traceback(text, 2) end
    return { message = text, value = e }
  end)
  local cleanup_failures = ctx:run_cleanups()
  log.status_done()
  local elapsed = core.clock() - start

  local status, code, message
  local continued = {}
  for _, e in ipairs(ctx.journal) do
    if e.status == "failed" then continued[#continued + 1] = e end
  end
  if run_ok then
    if #continued > 0 then
      -- Steps declared continue_on_error let the run go on, but the run still failed.
      status, code = "failed", EXIT.failed
      message = string.format("%d step%s failed: %s", #continued, #continued == 1 and "" or "s", continued[1].name)
    elseif #cleanup_failures > 0 then
      status, code = "failed", EXIT.failed
      message = "cleanup failed: " .. cleanup_failures[1].name .. ": " .. cleanup_failures[1].error
    elseif ctx.plan then
      local c = ctx:counts()
      status, code = c["would change"] > 0 and "changes" or "no_changes", c["would change"] > 0 and EXIT.plan_changes or EXIT.ok
    else
      status, code = "ok", EXIT.ok
    end
  elseif run_err == "interrupted" or (type(run_err) == "table" and run_err.cause == "interrupted") then
    status, code, message = "interrupted", EXIT.interrupted, "interrupted"
  elseif type(run_err) == "table" and run_err.usage then
    -- A recipe may find a parameter problem only once it looks (tarn.usage_error).
    status, code, message = "usage_error", EXIT.usage, run_err.message
  elseif type(run_err) == "table" and run_err.step_failed then
    status, code = "failed", EXIT.failed
    message = string.format("step '%s' failed: %s", run_err.entry.name, run_err.entry.error)
  else
    status, code = "failed", EXIT.failed
    message = run_err.message
  end
  if message then log.error("%s", message) end
  if not req.json and (recipe.summary ~= false or status ~= "ok") then
    local word = ({ ok = "done", no_changes = "no changes", changes = "changes to make", failed = "failed",
      interrupted = "interrupted" })[status]
    print_summary(ctx, recipe, elapsed, word)
  end
  return finish(status, code, message)
end

--- `tarn recipes`: one line per recipe (name, description).
function runner.list(_, as_json)
  local rows = {}
  for _, name in ipairs(runner.bundled()) do
    local ok, r = pcall(runner.load, name)
    rows[#rows + 1] = { name = name, description = ok and r.description or ("(broken: " .. tostring(r.message or r) .. ")") }
  end
  if as_json then
    io.stdout:write(require("json").encode(rows), "\n")
    return EXIT.ok
  end
  local width = 0
  for _, r in ipairs(rows) do width = math.max(width, #r.name) end
  for _, r in ipairs(rows) do print(string.format("%-" .. width .. "s  %s", r.name, r.description)) end
  return EXIT.ok
end

local function show_default(p)
  if p.default == nil then return "" end
  if p.secret then return "***" end
  if type(p.default) == "table" then return require("json").encode(p.default) end
  return tostring(p.default)
end

--- `tarn help <recipe>`: parameters, an example invocation, outputs.
function runner.help(name, as_json)
  local ok, recipe = pcall(runner.load, name)
  if not ok then
    log.error("%s", type(recipe) == "table" and recipe.message or tostring(recipe))
    return EXIT.usage
  end
  if as_json then
    local ps = {}
    for i, p in ipairs(recipe.param_list) do
      ps[i] = { name = p.name, type = p.type, required = p.required or false, default = (not p.secret) and p.default or nil,
        secret = p.secret or false, doc = p.doc, values = p.values, env = params.env_name(p.name) }
    end
    io.stdout:write(require("json").encode({ name = recipe.name, description = recipe.description, usage = recipe.usage,
      params = ps, outputs = recipe.outputs }), "\n")
    return EXIT.ok
  end
  local out = { recipe.name .. " — " .. recipe.description, "" }
  if #recipe.param_list > 0 then
    out[#out + 1] = "parameters (--set name=value, --params file.json, env TARN_<NAME>, azd env):"
    local w = 4
    for _, p in ipairs(recipe.param_list) do w = math.max(w, #p.name) end
    for _, p in ipairs(recipe.param_list) do
      local flags = {}
      flags[#flags + 1] = p.type == "enum" and ("enum: " .. table.concat(p.values, "|")) or p.type
      if p.required then flags[#flags + 1] = "required" end
      if p.secret then flags[#flags + 1] = "secret" end
      local d = show_default(p)
      if d ~= "" then flags[#flags + 1] = "default " .. d end
      out[#out + 1] = string.format("  %-" .. w .. "s  %s", p.name, table.concat(flags, ", "))
      if p.doc then out[#out + 1] = string.format("  %-" .. w .. "s    %s", "", p.doc) end
    end
    out[#out + 1] = ""
  end
  out[#out + 1] = "example:"
  if recipe.usage then
    out[#out + 1] = "  " .. recipe.usage:gsub("\n", "\n  ")
  else
    local ex = { "  tarn run " .. recipe.name }
    for _, p in ipairs(recipe.param_list) do
      if p.required then ex[#ex + 1] = string.format("--set %s=%s", p.name, p.example or ("<" .. p.type .. ">")) end
    end
    out[#out + 1] = table.concat(ex, " ")
  end
  if recipe.outputs and next(recipe.outputs) then
    out[#out + 1] = ""
    out[#out + 1] = "outputs:"
    local names = {}
    for k in pairs(recipe.outputs) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do out[#out + 1] = string.format("  %s  %s", k, tostring(recipe.outputs[k])) end
  end
  print(table.concat(out, "\n"))
  return EXIT.ok
end

return runner
