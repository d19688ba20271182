--- fabric.args: argument checks shared by the fabric submodules. Misuse raises at the
--- caller's line, naming the function, the argument and what was expected.
local args = {}

local function fail(fname, what, level)
  error(string.format("%s: %s", fname, what), level + 1)
end
args.fail = fail

--- Checks an id or name argument: a non-empty string. Returns it.
function args.id(value, fname, name, level)
  if type(value) ~= "string" or value == "" then
    fail(fname, string.format("bad argument '%s' (a non-empty string expected, got %s)", name,
      type(value) == "string" and "an empty string" or type(value)), (level or 2) + 1)
  end
  return value
end

--- Checks an options table against the names it may hold; nil becomes {}. Returns it.
function args.options(opts, fname, allowed, level)
  level = (level or 2) + 1
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    fail(fname, "bad options (a table expected, got " .. type(opts) .. ")", level)
  end
  local known = {}
  for _, k in ipairs(allowed) do known[k] = true end
  for k in pairs(opts) do
    if not known[k] then
      local names = {}
      for _, a in ipairs(allowed) do names[#names + 1] = a end
      table.sort(names)
      fail(fname, string.format("unknown option '%s' (expected %s)", tostring(k), table.concat(names, ", ")), level)
    end
  end
  return opts
end

--- Checks an optional field of opts: its Lua type, and for strings one of `choices` when given.
function args.field(opts, key, kind, fname, choices, level)
  local v = opts[key]
  if v == nil then return nil end
  level = (level or 2) + 1
  if kind == "id" then
    if type(v) ~= "string" or v == "" then fail(fname, string.format("'%s' must be a non-empty string", key), level) end
  elseif kind == "secret" then
    if type(v) ~= "string" and not secret.is(v) then
      fail(fname, string.format("'%s' must be a string or a secret, got %s", key, type(v)), level)
    end
  elseif type(v) ~= kind then
    fail(fname, string.format("'%s' must be a %s, got %s", key, kind, type(v)), level)
  end
  if choices and kind == "string" then
    for _, c in ipairs(choices) do
      if v == c then return v end
    end
    fail(fname, string.format("'%s' must be one of %s, got '%s'", key, table.concat(choices, ", "), v), level)
  end
  return v
end

--- Checks a required field of opts (as args.field) and that it is present.
function args.required(opts, key, kind, fname, choices, level)
  if opts[key] == nil then
    fail(fname, string.format("'%s' is required", key), (level or 2) + 1)
  end
  return args.field(opts, key, kind, fname, choices, (level or 2) + 1)
end

--- A path such as "Files/a/b" as a list of segments (empty segments dropped).
function args.segments(path)
  local out = {}
  for s in path:gmatch("[^/]+") do out[#out + 1] = s end
  return out
end

--- Appends the elements of `more` to list `into` and returns `into`.
function args.append(into, more)
  for _, v in ipairs(more) do into[#into + 1] = v end
  return into
end

return args
