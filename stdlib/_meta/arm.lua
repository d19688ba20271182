---@meta arm
-- LuaLS stubs for `arm` (stdlib/arm.lua and stdlib/arm/*.lua over arm.core, bindings/arm/).

---Azure Resource Manager: get, put, patch, post, delete and list on resource ids with an
---api-version; long-running operations are followed to their end (progress line, Ctrl-C
---stops) and failures are error values of kind "arm". Idempotent helpers for role
---assignments, storage network rules, PostgreSQL flexible servers and Key Vault network
---access, each usable as a recipe step. See docs/api/arm.md.
---@class armlib
arm = {}

---@alias arm.id string a resource id (/subscriptions/{s}/resourceGroups/{rg}/providers/...) or a URL under the ARM endpoint

---@class arm.options
---@field api_version string the api-version (required unless the id's query has one)
---@field query? table<string, string> more query parameters, e.g. {["$filter"] = "atScope()"}
---@field wait? boolean follow a long-running operation to its end (default true)
---@field what? string the progress line's label
---@field timeout? number seconds an operation may take (default 3600)
---@field poll_interval? number seconds between polls when the service sends no Retry-After (default 10)

---@class arm.error
---@field kind "arm"
---@field status? integer the HTTP status (absent when an operation ended Failed or Canceled)
---@field code? string ARM's error code, e.g. RoleAssignmentExists
---@field message string
---@field request_id? string x-ms-request-id
---@field correlation_id? string x-ms-correlation-request-id
---@field url string the URL that failed
---@field target? string the error's target
---@field details? table[] the error's details ({code, message, target})
---@field operation? string "Failed" or "Canceled" for an operation that ended so

---The api-versions the helpers use: authorization, resources, storage, postgres, keyvault.
---@type table<string, string>
arm.api = {}

---Reads a resource; raises an arm error (status 404) when it is not there.
---@param id arm.id
---@param opts string|arm.options the api-version or options
---@return table resource
function arm.get(id, opts) end

---Reads a resource, or returns nil when it does not exist (404).
---@param id arm.id
---@param opts string|arm.options
---@return table|nil resource
function arm.find(id, opts) end

---Creates or replaces a resource and waits for its operation; returns the resource and the first status.
---@param id arm.id
---@param body table|string the resource (a table is sent as JSON)
---@param opts string|arm.options
---@return table|nil resource
---@return integer status
function arm.put(id, body, opts) end

---Updates part of a resource (PATCH) and waits for its operation; returns the resource and the first status.
---@param id arm.id
---@param body table|string
---@param opts string|arm.options
---@return table|nil resource
---@return integer status
function arm.patch(id, body, opts) end

---Calls an action (POST .../restart) and waits for its operation; returns its result, if any.
---@param id arm.id
---@param body? table|string
---@param opts string|arm.options
---@return table|nil result
---@return integer status
function arm.post(id, body, opts) end

---Deletes a resource and waits; true when something was deleted, false when it was not there.
---@param id arm.id
---@param opts string|arm.options
---@return boolean deleted
function arm.delete(id, opts) end

---Any ARM request: {method, target, api_version, query, body, wait, what, timeout, poll_interval, missing_ok}.
---@param spec table
---@return any body
---@return integer status
---@return string|nil request_id
function arm.request(spec) end

---The URL a request for id would go to (nothing is sent).
---@param id arm.id
---@param opts string|arm.options
---@return string url
function arm.url(id, opts) end

---A list ({value, nextLink}) as an iterator over its items, following nextLink; :all() reads every page.
---@param id arm.id the collection
---@param opts string|arm.options
---@return arm.Pager pager
function arm.list(id, opts) end

---@class arm.Pager
---A list being read page by page: `for item in pager do`; pager.pages counts pages read.
---@field pages integer
local Pager = {}

---Every remaining item, all pages read.
---@return table[] items
function Pager:all() end

---The parts of a resource id: subscription, resource_group, provider, type and name.
---@param id string
---@return {subscription?: string, resource_group?: string, provider?: string, type?: string, name?: string}
function arm.parse_id(id) end

---The role definition GUID for a built-in role name, a GUID or a role definition id; nil, message when unknown.
---@param role string
---@return string|nil guid
---@return string|nil message
function arm.role_guid(role) end

---The built-in role name for a role definition GUID, or nil.
---@param guid string
---@return string|nil name
function arm.role_name(guid) end

---The built-in roles known by name: a list of {name, guid}.
---@return {name: string, guid: string}[]
function arm.roles() end

---The deterministic role assignment name (UUID v5 in the namespace of ARM's guid()) for role and principal at scope.
---@param scope string
---@param role string name, GUID or role definition id
---@param principal_id string
---@return string name
function arm.assignment_name(scope, role, principal_id) end

---A name-based UUID, version 5 (SHA-1), of name in the namespace UUID ns.
---@param ns string
---@param name string
---@return string uuid
function arm.uuid_v5(ns, name) end

---The Resource Manager endpoint of the cloud profile.
---@return string url
function arm.endpoint() end

---@alias arm.status "changed"|"unchanged"
---@alias arm.step {name: string, check: fun(): (string|false), string?, apply: fun(): string}

---@class arm.role_assignment
---Role assignments made and removed idempotently (stdlib/arm/role_assignment.lua).
local role_assignment = {}
arm.role_assignment = role_assignment

---The deterministic name of the assignment spec describes.
---@param spec {scope: string, role: string, principal_id: string}
---@return string
function role_assignment.name(spec) end

---The existing assignments of spec's role to its principal at exactly its scope, any name.
---@param spec {scope: string, role: string, principal_id: string}
---@return table[]
function role_assignment.find(spec) end

---What ensure would do: false, detail when assigned already, else the change as text.
---@param spec {scope: string, role: string, principal_id: string, principal_type?: string, description?: string, api_version?: string}
---@return string|false change
---@return string|nil detail
function role_assignment.plan(spec) end

---Assigns the role to the principal at the scope unless it is assigned already.
---@param spec {scope: string, role: string, principal_id: string, principal_type?: string, description?: string, api_version?: string}
---@return arm.status status
---@return string detail
function role_assignment.ensure(spec) end

---Sends the PUT without checking first; 409 RoleAssignmentExists returns "unchanged".
---@param spec table as for ensure
---@return arm.status status
---@return string detail
function role_assignment.apply(spec) end

---A ctx:step spec for ensure.
---@param spec table as for ensure
---@param name? string
---@return arm.step
function role_assignment.step(spec, name) end

---What remove would do: false, detail when nothing is assigned, else the change.
---@param spec {scope: string, role: string, principal_id: string}
---@return string|false change
---@return string|nil detail
function role_assignment.plan_remove(spec) end

---Deletes every assignment of the role to the principal at the scope.
---@param spec {scope: string, role: string, principal_id: string}
---@return arm.status status
---@return string detail
function role_assignment.remove(spec) end

---A ctx:step spec for remove.
---@param spec table
---@param name? string
---@return arm.step
function role_assignment.remove_step(spec, name) end

---@class arm.storage
---A storage account's network rules: resource instance rules for Fabric workspaces (stdlib/arm/storage.lua).
local storage = {}
arm.storage = storage

---The resource id a resource instance rule names a Fabric workspace by.
---@param workspace_id string
---@return string resource_id
function storage.fabric_workspace_id(workspace_id) end

---The account's networkAcls as ARM returns them.
---@param account string
---@param api_version? string
---@return table
function storage.network_rules(account, api_version) end

---What ensure_resource_rule would do: false, detail when present, else the change.
---@param spec {account: string, tenant_id: string, workspace_id?: string, resource_id?: string, api_version?: string}
---@return string|false change
---@return string|nil detail
function storage.plan_resource_rule(spec) end

---Adds the resource instance rule unless present; the whole networkAcls is written back.
---@param spec {account: string, tenant_id: string, workspace_id?: string, resource_id?: string, api_version?: string}
---@return arm.status status
---@return string detail
function storage.ensure_resource_rule(spec) end

---A ctx:step spec for ensure_resource_rule.
---@param spec table
---@param name? string
---@return arm.step
function storage.resource_rule_step(spec, name) end

---What remove_resource_rule would do.
---@param spec table
---@return string|false change
---@return string|nil detail
function storage.plan_remove_resource_rule(spec) end

---Removes the resource instance rule when present.
---@param spec table
---@return arm.status status
---@return string detail
function storage.remove_resource_rule(spec) end

---A ctx:step spec for remove_resource_rule.
---@param spec table
---@param name? string
---@return arm.step
function storage.remove_resource_rule_step(spec, name) end

---@class arm.postgres
---PostgreSQL flexible servers: parameters, restart, firewall, auth, identity, Fabric mirroring (stdlib/arm/postgres.lua).
local postgres = {}
arm.postgres = postgres

---The server resource.
---@param id string
---@param api_version? string
---@return table
function postgres.server(id, api_version) end

---A server parameter's value and properties (isDynamicConfig, isConfigPendingRestart, ...).
---@param id string
---@param name string
---@return string value
---@return table properties
function postgres.parameter(id, name) end

---Every server parameter.
---@param id string
---@return table[]
function postgres.parameters(id) end

---What set_parameter would do.
---@param id string
---@param name string
---@param value string|number
---@return string|false change
---@return string|nil detail
function postgres.plan_parameter(id, name, value) end

---Sets a parameter unless it has that value; the third value says whether a restart is needed.
---@param id string
---@param name string
---@param value string|number
---@return arm.status status
---@return string detail
---@return boolean restart_needed
function postgres.set_parameter(id, name, value) end

---Restarts the server and waits until it is back.
---@param id string
---@param opts? {failover?: boolean}
function postgres.restart(id, opts) end

---A firewall rule of the server, or nil.
---@param id string
---@param name string
---@return table|nil
function postgres.firewall_rule(id, name) end

---What ensure_firewall_rule would do.
---@param spec {server: string, name: string, start_ip: string, end_ip?: string}
---@return string|false change
---@return string|nil detail
function postgres.plan_firewall_rule(spec) end

---Creates the firewall rule or corrects its range.
---@param spec {server: string, name: string, start_ip: string, end_ip?: string}
---@return arm.status status
---@return string detail
function postgres.ensure_firewall_rule(spec) end

---A ctx:step spec for ensure_firewall_rule.
---@param spec table
---@param name? string
---@return arm.step
function postgres.firewall_rule_step(spec, name) end

---What remove_firewall_rule would do.
---@param spec {server: string, name: string}
---@return string|false change
---@return string|nil detail
function postgres.plan_remove_firewall_rule(spec) end

---Deletes the firewall rule when it exists.
---@param spec {server: string, name: string}
---@return arm.status status
---@return string detail
function postgres.remove_firewall_rule(spec) end

---What ensure_password_auth would do.
---@param spec {server: string}
---@return string|false change
---@return string|nil detail
function postgres.plan_password_auth(spec) end

---Enables password authentication, keeping Entra authentication as it is.
---@param spec {server: string}
---@return arm.status status
---@return string detail
function postgres.ensure_password_auth(spec) end

---A ctx:step spec for ensure_password_auth.
---@param spec {server: string}
---@param name? string
---@return arm.step
function postgres.password_auth_step(spec, name) end

---The server's managed identity, or nil when it has none.
---@param id string
---@return table|nil identity
function postgres.identity(id) end

---What ensure_system_identity would do.
---@param spec {server: string}
---@return string|false change
---@return string|nil detail
function postgres.plan_system_identity(spec) end

---Enables the system-assigned identity; returns its principal id.
---@param spec {server: string}
---@return arm.status status
---@return string detail
---@return string principal_id
function postgres.ensure_system_identity(spec) end

---A ctx:step spec for ensure_system_identity.
---@param spec {server: string}
---@param name? string
---@return arm.step
function postgres.system_identity_step(spec, name) end

---What ensure_mirroring would do: the parameter changes and "restart", or false, detail.
---@param spec {server: string, databases: string[], min_worker_processes?: integer}
---@return string|false change
---@return string|nil detail
function postgres.plan_mirroring(spec) end

---Sets the Fabric mirroring parameters and restarts once, only when a restart is needed.
---@param spec {server: string, databases: string[], min_worker_processes?: integer}
---@return arm.status status
---@return string detail
---@return boolean|nil restarted
function postgres.ensure_mirroring(spec) end

---A ctx:step spec for ensure_mirroring.
---@param spec table
---@param name? string
---@return arm.step
function postgres.mirroring_step(spec, name) end

---@class arm.keyvault
---A Key Vault's network access opened for a run and restored exactly (stdlib/arm/keyvault.lua).
local keyvault = {}
arm.keyvault = keyvault

---The vault's publicNetworkAccess and networkAcls.
---@param id string
---@return {public_network_access?: string, network_acls?: table}
function keyvault.network(id) end

---What open_public_access would do.
---@param spec {vault: string, ip?: string}
---@return string|false change
---@return string|nil detail
function keyvault.plan_public_access(spec) end

---Opens the vault (or one address); returns what restore_public_access needs, or nil when nothing changed.
---@param spec {vault: string, ip?: string}
---@return table|nil saved
---@return string detail
function keyvault.open_public_access(spec) end

---Puts back what open_public_access changed, with the values read before.
---@param saved table|nil
---@return arm.status
function keyvault.restore_public_access(saved) end

---A ctx:temporary spec {name, check, apply, undo} that opens the vault for the run.
---@param spec {vault: string, ip?: string, name?: string}
---@return table temporary
function keyvault.public_access(spec) end

return arm
