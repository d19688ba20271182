--- fabric.deployment_pipelines: deployment pipelines, their stages and items, deployments
--- and the history of deploy operations.
local args = require("fabric.args")
local call = require("fabric.call")

local pipelines = {}

function pipelines.list()
  return call.pages({ path = { "deploymentPipelines" } })
end

function pipelines.get(id)
  args.id(id, "fabric.deployment_pipelines.get", "pipeline")
  return (call.send({ path = { "deploymentPipelines", id } }))
end

function pipelines.find(name)
  args.id(name, "fabric.deployment_pipelines.find", "name")
  return call.by_name(pipelines.list(), name)
end

function pipelines.stages(id)
  args.id(id, "fabric.deployment_pipelines.stages", "pipeline")
  return call.pages({ path = { "deploymentPipelines", id, "stages" } })
end

function pipelines.stage_items(id, stage)
  local fname = "fabric.deployment_pipelines.stage_items"
  args.id(id, fname, "pipeline")
  args.id(stage, fname, "stage")
  return call.pages({ path = { "deploymentPipelines", id, "stages", stage, "items" } })
end

function pipelines.deploy(id, opts)
  local fname = "fabric.deployment_pipelines.deploy"
  args.id(id, fname, "pipeline")
  opts = args.options(opts, fname, { "source_stage_id", "target_stage_id", "items", "note", "allow_cross_region",
    "new_workspace", "wait", "timeout" })
  local body = {
    sourceStageId = args.required(opts, "source_stage_id", "id", fname),
    targetStageId = args.required(opts, "target_stage_id", "id", fname),
    note = args.field(opts, "note", "string", fname),
  }
  if opts.items ~= nil then
    if type(opts.items) ~= "table" or #opts.items == 0 then
      args.fail(fname, "'items' must be a non-empty list of {id=, type=} (omit it to deploy every supported item)", 2)
    end
    if #opts.items > 300 then args.fail(fname, "'items' holds " .. #opts.items .. " items; one deployment takes at most 300", 2) end
    body.items = {}
    for i, it in ipairs(opts.items) do
      if type(it) ~= "table" or type(it.id) ~= "string" or type(it.type) ~= "string" then
        args.fail(fname, string.format("items[%d] must be {id = <source item id>, type = <item type>}", i), 2)
      end
      body.items[i] = { sourceItemId = it.id, itemType = it.type }
    end
  end
  if args.field(opts, "allow_cross_region", "boolean", fname) ~= nil then
    body.options = { allowCrossRegionDeployment = opts.allow_cross_region }
  end
  local nw = args.field(opts, "new_workspace", "table", fname)
  if nw then
    if type(nw.name) ~= "string" or nw.name == "" then args.fail(fname, "new_workspace.name is required", 2) end
    body.createdWorkspaceDetails = { name = nw.name, capacityId = nw.capacity_id }
  end
  local result, raw = call.send({
    method = "POST", path = { "deploymentPipelines", id, "deploy" }, body = body, label = "deploy pipeline " .. id,
  }, { wait = opts.wait, timeout = opts.timeout })
  if call.is_operation(result) then return result end
  -- The 202's deployment-id names the deployment in pipelines.operations / pipelines.operation.
  local deployment_id = raw.headers["deployment-id"] or (type(result) == "table" and result.id) or nil
  return result, deployment_id
end

function pipelines.operations(id)
  args.id(id, "fabric.deployment_pipelines.operations", "pipeline")
  return call.pages({ path = { "deploymentPipelines", id, "operations" } })
end

function pipelines.operation(id, operation)
  local fname = "fabric.deployment_pipelines.operation"
  args.id(id, fname, "pipeline")
  args.id(operation, fname, "operation")
  return (call.send({ path = { "deploymentPipelines", id, "operations", operation } }))
end

return pipelines
