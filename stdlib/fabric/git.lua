--- fabric.git: a workspace's Git integration: its connection and status, initializing the
--- connection, committing to Git and updating from it (long-running where the API is).
local args = require("fabric.args")
local call = require("fabric.call")

local git = {}

local function path(ws, verb) return { "workspaces", ws, "git", verb } end

function git.connection(ws)
  args.id(ws, "fabric.git.connection", "workspace")
  return (call.send({ path = path(ws, "connection") }))
end

function git.status(ws, opts)
  local fname = "fabric.git.status"
  args.id(ws, fname, "workspace")
  opts = args.options(opts, fname, { "wait", "timeout" })
  return (call.send({ path = path(ws, "status"), label = "git status of workspace " .. ws }, opts))
end

function git.initialize_connection(ws, opts)
  local fname = "fabric.git.initialize_connection"
  args.id(ws, fname, "workspace")
  opts = args.options(opts, fname, { "strategy", "wait", "timeout" })
  local strategy = args.field(opts, "strategy", "string", fname, { "None", "PreferRemote", "PreferWorkspace" })
  return (call.send({
    method = "POST", path = path(ws, "initializeConnection"), label = "initialize git connection of workspace " .. ws,
    body = strategy and { initializationStrategy = strategy } or json.object({}),
  }, { wait = opts.wait, timeout = opts.timeout }))
end

function git.commit_to_git(ws, opts)
  local fname = "fabric.git.commit_to_git"
  args.id(ws, fname, "workspace")
  opts = args.options(opts, fname, { "mode", "workspace_head", "comment", "items", "wait", "timeout" })
  local body = {
    mode = args.field(opts, "mode", "string", fname, { "All", "Selective" }) or (opts.items and "Selective" or "All"),
    workspaceHead = args.field(opts, "workspace_head", "id", fname),
    comment = args.field(opts, "comment", "string", fname),
  }
  if body.comment and #body.comment > 300 then args.fail(fname, "'comment' is longer than 300 characters", 2) end
  if opts.items ~= nil then
    if body.mode ~= "Selective" or type(opts.items) ~= "table" or #opts.items == 0 then
      args.fail(fname, "'items' is a non-empty list of {object_id=, logical_id=}, with mode \"Selective\"", 2)
    end
    body.items = {}
    for i, it in ipairs(opts.items) do
      if type(it) ~= "table" or (it.object_id == nil and it.logical_id == nil) then
        args.fail(fname, string.format("items[%d] needs object_id or logical_id", i), 2)
      end
      body.items[i] = { objectId = it.object_id, logicalId = it.logical_id }
    end
  elseif body.mode == "Selective" then
    args.fail(fname, "mode \"Selective\" needs 'items'", 2)
  end
  return (call.send({
    method = "POST", path = path(ws, "commitToGit"), body = body, expect_result = false,
    label = "commit workspace " .. ws .. " to git",
  }, { wait = opts.wait, timeout = opts.timeout }))
end

function git.update_from_git(ws, opts)
  local fname = "fabric.git.update_from_git"
  args.id(ws, fname, "workspace")
  opts = args.options(opts, fname, { "remote_commit_hash", "workspace_head", "conflict_resolution",
    "allow_override_items", "wait", "timeout" })
  local body = {
    remoteCommitHash = args.required(opts, "remote_commit_hash", "id", fname),
    workspaceHead = args.field(opts, "workspace_head", "id", fname),
  }
  local policy = args.field(opts, "conflict_resolution", "string", fname, { "PreferRemote", "PreferWorkspace" })
  if policy then body.conflictResolution = { conflictResolutionType = "Workspace", conflictResolutionPolicy = policy } end
  if args.field(opts, "allow_override_items", "boolean", fname) ~= nil then
    body.options = { allowOverrideItems = opts.allow_override_items }
  end
  return (call.send({
    method = "POST", path = path(ws, "updateFromGit"), body = body, expect_result = false,
    label = "update workspace " .. ws .. " from git",
  }, { wait = opts.wait, timeout = opts.timeout }))
end

return git
