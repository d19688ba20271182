-- The auth module through the real binary against tarn-sim (--cloud local): each sign-in
-- method chosen in its environment, the chain's order and its failure message, forcing a
-- method, caching and renewal, the 401 retry, and secrets kept out of --debug output.
local spec = require("spec")
local sim = require("sim")
local core = require("tarn.core")

local q = spec.quote
local fake_bin = spec.source_dir .. "/tests/lua/fixtures/fake-bin"

local TENANT = "7d3a1f0e-5b6c-4d2e-8f90-1a2b3c4d5e6f"
local SECRET_APP = "aaaaaaaa-0000-4000-8000-000000000001"
local CERT_APP = "aaaaaaaa-0000-4000-8000-000000000002"
local FED_APP = "aaaaaaaa-0000-4000-8000-000000000003"
local MI_APP = "bbbbbbbb-0000-4000-8000-0000000000a1"
local MI_OBJECT = "bbbbbbbb-0000-4000-8000-0000000000b2"
-- Characters that must be form-encoded, so a secret sent unescaped would be refused.
local SECRET = "s3cr3t+/=&value with space"
local ISSUER = "https://oidc.example.test/cluster-1"
local SUBJECT = "system:serviceaccount:tarn:runner"

-- Variables any of the methods reads: each run starts without them.
local AUTH_VARS = { "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST",
  "AZURE_ADDITIONALLY_ALLOWED_TENANTS", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IMDS_ENDPOINT", "MSI_ENDPOINT",
  "MSI_SECRET", "TARN_ACCESS_TOKEN", "TARN_AUTH", "TARN_CLOUD", "FAKE_AZ_MODE", "FAKE_AZD_MODE" }

