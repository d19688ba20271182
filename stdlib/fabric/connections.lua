--- fabric.connections: data source connections (the Connections API), found by server and
--- database, created with credentials that stay secret.
local args = require("fabric.args")
local call = require("fabric.call")

local connections = {}

local CONNECTIVITY = { "ShareableCloud", "VirtualNetworkGateway", "StreamingVirtualNetworkGateway" }
local ENCRYPTION = { "Encrypted", "NotEncrypted", "Any" }
local PRIVACY = { "None", "Private", "Organizational", "Public" }
local CREDENTIAL_TYPES = { "Basic", "Key", "ServicePrincipal", "KeyPair", "WorkspaceIdentity", "Anonymous" }

function connections.list()
  return call.pages({ path = { "connections" } })
end

function connections.get(id)
  args.id(id, "fabric.connections.get", "connection")
  return (call.send({ path = { "connections", id } }))
end

-- "Host:5432" -> "host", "5432"
local function host_port(s)
  s = s:lower():gsub("%.$", "")
  local host, port = s:match("^(.-):(%d+)$")
  if host then return host, port end
  return s, nil
end

local function same_server(a, b)
  local ha, pa = host_port(a)
  local hb, pb = host_port(b)
  return ha == hb and (pa == nil or pb == nil or pa == pb)
end

