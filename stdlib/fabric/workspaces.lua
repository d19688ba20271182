--- fabric.workspaces: workspaces, their role assignments and their identity.
local args = require("fabric.args")
local call = require("fabric.call")

local workspaces = {}

local ROLES = { "Admin", "Member", "Contributor", "Viewer" }
local PRINCIPAL_TYPES = { "User", "ServicePrincipal", "Group", "ServicePrincipalProfile", "EntireTenant" }
-- What Fabric answers when the principal already has a role in the workspace.
local ALREADY = { PrincipalAlreadyHasWorkspaceRolePermissions = true, PrincipalAlreadyHasWorkspaceRole = true }

function workspaces.list(opts)
  local fname = "fabric.workspaces.list"
  opts = args.options(opts, fname, { "roles", "prefer_workspace_endpoints" })
  local roles = opts.roles
  if type(roles) == "table" then roles = table.concat(roles, ",") end
  if roles ~= nil and type(roles) ~= "string" then args.fail(fname, "'roles' must be a list or a comma-separated string", 2) end
  return call.pages({ path = { "workspaces" }, query = {
    roles = roles,
    preferWorkspaceSpecificEndpoints = args.field(opts, "prefer_workspace_endpoints", "boolean", fname),
  } })
end

function workspaces.get(ws, opts)
  local fname = "fabric.workspaces.get"
  args.id(ws, fname, "workspace")
  opts = args.options(opts, fname, { "prefer_workspace_endpoints" })
  return (call.send({ path = { "workspaces", ws }, query = {
    preferWorkspaceSpecificEndpoints = args.field(opts, "prefer_workspace_endpoints", "boolean", fname),
  } }))
end

function workspaces.find(name)
  args.id(name, "fabric.workspaces.find", "name")
  return call.by_name(workspaces.list(), name)
end

function workspaces.role_assignments(ws)
  args.id(ws, "fabric.workspaces.role_assignments", "workspace")
  return call.pages({ path = { "workspaces", ws, "roleAssignments" } })
end

function workspaces.add_role_assignment(ws, opts)
  local fname = "fabric.workspaces.add_role_assignment"
  args.id(ws, fname, "workspace")
  opts = args.options(opts, fname, { "principal_id", "principal_type", "role" })
  local id = args.required(opts, "principal_id", "id", fname)
  local ptype = args.required(opts, "principal_type", "string", fname, PRINCIPAL_TYPES)
  local role = args.required(opts, "role", "string", fname, ROLES)
  local ok, res = pcall(call.send, {
    method = "POST", path = { "workspaces", ws, "roleAssignments" },
    body = { principal = { id = id, type = ptype }, role = role },
  })
  if ok then return res, true end
  if not (call.is_error(res, 409) or (call.is_error(res) and ALREADY[res.code])) then error(res, 0) end
  -- Already assigned: the existing assignment, as it is.
  local existing = workspaces.role_assignments(ws):find(function(a)
    return a.principal and a.principal.id == id
  end)
  if not existing then error(res, 0) end
  return existing, false
end

function workspaces.remove_role_assignment(ws, assignment)
  local fname = "fabric.workspaces.remove_role_assignment"
  args.id(ws, fname, "workspace")
  args.id(assignment, fname, "assignment")
  return call.delete(call.send, { method = "DELETE", path = { "workspaces", ws, "roleAssignments", assignment } })
end

function workspaces.provision_identity(ws, opts)
  local fname = "fabric.workspaces.provision_identity"
  args.id(ws, fname, "workspace")
  opts = args.options(opts, fname, { "wait", "timeout" })
  return (call.send({
    method = "POST", path = { "workspaces", ws, "provisionIdentity" }, label = "provision workspace identity",
  }, opts))
end

function workspaces.identity(ws)
  args.id(ws, "fabric.workspaces.identity", "workspace")
  local info = workspaces.get(ws)
  local ident = info and info.workspaceIdentity
  if type(ident) ~= "table" then return nil end
  return ident
end

return workspaces