local function b64url(s)
  local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local quad = ""
    for k = 3, 0, -1 do
      local idx = (n // (64 ^ k)) % 64
      quad = quad .. chars:sub(idx + 1, idx + 1)
    end
    out[#out + 1] = quad:sub(1, (c and 4) or (b and 3) or 2)
  end
  return table.concat(out)
end

-- An unsigned JWT with these claims (the simulator checks federated tokens' claims only
-- when no issuer key is configured).
local function jwt(claims)
  return b64url('{"alg":"none","typ":"JWT"}') .. "." .. b64url(json.encode(claims)) .. ".c2ln"
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

local function body()
  local dir = spec.tmpdir()
  local empty_bin = dir .. "/empty-bin"
  os.execute("mkdir -p " .. q(empty_bin))
  -- A client certificate for the certificate credential, and a stranger's for the refusal.
  for _, name in ipairs({ "app", "stranger" }) do
    local rc = os.execute(string.format(
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s -subj /CN=tarn-%s -days 2 >/dev/null 2>&1",
      q(dir .. "/" .. name .. "-key.pem"), q(dir .. "/" .. name .. "-cert.pem"), name))
    assert(rc, "openssl could not make a certificate")
    spec.write(dir .. "/" .. name .. ".pem", read(dir .. "/" .. name .. "-cert.pem") .. read(dir .. "/" .. name .. "-key.pem"))
  end
  spec.write(dir .. "/seed.json", json.encode({
    entra = { principals = {
      { tenant = TENANT, client_id = SECRET_APP, client_secret = SECRET },
      { tenant = TENANT, client_id = CERT_APP, certificate_pem = read(dir .. "/app-cert.pem") },
      { tenant = TENANT, client_id = FED_APP, federated = { issuer = ISSUER, subject = SUBJECT } },
    } },
    managed_identity = { client_id = MI_APP, object_id = MI_OBJECT, tenant = TENANT },
  }))
  local s = sim.start("--seed " .. q(dir .. "/seed.json"))
  local cli_log = dir .. "/cli.log"

  -- Runs a chunk in tarn --cloud local with only `env` of the auth variables set; PATH holds
  -- the fake az and azd unless env.PATH says otherwise.
  local function tarn(script, env, args)
    local e = { TARN_SIM_URL = s.url, PATH = fake_bin .. ":/usr/bin:/bin", FAKE_CLI_LOG = cli_log }
    for k, v in pairs(env or {}) do e[k] = v end
    local argv = { "--cloud", "local" }
    for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
    argv[#argv + 1] = "-e"
    argv[#argv + 1] = script
    return spec.run(argv, { env = e, unset = AUTH_VARS })
  end

  local function fresh()
    s:reset()
    os.remove(cli_log)
  end

  -- No managed identity here: the simulator's IMDS drops every connection, as where there is none.
  local function no_imds()
    s:fault{ path = "^/imds/", drop = true, count = json.null }
  end

  local whoami = [[local w = auth.whoami()
    print(w.method, w.credential, w.tenant, w.client_id, w.object_id)
    print(math.abs(w.expires_on - os.time() - 3599) <= 5)]]
  local secret_env = { AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = SECRET_APP, AZURE_CLIENT_SECRET = SECRET }

  spec.it("asks for nothing at start-up, nor when an authorizer is made", function()
    fresh()
    local r = tarn("local a = auth.authorizer('fabric') print(tostring(a))", secret_env)
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "http.Authorizer(https://api.fabric.microsoft.com/.default)\n")
    spec.eq(#s:requests("^/(entra|imds|msi)/"), 0, "token requests")
  end)

  spec.it("env: a client secret signs in through Entra, form-encoded", function()
    fresh()
    local r = tarn(whoami, secret_env)
    spec.eq(r.code, 0, r.err)
    local oid = r.out:match("^env\tclient%-secret\t" .. TENANT:gsub("%-", "%%-") .. "\t" .. SECRET_APP:gsub("%-", "%%-") .. "\t(%S+)\n")
    spec.truthy(oid and #oid == 36, "whoami line: " .. r.out)
    spec.contains(r.out, "\ntrue\n", "expires_on about an hour away")
    local log = s:requests("^/entra/")
    spec.eq(#log, 1)
    spec.eq(log[1].path, "/entra/" .. TENANT .. "/oauth2/v2.0/token")
    spec.eq(log[1].status, 200)
    spec.eq(#s:requests("^/imds/"), 0, "the chain stopped at env")
  end)

  spec.it("env: a refused secret ends the chain with Entra's message instead of trying other methods", function()
    fresh()
    local r = tarn("auth.token('fabric')", { AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = SECRET_APP,
      AZURE_CLIENT_SECRET = "not-the-secret" })
    spec.eq(r.code, 1)
    spec.contains(r.err, "auth error: env (client-secret): Entra refused app " .. SECRET_APP .. " in tenant " .. TENANT)
    spec.contains(r.err, "Invalid client secret provided")
    spec.contains(r.err, "code invalid_client")
    spec.not_contains(r.err, "not-the-secret")
    spec.eq(#s:requests("^/imds/"), 0, "managed identity was not tried")
    spec.eq(read(cli_log), "", "az was not run")
  end)

  spec.it("env: a certificate signs a client assertion the simulator verifies", function()
    fresh()
    local r = tarn(whoami, { AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = CERT_APP,
      AZURE_CLIENT_CERTIFICATE_PATH = dir .. "/app.pem" })
    spec.eq(r.code, 0, r.err)
    spec.matches(r.out, "^env\tclient%-certificate\t" .. TENANT:gsub("%-", "%%-") .. "\t" .. CERT_APP:gsub("%-", "%%-") .. "\t")
    -- Another key, valid PEM: Entra refuses it by its thumbprint.
    r = tarn("auth.token('fabric')", { AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = CERT_APP,
      AZURE_CLIENT_CERTIFICATE_PATH = dir .. "/stranger.pem" })
    spec.eq(r.code, 1)
    spec.contains(r.err, "env (client-certificate): Entra refused app " .. CERT_APP)
    spec.contains(r.err, "Client assertion failed signature validation")
    -- A path that is not there is named.
    r = tarn("auth.token('fabric')", { AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = CERT_APP,
      AZURE_CLIENT_CERTIFICATE_PATH = dir .. "/missing.pem" })
    spec.eq(r.code, 1)
    spec.contains(r.err, "env: cannot read the client certificate '" .. dir .. "/missing.pem' (AZURE_CLIENT_CERTIFICATE_PATH)")
  end)

  spec.it("env: the federated token file is read again for every token request", function()
    fresh()
    local file = dir .. "/federated-token"
    local function token_for(subject)
      return jwt({ iss = ISSUER, sub = subject, aud = "api://AzureADTokenExchange", nbf = os.time() - 60,
        exp = os.time() + 3600 })
    end
    spec.write(file, token_for(SUBJECT) .. "\n")
    local script = string.format([[
      local w = auth.whoami("fabric")
      print(w.method, w.credential, w.client_id)
      local f = assert(io.open(%q, "w")) f:write(%q) f:close()
      local ok, err = pcall(auth.token, "arm")
      print(ok, err.message)]], file, token_for("system:serviceaccount:tarn:someone-else"))
    local r = tarn(script, { AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = FED_APP, AZURE_FEDERATED_TOKEN_FILE = file })
    spec.eq(r.code, 0, r.err)
    spec.contains(r.out, "env\tworkload-identity\t" .. FED_APP .. "\n")
    spec.contains(r.out, "false\tenv (workload-identity): Entra refused app " .. FED_APP)
    spec.contains(r.out, "Assertion Subject: 'system:serviceaccount:tarn:someone-else'", "the second request sent the new file")
    spec.eq(#s:requests("^/entra/"), 2)
  end)

  spec.it("managed identity: IMDS when nothing else is configured, user-assigned through AZURE_CLIENT_ID", function()
    fresh()
    local r = tarn(whoami)
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "managed-identity\timds\t" .. TENANT .. "\t" .. MI_APP .. "\t" .. MI_OBJECT .. "\ntrue\n")
    local log = s:requests("^/imds/")
    spec.eq(#log, 1)
    spec.contains(log[1].query, "api-version=2018-02-01")
    spec.contains(log[1].query, "resource=https%3A%2F%2Fapi.fabric.microsoft.com")
    spec.not_contains(log[1].query, "client_id")
    fresh()
    r = tarn(whoami, { AZURE_CLIENT_ID = MI_APP })
    spec.eq(r.code, 0, r.err)
    spec.contains(s:requests("^/imds/")[1].query, "client_id=" .. MI_APP)
    -- An identity this machine does not have: managed identity is unavailable, and says why.
    fresh()
    r = tarn("auth.token('fabric')", { AZURE_CLIENT_ID = "cccccccc-0000-4000-8000-000000000000", PATH = empty_bin })
    spec.eq(r.code, 1)
    spec.contains(r.err, "\n  managed-identity: IMDS at " .. s.url .. "/imds has no identity for client id "
      .. "cccccccc-0000-4000-8000-000000000000 (AZURE_CLIENT_ID): Identity not found\n")
  end)

  spec.it("managed identity: App Service's IDENTITY_ENDPOINT and IDENTITY_HEADER come first", function()
    fresh()
    local r = tarn(whoami, { IDENTITY_ENDPOINT = s.url .. "/msi/token", IDENTITY_HEADER = "tarn-sim-identity-header" })
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "managed-identity\tapp-service\t" .. TENANT .. "\t" .. MI_APP .. "\t" .. MI_OBJECT .. "\ntrue\n")
    local log = s:requests("^/msi/")
    spec.eq(#log, 1)
    spec.contains(log[1].query, "api-version=2019-08-01")
    spec.eq(#s:requests("^/imds/"), 0, "IMDS was not asked")
  end)

  spec.it("azure-cli: az account get-access-token, run without a shell, with --tenant from AZURE_TENANT_ID", function()
    fresh()
    no_imds()
    local r = tarn([[local w = auth.whoami("https://vault.azure.net")
      print(w.method, w.credential, w.tenant, w.object_id, w.user)
      print(math.abs(w.expires_on - os.time() - 3600) <= 5)]])
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "azure-cli\tazure-cli\tcli-tenant\tcli-user-oid\tdev@example.com\ntrue\n")
    spec.eq(read(cli_log), "az [account] [get-access-token] [--output] [json] [--scope] [https://vault.azure.net/.default]\n")
    fresh()
    no_imds()
    r = tarn("auth.token('arm')", { AZURE_TENANT_ID = TENANT })
    spec.eq(r.code, 0, r.err)
    spec.eq(read(cli_log), "az [account] [get-access-token] [--output] [json] [--scope] "
      .. "[https://management.azure.com/.default] [--tenant] [" .. TENANT .. "]\n")
    -- Before Azure CLI 2.54 there is only expiresOn, in local time.
    fresh()
    no_imds()
    r = tarn("print(math.abs(auth.whoami().expires_on - os.time() - 3600) <= 5)", { FAKE_AZ_MODE = "old" })
    spec.eq(r.out, "true\n", r.err)
  end)

  spec.it("azd: azd auth token when az is signed out", function()
    fresh()
    no_imds()
    local r = tarn([[local w = auth.whoami("storage") print(w.method, w.tenant, w.object_id)]],
      { FAKE_AZ_MODE = "signed-out" })
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "azd\tazd-tenant\tazd-user-oid\n")
    spec.eq(read(cli_log), "az [account] [get-access-token] [--output] [json] [--scope] [https://storage.azure.com/.default]\n"
      .. "azd [auth] [token] [--output] [json] [--no-prompt] [--scope] [https://storage.azure.com/.default]\n")
  end)

  spec.it("token: TARN_ACCESS_TOKEN is used as-is for every scope, its expiry read from the JWT", function()
    fresh()
    local given = jwt({ tid = TENANT, oid = "given-oid", appid = "given-app", exp = os.time() + 600 })
    local r = tarn([[
      local a, b = auth.token("fabric"), auth.token("https://example.test/api")
      print(a == b, secret.reveal(a) == os.getenv("TARN_ACCESS_TOKEN"))
      local w = auth.whoami("arm")
      print(w.method, w.tenant, w.client_id, w.object_id, w.expires_on - os.time() <= 600)]],
      { TARN_ACCESS_TOKEN = given, AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = SECRET_APP, AZURE_CLIENT_SECRET = SECRET })
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "true\ttrue\ntoken\t" .. TENANT .. "\tgiven-app\tgiven-oid\ttrue\n")
    spec.eq(#s:requests("^/(entra|imds|msi)/"), 0, "no token requests")
    r = tarn("auth.token('fabric')", { TARN_ACCESS_TOKEN = jwt({ exp = os.time() - 10 }) })
    spec.eq(r.code, 1)
    spec.contains(r.err, "token: TARN_ACCESS_TOKEN expired at ")
  end)

  spec.it("when every method fails, the error says what each one said, one line each", function()
    fresh()
    no_imds()
    local r = tarn("auth.token('fabric')", { PATH = empty_bin })
    spec.eq(r.code, 1)
    spec.contains(r.err, "auth error: no sign-in method worked for https://api.fabric.microsoft.com/.default; each said:\n"
      .. "  token: TARN_ACCESS_TOKEN is not set\n"
      .. "  env: not configured (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH and AZURE_FEDERATED_TOKEN_FILE are unset)\n"
      .. "  managed-identity: no managed identity endpoint: IMDS at " .. s.url .. "/imds did not answer (")
    spec.contains(r.err, "\n  azure-cli: az is not installed (not found on PATH)\n"
      .. "  azd: azd is not installed (not found on PATH)\n"
      .. "(choose one with --auth METHOD or TARN_AUTH; see docs/api/auth.md)")
    -- Signed-out CLIs say so in their own words; a half-configured env names what is missing.
    fresh()
    no_imds()
    r = tarn("auth.token('fabric')", { FAKE_AZ_MODE = "signed-out", FAKE_AZD_MODE = "signed-out",
      AZURE_CLIENT_SECRET = "x-secret" })
    spec.contains(r.err, "\n  env: AZURE_CLIENT_SECRET is set but AZURE_TENANT_ID and AZURE_CLIENT_ID are not\n")
    spec.contains(r.err, "\n  azure-cli: az account get-access-token failed (exit 1): ERROR: Please run 'az login' to setup account.\n")
    spec.contains(r.err, "\n  azd: azd auth token failed (exit 1): ERROR: not logged in, run `azd auth login` to login\n")
  end)

  spec.it("--auth and TARN_AUTH force one method; an unknown name lists the known ones", function()
    fresh()
    local probe = "print(auth.whoami().method)"
    spec.eq(tarn(probe, secret_env, { "--auth", "azure-cli" }).out, "azure-cli\n")
    spec.eq(tarn(probe, { TARN_AUTH = "azd", AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = SECRET_APP,
      AZURE_CLIENT_SECRET = SECRET }).out, "azd\n")
    spec.eq(tarn(probe, { TARN_AUTH = "azd" }, { "--auth", "managed-identity" }).out, "managed-identity\n", "the flag wins")
    local r = tarn(probe, {}, { "--auth", "env" })
    spec.eq(r.code, 1)
    spec.contains(r.err, "auth error: cannot sign in with env (chosen by --auth): not configured (")
    r = tarn(probe, { TARN_AUTH = "cli" })
    spec.eq(r.code, 1)
    spec.contains(r.err, "unknown sign-in method 'cli' (from TARN_AUTH): known methods are token, env, managed-identity, azure-cli, azd")
    spec.eq(tarn("print(table.concat(auth.methods(), ' '))").out, "token env managed-identity azure-cli azd\n")
  end)

  spec.it("tokens are cached per scope and renewed before they expire", function()
    fresh()
    s:seed{ entra = { token_lifetime_seconds = 4 } }
    local r = tarn([[
      local a, b = auth.token("fabric"), auth.token("https://api.fabric.microsoft.com")
      local c = auth.token("arm")
      require("tarn.core").sleep(2.3)   -- past half of a 4 s life: renewed
      local d = auth.token("fabric")
      print(a == b, a == c, a == d)]], secret_env)
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, "true\tfalse\tfalse\n")
    spec.eq(#s:requests("^/entra/"), 3, "fabric, arm, fabric again")
  end)

  spec.it("a 401 for an expired token gets one resend with a fresh token", function()
    fresh()
    s:seed{ entra = { token_lifetime_seconds = 2 } }
    -- The first request is held until its token has expired, so the service answers 401.
    s:fault{ method = "GET", path = "^/fabric/v1/workspaces$", delay_ms = 2600, count = 1 }
    local r = tarn([[
      local url = require("tarn.cloud").current().fabric .. "/workspaces"
      local r = http.request{ url = url, auth = auth.authorizer("fabric") }
      print(r.status, r.body)]], secret_env)
    spec.eq(r.code, 0, r.err)
    spec.eq(r.out, '200\t{"value":[]}\n')
    local calls = s:requests("^/fabric/v1/workspaces$")
    spec.eq(#calls, 2)
    spec.eq(calls[1].status, 401)
    spec.eq(calls[2].status, 200)
    spec.eq(#s:requests("^/entra/"), 2, "one token, then a fresh one")
    -- Without the authorizer the same request is refused.
    r = tarn([[print(http.request{ url = require("tarn.cloud").current().fabric .. "/workspaces" }.status)]])
    spec.eq(r.out, "401\n")
  end)

  spec.it("--debug output shows the exchange but neither the client secret nor the token", function()
    fresh()
    local token_file = dir .. "/seen-token"
    local r = tarn(string.format([[
      local t = auth.token("fabric")
      local f = assert(io.open(%q, "w")) f:write(secret.reveal(t)) f:close()
      local r = http.request{ url = require("tarn.cloud").current().fabric .. "/workspaces", auth = auth.authorizer("fabric") }
      print(r.status, t, os.getenv("AZURE_CLIENT_SECRET"))]], token_file), secret_env, { "--debug" })
    spec.eq(r.code, 0, r.err)
    local token = read(token_file)
    spec.truthy(#token > 100, "the token was written")
    spec.eq(r.out, "200\t***\t***\n")
    spec.contains(r.err, "http> POST " .. s.url .. "/entra/" .. TENANT .. "/oauth2/v2.0/token")
    spec.contains(r.err, "http>  Authorization: ***")
    spec.contains(r.err, "debug: auth: signed in with env (client-secret)")
    for _, out in ipairs({ r.out, r.err }) do
      spec.not_contains(out, SECRET)
      spec.not_contains(out, token)
      spec.not_contains(out, token:sub(1, 40))
    end
  end)

  spec.it("misuse raises at once and names the argument", function()
    local r = tarn([[print(pcall(auth.token, "fabrik"))]])
    spec.contains(r.out, "bad argument #1 to 'auth.token' (unknown scope 'fabrik': expected fabric, arm, keyvault, storage, "
      .. "postgres, an audience (https://vault.azure.net) or a scope ending in /.default)")
    r = tarn([[print(pcall(auth.authorizer, "https://a/.default https://b/.default"))]])
    spec.contains(r.out, "holds spaces: ask for one resource at a time")
    r = tarn([[print(pcall(http.request, { url = "http://127.0.0.1:1/", auth = "fabric" }))]])
    spec.contains(r.out, "'auth' must be an authorizer from auth.authorizer(scope), got string")
  end)

  os.execute("rm -rf " .. q(dir))
end

local ok, err = xpcall(body, debug.traceback)
sim.stop_all()
if not ok then
  spec.failed = spec.failed + 1
  io.stdout:write("FAIL (outside a test) ", tostring(err), "\n")
end
return spec.finish()