function connections.find(opts)
  local fname = "fabric.connections.find"
  opts = args.options(opts, fname, { "server", "database", "type" })
  local server = args.required(opts, "server", "id", fname)
  local database = args.field(opts, "database", "id", fname)
  local ctype = args.field(opts, "type", "id", fname)
  local matches = {}
  for c in connections.list():iter() do
    local d = type(c.connectionDetails) == "table" and c.connectionDetails or {}
    local path = type(d.path) == "string" and d.path or ""
    -- connectionDetails.path is "server;database" (§10 of the reference).
    local s, db = path:match("^([^;]*);(.*)$")
    s = s or path
    if same_server(s, server) and (database == nil or db == database) and
        (ctype == nil or (type(d.type) == "string" and d.type:lower() == ctype:lower())) then
      matches[#matches + 1] = c
    end
  end
  return matches[1], matches
end

function connections.supported_types(opts)
  local fname = "fabric.connections.supported_types"
  opts = args.options(opts, fname, { "gateway_id", "all_creation_methods" })
  return call.pages({
    path = { "connections", "supportedConnectionTypes" },
    query = {
      gatewayId = args.field(opts, "gateway_id", "id", fname),
      showAllCreationMethods = args.field(opts, "all_creation_methods", "boolean", fname),
    },
  })
end

-- {server = "x", database = "y"} or a list of {name=, value=, data_type=} -> Fabric parameters.
local function parameters(p, fname)
  if type(p) ~= "table" then args.fail(fname, "'parameters' must be a table such as {server = ..., database = ...}", 3) end
  local out = {}
  if #p > 0 then
    for i, e in ipairs(p) do
      if type(e) ~= "table" or type(e.name) ~= "string" or e.value == nil then
        args.fail(fname, string.format("parameters[%d] must be {name=, value=, data_type=}", i), 3)
      end
      out[i] = { name = e.name, value = e.value, dataType = e.data_type or "Text" }
    end
    return out
  end
  local names = {}
  for k in pairs(p) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do
    local v = p[k]
    local kind = math.type(v) and "Number" or type(v) == "boolean" and "Boolean" or "Text"
    if kind == "Text" and type(v) ~= "string" then
      args.fail(fname, string.format("parameter '%s' must be a string, number or boolean", tostring(k)), 3)
    end
    out[#out + 1] = { name = k, value = v, dataType = kind }
  end
  return out
end

-- The credential table -> Fabric credentials; secret values stay secret values (revealed only
-- into the request body by the C++ client).
local function credentials(c, fname)
  if type(c) ~= "table" then args.fail(fname, "'credential' must be a table such as {type = \"Basic\", username =, password =}", 3) end
  local ctype = c.type or "Basic"
  local known = false
  for _, t in ipairs(CREDENTIAL_TYPES) do known = known or t == ctype end
  if not known then
    args.fail(fname, string.format("credential.type must be one of %s, got %s", table.concat(CREDENTIAL_TYPES, ", "), tostring(ctype)), 3)
  end
  local function secret_of(key)
    local v = c[key]
    if v == nil then return nil end
    if type(v) == "string" then return secret.new(v) end  -- registered with the redactor from here on
    if secret.is(v) then return v end
    args.fail(fname, string.format("credential.%s must be a string or a secret, got %s", key, type(v)), 4)
  end
  local function reference(key)
    local r = c[key]
    if r == nil then return nil end
    if type(r) ~= "table" or type(r.connection_id) ~= "string" or type(r.secret_name) ~= "string" then
      args.fail(fname, string.format("credential.%s must be {connection_id=, secret_name=, version=}", key), 4)
    end
    return { connectionId = r.connection_id, secretName = r.secret_name, version = r.version }
  end
  local out = { credentialType = ctype }
  if ctype == "Basic" then
    if type(c.username) ~= "string" or c.username == "" then args.fail(fname, "credential.username is required for Basic", 3) end
    out.username = c.username
    out.password = secret_of("password")
    out.passwordReference = reference("password_reference")
    if (out.password == nil) == (out.passwordReference == nil) then
      args.fail(fname, "Basic credentials need 'password' (a secret) or 'password_reference', one of them", 3)
    end
  elseif ctype == "Key" then
    out.key = secret_of("key")
    out.keyReference = reference("key_reference")
    if (out.key == nil) == (out.keyReference == nil) then args.fail(fname, "Key credentials need 'key' or 'key_reference'", 3) end
  elseif ctype == "KeyPair" then
    if type(c.identifier) ~= "string" or c.identifier == "" then args.fail(fname, "credential.identifier is required for KeyPair", 3) end
    out.identifier = c.identifier
    out.privateKey = secret_of("private_key")
    out.passphrase = secret_of("passphrase")
    if out.privateKey == nil then args.fail(fname, "KeyPair credentials need 'private_key'", 3) end
  elseif ctype == "ServicePrincipal" then
    out.tenantId, out.servicePrincipalClientId = c.tenant_id, c.client_id
    if type(out.tenantId) ~= "string" or type(out.servicePrincipalClientId) ~= "string" then
      args.fail(fname, "ServicePrincipal credentials need tenant_id and client_id", 3)
    end
    out.servicePrincipalSecret = secret_of("client_secret")
    out.servicePrincipalSecretReference = reference("client_secret_reference")
    if (out.servicePrincipalSecret == nil) == (out.servicePrincipalSecretReference == nil) then
      args.fail(fname, "ServicePrincipal credentials need 'client_secret' or 'client_secret_reference'", 3)
    end
  end
  return out
end

function connections.create(opts)
  local fname = "fabric.connections.create"
  opts = args.options(opts, fname, { "display_name", "type", "creation_method", "parameters", "credential", "encryption",
    "privacy_level", "skip_test", "connectivity", "gateway_id", "allow_in_gateway", "allow_in_user_code",
    "single_sign_on" })
  local connectivity = args.field(opts, "connectivity", "string", fname, CONNECTIVITY) or "ShareableCloud"
  local body = {
    connectivityType = connectivity,
    displayName = args.required(opts, "display_name", "id", fname),
    connectionDetails = {
      type = args.required(opts, "type", "id", fname),
      creationMethod = args.required(opts, "creation_method", "id", fname),
      parameters = parameters(args.required(opts, "parameters", "table", fname), fname),
    },
    privacyLevel = args.field(opts, "privacy_level", "string", fname, PRIVACY),
    credentialDetails = {
      credentials = credentials(args.required(opts, "credential", "table", fname), fname),
      connectionEncryption = args.field(opts, "encryption", "string", fname, ENCRYPTION),
      singleSignOnType = args.field(opts, "single_sign_on", "string", fname) or "None",
      skipTestConnection = args.field(opts, "skip_test", "boolean", fname) or false,
    },
  }
  if connectivity ~= "ShareableCloud" then
    body.gatewayId = args.required(opts, "gateway_id", "id", fname)
  elseif opts.gateway_id ~= nil then
    args.fail(fname, "'gateway_id' goes with a gateway connectivity (VirtualNetworkGateway, StreamingVirtualNetworkGateway)", 2)
  else
    body.allowConnectionUsageInGateway = args.field(opts, "allow_in_gateway", "boolean", fname)
    body.allowUsageInUserControlledCode = args.field(opts, "allow_in_user_code", "boolean", fname)
  end
  return (call.send({
    method = "POST", path = { "connections" }, body = body,
    label = string.format("create connection '%s'", body.displayName),
  }))
end

function connections.test(id, opts)
  local fname = "fabric.connections.test"
  args.id(id, fname, "connection")
  opts = args.options(opts, fname, { "wait", "timeout" })
  return (call.send({
    method = "POST", path = { "connections", id, "testConnection" }, label = "test connection " .. id,
  }, opts))
end

function connections.delete(id)
  args.id(id, "fabric.connections.delete", "connection")
  return call.delete(call.send, { method = "DELETE", path = { "connections", id } })
end

return connections
