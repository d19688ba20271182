-- Writes the simulator's seed for demo.sh: a service principal, the Key Vault holding the
-- local server's admin password, a Fabric workspace and the ARM resources of the server.
local path, admin_pw, tenant, client, client_secret = ...
local sub = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-demo"
assert(tarn.write_file(path, json.encode({
  entra = { default_tenant = tenant, principals = { { tenant = tenant, client_id = client, client_secret = client_secret } } },
  keyvault = { vaults = { ["kv-demo"] = { secrets = { ["postgres-admin-password"] = admin_pw } } } },
  fabric = { config = { start_delay_ms = 3000, table_progress_ms = 1000 },
             workspaces = { { id = "4d3c2b1a-0f9e-4d8c-9b7a-6f5e4d3c2b1a", displayName = "Demo" } } },
  arm = { resources = {
    [sub] = { location = "westeurope" },
    [sub .. "/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-demo"] = { properties = {} },
  } },
}), tonumber("600", 8)))
