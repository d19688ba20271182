---@meta fabric
-- LuaLS stubs for `fabric` (stdlib/fabric.lua and stdlib/fabric/*.lua over `fabric.core`,
-- bindings/fabric). The REPL's :help reads the summaries below.

---The Microsoft Fabric REST API: workspaces, items, mirrored databases, Databricks
---catalogs, connections, deployment pipelines, Git and OneLake shortcuts, with long-running
---operations followed, lists paged and failures as error values of kind "fabric". Options
---are snake_case; results are the service's JSON as it is. See docs/api/fabric.md.
---@class fabriclib
fabric = {}

---A paged list: pages are fetched as the iteration reaches them.
---@class fabric.Pages
local Pages = {}

---An iterator over every item of every page (each call starts from the first page).
---@return fun(): table|nil
function Pages:iter() end

---Every item of every page, in one list.
---@return table[]
function Pages:all() end

---The first item for which fn(item) is true, reading no more pages than needed; nil when none.
---@param fn fun(item: table): boolean
---@return table|nil
function Pages:find(fn) end

---A long-running operation not waited for (wait = false).
---@class fabric.Operation
---@field id? string the operation id (absent when done at once)
---@field location? string the URL its state is polled at
---@field retry_after? number seconds the service asked to wait before polling
---@field label? string what it does
---@field deployment_id? string the deployment of a deployment_pipelines.deploy
---@field done? boolean true when the service finished at once
---@field result? any the result, when done

---@class fabric.request_options
---@field method? string GET (default), POST, PATCH, DELETE, ...
---@field path string|string[] under the API base ("/workspaces") or a list of segments, each escaped
---@field query? table<string, string|number|boolean>
---@field body? any a Lua value sent as JSON (secrets revealed only there), or JSON text
---@field wait? boolean false: return an operation handle for a 202 (default true)
---@field timeout? number seconds to wait for a long-running operation (default 3600; 0: no limit)
---@field expect_result? boolean false: do not ask /result of a long-running operation
---@field item_key? string fabric.pages: the list member ("value" or "data"; default either)

---Calls any Fabric endpoint, with long-running operations, retries and errors handled.
---@param t fabric.request_options
---@return any result the decoded body (nil when none), or an operation handle with wait = false
---@return {status: integer, headers: table<string, string>}|nil response
function fabric.request(t) end

---A paged list of any endpoint: fabric.pages{path=, query=, method=, body=, item_key=}.
---@param t fabric.request_options
---@return fabric.Pages
function fabric.pages(t) end

---Waits for an operation handle (from a call with wait = false); returns its result.
---@param h fabric.Operation
---@param opts? {timeout?: number}
---@return any
function fabric.wait(h, opts) end

---The state of an operation now: {status=, percent=, retry_after=, body=} (one poll).
---@param h fabric.Operation
---@return {status: string, percent?: integer, retry_after?: number, body?: table}
function fabric.operation_state(h) end

---Whether v is an operation handle.
---@param v any
---@return boolean
function fabric.is_operation(v) end

---The Fabric API base URL of the current cloud profile (ends in /v1).
---@return string
function fabric.base_url() end

---Workspaces, their role assignments and their identity.
---@class fabric.workspaces
local workspaces = {}
fabric.workspaces = workspaces

---The workspaces the caller can see: opts.roles ({"Admin", ...} or "Admin,Member"), prefer_workspace_endpoints.
---@param opts? {roles?: string|string[], prefer_workspace_endpoints?: boolean}
---@return fabric.Pages
function workspaces.list(opts) end

---A workspace (with workspaceIdentity, capacityId, oneLakeEndpoints, ...).
---@param ws string
---@param opts? {prefer_workspace_endpoints?: boolean}
---@return table
function workspaces.get(ws, opts) end

---The workspace with this display name (exact, else the only case-insensitive match), or nil.
---@param name string
---@return table|nil
function workspaces.find(name) end

---A workspace's role assignments.
---@param ws string
---@return fabric.Pages
function workspaces.role_assignments(ws) end

---Gives a principal a role; one that already has a role gets its assignment back unchanged.
---@param ws string
---@param opts {principal_id: string, principal_type: "User"|"ServicePrincipal"|"Group"|"ServicePrincipalProfile"|"EntireTenant", role: "Admin"|"Member"|"Contributor"|"Viewer"}
---@return table assignment
---@return boolean changed false when the principal already had a role
function workspaces.add_role_assignment(ws, opts) end

---Removes a role assignment; false when it was already gone.
---@param ws string
---@param assignment string the role assignment id
---@return boolean
function workspaces.remove_role_assignment(ws, assignment) end

---Provisions the workspace identity (long-running); returns {applicationId, servicePrincipalId}.
---@param ws string
---@param opts? {wait?: boolean, timeout?: number}
---@return table|fabric.Operation
function workspaces.provision_identity(ws, opts) end

---The workspace identity {applicationId, servicePrincipalId}, or nil when none is provisioned.
---@param ws string
---@return table|nil
function workspaces.identity(ws) end

---Any item of a workspace (the generic Items API), definitions included.
---@class fabric.items
local items = {}
fabric.items = items

---A workspace's items: opts.type ("Lakehouse", ...), recursive, root_folder_id, include.
---@param ws string
---@param opts? {type?: string, recursive?: boolean, root_folder_id?: string, include?: "DefaultIdentity"}
---@return fabric.Pages
function items.list(ws, opts) end

---An item.
---@param ws string
---@param id string
---@param opts? {include?: "DefaultIdentity"}
---@return table
function items.get(ws, id, opts) end

---The item with this display name and type, or nil.
---@param ws string
---@param name string
---@param type string
---@return table|nil
function items.find(ws, name, type) end

---Creates an item (long-running), from a definition (part path -> text) or a creation payload.
---@param ws string
---@param opts {display_name: string, type: string, description?: string, folder_id?: string, definition?: table<string, string>, format?: string, creation_payload?: table, wait?: boolean, timeout?: number}
---@return table|fabric.Operation
function items.create(ws, opts) end

---Renames an item or changes its description.
---@param ws string
---@param id string
---@param opts {display_name?: string, description?: string}
---@return table
function items.update(ws, id, opts) end

---Deletes an item (hard = true: hard delete); false when it was already gone.
---@param ws string
---@param id string
---@param opts? {hard?: boolean}
---@return boolean
function items.delete(ws, id, opts) end

---An item's definition as part path -> decoded text, and its format (long-running).
---@param ws string
---@param id string
---@param opts? {format?: string, timeout?: number}
---@return table<string, string> parts
---@return string|nil format
function items.get_definition(ws, id, opts) end

---Replaces an item's definition (parts: path -> text; .platform only with update_metadata).
---@param ws string
---@param id string
---@param parts table<string, string>
---@param opts? {update_metadata?: boolean, format?: string, wait?: boolean, timeout?: number}
function items.update_definition(ws, id, parts, opts) end

---Mirrored databases: items with a mirroring.json definition, and mirroring itself.
---@class fabric.mirrored_databases
local mirrored_databases = {}
fabric.mirrored_databases = mirrored_databases

---A workspace's mirrored databases.
---@param ws string
---@return fabric.Pages
function mirrored_databases.list(ws) end

---A mirrored database (properties: oneLakeTablesPath, sqlEndpointProperties, defaultSchema).
---@param ws string
---@param id string
---@return table
function mirrored_databases.get(ws, id) end

---The mirrored database with this display name, or nil.
---@param ws string
---@param name string
---@return table|nil
function mirrored_databases.find(ws, name) end

---Creates a mirrored database from mirroring.json (text or table) or a parts table.
---@param ws string
---@param opts {display_name: string, mirroring?: string|table, definition?: table<string, string>, description?: string, folder_id?: string, wait?: boolean, timeout?: number}
---@return table|fabric.Operation
function mirrored_databases.create(ws, opts) end

---Renames a mirrored database or changes its description.
---@param ws string
---@param id string
---@param opts {display_name?: string, description?: string}
---@return table
function mirrored_databases.update(ws, id, opts) end

---Deletes a mirrored database; false when it was already gone.
---@param ws string
---@param id string
---@param opts? {hard?: boolean}
---@return boolean
function mirrored_databases.delete(ws, id, opts) end

---A mirrored database's definition as part path -> decoded text, and its format.
---@param ws string
---@param id string
---@param opts? {format?: string, timeout?: number}
---@return table<string, string> parts
---@return string|nil format
function mirrored_databases.get_definition(ws, id, opts) end

---Replaces a mirrored database's definition (mirroring.json is validated first).
---@param ws string
---@param id string
---@param parts table<string, string>
---@param opts? {update_metadata?: boolean, format?: string, wait?: boolean, timeout?: number}
function mirrored_databases.update_definition(ws, id, parts, opts) end

---Starts mirroring (not while the status is Initializing).
---@param ws string
---@param id string
---@return true
function mirrored_databases.start_mirroring(ws, id) end

---Stops mirroring.
---@param ws string
---@param id string
---@return true
function mirrored_databases.stop_mirroring(ws, id) end

---The mirroring status {status, error?}: Initializing, Initialized, Starting, Running, ...
---@param ws string
---@param id string
---@return {status: string, error?: table}
function mirrored_databases.mirroring_status(ws, id) end

---Each table's mirroring status (sourceSchemaName, sourceTableName, status, metrics).
---@param ws string
---@param id string
---@return fabric.Pages
function mirrored_databases.tables_mirroring_status(ws, id) end

---Waits, with a status line, until the mirroring status is `status` (or one of a list).
---@param ws string
---@param id string
---@param status string|string[]
---@param opts? {timeout?: number, interval?: number}
---@return {status: string, error?: table}
function mirrored_databases.wait_for(ws, id, status, opts) end

---The mirroring.json part of a mirrored database's definition: built and validated.
---@class fabric.mirroring
local mirroring = {}
fabric.mirroring = mirroring

---mirroring.json for Azure Database for PostgreSQL (AzurePostgreSql): its text and table.
---@param opts {connection: string, database?: string, default_schema?: string, tables?: (string|{schema: string, table: string})[], retention_days?: integer, change_data_feed?: boolean}
---@return string text
---@return table doc
function mirroring.postgres(opts) end

---Checks a mirroring.json (text or table); returns the table or raises naming each bad field.
---@param doc string|table
---@return table
function mirroring.validate(doc) end

---Whether s is a GUID (8-4-4-4-12 hexadecimal digits).
---@param s any
---@return boolean
function mirroring.is_guid(s) end

---Mirrored Azure Databricks catalogs and the discovery of catalogs, schemas and tables.
---@class fabric.databricks
local databricks = {}
fabric.databricks = databricks

---A workspace's mirrored Azure Databricks catalogs.
---@param ws string
---@return fabric.Pages
function databricks.list(ws) end

---A mirrored Azure Databricks catalog.
---@param ws string
---@param id string
---@return table
function databricks.get(ws, id) end

---The mirrored Databricks catalog with this display name, or nil.
---@param ws string
---@param name string
---@return table|nil
function databricks.find(ws, name) end

---Creates a mirrored Databricks catalog (long-running) from creation settings or a definition.
---@param ws string
---@param opts {display_name: string, catalog_name?: string, connection_id?: string, mirroring_mode?: "Full"|"Partial", storage_connection_id?: string, definition?: table<string, string>, description?: string, folder_id?: string, wait?: boolean, timeout?: number}
---@return table|fabric.Operation
function databricks.create(ws, opts) end

---Changes name, description, mirroring mode, auto sync or storage connection.
---@param ws string
---@param id string
---@param opts {display_name?: string, description?: string, mirroring_mode?: "Full"|"Partial", auto_sync?: "Enabled"|"Disabled", storage_connection_id?: string}
---@return table
function databricks.update(ws, id, opts) end

---Deletes a mirrored Databricks catalog; false when it was already gone.
---@param ws string
---@param id string
---@param opts? {hard?: boolean}
---@return boolean
function databricks.delete(ws, id, opts) end

---The definition's parts, format, and settings read from either part name and key spelling.
---@param ws string
---@param id string
---@param opts? {format?: string, timeout?: number}
---@return table<string, string> parts
---@return string|nil format
---@return table|nil settings {part, catalog_name, connection_id, auto_sync, mirroring_mode, storage_connection_id, mirror_configuration}
function databricks.get_definition(ws, id, opts) end

---Replaces the definition with these parts (path -> text).
---@param ws string
---@param id string
---@param parts table<string, string>
---@param opts? {update_metadata?: boolean, format?: string, wait?: boolean, timeout?: number}
function databricks.update_definition(ws, id, parts, opts) end

---Changes settings in the definition, in the part and key spellings it already uses.
---@param ws string
---@param id string
---@param changes {catalog_name?: string, connection_id?: string, auto_sync?: "Enabled"|"Disabled", mirroring_mode?: "Full"|"Partial", storage_connection_id?: string, mirror_configuration?: table}
---@param opts? {wait?: boolean, timeout?: number}
---@return table settings
function databricks.update_settings(ws, id, changes, opts) end

---Reads the settings of a parts table (either part name and key spelling); nil when neither part.
---@param parts table<string, string>
---@return table|nil
function databricks.settings_of(parts) end

---Refreshes the catalog's metadata (long-running).
---@param ws string
---@param id string
---@param opts? {wait?: boolean, timeout?: number}
function databricks.refresh_metadata(ws, id, opts) end

---The Unity catalogs a Databricks workspace connection sees.
---@param ws string
---@param connection_id string
---@param opts? {max_results?: integer}
---@return fabric.Pages
function databricks.catalogs(ws, connection_id, opts) end

---The schemas of a Unity catalog.
---@param ws string
---@param connection_id string
---@param catalog string
---@param opts? {max_results?: integer}
---@return fabric.Pages
function databricks.schemas(ws, connection_id, catalog, opts) end

---The tables of a Unity catalog schema.
---@param ws string
---@param connection_id string
---@param catalog string
---@param schema string
---@param opts? {max_results?: integer}
---@return fabric.Pages
function databricks.tables(ws, connection_id, catalog, schema, opts) end

---Data source connections, found by server and database, created with secret credentials.
---@class fabric.connections
local connections = {}
fabric.connections = connections

---The connections the caller can see.
---@return fabric.Pages
function connections.list() end

---A connection.
---@param id string
---@return table
function connections.get(id) end

---The first connection whose connectionDetails.path is server;database (and type), and all matches.
---@param opts {server: string, database?: string, type?: string}
---@return table|nil connection
---@return table[] matches
function connections.find(opts) end

---The connection types, creation methods and parameters the service supports.
---@param opts? {gateway_id?: string, all_creation_methods?: boolean}
---@return fabric.Pages
function connections.supported_types(opts) end

---Creates a connection; passwords and keys (strings or secrets) stay secret.
---@param opts {display_name: string, type: string, creation_method: string, parameters: table, credential: table, encryption?: "Encrypted"|"NotEncrypted"|"Any", privacy_level?: string, skip_test?: boolean, single_sign_on?: string, connectivity?: "ShareableCloud"|"VirtualNetworkGateway"|"StreamingVirtualNetworkGateway", gateway_id?: string, allow_in_gateway?: boolean, allow_in_user_code?: boolean}
---@return table
function connections.create(opts) end

---Tests a connection (long-running): {status = "Online"|"Offline", errors}.
---@param id string
---@param opts? {wait?: boolean, timeout?: number}
---@return table|fabric.Operation
function connections.test(id, opts) end

---Deletes a connection; false when it was already gone.
---@param id string
---@return boolean
function connections.delete(id) end

---Deployment pipelines: stages, items, deployments and their history.
---@class fabric.deployment_pipelines
local deployment_pipelines = {}
fabric.deployment_pipelines = deployment_pipelines

---The deployment pipelines the caller can see.
---@return fabric.Pages
function deployment_pipelines.list() end

---A deployment pipeline with its stages.
---@param id string
---@return table
function deployment_pipelines.get(id) end

---The deployment pipeline with this display name, or nil.
---@param name string
---@return table|nil
function deployment_pipelines.find(name) end

---A pipeline's stages (id, order, displayName, workspaceId, ...).
---@param id string
---@return fabric.Pages
function deployment_pipelines.stages(id) end

---The items of a pipeline stage.
---@param id string
---@param stage string
---@return fabric.Pages
function deployment_pipelines.stage_items(id, stage) end

---Deploys a stage's items (all, or items = {{id=, type=}, ...}) to another (long-running).
---@param id string
---@param opts {source_stage_id: string, target_stage_id: string, items?: {id: string, type: string}[], note?: string, allow_cross_region?: boolean, new_workspace?: {name: string, capacity_id?: string}, wait?: boolean, timeout?: number}
---@return any result the deployment operation, when the service gives it; a handle with wait = false
---@return string|nil deployment_id
function deployment_pipelines.deploy(id, opts) end

---A pipeline's recent deployments (up to 20).
---@param id string
---@return fabric.Pages
function deployment_pipelines.operations(id) end

---One deployment, with its execution plan.
---@param id string
---@param operation string
---@return table
function deployment_pipelines.operation(id, operation) end

---A workspace's Git integration.
---@class fabric.git
local git = {}
fabric.git = git

---The workspace's Git connection (provider details, sync state).
---@param ws string
---@return table
function git.connection(ws) end

---Changes between the workspace and its Git branch (long-running).
---@param ws string
---@param opts? {wait?: boolean, timeout?: number}
---@return table|fabric.Operation
function git.status(ws, opts) end

---Initializes the Git connection (long-running): {requiredAction, workspaceHead, remoteCommitHash}.
---@param ws string
---@param opts? {strategy?: "None"|"PreferRemote"|"PreferWorkspace", wait?: boolean, timeout?: number}
---@return table|fabric.Operation
function git.initialize_connection(ws, opts) end

---Commits workspace changes to Git (long-running): all, or items = {{object_id=, logical_id=}}.
---@param ws string
---@param opts? {mode?: "All"|"Selective", workspace_head?: string, comment?: string, items?: table[], wait?: boolean, timeout?: number}
function git.commit_to_git(ws, opts) end

---Updates the workspace from Git (long-running).
---@param ws string
---@param opts {remote_commit_hash: string, workspace_head?: string, conflict_resolution?: "PreferRemote"|"PreferWorkspace", allow_override_items?: boolean, wait?: boolean, timeout?: number}
function git.update_from_git(ws, opts) end

---OneLake shortcuts of a lakehouse or other item.
---@class fabric.shortcuts
local shortcuts = {}
fabric.shortcuts = shortcuts

---Creates a shortcut; target as Fabric spells it ({oneLake = {workspaceId=, itemId=, path=}}, ...).
---@param ws string
---@param item string
---@param opts {path: string, name: string, target: table, conflict_policy?: "Abort"|"GenerateUniqueName"|"CreateOrOverwrite"|"OverwriteOnly"}
---@return table
function shortcuts.create(ws, item, opts) end

---A shortcut by its path ("Files/a/b") and name.
---@param ws string
---@param item string
---@param path string
---@param name string
---@return table
function shortcuts.get(ws, item, path, name) end

---An item's shortcuts (parent_path narrows them).
---@param ws string
---@param item string
---@param opts? {parent_path?: string}
---@return fabric.Pages
function shortcuts.list(ws, item, opts) end

---Deletes a shortcut; false when it was already gone.
---@param ws string
---@param item string
---@param path string
---@param name string
---@return boolean
function shortcuts.delete(ws, item, path, name) end

return fabric
