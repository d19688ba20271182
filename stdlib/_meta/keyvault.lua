---@meta keyvault
-- LuaLS stubs for `keyvault` (bindings/keyvault/keyvault_lua.cpp over tarn::keyvault::Client).

---Azure Key Vault secrets: get, set, versions, enable/disable, soft delete, recover, purge.
---A vault is a name (https://{name}.vault.azure.net, or the simulator's with --cloud local)
---or a URL. Values come back as secrets; service failures raise error values of kind
---"keyvault" whose code is Key Vault's innermost one (SecretNotFound, SecretDisabled,
---ObjectIsDeletedButRecoverable, ...). See docs/api/keyvault.md.
---@class keyvaultlib
keyvault = {}

---@alias keyvault.vault string a vault name (kv-prod1) or URL (https://kv-prod1.vault.azure.net)

---@class keyvault.Properties
---@field id string {vault}/secrets/{name}/{version}
---@field name string the secret's name
---@field version? string 32 hexadecimal digits (absent in keyvault.list)
---@field content_type? string as set
---@field tags table<string, string> as set ({} when none)
---@field enabled boolean false when disabled (get then raises SecretDisabled)
---@field created? integer Unix seconds
---@field updated? integer Unix seconds
---@field not_before? integer Unix seconds
---@field expires? integer Unix seconds
---@field recovery_level? string e.g. Recoverable+Purgeable
---@field recovery_id? string deleted secrets: {vault}/deletedsecrets/{name}
---@field deleted_on? integer deleted secrets: Unix seconds
---@field scheduled_purge_on? integer deleted secrets: Unix seconds

---@class keyvault.SetOptions
---@field content_type? string e.g. text/plain
---@field tags? table<string, string> replaces the tags
---@field enabled? boolean false to disable
---@field not_before? integer Unix seconds
---@field expires? integer Unix seconds

---@class keyvault.UpdateOptions: keyvault.SetOptions
---@field version? string the version to change (default: the latest)

---@class keyvault.WaitOptions
---@field wait? boolean|number seconds to wait for Key Vault to finish (default true: up to 60 s; false: do not wait)

---@class keyvault.ListOptions
---@field page_size? integer results per page, 1 to 25 (every page is read either way)

---A secret's value (as a secret) and its properties.
---The latest version, or the given one. Raises SecretNotFound, SecretDisabled, ... (see keyvault.try_get).
---@param vault keyvault.vault
---@param name string 1-127 letters, digits and hyphens
---@param version? string 32 hexadecimal digits (default: the latest)
---@return secret value
---@return keyvault.Properties properties
function keyvault.get(vault, name, version) end

---keyvault.get returning nil, err instead of raising.
---Every service failure (SecretNotFound, SecretDisabled, no access, network) is returned; misuse still raises.
---@param vault keyvault.vault
---@param name string
---@param version? string
---@return secret|nil value
---@return keyvault.Properties|table properties, or the error value (kind, status, code, message, request_id)
function keyvault.try_get(vault, name, version) end

---Writes a new version of a secret.
---The value (a string or a secret) is registered with the redactor before it is sent.
---@param vault keyvault.vault
---@param name string
---@param value string|secret
---@param options? keyvault.SetOptions
---@return keyvault.Properties
function keyvault.set(vault, name, value, options) end

---Changes a version's properties (enabled, tags, ...).
---The latest version unless options.version names one; the value cannot change.
---@param vault keyvault.vault
---@param name string
---@param options keyvault.UpdateOptions
---@return keyvault.Properties
function keyvault.update(vault, name, options) end

---Every version's properties, oldest first.
---No values; every page is read; an unknown name has none.
---@param vault keyvault.vault
---@param name string
---@param options? keyvault.ListOptions
---@return keyvault.Properties[]
function keyvault.list_versions(vault, name, options) end

---Every secret's latest properties, by name.
---No values; ids without a version.
---@param vault keyvault.vault
---@param options? keyvault.ListOptions
---@return keyvault.Properties[]
function keyvault.list(vault, options) end

---Whether a secret exists (false once deleted).
---True for a disabled secret; raises for failures other than SecretNotFound.
---@param vault keyvault.vault
---@param name string
---@return boolean
function keyvault.exists(vault, name) end

---Soft-deletes a secret and waits until done.
---Every version; until recovered or purged the name cannot be set (ObjectIsDeletedButRecoverable).
---@param vault keyvault.vault
---@param name string
---@param options? keyvault.WaitOptions
---@return keyvault.Properties deleted the deleted secret (recovery_id, deleted_on, scheduled_purge_on)
function keyvault.delete(vault, name, options) end

---A deleted secret's properties, or nil.
---@param vault keyvault.vault
---@param name string
---@return keyvault.Properties|nil
function keyvault.deleted(vault, name) end

---Recovers a deleted secret, all versions.
---Waits until it can be read again.
---@param vault keyvault.vault
---@param name string
---@param options? keyvault.WaitOptions
---@return keyvault.Properties
function keyvault.recover(vault, name, options) end

---Deletes a deleted secret for good.
---Its name can then be used again (Key Vault may take a few seconds).
---@param vault keyvault.vault
---@param name string
function keyvault.purge(vault, name) end

---The base URL a vault name or URL stands for.
---@param vault keyvault.vault
---@return string
function keyvault.url(vault) end

return keyvault
