-- tarn.cloud through the real binary: --cloud / TARN_CLOUD choose the profile, the local
-- profile reaches a running tarn-sim, unknown names fail listing the known ones.
local spec = require("spec")

local function tarn(args, env)
  return spec.run(args, { env = env })
end

local show = [[
  local c = require("tarn.cloud").current()
  print(c.name, c.fabric, c.arm, c.authority, c.imds)
  print(require("tarn.cloud").keyvault_url("kv-one"), require("tarn.cloud").dfs_url("lake1"))
]]

spec.it("the default profile is Azure's public cloud", function()
  local r = tarn({ "-e", show })
  spec.eq(r.code, 0, r.err)
  spec.eq(r.out, "public\thttps://api.fabric.microsoft.com/v1\thttps://management.azure.com\t"
    .. "https://login.microsoftonline.com\thttp://169.254.169.254\n"
    .. "https://kv-one.vault.azure.net\thttps://lake1.dfs.core.windows.net\n")
end)

spec.it("AZURE_AUTHORITY_HOST moves the authority of the public profile", function()
  local r = tarn({ "-e", "print(require('tarn.cloud').current().authority)" },
    { AZURE_AUTHORITY_HOST = "https://login.microsoftonline.us/" })
  spec.eq(r.out, "https://login.microsoftonline.us\n")
end)

spec.it("--cloud local and TARN_CLOUD=local put every endpoint on the simulator", function()
  local want = "local\thttp://127.0.0.1:7001/fabric/v1\thttp://127.0.0.1:7001/arm\t"
    .. "http://127.0.0.1:7001/entra\thttp://127.0.0.1:7001/imds\n"
    .. "http://127.0.0.1:7001/keyvault/kv-one\thttp://127.0.0.1:7001/dfs/lake1\n"
  local r = tarn({ "--cloud", "local", "-e", show }, { TARN_SIM_URL = "http://127.0.0.1:7001/" })
  spec.eq(r.code, 0, r.err)
  spec.eq(r.out, want)
  r = tarn({ "-e", show }, { TARN_CLOUD = "local", TARN_SIM_URL = "http://127.0.0.1:7001" })
  spec.eq(r.out, want)
  r = tarn({ "-e", "print(require('tarn.cloud').current().sim)" }, { TARN_CLOUD = "local" })
  spec.eq(r.out, "http://127.0.0.1:8642\n", "the default simulator address")
  -- the flag wins over the environment
  r = tarn({ "--cloud", "public", "-e", "print(require('tarn.cloud').current().name)" }, { TARN_CLOUD = "local" })
  spec.eq(r.out, "public\n")
end)

spec.it("token scopes are the same in every profile", function()
  local script = [[local s = require("tarn.cloud").current().scopes
    print(s.fabric, s.arm, s.keyvault, s.storage, s.postgres)]]
  local want = "https://api.fabric.microsoft.com/.default\thttps://management.azure.com/.default\t"
    .. "https://vault.azure.net/.default\thttps://storage.azure.com/.default\t"
    .. "https://ossrdbms-aad.database.windows.net/.default\n"
  spec.eq(tarn({ "-e", script }).out, want)
  spec.eq(tarn({ "--cloud", "local", "-e", script }).out, want)
end)

spec.it("an unknown cloud fails, naming it and the known ones", function()
  local r = tarn({ "--cloud", "mars", "-e", "require('tarn.cloud').current()" })
  spec.eq(r.code, 1)
  spec.contains(r.err, "unknown cloud 'mars' (from --cloud): known clouds are public, local")
  r = tarn({ "-e", "require('tarn.cloud').current()" }, { TARN_CLOUD = "azurechina" })
  spec.contains(r.err, "unknown cloud 'azurechina' (from TARN_CLOUD): known clouds are public, local")
end)

spec.it("bad vault and account names are refused before any request", function()
  local r = tarn({ "-e", "require('tarn.cloud').keyvault_url('my_vault')" })
  spec.eq(r.code, 1)
  spec.contains(r.err, "bad argument #1 to 'keyvault_url' (invalid Key Vault name 'my_vault': expected 3-24")
  r = tarn({ "-e", "require('tarn.cloud').dfs_url('Lake')" })
  spec.contains(r.err, "invalid storage account name 'Lake': expected 3-24 lowercase letters and digits")
end)

-- The local profile really reaches the simulator: start one and ask it for its health.
local sim_bin = os.getenv("TARN_SIM_BIN")
spec.it("the local profile's endpoints are served by tarn-sim", function()
  assert(sim_bin, "TARN_SIM_BIN is not set: this spec needs tarn-sim")
  local dir = spec.tmpdir()
  local p = io.popen(string.format("%s --port 0 >%s/out 2>&1 & echo $!", spec.quote(sim_bin), spec.quote(dir)))
  local pid = p:read("l")
  p:close()
  local ok, err = pcall(function()
    local url
    for _ = 1, 300 do
      local f = io.open(dir .. "/out")
      url = f and f:read("a"):match("listening on (http://[%d.:]+)")
      if f then f:close() end
      if url then break end
      require("tarn.core").sleep(0.05)
    end
    assert(url, "tarn-sim did not start")
    -- Each family answers in its own error shape: a Fabric-style body proves the path
    -- reached the simulator's Fabric family.
    local r = tarn({ "--cloud", "local", "-e", [[
      local c = require("tarn.cloud").current()
      local r = http.request{ url = c.fabric .. "/no-such-thing" }
      print(r.status, r:json().errorCode)
      print(http.request{ url = c.sim .. "/_sim/health" }:json().status)
    ]] }, { TARN_SIM_URL = url })
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "404\tEntityNotFound\nok\n")
  end)
  os.execute("kill " .. pid .. " 2>/dev/null; rm -rf " .. spec.quote(dir))
  if not ok then error(err, 0) end
end)

return spec.finish()
