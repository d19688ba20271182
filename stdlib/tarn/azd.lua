--- The Azure Developer CLI's environment files: .azure/<env>/.env and .azure/config.json.
local core = require("tarn.core")

local azd = {}

--- The folder that holds .azure/, searching from dir (default ".") upwards, or nil.
function azd.root(dir)
  dir = dir or core.cwd()
  while dir and dir ~= "" do
    if core.exists(dir .. "/.azure") then return dir end
    local parent = dir:match("^(.*)/[^/]*$")
    if parent == nil or parent == dir then break end
    dir = parent
  end
  return nil
end

--- The default environment named in .azure/config.json, or nil.
function azd.default_env(root)
  root = root or azd.root()
  if not root then return nil end
  local text = core.read_file(root .. "/.azure/config.json")
  if not text then return nil end
  local ok, cfg = pcall(require("json").decode, text)
  if ok and type(cfg) == "table" and type(cfg.defaultEnvironment) == "string" then return cfg.defaultEnvironment end
  return nil
end

local function unquote(v)
  local q = v:sub(1, 1)
  if (q == '"' or q == "'") and v:sub(-1) == q and #v >= 2 then
    v = v:sub(2, -2)
    if q == '"' then
      v = v:gsub('\\(.)', { n = "\n", t = "\t", ['"'] = '"', ["\\"] = "\\", ["$"] = "$" })
    end
  end
  return v
end

--- Parses .env text as azd writes it (KEY="value" lines) into a map.
function azd.parse(text)
  local out = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    line = line:gsub("\r$", "")
    if not line:match("^%s*#") and not line:match("^%s*$") then
      local k, v = line:match("^%s*export%s+([%w_%.]+)%s*=%s*(.-)%s*$")
      if not k then k, v = line:match("^%s*([%w_%.]+)%s*=%s*(.-)%s*$") end
      if k then out[k] = unquote(v) end
    end
  end
  return out
end

--- The path of an environment's .env file.
function azd.env_file(env, root)
  root = root or azd.root() or "."
  return root .. "/.azure/" .. env .. "/.env"
end

--- Reads an environment's values; returns map or nil, message.
function azd.read(env, root)
  local path = azd.env_file(env, root)
  local text, err = core.read_file(path)
  if not text then return nil, err end
  return azd.parse(text)
end

local function quote(v)
  return '"' .. tostring(v):gsub('[\\"$]', "\\%0"):gsub("\n", "\\n") .. '"'
end

--- Sets KEY=value in an environment's .env (atomically), keeping the other lines.
function azd.set(env, key, value, root)
  assert(type(key) == "string" and key:match("^[%w_%.]+$"), "azd.set: key must be letters, digits, _ or .")
  local path = azd.env_file(env, root)
  local text = core.read_file(path) or ""
  local lines, found = {}, false
  for line in text:gmatch("[^\n]+") do
    if line:match("^%s*" .. key:gsub("%.", "%%.") .. "%s*=") then
      lines[#lines + 1] = key .. "=" .. quote(value)
      found = true
    else
      lines[#lines + 1] = line
    end
  end
  if not found then lines[#lines + 1] = key .. "=" .. quote(value) end
  local ok, err = core.write_file(path, table.concat(lines, "\n") .. "\n", tonumber("600", 8))
  if not ok then error(err, 2) end
  return true
end

return azd
