--- tarn: the recipe framework and the host's helpers.
local core = require("tarn.core")

local tarn = {
  version = core.version,
}

return tarn
