-- An example recipe: keeps a JSON settings file in a given state. It touches only local
-- files, so it shows the recipe contract (typed parameters, a secret, journaled steps,
-- plan mode, cleanup) end to end on any machine.
local function read_settings(path)
  local text = tarn.read_file(path)
  if not text then return nil end
  local ok, doc = pcall(json.decode, text)
  if not ok or type(doc) ~= "table" then
    error(string.format("%s is not a JSON object (%s); fix or remove it", path, ok and type(doc) or doc), 0)
  end
  return doc
end

local function differences(current, wanted)
  local keys = {}
  for k, v in pairs(wanted) do
    if current[k] ~= v then keys[#keys + 1] = k end
  end
  table.sort(keys)
  return keys
end

return {
  name = "example",
  description = "Keep a JSON settings file holding the given keys (a local demonstration of recipes)",
  params = {
    { name = "path", type = "string", required = true, doc = "the settings file to manage", example = "./settings.json" },
    { name = "settings", type = "map", default = {}, doc = "keys and values the file must hold (key=value,key=value or JSON)" },
    { name = "owner", type = "string", default = "tarn", pattern = "^[%w_%-]+$", doc = "recorded as the file's owner" },
    { name = "token", type = "string", secret = true, doc = "an API token stored beside the file with mode 0600" },
  },
  outputs = { path = "the settings file", keys = "how many keys it holds" },
  usage = "tarn run example --set path=./settings.json --set settings=region=westeurope,tier=basic",

  run = function(ctx, p)
    local lock = p.path .. ".lock"
    ctx:temporary {
      name = "lock",
      check = function()
        if tarn.exists(lock) then error(lock .. " exists: another run holds the lock (remove it if none does)", 0) end
        return "take " .. lock
      end,
      apply = function() assert(tarn.write_file(lock, tostring(tarn.time()))) end,
      undo = function() tarn.remove(lock) end,
    }

    local wanted = { owner = p.owner }
    for k, v in pairs(p.settings) do wanted[k] = v end

    ctx:step {
      name = "settings file",
      check = function()
        local current = read_settings(p.path)
        if not current then return "create " .. p.path end
        local diff = differences(current, wanted)
        if #diff == 0 then return false, "holds every key" end
        return "update " .. table.concat(diff, ", ")
      end,
      apply = function()
        local doc = read_settings(p.path) or {}
        for k, v in pairs(wanted) do doc[k] = v end
        assert(tarn.write_file(p.path, json.encode(doc, { pretty = true }) .. "\n"))
      end,
    }

    if p.token then
      local token_file = p.path .. ".token"
      ctx:step {
        name = "token file",
        check = function()
          if tarn.read_file(token_file) == secret.reveal(p.token) then return false end
          return "write " .. token_file
        end,
        apply = function() assert(tarn.write_file(token_file, secret.reveal(p.token), tonumber("600", 8))) end,
      }
    end

    local n = 0
    for _ in pairs(read_settings(p.path) or wanted) do n = n + 1 end
    return { path = p.path, keys = n }
  end,
}
