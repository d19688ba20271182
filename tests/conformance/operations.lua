-- The Fabric operations tarn wraps, each with the tarn function that calls it (fn), how to
-- call that function with an example's parameters (run) and what it must return for the
-- example's response (expect). The keys of `operations` are THE list of wrapped
-- operationIds: fabric_conformance_test.cpp runs every example of every one of them, and
-- docs/api/fabric.md must map exactly these.
--
-- run(p, H): p = the example's parameters. expect(body, p, headers, H): body = the result
-- the response carries (after a 202: the inline answer's), headers = the response's
-- (lower-case names). expect may return {error = "text"} for a call that must fail.
local O = {}

local function pages_expect(key)
  return function(body) return body[key or "value"] end
end

-- Parts of an example's request definition as tarn takes them (path -> text); a payload the
-- spec elided ("eyAicHJvcGVydGllcy..WJs") is replaced by `fallback`.
local function parts_of(definition, H, fallback)
  local out = {}
  for _, part in ipairs(definition.parts) do
    out[part.path] = H.b64decode(part.payload) or fallback
  end
  return out
end

-- The parts tarn must return for a definition in a response, or the error it must raise for
-- the first part that is not base64.
local function definition_expect(body, _, _, H)
  local out = {}
  for _, part in ipairs(body.definition.parts) do
    local text = H.b64decode(part.payload)
    if not text then return { error = "definition part '" .. part.path .. "': the payload is not valid base64" } end
    out[part.path] = text
  end
  return out
end

local VALID_MIRRORING = [[{"properties":{"source":{"type":"AzurePostgreSql","typeProperties":{
  "connection":"0f0e1d2c-3b4a-5968-7a8b-9c0d1e2f3a4b","database":"sales"}},
  "target":{"type":"MountedRelationalDatabase","typeProperties":{"format":"Delta","defaultSchema":"public"}}}}]]

local function same(body) return body end
local function yes() return true end

-- ---- Workspaces ---------------------------------------------------------------------------

O.Workspaces_ListWorkspaces = {
  fn = "fabric.workspaces.list",
  run = function(p)
    return fabric.workspaces.list({ roles = p.roles, prefer_workspace_endpoints = p.preferWorkspaceSpecificEndpoints }):all()
  end,
  expect = pages_expect(),
}
O.Workspaces_GetWorkspace = {
  fn = "fabric.workspaces.get",
  run = function(p)
    return {
      workspace = fabric.workspaces.get(p.workspaceId, { prefer_workspace_endpoints = p.preferWorkspaceSpecificEndpoints }),
      identity = fabric.workspaces.identity(p.workspaceId),
    }
  end,
  expect = function(body) return { workspace = body, identity = body.workspaceIdentity } end,
}
O.Workspaces_ListWorkspaceRoleAssignments = {
  fn = "fabric.workspaces.role_assignments",
  run = function(p) return fabric.workspaces.role_assignments(p.workspaceId):all() end,
  expect = pages_expect(),
}
O.Workspaces_AddWorkspaceRoleAssignment = {
  fn = "fabric.workspaces.add_role_assignment",
  run = function(p)
    local r = p.workspaceRoleAssignmentRequest
    local a, changed = fabric.workspaces.add_role_assignment(p.workspaceId,
      { principal_id = r.principal.id, principal_type = r.principal.type, role = r.role })
    return { assignment = a, changed = changed }
  end,
  expect = function(body) return { assignment = body, changed = true } end,
}
O.Workspaces_DeleteWorkspaceRoleAssignment = {
  fn = "fabric.workspaces.remove_role_assignment",
  run = function(p) return fabric.workspaces.remove_role_assignment(p.workspaceId, p.workspaceRoleAssignmentId) end,
  expect = yes,
}
O.Workspaces_ProvisionIdentity = {
  fn = "fabric.workspaces.provision_identity",
  run = function(p) return fabric.workspaces.provision_identity(p.workspaceId) end,
  expect = same,
}

-- ---- Items ----------------------------------------------------------------------------------

O.Items_ListItems = {
  fn = "fabric.items.list",
  run = function(p)
    return fabric.items.list(p.workspaceId, { type = p.type, recursive = p.recursive, root_folder_id = p.rootFolderId,
      include = p.include }):all()
  end,
  expect = pages_expect(),
}
O.Items_GetItem = {
  fn = "fabric.items.get",
  run = function(p) return fabric.items.get(p.workspaceId, p.itemId, { include = p.include }) end,
  expect = same,
}
O.Items_CreateItem = {
  fn = "fabric.items.create",
  run = function(p, H)
    local r = p.createItemRequest
    return fabric.items.create(p.workspaceId, {
      display_name = r.displayName, type = r.type, description = r.description, folder_id = r.folderId,
      creation_payload = r.creationPayload, definition = r.definition and parts_of(r.definition, H, "{}"),
    })
  end,
  expect = same,
}
O.Items_UpdateItem = {
  fn = "fabric.items.update",
  run = function(p)
    local r = p.updateItemRequest
    return fabric.items.update(p.workspaceId, p.itemId, { display_name = r.displayName, description = r.description })
  end,
  expect = same,
}
O.Items_DeleteItem = {
  fn = "fabric.items.delete",
  run = function(p) return fabric.items.delete(p.workspaceId, p.itemId, { hard = p.hardDelete }) end,
  expect = yes,
}
O.Items_GetItemDefinition = {
  fn = "fabric.items.get_definition",
  run = function(p) return (fabric.items.get_definition(p.workspaceId, p.itemId)) end,
  expect = definition_expect,
}
O.Items_UpdateItemDefinition = {
  fn = "fabric.items.update_definition",
  run = function(p, H)
    return fabric.items.update_definition(p.workspaceId, p.itemId,
      parts_of(p.updateItemDefinitionRequest.definition, H, "{}"), { update_metadata = p.updateMetadata })
  end,
  expect = function() return nil end,
}

-- ---- Long-running operations ----------------------------------------------------------------
-- A handle comes from a call the fake accepts (202) at /_conformance/accept with the
-- example's operationId.

local function accepted()
  return fabric.request({ method = "POST", path = "/_conformance/accept", wait = false })
end

O.LongRunningOperations_GetOperationState = {
  fn = "fabric.operation_state",
  run = function() return fabric.operation_state(accepted()) end,
  expect = function(body, _, headers)
    return { status = body.status, percent = body.percentComplete, body = body,
      retry_after = headers["retry-after"] and 0 or nil }  -- the fake sends every Retry-After as 0
  end,
}
O.LongRunningOperations_GetOperationResult = {
  fn = "fabric.wait",
  run = function() return fabric.wait(accepted()) end,
  expect = same,
}

-- ---- Mirrored databases ---------------------------------------------------------------------

O.Items_ListMirroredDatabases = {
  fn = "fabric.mirrored_databases.list",
  run = function(p) return fabric.mirrored_databases.list(p.workspaceId):all() end,
  expect = pages_expect(),
}
O.Items_CreateMirroredDatabase = {
  fn = "fabric.mirrored_databases.create",
  run = function(p, H)
    local r = p.createMirroredDatabaseRequest
    local parts = parts_of(r.definition, H, VALID_MIRRORING)
    return fabric.mirrored_databases.create(p.workspaceId, {
      display_name = r.displayName, description = r.description, folder_id = r.folderId, mirroring = parts["mirroring.json"],
    })
  end,
  expect = same,
}
O.Items_GetMirroredDatabase = {
  fn = "fabric.mirrored_databases.get",
  run = function(p) return fabric.mirrored_databases.get(p.workspaceId, p.mirroredDatabaseId) end,
  expect = same,
}
O.Items_UpdateMirroredDatabase = {
  fn = "fabric.mirrored_databases.update",
  run = function(p)
    local r = p.updateMirroredDatabaseRequest
    return fabric.mirrored_databases.update(p.workspaceId, p.mirroredDatabaseId,
      { display_name = r.displayName, description = r.description })
  end,
  expect = same,
}
O.Items_DeleteMirroredDatabase = {
  fn = "fabric.mirrored_databases.delete",
  run = function(p) return fabric.mirrored_databases.delete(p.workspaceId, p.mirroredDatabaseId, { hard = p.hardDelete }) end,
  expect = yes,
}
O.Items_GetMirroredDatabaseDefinition = {
  fn = "fabric.mirrored_databases.get_definition",
  run = function(p) return (fabric.mirrored_databases.get_definition(p.workspaceId, p.mirroredDatabaseId)) end,
  expect = definition_expect,
}
O.Items_UpdateMirroredDatabaseDefinition = {
  fn = "fabric.mirrored_databases.update_definition",
  run = function(p, H)
    return fabric.mirrored_databases.update_definition(p.workspaceId, p.mirroredDatabaseId,
      parts_of(p.updateMirroredDatabaseDefinitionRequest.definition, H, VALID_MIRRORING))
  end,
  expect = function() return nil end,
}
O.Mirroring_StartMirroring = {
  fn = "fabric.mirrored_databases.start_mirroring",
  run = function(p) return fabric.mirrored_databases.start_mirroring(p.workspaceId, p.mirroredDatabaseId) end,
  expect = yes,
}
O.Mirroring_StopMirroring = {
  fn = "fabric.mirrored_databases.stop_mirroring",
  run = function(p) return fabric.mirrored_databases.stop_mirroring(p.workspaceId, p.mirroredDatabaseId) end,
  expect = yes,
}
O.Mirroring_GetMirroringStatus = {
  fn = "fabric.mirrored_databases.mirroring_status",
  run = function(p)
    return {
      status = fabric.mirrored_databases.mirroring_status(p.workspaceId, p.mirroredDatabaseId),
      waited = fabric.mirrored_databases.wait_for(p.workspaceId, p.mirroredDatabaseId, "Running", { timeout = 5, interval = 0.1 }),
    }
  end,
  expect = function(body) return { status = body, waited = body } end,
}
O.Mirroring_GetTablesMirroringStatus = {
  fn = "fabric.mirrored_databases.tables_mirroring_status",
  run = function(p) return fabric.mirrored_databases.tables_mirroring_status(p.workspaceId, p.mirroredDatabaseId):all() end,
  expect = pages_expect("data"),
}

-- ---- Mirrored Azure Databricks catalogs -----------------------------------------------------

O.Items_ListMirroredAzureDatabricksCatalogs = {
  fn = "fabric.databricks.list",
  run = function(p) return fabric.databricks.list(p.workspaceId):all() end,
  expect = pages_expect(),
}
O.Items_CreateMirroredAzureDatabricksCatalog = {
  fn = "fabric.databricks.create",
  run = function(p, H)
    local r = p.createMirroredAzureDatabricksCatalogRequest
    local c = r.creationPayload or {}
    return fabric.databricks.create(p.workspaceId, {
      display_name = r.displayName, description = r.description, folder_id = r.folderId,
      catalog_name = c.catalogName, connection_id = c.databricksWorkspaceConnectionId, mirroring_mode = c.mirroringMode,
      storage_connection_id = c.storageConnectionId,
      definition = r.definition and parts_of(r.definition, H, '{"catalogName":"c"}'),
    })
  end,
  expect = same,
}
O.Items_GetMirroredAzureDatabricksCatalog = {
  fn = "fabric.databricks.get",
  run = function(p) return fabric.databricks.get(p.workspaceId, p.mirroredAzureDatabricksCatalogId) end,
  expect = same,
}
O.Items_UpdateMirroredAzureDatabricksCatalog = {
  fn = "fabric.databricks.update",
  run = function(p)
    local r = p.updateMirroredAzureDatabricksCatalogRequest
    local props = r.properties or {}
    return fabric.databricks.update(p.workspaceId, p.mirroredAzureDatabricksCatalogId, {
      display_name = r.displayName, description = r.description, mirroring_mode = props.mirroringMode,
      auto_sync = props.autoSync, storage_connection_id = props.storageConnectionId,
    })
  end,
  expect = same,
}
O.Items_DeleteMirroredAzureDatabricksCatalog = {
  fn = "fabric.databricks.delete",
  run = function(p) return fabric.databricks.delete(p.workspaceId, p.mirroredAzureDatabricksCatalogId, { hard = p.hardDelete }) end,
  expect = yes,
}
O.Items_GetMirroredAzureDatabricksCatalogDefinition = {
  fn = "fabric.databricks.get_definition",
  run = function(p) return (fabric.databricks.get_definition(p.workspaceId, p.mirroredAzureDatabricksCatalogId)) end,
  expect = definition_expect,
}
O.Items_UpdateMirroredAzureDatabricksCatalogDefinition = {
  fn = "fabric.databricks.update_definition",
  run = function(p, H)
    return fabric.databricks.update_definition(p.workspaceId, p.mirroredAzureDatabricksCatalogId,
      parts_of(p.updateMirroredAzureDatabricksCatalogDefinitionRequest.definition, H, '{"catalogName":"c"}'))
  end,
  expect = function() return nil end,
}
O.Refresh_RefreshCatalogMetadata = {
  fn = "fabric.databricks.refresh_metadata",
  run = function(p) return fabric.databricks.refresh_metadata(p.workspaceId, p.mirroredAzureDatabricksCatalogId) end,
  expect = function() return nil end,
}
O.Discovery_DiscoverCatalogs = {
  fn = "fabric.databricks.catalogs",
  run = function(p) return fabric.databricks.catalogs(p.workspaceId, p.databricksWorkspaceConnectionId):all() end,
  expect = pages_expect(),
}
O.Discovery_DiscoverSchemas = {
  fn = "fabric.databricks.schemas",
  run = function(p)
    return fabric.databricks.schemas(p.workspaceId, p.databricksWorkspaceConnectionId, p.catalogName):all()
  end,
  expect = pages_expect(),
}
O.Discovery_DiscoverTables = {
  fn = "fabric.databricks.tables",
  run = function(p)
    return fabric.databricks.tables(p.workspaceId, p.databricksWorkspaceConnectionId, p.catalogName, p.schemaName):all()
  end,
  expect = pages_expect(),
}

-- ---- Connections ----------------------------------------------------------------------------

O.Connections_ListConnections = {
  fn = "fabric.connections.list",
  run = function() return fabric.connections.list():all() end,
  expect = pages_expect(),
}
O.Connections_GetConnection = {
  fn = "fabric.connections.get",
  run = function(p) return fabric.connections.get(p.connectionId) end,
  expect = same,
}
O.Connections_ListSupportedConnectionTypes = {
  fn = "fabric.connections.supported_types",
  run = function(p) return fabric.connections.supported_types({ gateway_id = p.gatewayId }):all() end,
  expect = pages_expect(),
}
O.Connections_CreateConnection = {
  fn = "fabric.connections.create",
  run = function(p)
    local r = p.createConnectionRequest
    local d, cd = r.connectionDetails, r.credentialDetails
    local params = {}
    for i, x in ipairs(d.parameters) do params[i] = { name = x.name, value = x.value, data_type = x.dataType } end
    local c = cd.credentials
    local credential
    if c.credentialType == "KeyPair" then
      credential = { type = "KeyPair", identifier = c.identifier, private_key = c.privateKey, passphrase = c.passphrase }
    elseif c.passwordReference then
      credential = { type = "Basic", username = c.username,
        password_reference = { connection_id = c.passwordReference.connectionId, secret_name = c.passwordReference.secretName } }
    else  -- Basic, and the on-premises example's gateway-encrypted Windows credentials, which tarn does not create
      credential = { type = "Basic", username = c.username or "admin", password = secret.new("conformance-password") }
    end
    local connectivity = r.connectivityType ~= "OnPremisesGateway" and r.connectivityType or "ShareableCloud"
    return fabric.connections.create({
      connectivity = connectivity, display_name = r.displayName, type = d.type, creation_method = d.creationMethod,
      parameters = params, credential = credential, encryption = cd.connectionEncryption, privacy_level = r.privacyLevel,
      skip_test = cd.skipTestConnection, single_sign_on = cd.singleSignOnType,
      gateway_id = connectivity ~= "ShareableCloud" and r.gatewayId or nil,
      allow_in_user_code = r.allowUsageInUserControlledCode, allow_in_gateway = r.allowConnectionUsageInGateway,
    })
  end,
  expect = same,
}
O.Connections_TestConnection = {
  fn = "fabric.connections.test",
  run = function(p) return fabric.connections.test(p.connectionId) end,
  expect = same,
}
O.Connections_DeleteConnection = {
  fn = "fabric.connections.delete",
  run = function(p) return fabric.connections.delete(p.connectionId) end,
  expect = yes,
}

-- ---- Deployment pipelines -------------------------------------------------------------------

O.DeploymentPipelines_ListDeploymentPipelines = {
  fn = "fabric.deployment_pipelines.list",
  run = function() return fabric.deployment_pipelines.list():all() end,
  expect = pages_expect(),
}
O.DeploymentPipelines_GetDeploymentPipeline = {
  fn = "fabric.deployment_pipelines.get",
  run = function(p) return fabric.deployment_pipelines.get(p.deploymentPipelineId) end,
  expect = same,
}
O.DeploymentPipelines_ListDeploymentPipelineStages = {
  fn = "fabric.deployment_pipelines.stages",
  run = function(p) return fabric.deployment_pipelines.stages(p.deploymentPipelineId):all() end,
  expect = pages_expect(),
}
O.DeploymentPipelines_ListDeploymentPipelineStageItems = {
  fn = "fabric.deployment_pipelines.stage_items",
  run = function(p) return fabric.deployment_pipelines.stage_items(p.deploymentPipelineId, p.stageId):all() end,
  expect = pages_expect(),
}
O.DeploymentPipelines_DeployStageContent = {
  fn = "fabric.deployment_pipelines.deploy",
  run = function(p)
    local r = p.deployRequest
    local list
    if r.items then
      list = {}
      for i, it in ipairs(r.items) do list[i] = { id = it.sourceItemId, type = it.itemType } end
    end
    local result, deployment = fabric.deployment_pipelines.deploy(p.deploymentPipelineId, {
      source_stage_id = r.sourceStageId, target_stage_id = r.targetStageId, items = list, note = r.note,
    })
    return { result = result, deployment_id = deployment }
  end,
  expect = function(body, _, headers) return { result = body, deployment_id = headers["deployment-id"] or (body and body.id) } end,
}
O.DeploymentPipelines_ListDeploymentPipelineOperations = {
  fn = "fabric.deployment_pipelines.operations",
  run = function(p) return fabric.deployment_pipelines.operations(p.deploymentPipelineId):all() end,
  expect = pages_expect(),
}
O.DeploymentPipelines_GetDeploymentPipelineOperation = {
  fn = "fabric.deployment_pipelines.operation",
  run = function(p) return fabric.deployment_pipelines.operation(p.deploymentPipelineId, p.operationId) end,
  expect = same,
}

-- ---- Git --------------------------------------------------------------------------------------

O.Git_GetConnection = {
  fn = "fabric.git.connection",
  run = function(p) return fabric.git.connection(p.workspaceId) end,
  expect = same,
}
O.Git_GetStatus = {
  fn = "fabric.git.status",
  run = function(p) return fabric.git.status(p.workspaceId) end,
  expect = same,
}
O.Git_InitializeConnection = {
  fn = "fabric.git.initialize_connection",
  run = function(p)
    local r = p.initializeConnectionRequest or {}
    return fabric.git.initialize_connection(p.workspaceId, { strategy = r.initializationStrategy })
  end,
  expect = same,
}
O.Git_CommitToGit = {
  fn = "fabric.git.commit_to_git",
  run = function(p)
    local r = p.commitToGitRequest
    local list
    if r.items then
      list = {}
      for i, it in ipairs(r.items) do list[i] = { object_id = it.objectId, logical_id = it.logicalId } end
    end
    return fabric.git.commit_to_git(p.workspaceId, {
      mode = r.mode, workspace_head = r.workspaceHead, comment = r.comment, items = list,
    })
  end,
  expect = function() return nil end,
}
O.Git_UpdateFromGit = {
  fn = "fabric.git.update_from_git",
  run = function(p)
    local r = p.updateFromGitRequest
    return fabric.git.update_from_git(p.workspaceId, {
      remote_commit_hash = r.remoteCommitHash, workspace_head = r.workspaceHead,
      conflict_resolution = r.conflictResolution and r.conflictResolution.conflictResolutionPolicy,
      allow_override_items = r.options and r.options.allowOverrideItems,
    })
  end,
  expect = function() return nil end,
}

-- ---- OneLake shortcuts ----------------------------------------------------------------------

O.OneLakeShortcuts_CreateShortcut = {
  fn = "fabric.shortcuts.create",
  run = function(p)
    local r = p.createShortcutRequest
    return fabric.shortcuts.create(p.workspaceId, p.itemId,
      { path = r.path, name = r.name, target = r.target, conflict_policy = p.shortcutConflictPolicy })
  end,
  expect = same,
}
O.OneLakeShortcuts_GetShortcut = {
  fn = "fabric.shortcuts.get",
  run = function(p) return fabric.shortcuts.get(p.workspaceId, p.itemId, p.shortcutPath, p.shortcutName) end,
  expect = same,
}
O.OneLakeShortcuts_ListShortcuts = {
  fn = "fabric.shortcuts.list",
  run = function(p) return fabric.shortcuts.list(p.workspaceId, p.itemId, { parent_path = p.parentPath }):all() end,
  expect = pages_expect(),
}
O.OneLakeShortcuts_DeleteShortcut = {
  fn = "fabric.shortcuts.delete",
  run = function(p) return fabric.shortcuts.delete(p.workspaceId, p.itemId, p.shortcutPath, p.shortcutName) end,
  expect = yes,
}

-- Example files no x-ms-examples names (paths under specs/fabric): the operation they are an
-- example of when tarn wraps it (they are run like the others), else false.
local extra_examples = {
  ["platform/examples/deploymentPipelines/AddGroupRoleAssignment.json"] = false,
  ["platform/examples/deploymentPipelines/AddServicePrincipalRoleAssignment.json"] = false,
  ["platform/examples/deploymentPipelines/AddUserRoleAssignment.json"] = false,
  ["platform/examples/deploymentPipelines/AssignWorkspace.json"] = false,
  ["platform/examples/deploymentPipelines/CreatePipeline.json"] = false,
  ["platform/examples/deploymentPipelines/DeletePipeline.json"] = false,
  ["platform/examples/deploymentPipelines/DeletePipelineUserGroupAccess.json"] = false,
  ["platform/examples/deploymentPipelines/DeletePipelineUserPrincipalAccess.json"] = false,
  ["platform/examples/deploymentPipelines/GetPipeline.json"] = "DeploymentPipelines_GetDeploymentPipeline",
  ["platform/examples/deploymentPipelines/GetPipelineOperation.json"] = "DeploymentPipelines_GetDeploymentPipelineOperation",
  ["platform/examples/deploymentPipelines/GetPipelineOperations.json"] = "DeploymentPipelines_ListDeploymentPipelineOperations",
  ["platform/examples/deploymentPipelines/GetPipelineUsers.json"] = false,
  ["platform/examples/deploymentPipelines/ListPipelineStageItems.json"] = "DeploymentPipelines_ListDeploymentPipelineStageItems",
  ["platform/examples/deploymentPipelines/ListPipelineStageItemsWithContinuation.json"] = "DeploymentPipelines_ListDeploymentPipelineStageItems",
  ["platform/examples/deploymentPipelines/ListPipelineStages.json"] = "DeploymentPipelines_ListDeploymentPipelineStages",
  ["platform/examples/deploymentPipelines/ListPipelineStagesWithContinuation.json"] = "DeploymentPipelines_ListDeploymentPipelineStages",
  ["platform/examples/deploymentPipelines/ListPipelines.json"] = "DeploymentPipelines_ListDeploymentPipelines",
  ["platform/examples/deploymentPipelines/ListPipelinesWithContinuation.json"] = "DeploymentPipelines_ListDeploymentPipelines",
  ["platform/examples/deploymentPipelines/UnassignWorkspace.json"] = false,
  ["platform/examples/deploymentPipelines/UpdatePipeline.json"] = false,
  ["platform/examples/externaldatasharing/CreateExternalDataShareWithRecipientTenantId.json"] = false,
  ["platform/examples/managedPrivateEndpoint/CreateManagedPrivateEndpointWithFQDNs.json"] = false,
  ["platform/examples/managedPrivateEndpoint/ListFQDNsInManagedPrivateEndpoint.json"] = false,
  ["platform/examples/platform/ListItemConnectionsWithContinuation.json"] = false,
  ["platform/examples/platform/SetWorkspaceGitNetworkingCommunicationPolicy.json"] = false,
}

return { operations = O, extra_examples = extra_examples }
