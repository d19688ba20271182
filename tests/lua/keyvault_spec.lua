-- The keyvault module through the real binary with --cloud local against tarn-sim: reading
-- and writing secrets, versions, disable, soft delete and recover, the 409 on a deleted
-- name, the tokenless first request and its challenge (counted in the simulator's log),
-- values kept out of --debug output, and a REPL session fed through a pipe.
local spec = require("spec")
local sim = require("sim")

local q = spec.quote

local TENANT = "7d3a1f0e-5b6c-4d2e-8f90-1a2b3c4d5e6f"
local OTHER = "0c2e4a6b-8d0f-4123-9456-789abcdef012"
local APP = "aaaaaaaa-0000-4000-8000-0000000000c1"
local CLIENT_SECRET = "kv-spec client secret"
local SEEDED = "Seeded-Value-7f3a"

-- Variables any sign-in method reads: each run starts without them.
local AUTH_VARS = { "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST",
  "AZURE_ADDITIONALLY_ALLOWED_TENANTS", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IMDS_ENDPOINT", "MSI_ENDPOINT",
  "MSI_SECRET", "TARN_ACCESS_TOKEN", "TARN_AUTH", "TARN_CLOUD" }

local function body()
  local dir = spec.tmpdir()
  spec.write(dir .. "/seed.json", json.encode({
    entra = {
      default_tenant = TENANT,
      principals = {
        { tenant = TENANT, client_id = APP, client_secret = CLIENT_SECRET },
        { tenant = OTHER, client_id = APP, client_secret = CLIENT_SECRET },
      },
    },
    keyvault = {
      page_size = 2,
      vaults = { kv1 = { secrets = { seeded = SEEDED, off = { value = "Off-Value-91", enabled = false } } } },
    },
  }))
  local s = sim.start("--seed " .. q(dir .. "/seed.json"))

  local env = { TARN_SIM_URL = s.url, AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = APP, AZURE_CLIENT_SECRET = CLIENT_SECRET }

  -- Runs a chunk (or, with opts.repl, a REPL session on stdin) in tarn --cloud local.
  local function tarn(script, opts)
    opts = opts or {}
    local e = {}
    for k, v in pairs(env) do e[k] = v end
    for k, v in pairs(opts.env or {}) do e[k] = v end
    local argv = { "--cloud", "local" }
    for _, a in ipairs(opts.args or {}) do argv[#argv + 1] = a end
    if opts.repl then
      argv[#argv + 1] = "repl"
      return spec.run(argv, { env = e, unset = AUTH_VARS, stdin = script })
    end
    argv[#argv + 1] = "-e"
    argv[#argv + 1] = script
    return spec.run(argv, { env = e, unset = AUTH_VARS })
  end

  local function ok(script, opts)
    local r = tarn(script, opts)
    spec.eq(r.code, 0, r.err)
    return r.out
  end

  -- The value stored in the simulator, read around tarn through the control API.
  local function stored(name)
    local state = http.request{ url = s.url .. "/_sim/state" }:json()
    local secret = state.keyvault.vaults.kv1.secrets[name]
    return secret and secret.versions[#secret.versions].value
  end

  spec.it("reads a seeded secret as a secret value, with its properties", function()
    s:reset()
    local out = ok([[
      local v, p = keyvault.get("kv1", "seeded")
      print(secret.is(v), v, secret.reveal(v) == "]] .. SEEDED .. [[")
      print(p.name, #p.version, p.enabled, p.id == keyvault.url("kv1") .. "/secrets/seeded/" .. p.version)]])
    spec.eq(out, "true\t***\ttrue\nseeded\t32\ttrue\ttrue\n")
  end)

  spec.it("writes a secret (content type, tags) and reads it back", function()
    s:reset()
    local out = ok([[
      local p = keyvault.set("kv1", "app-password", "Wr1tten-Value-42", { content_type = "text/plain", tags = { owner = "spec" } })
      print(p.name, p.content_type, p.tags.owner, p.enabled)
      local v, got = keyvault.get("kv1", "app-password")
      print(secret.reveal(v) == "Wr1tten-Value-42", got.version == p.version)
      local from_secret = keyvault.set("kv1", "copy", v)
      print(secret.reveal((keyvault.get("kv1", "copy"))) == "Wr1tten-Value-42")]])
    spec.eq(out, "app-password\ttext/plain\tspec\ttrue\ntrue\ttrue\ntrue\n")
    spec.eq(stored("app-password"), "Wr1tten-Value-42")
    spec.eq(stored("copy"), "Wr1tten-Value-42")
  end)

  spec.it("keeps every version, lists them over pages, and reads a given one", function()
    s:reset()
    local out = ok([[
      local a = keyvault.set("kv1", "rotating", "Version-One-1")
      local b = keyvault.set("kv1", "rotating", "Version-Two-2")
      local c = keyvault.set("kv1", "rotating", "Version-Three-3")
      local list = keyvault.list_versions("kv1", "rotating")
      print(#list, list[1].version == a.version, list[2].version == b.version, list[3].version == c.version)
      print(secret.reveal((keyvault.get("kv1", "rotating"))) == "Version-Three-3")
      print(secret.reveal((keyvault.get("kv1", "rotating", a.version))) == "Version-One-1")
      print(#keyvault.list_versions("kv1", "no-such-secret"))]])
    spec.eq(out, "3\ttrue\ttrue\ttrue\ntrue\ntrue\n0\n")
    -- The seed's page size is 2: three versions take two pages.
    spec.eq(#s:requests("^/keyvault/kv1/secrets/rotating/versions$", "GET"), 2)
  end)

  spec.it("a disabled secret raises SecretDisabled with Key Vault's fields, until enabled again", function()
    s:reset()
    local out = ok([[
      local ok, err = pcall(keyvault.get, "kv1", "off")
      print(ok, getmetatable(err) ~= nil, err.kind, err.status, err.code, err.outer_code, #err.request_id)
      print(err.message)
      print(keyvault.exists("kv1", "off"))
      local v, e = keyvault.try_get("kv1", "off")
      print(v, e.code)
      keyvault.update("kv1", "off", { enabled = true })
      print(secret.reveal((keyvault.get("kv1", "off"))) == "Off-Value-91")
      keyvault.update("kv1", "seeded", { enabled = false })
      print(select(2, pcall(keyvault.get, "kv1", "seeded")).code)]])
    spec.eq(out, "false\ttrue\tkeyvault\t403\tSecretDisabled\tForbidden\t36\n" ..
      "Operation get is not allowed on a disabled secret.\ntrue\nnil\tSecretDisabled\ntrue\nSecretDisabled\n")
  end)

  spec.it("a missing secret: get raises SecretNotFound, try_get returns nil and the error, exists is false", function()
    s:reset()
    local r = tarn([[
      local v, err = keyvault.try_get("kv1", "nowhere")
      print(v, err.code, err.status)
      print(keyvault.exists("kv1", "nowhere"))
      keyvault.get("kv1", "nowhere")]])
    spec.eq(r.code, 1)
    spec.eq(r.out, "nil\tSecretNotFound\t404\nfalse\n")
    spec.matches(r.err, "^tarn: keyvault error: A secret with %(name/id%) nowhere was not found in this key vault%.")
    spec.contains(r.err, "(status 404, code SecretNotFound, request_id ")
  end)

  spec.it("delete: get fails, the deleted secret is listed, recover brings it back", function()
    s:reset()
    local out = ok([[
      local d = keyvault.delete("kv1", "seeded")
      print(d.name, d.recovery_id == keyvault.url("kv1") .. "/deletedsecrets/seeded", d.deleted_on ~= nil)
      print(select(2, pcall(keyvault.get, "kv1", "seeded")).code, keyvault.exists("kv1", "seeded"))
      print(keyvault.deleted("kv1", "seeded").name, keyvault.deleted("kv1", "off"))
      local p = keyvault.recover("kv1", "seeded")
      print(p.name, secret.reveal((keyvault.get("kv1", "seeded"))) == "]] .. SEEDED .. [[", keyvault.deleted("kv1", "seeded"))]])
    spec.eq(out, "seeded\ttrue\ttrue\nSecretNotFound\tfalse\nseeded\tnil\nseeded\ttrue\tnil\n")
    spec.eq(stored("seeded"), SEEDED)
  end)

  spec.it("setting a deleted name raises ObjectIsDeletedButRecoverable; after a purge it is free", function()
    s:reset()
    local out = ok([[
      keyvault.delete("kv1", "seeded")
      local ok, err = pcall(keyvault.set, "kv1", "seeded", "Another-Value-5")
      print(ok, err.code, err.outer_code, err.status)
      keyvault.purge("kv1", "seeded")
      print(keyvault.deleted("kv1", "seeded"), #keyvault.set("kv1", "seeded", "Another-Value-5").version)
      print(#keyvault.list_versions("kv1", "seeded"))]])
    spec.eq(out, "false\tObjectIsDeletedButRecoverable\tConflict\t409\nnil\t32\n1\n")
  end)

  spec.it("the first request goes without a token, gets the 401 challenge, and the rest succeed", function()
    s:reset()
    ok([[keyvault.get("kv1", "seeded") keyvault.set("kv1", "more", "More-Value-8") keyvault.get("kv1", "more")]])
    local log = s:requests("^/(keyvault|entra)/")
    local seen = {}
    for _, e in ipairs(log) do seen[#seen + 1] = e.method .. " " .. e.path .. " " .. e.status end
    spec.eq(seen, {
      "GET /keyvault/kv1/secrets/seeded 401",                         -- no token: the challenge
      "POST /entra/" .. TENANT .. "/oauth2/v2.0/token 200",            -- the tenant and resource it named
      "GET /keyvault/kv1/secrets/seeded 200",
      "PUT /keyvault/kv1/secrets/more 200",                            -- no second challenge
      "GET /keyvault/kv1/secrets/more 200",
    })
  end)

  spec.it("the challenge's tenant is followed where the credential may go, before any token reaches the vault", function()
    s:reset()
    s:seed{ entra = { default_tenant = OTHER } }  -- the vault's tenant is now OTHER
    ok([[print(secret.reveal((keyvault.get("kv1", "seeded"))) == "]] .. SEEDED .. [[")]],
      { env = { AZURE_ADDITIONALLY_ALLOWED_TENANTS = OTHER } })
    local vault, tokens = {}, {}
    for _, e in ipairs(s:requests("^/keyvault/")) do vault[#vault + 1] = e.status end
    for _, e in ipairs(s:requests("^/entra/")) do tokens[#tokens + 1] = e.path end
    spec.eq(vault, { 401, 200 })
    spec.eq(tokens[#tokens], "/entra/" .. OTHER .. "/oauth2/v2.0/token")

    -- Without the permission the home tenant's token is refused with Key Vault's 401.
    s:reset()
    s:seed{ entra = { default_tenant = OTHER } }
    local r = tarn([[keyvault.get("kv1", "seeded")]])
    spec.eq(r.code, 1)
    spec.contains(r.err, "AKV10032: Invalid issuer")
    spec.contains(r.err, "code Unauthorized")
  end)

  spec.it("secret values never appear in --debug output, errors or prints", function()
    s:reset()
    local value = "Never-Shown-Value-6c1d"
    local r = tarn([[
      keyvault.set("kv1", "hidden", "]] .. value .. [[")
      local v = keyvault.get("kv1", "hidden")
      print(v, (keyvault.get("kv1", "seeded")))
      print(secret.reveal(v))
      keyvault.delete("kv1", "hidden")
      print(pcall(keyvault.set, "kv1", "hidden", "]] .. value .. [["))
      error(secret.reveal(v))]], { args = { "--debug" } })
    spec.eq(r.code, 1)
    spec.contains(r.err, "http> PUT " .. s.url .. "/keyvault/kv1/secrets/hidden?api-version=7.5")  -- traced
    spec.contains(r.err, "debug: keyvault: first request to " .. s.url .. "/keyvault/kv1 without a token")
    spec.contains(r.out, "ObjectIsDeletedButRecoverable")
    spec.not_contains(r.out .. r.err, value)
    spec.not_contains(r.out .. r.err, SEEDED)
    spec.not_contains(r.out .. r.err, CLIENT_SECRET)
    spec.eq(r.out:match("^[^\n]*"), "***\t***")
    spec.eq(stored("hidden"), nil)  -- deleted, so it is no longer among the live secrets
  end)

  spec.it("a REPL session on a pipe writes and reads a secret, and :help keyvault.get reads the stub", function()
    s:reset()
    local r = tarn(table.concat({
      'keyvault.set("kv1", "from-repl", "Repl-Value-77").name',
      'v = keyvault.get("kv1", "from-repl")',
      "v",
      'secret.reveal(v) == "Repl-Value-77"',
      'keyvault.exists("kv1", "from-repl"), keyvault.exists("kv1", "not-there")',
      ":help keyvault.get",
      "",
    }, "\n"), { repl = true })
    spec.eq(r.code, 0, r.err)
    spec.eq(r.err, "")
    local out = {}
    for l in r.out:gmatch("([^\n]*)\n") do out[#out + 1] = l end
    spec.eq({ out[1], out[2], out[3], out[4] }, { '"from-repl"', "***", "true", "true\tfalse" })
    spec.matches(out[5], "^keyvault%.get%(vault, name, version%)")
    spec.contains(r.out, "A secret's value (as a secret) and its properties.")
    spec.not_contains(r.out, "Repl-Value-77")
    spec.eq(stored("from-repl"), "Repl-Value-77")
  end)

  spec.it("misuse raises at once, naming the argument and what was expected", function()
    s:reset()
    local r = tarn([[
      print(select(2, pcall(keyvault.get, "kv_1", "a")))
      print(select(2, pcall(keyvault.get, "kv1", "a_b")))
      print(select(2, pcall(keyvault.set, "kv1", "a", "v", { content = "x" })))
      print(select(2, pcall(keyvault.set, "kv1", "a", {})))
      print(select(2, pcall(keyvault.list_versions, "kv1", "a", { page_size = 26 })))]])
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, table.concat({
      "bad argument #1 to 'keyvault.get' (invalid Key Vault name 'kv_1': expected 3-24 letters, digits and single hyphens, starting with a letter)",
      "bad argument #2 to 'keyvault.get' (invalid secret name 'a_b': expected 1-127 letters, digits and hyphens)",
      "bad argument #4 to 'keyvault.set' (unknown option 'content' (expected content_type, tags, enabled, not_before, expires))",
      "bad argument #3 to 'keyvault.set' (string or secret expected, got table)",
      "bad argument #3 to 'keyvault.list_versions' (option 'page_size' must be an integer from 1 to 25)",
      "",
    }, "\n"))
    spec.eq(#s:requests("^/keyvault/"), 0)
  end)

  spec.it("an unknown vault in the simulator is an error naming the seed to add", function()
    s:reset()
    local r = tarn([[keyvault.get("kv9", "a")]])
    spec.eq(r.code, 1)
    spec.contains(r.err, "tarn-sim has no vault 'kv9' (seed it as keyvault.vaults.kv9)")
    spec.contains(r.err, "code VaultNotFound")
  end)
end

local ok, err = xpcall(body, debug.traceback)
sim.stop_all()
if not ok then spec.fail(err) end
return spec.finish()
