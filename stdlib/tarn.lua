--- tarn: the recipe framework's public face and the host's helpers for scripts.
-- Recipes, scripts and the REPL see it as the global `tarn`.
local core = require("tarn.core")

local tarn = {
  version = core.version,
  env = core.getenv,          -- tarn.env("HOME") -> string|nil
  setenv = core.setenv,       -- tarn.setenv(name, value|nil)
  clock = core.clock,         -- monotonic seconds
  time = core.time,           -- wall clock, unix seconds
  isotime = core.isotime,     -- ISO 8601 UTC of a unix time (default now)
  sleep = core.sleep,         -- interruptible by Ctrl-C
  uuid = core.uuid,           -- random UUID v4
  read_file = core.read_file, -- text | nil, message
  write_file = core.write_file, -- atomic replace: text written to a temp file, fsynced, renamed
  exists = core.exists,
  mkdir = core.mkdir,
  remove = core.remove,
  list_dir = core.list_dir,
  isatty = core.isatty,
  error = core.error,         -- a structured error value (not raised)
  is_error = core.is_error,
  base64 = { encode = core.base64_encode, decode = core.base64_decode },
}

--- A password from the cryptographic source, as a secret.
-- opts.length (default 32), opts.symbols (default true).
function tarn.password(opts)
  opts = opts or {}
  return core.password(opts.length or 32, opts.symbols ~= false)
end

--- Raises a structured error value: tarn.raise{kind="fabric", message="...", status=404}.
function tarn.raise(fields, level)
  error(core.error(fields), level or 2)
end

--- Raises a usage error from a recipe (exit 2): a parameter problem found once the recipe
-- looked, e.g. a value that must exist in a service. Say what to pass next time.
function tarn.usage_error(fmt, ...)
  require("tarn.params").fail(fmt, ...)
end

--- Waits until fn() returns a truthy first value, showing progress.
-- opts: what (text for the status line), timeout (seconds, default 600), interval (seconds,
-- default 2), fn returning done, status_text. Returns fn's values when done; raises a
-- structured error of kind "timeout" when the time runs out.
function tarn.wait(opts)
  assert(type(opts) == "table" and type(opts.fn) == "function", "tarn.wait{fn=...} needs a function")
  local log = require("log")
  local start = core.clock()
  local timeout = opts.timeout or 600
  local interval = opts.interval or 2
  local what = opts.what or "waiting"
  while true do
    local results = table.pack(opts.fn())
    local elapsed = core.clock() - start
    if results[1] then
      log.status_done()
      return table.unpack(results, 1, results.n)
    end
    local note = results[2] and (": " .. tostring(results[2])) or ""
    log.status(string.format("%s%s (%ds)", what, note, math.floor(elapsed)))
    if elapsed + interval > timeout then
      log.status_done()
      tarn.raise({ kind = "timeout", message = string.format("%s: gave up after %ds%s", what, math.floor(elapsed), note) })
    end
    core.sleep(interval)
  end
end

tarn.azd = require("tarn.azd")

return tarn
