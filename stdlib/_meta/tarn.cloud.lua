---@meta tarn.cloud
-- LuaLS stubs for `tarn.cloud` (bindings/cloud/cloud.cpp).

---Cloud profiles: the one place that knows the service endpoints. --cloud NAME or TARN_CLOUD
---chooses the profile: public (Azure's public cloud, the default) or local (every endpoint
---on the simulator at TARN_SIM_URL). See docs/api/cloud.md.
---@class tarn.cloudlib
local cloud = {}

---@class tarn.cloud.scopes
---@field fabric string https://api.fabric.microsoft.com/.default
---@field arm string https://management.azure.com/.default
---@field keyvault string https://vault.azure.net/.default
---@field storage string https://storage.azure.com/.default
---@field postgres string https://ossrdbms-aad.database.windows.net/.default

---@class tarn.cloud.profile
---@field name string "public" or "local"
---@field fabric string the Fabric REST base, ending in /v1
---@field arm string Azure Resource Manager
---@field authority string the Entra authority (AZURE_AUTHORITY_HOST in public)
---@field imds string the Instance Metadata Service
---@field keyvault_suffix string "vault.azure.net" ("" in local)
---@field dfs_suffix string "dfs.core.windows.net" ("" in local)
---@field sim? string the simulator's base URL (local only)
---@field scopes tarn.cloud.scopes token scopes, the same in every profile

---The current profile (a copy: changing it changes nothing); raises for an unknown cloud name.
---@return tarn.cloud.profile
function cloud.current() end

---The Key Vault URL of a vault name: https://NAME.vault.azure.net (local: SIM/keyvault/NAME).
---@param name string 3-24 letters, digits and single hyphens, starting with a letter
---@return string
function cloud.keyvault_url(name) end

---The ADLS Gen2 DFS URL of a storage account: https://ACCOUNT.dfs.core.windows.net (local: SIM/dfs/ACCOUNT).
---@param account string 3-24 lowercase letters and digits
---@return string
function cloud.dfs_url(account) end

---The names of the known clouds.
---@return string[]
function cloud.known() end

return cloud
