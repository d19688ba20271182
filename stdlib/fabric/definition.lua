--- fabric.definition: item definitions for the fabric submodules: parts tables (path ->
--- text) encoded for requests, and getDefinition / updateDefinition on any item path.
local core = require("fabric.core")
local args = require("fabric.args")
local call = require("fabric.call")

local definition = {}

--- Encodes a parts table (path -> text) for a request; nil stays nil.
function definition.encode(parts, format, fname)
  if parts == nil then return nil end
  if type(parts) ~= "table" then args.fail(fname, "'definition' must be a table of part path -> text", 3) end
  return core.encode_definition(parts, format)
end

--- POST …/getDefinition on `path` (a list of segments): the parts table and the format.
function definition.fetch(path, opts, label)
  local body = call.send({
    method = "POST", path = args.append(path, { "getDefinition" }),
    query = opts.format and { format = opts.format } or nil, label = label,
  }, { timeout = opts.timeout })
  if type(body) ~= "table" or type(body.definition) ~= "table" then
    call.raise({ message = label .. ": the answer holds no definition", code = "bad_definition" })
  end
  return core.decode_definition(body.definition)
end

--- POST …/updateDefinition on `path` with a parts table.
function definition.store(path, parts, opts, label, fname)
  local query = nil
  if opts.update_metadata ~= nil then query = { updateMetadata = opts.update_metadata } end
  return (call.send({
    method = "POST", path = args.append(path, { "updateDefinition" }), query = query, label = label,
    body = { definition = definition.encode(parts, opts.format, fname) }, expect_result = false,
  }, opts))
end

return definition
