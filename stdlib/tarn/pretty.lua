--- tarn.pretty: readable text for any Lua value, as the REPL shows results.
--
--   local pretty = require("tarn.pretty")
--   print(pretty.format({name = "db", ports = {5432}}))   --> {name = "db", ports = {5432}}
--
-- Strings are quoted, table keys sorted (the list part first, in order), nested tables
-- indented once they no longer fit on one line, long tables cut with a count of what was
-- left out, cycles labelled (`<1>{self = <cycle 1>}`), secrets shown as `***` and json.null
-- as `null`. Tables are walked with rawget/next: __index, __pairs and __len are not called,
-- only __tostring (a table or userdata that has one is shown by it).
local pretty = {}

local defaults = {
  width = 80,       -- a table is put on one line when it fits in this many columns
  max_items = 30,   -- entries shown per table before "... (N more)"
  max_depth = 12,   -- deeper tables are shown as {...}
  indent = "  ",
}

local keywords = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do keywords[w] = true end

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
                  ["\a"] = "\\a", ["\b"] = "\\b", ["\f"] = "\\f", ["\v"] = "\\v" }

--- A string as a Lua literal in double quotes, control bytes escaped.
---@param s string
---@return string
function pretty.quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\%03d", c:byte())
  end) .. '"'
end

--- An integer with thousands separators: 4970 -> "4,970".
---@param n integer
---@return string
function pretty.thousands(n)
  local s = tostring(n)
  local sign, digits = s:match("^(-?)(%d+)$")
  if not digits then return s end
  return sign .. digits:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "")
end

local function is_secret(v)
  local mt = debug.getmetatable(v)
  return mt ~= nil and mt == debug.getregistry()["tarn.Secret"]
end

local function is_json_null(v)
  -- Only when the json module is already loaded: showing a value must not load it.
  local json = package.loaded.json
  return type(json) == "table" and rawequal(v, rawget(json, "null"))
end

local function has_tostring(v)
  local mt = debug.getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__tostring") ~= nil
end

local function scalar(v)
  local t = type(v)
  if t == "string" then return pretty.quote(v) end
  if t == "number" then
    if math.type(v) == "float" and v ~= v then return "nan" end
    return tostring(v)
  end
  if t == "nil" or t == "boolean" then return tostring(v) end
  if is_secret(v) then return "***" end
  if is_json_null(v) then return "null" end
  return tostring(v)
end

local function is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil and not keywords[k]
end

-- Order of non-list keys: numbers, then strings (digit runs compared as numbers, so key2
-- comes before key10), then the rest by type and text.
local type_rank = { number = 1, string = 2, boolean = 3 }
local function natural(s)
  return (s:gsub("%d+", function(d) return string.format("%03d", #d) .. d end))
end
local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    local ra, rb = type_rank[ta] or 4, type_rank[tb] or 4
    if ra ~= rb then return ra < rb end
    return ta < tb
  end
  if ta == "number" then return a < b end
  if ta == "string" then
    local na, nb = natural(a), natural(b)
    if na ~= nb then return na < nb end
    return a < b
  end
  if ta == "boolean" then return (not a) and b end
  return tostring(a) < tostring(b)
end

local function new_context(opts)
  local ctx = { path = {}, label_of = {}, labels = 0 }
  for k, v in pairs(defaults) do ctx[k] = v end
  for k, v in pairs(opts or {}) do ctx[k] = v end
  return ctx
end

local render

local function key_text(k, level, ctx)
  if is_identifier(k) then return k end
  return "[" .. render(k, level, ctx, 0) .. "]"
end

-- Returns the text of v. `level` is the nesting depth (0 at the top), `used` the columns
-- already taken on the line where the text starts.
function render(v, level, ctx, used)
  if type(v) ~= "table" or is_json_null(v) then return scalar(v) end
  if has_tostring(v) then return tostring(v) end
  if ctx.path[v] then
    if not ctx.label_of[v] then
      ctx.labels = ctx.labels + 1
      ctx.label_of[v] = ctx.labels
    end
    return "<cycle " .. ctx.label_of[v] .. ">"
  end
  if level >= ctx.max_depth then return next(v) == nil and "{}" or "{...}" end

  -- The list part 1..n, then the other keys sorted.
  local n = 0
  while rawget(v, n + 1) ~= nil do n = n + 1 end
  local keys = {}
  for k in next, v do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, key_less)

  ctx.path[v] = true
  local items, total = {}, n + #keys
  local shown = math.min(total, ctx.max_items)
  local plain_list = true  -- only scalars in the list part: they may share lines
  for i = 1, math.min(n, shown) do
    local item = rawget(v, i)
    plain_list = plain_list and type(item) ~= "table"
    items[#items + 1] = render(item, level + 1, ctx, #ctx.indent * (level + 1))
  end
  for i = 1, shown - n do
    local k = keys[i]
    local kt = key_text(k, level + 1, ctx) .. " = "
    items[#items + 1] = kt .. render(rawget(v, k), level + 1, ctx, #ctx.indent * (level + 1) + #kt)
  end
  if total > shown then items[#items + 1] = "... (" .. pretty.thousands(total - shown) .. " more)" end
  ctx.path[v] = nil

  local label = ctx.label_of[v] and ("<" .. ctx.label_of[v] .. ">") or ""
  if #items == 0 then return label .. "{}" end
  local inline = label .. "{" .. table.concat(items, ", ") .. "}"
  if not inline:find("\n", 1, true) and used + #inline <= ctx.width then return inline end

  -- One entry a line; a list of scalars is packed into lines as wide as fit.
  local pad = ctx.indent:rep(level + 1)
  local lines, line = {}, nil
  for i, item in ipairs(items) do
    local packable = plain_list and i <= math.min(n, shown) and not item:find("\n", 1, true)
    if packable and line and #pad + #line + 2 + #item + 1 <= ctx.width then
      line = line .. ", " .. item
    else
      if line then lines[#lines + 1] = line end
      line = item
      if not packable then
        lines[#lines + 1] = line
        line = nil
      end
    end
  end
  if line then lines[#lines + 1] = line end
  return label .. "{\n" .. pad .. table.concat(lines, ",\n" .. pad) .. "\n" .. ctx.indent:rep(level) .. "}"
end

--- The display text of value.
---@param value any
---@param opts? {width?: integer, max_items?: integer, max_depth?: integer, indent?: string}
---@return string
function pretty.format(value, opts)
  return render(value, 0, new_context(opts), 0)
end

return pretty
