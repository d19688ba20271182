---@meta tarn
-- LuaLS stubs for `tarn`: the recipe framework and the host's helpers.

---@class tarn
tarn = {}

---The tarn version, e.g. "0.1.0".
---@type string
tarn.version = ""

---An environment variable's value, or nil.
---@param name string
---@return string|nil
function tarn.env(name) end

---Sets (or with nil, removes) an environment variable of this process.
---@param name string
---@param value string|nil
function tarn.setenv(name, value) end

---Monotonic clock in seconds, for measuring durations.
---@return number
function tarn.clock() end

---Wall-clock time as unix seconds (with fraction).
---@return number
function tarn.time() end

---ISO 8601 UTC text of a unix time (default now), e.g. "2026-11-21T21:40:08Z".
---@param t? number
---@return string
function tarn.isotime(t) end

---Sleeps; Ctrl-C interrupts it (raising "interrupted").
---@param seconds number
function tarn.sleep(seconds) end

---A random UUID v4.
---@return string
function tarn.uuid() end

---A password from the cryptographic source, returned as a secret. Holds at least one lower
---case letter, upper case letter, digit and (unless symbols = false) symbol.
---@param opts? {length?: integer, symbols?: boolean}
---@return secret
function tarn.password(opts) end

---Reads a whole file.
---@param path string
---@return string|nil text
---@return string|nil message
function tarn.read_file(path) end

---Replaces a file atomically (temporary file, fsync, rename); mode applies to new files.
---@param path string
---@param text string|secret
---@param mode? integer
---@return boolean|nil ok
---@return string|nil message
function tarn.write_file(path, text, mode) end

---Whether a path exists.
---@param path string
---@return boolean
function tarn.exists(path) end

---Creates a directory and its parents.
---@param path string
---@return boolean|nil ok
---@return string|nil message
function tarn.mkdir(path) end

---Removes a file or a directory tree.
---@param path string
---@return boolean
function tarn.remove(path) end

---Names in a directory, sorted.
---@param path string
---@return string[]
function tarn.list_dir(path) end

---Whether a standard stream is a terminal.
---@param stream? "stdout"|"stderr"|"stdin"
---@return boolean
function tarn.isatty(stream) end

---A structured error value (not raised): fields kind, message, status, code, request_id...
---@param fields table
---@return tarn.Error
function tarn.error(fields) end

---Raises a structured error value.
---@param fields table
---@param level? integer
function tarn.raise(fields, level) end

---Raises a usage error from a recipe's run (exit code 2), for a parameter problem found once
---the recipe looked. The message should say what to pass next time.
---@param fmt string
---@param ... any
function tarn.usage_error(fmt, ...) end

---Whether v is a structured error value.
---@param v any
---@return boolean
function tarn.is_error(v) end

---Waits until fn() returns a truthy first value, showing a progress line; raises an error of
---kind "timeout" when the time runs out. fn may return (false, status_text).
---@param opts {fn: fun(): any, what?: string, timeout?: number, interval?: number}
---@return any
function tarn.wait(opts) end

---Base64 (standard alphabet; decode also accepts URL-safe input and missing padding).
tarn.base64 = {}
---@param s string|secret
---@return string
function tarn.base64.encode(s) end
---@param s string
---@return string|nil
---@return string|nil message
function tarn.base64.decode(s) end

---The Azure Developer CLI's environment files (.azure/<env>/.env).
tarn.azd = {}
---Values of an azd environment as a map, or nil and a message.
---@param env string
---@return table<string,string>|nil
---@return string|nil
function tarn.azd.read(env) end
---Sets KEY="value" in an azd environment's .env, atomically, keeping other lines.
---@param env string
---@param key string
---@param value string
function tarn.azd.set(env, key, value) end
---The default environment named in .azure/config.json.
---@return string|nil
function tarn.azd.default_env() end

---@class tarn.Error
---@field kind string
---@field message string
---@field status? integer
---@field code? string
---@field request_id? string
---@field url? string

---The run context a recipe's run(ctx, params) receives.
---@class tarn.Context
---@field recipe string
---@field plan boolean true with --plan: checks run, applies do not
---@field params table the validated parameters
---@field azd_env string|nil
---@field rotate boolean --rotate was given
local Context = {}

---Runs one journaled step: check reports whether a change is needed (false/nil: nothing;
---true or a text: what would change), apply makes it. Journaled as unchanged, changed,
---would change or failed.
---@param spec {name: string, check?: fun(): (boolean|string|nil, string?), apply?: fun(): any, continue_on_error?: boolean}
---@return {name: string, status: string, detail?: string, duration_ms: integer, value: any}
function Context:step(spec) end

---Registers cleanup that runs when the run ends (success, failure or Ctrl-C), last in first out.
---@param fn fun()
---@param name? string
function Context:finally(fn, name) end

---Records a named output of the run.
---@param name string
---@param value any
function Context:output(name, value) end
