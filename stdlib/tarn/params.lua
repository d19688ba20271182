--- Recipe parameters: the contract's declarations, their sources and validation.
-- Sources, highest first: --set, --params file.json, environment TARN_<NAME>, the azd
-- environment file, defaults. Every error names the parameter, where its value came from
-- and what was expected.
local core = require("tarn.core")

local params = {}

params.types = { string = true, integer = true, number = true, boolean = true, list = true, map = true, enum = true }
local type_names = "string, integer, number, boolean, list, map, enum"

-- Usage errors are tables (so the runner can tell them from failures) that print as text.
local usage_mt = { __tostring = function(e) return e.message end }
local function fail(fmt, ...)
  error(setmetatable({ usage = true, message = string.format(fmt, ...) }, usage_mt), 0)
end
params.fail = fail

--- The environment variable a parameter reads: TARN_<NAME>, upper case, '-' and '.' as '_'.
function params.env_name(name)
  return "TARN_" .. name:upper():gsub("[%-%.]", "_")
end

--- Checks the params declaration of a recipe; returns the ordered list of specs.
-- Accepts a list of specs with `name`, or a map name -> spec (ordered by name).
function params.declarations(decl, where)
  if decl == nil then return {} end
  if type(decl) ~= "table" then fail("%s: params must be a table, got %s", where, type(decl)) end
  local list = {}
  if #decl > 0 then
    for i, p in ipairs(decl) do
      if type(p) ~= "table" then fail("%s: params[%d] must be a table, got %s", where, i, type(p)) end
      list[#list + 1] = p
    end
  else
    local names = {}
    for k in pairs(decl) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do
      local p = decl[k]
      if type(p) ~= "table" then fail("%s: params.%s must be a table, got %s", where, tostring(k), type(p)) end
      if p.name == nil then p.name = k end
      list[#list + 1] = p
    end
  end
  local seen = {}
  for i, p in ipairs(list) do
    local label = string.format("%s: params[%d]", where, i)
    if type(p.name) ~= "string" or not p.name:match("^[%a_][%w_%-]*$") then
      fail("%s: name must be an identifier (letters, digits, _ or -), got %s", label, tostring(p.name))
    end
    label = string.format("%s: parameter '%s'", where, p.name)
    if seen[p.name] then fail("%s is declared twice", label) end
    seen[p.name] = true
    p.type = p.type or "string"
    if not params.types[p.type] then
      fail("%s: unknown type '%s' (expected one of %s)", label, tostring(p.type), type_names)
    end
    if p.type == "enum" and (type(p.values) ~= "table" or #p.values == 0) then
      fail("%s: an enum needs values = { ... }", label)
    end
    if p.pattern ~= nil and type(p.pattern) ~= "string" then fail("%s: pattern must be a Lua pattern string", label) end
    if p.doc ~= nil and type(p.doc) ~= "string" then fail("%s: doc must be a string", label) end
    for k in pairs(p) do
      if not ({ name = 1, type = 1, required = 1, default = 1, secret = 1, pattern = 1, doc = 1, values = 1,
                min = 1, max = 1, azd = 1, example = 1 })[k] then
        fail("%s: unknown field '%s' (expected name, type, required, default, secret, pattern, doc, values, min, max, azd, example)",
          label, tostring(k))
      end
    end
  end
  return list
end

local truthy = { ["true"] = true, yes = true, on = true, ["1"] = true }
local falsy = { ["false"] = false, no = false, off = false, ["0"] = false }

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "table" then return "a " .. (#v > 0 and "list" or "table") end
  return tostring(v)
end

-- Converts a raw value (a string from --set/env/azd, or a JSON value from --params) to the
-- declared type; returns value or nil, what was expected.
local function convert(p, v)
  local t = p.type
  if t == "string" or t == "enum" then
    if type(v) == "number" or type(v) == "boolean" then v = tostring(v) end
    if type(v) ~= "string" and not (p.secret and require("secret").is(v)) then return nil, "a string" end
  elseif t == "integer" then
    local n = type(v) == "string" and math.tointeger(tonumber(v)) or math.tointeger(v)
    if n == nil then return nil, "an integer" end
    v = n
  elseif t == "number" then
    local n = tonumber(v)
    if n == nil then return nil, "a number" end
    v = n
  elseif t == "boolean" then
    if type(v) == "string" then
      local b = truthy[v:lower()]
      if b == nil then b = falsy[v:lower()] end
      if b == nil then return nil, "a boolean (true/false, yes/no, on/off, 1/0)" end
      v = b
    elseif type(v) ~= "boolean" then
      return nil, "a boolean"
    end
  elseif t == "list" then
    if type(v) == "string" then
      if v:match("^%s*%[") then
        local ok, decoded = pcall(require("json").decode, v)
        if not ok or type(decoded) ~= "table" then return nil, "a list (a JSON array or comma-separated values)" end
        v = decoded
      else
        local items = {}
        for item in v:gmatch("[^,]+") do
          item = item:match("^%s*(.-)%s*$")
          if item ~= "" then items[#items + 1] = item end
        end
        v = items
      end
    end
    if type(v) ~= "table" then return nil, "a list" end
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    if n ~= #v then return nil, "a list (not an object)" end
  elseif t == "map" then
    if type(v) == "string" then
      if v:match("^%s*{") then
        local ok, decoded = pcall(require("json").decode, v)
        if not ok or type(decoded) ~= "table" then return nil, "a map (a JSON object or key=value pairs)" end
        v = decoded
      else
        local m = {}
        for pair in v:gmatch("[^,]+") do
          local k, val = pair:match("^%s*([^=]-)%s*=%s*(.-)%s*$")
          if not k or k == "" then return nil, "a map (a JSON object or key=value pairs separated by commas)" end
          m[k] = val
        end
        v = m
      end
    end
    if type(v) ~= "table" then return nil, "a map" end
  end
  if t == "enum" then
    local ok = false
    for _, allowed in ipairs(p.values) do if v == allowed then ok = true end end
    if not ok then return nil, "one of " .. table.concat(p.values, ", ") end
  end
  if p.pattern and type(v) == "string" and not v:match(p.pattern) then
    return nil, string.format("a value matching the pattern %s", p.pattern)
  end
  if (t == "integer" or t == "number") and ((p.min and v < p.min) or (p.max and v > p.max)) then
    return nil, string.format("a value between %s and %s", tostring(p.min or "-inf"), tostring(p.max or "inf"))
  end
  return v
end
params.convert = convert

--- Resolves every declared parameter from the sources.
-- sources: { sets = {"k=v", ...}, file = "params.json" | nil, azd = map | nil, azd_label = text }
-- Returns values (secret ones wrapped), origins (name -> where the value came from).
function params.resolve(decls, sources)
  local by_name = {}
  for _, p in ipairs(decls) do by_name[p.name] = p end
  local function unknown(name, where)
    local near = require("tarn.suggest").nearest(name, (function()
      local names = {}
      for _, p in ipairs(decls) do names[#names + 1] = p.name end
      return names
    end)())
    fail("unknown parameter '%s' (from %s)%s", name, where,
      #near > 0 and (": did you mean " .. table.concat(near, " or ") .. "?") or "")
  end

  local raw, origin = {}, {}
  -- lowest first; later sources overwrite
  for _, p in ipairs(decls) do
    if p.default ~= nil then raw[p.name], origin[p.name] = p.default, "the default" end
  end
  if sources.azd then
    for _, p in ipairs(decls) do
      local key = p.azd or p.name:upper():gsub("[%-%.]", "_")
      if sources.azd[key] ~= nil then raw[p.name], origin[p.name] = sources.azd[key], sources.azd_label .. " (" .. key .. ")" end
    end
  end
  for _, p in ipairs(decls) do
    local env = params.env_name(p.name)
    local v = core.getenv(env)
    if v ~= nil then raw[p.name], origin[p.name] = v, "environment " .. env end
  end
  if sources.file then
    local text, err = core.read_file(sources.file)
    if not text then fail("--params: %s", err) end
    local ok, doc = pcall(require("json").decode, text)
    if not ok then fail("--params %s: %s", sources.file, tostring(doc)) end
    if type(doc) ~= "table" or (#doc > 0) then fail("--params %s: expected a JSON object of parameter values", sources.file) end
    local keys = {}
    for k in pairs(doc) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do
      if not by_name[k] then unknown(k, sources.file) end
      raw[k], origin[k] = doc[k], sources.file
    end
  end
  for _, s in ipairs(sources.sets or {}) do
    local k, v = s:match("^([^=]+)=(.*)$")
    if not k then fail("--set expects key=value, got '%s'", s) end
    if not by_name[k] then unknown(k, "--set") end
    raw[k], origin[k] = v, "--set"
  end

  local values = {}
  for _, p in ipairs(decls) do
    local v = raw[p.name]
    if v == require("json").null then v = nil end
    if v == nil then
      if p.required then
        fail("missing required parameter '%s' (%s): pass --set %s=<%s> or set %s", p.name,
          p.doc or p.type, p.name, p.type, params.env_name(p.name))
      end
    else
      local converted, expected = convert(p, v)
      if converted == nil then
        fail("parameter '%s' (from %s): expected %s, got %s", p.name, origin[p.name], expected,
          p.secret and "a value that is not shown" or show(v))
      end
      if p.secret then converted = require("secret").new(type(converted) == "string" and converted or tostring(converted)) end
      values[p.name] = converted
    end
  end
  return values, origin
end

return params
