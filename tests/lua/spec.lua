--- A small spec runner for Lua tests run by the real tarn binary.
--   local spec = require("spec")
--   spec.it("does a thing", function() spec.eq(1 + 1, 2) end)
--   return spec.finish()   -- prints "N passed, N failed" and exits non-zero on failure
local spec = { passed = 0, failed = 0 }

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

local function deep_eq(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do if not deep_eq(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
spec.deep_eq = deep_eq

function spec.fail(msg) error(msg, 3) end

function spec.eq(got, want, what)
  if not deep_eq(got, want) then
    error(string.format("%sexpected %s, got %s", what and (what .. ": ") or "", show(want), show(got)), 2)
  end
end

function spec.truthy(v, what) if not v then error((what or "value") .. " is not truthy: " .. show(v), 2) end end

function spec.contains(haystack, needle, what)
  if type(haystack) ~= "string" or not haystack:find(needle, 1, true) then
    error(string.format("%sexpected %s to contain %s", what and (what .. ": ") or "", show(haystack), show(needle)), 2)
  end
end

function spec.not_contains(haystack, needle, what)
  if type(haystack) == "string" and haystack:find(needle, 1, true) then
    error(string.format("%sexpected %s not to contain %s", what and (what .. ": ") or "", show(haystack), show(needle)), 2)
  end
end

function spec.matches(s, pattern, what)
  if type(s) ~= "string" or not s:match(pattern) then
    error(string.format("%sexpected %s to match %s", what and (what .. ": ") or "", show(s), show(pattern)), 2)
  end
end

--- Runs fn, expects it to raise; returns the error value. `needle` (optional) must be in its text.
function spec.raises(fn, needle)
  local ok, err = pcall(fn)
  if ok then error("expected an error, got none", 2) end
  if needle and not tostring(err):find(needle, 1, true) then
    error(string.format("expected error containing %s, got %s", show(needle), show(tostring(err))), 2)
  end
  return err
end

function spec.it(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    spec.passed = spec.passed + 1
    io.stdout:write("ok   ", name, "\n")
  else
    spec.failed = spec.failed + 1
    io.stdout:write("FAIL ", name, "\n  ", tostring(err):gsub("\n", "\n  "), "\n")
  end
end

local function shell_quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
spec.quote = shell_quote

spec.bin = os.getenv("TARN_BIN") or "tarn"
spec.source_dir = os.getenv("TARN_SOURCE_DIR") or "."

--- Makes a fresh temporary directory.
function spec.tmpdir()
  local p = io.popen("mktemp -d")
  local d = p:read("l")
  p:close()
  return d
end

--- Runs the tarn binary with args (a list); opts.env (map), opts.unset (list of variables),
-- opts.stdin (string), opts.cwd, opts.prefix (a command to run tarn under, e.g. timeout).
-- Returns { code = exit code, out = stdout, err = stderr }.
function spec.run(args, opts)
  opts = opts or {}
  local dir = spec.tmpdir()
  local parts = {}
  if opts.cwd then parts[#parts + 1] = "cd " .. shell_quote(opts.cwd) .. " &&" end
  parts[#parts + 1] = "env"
  for _, a in ipairs(opts.unset or {}) do parts[#parts + 1] = "-u " .. shell_quote(a) end
  for k, v in pairs(opts.env or {}) do parts[#parts + 1] = shell_quote(k .. "=" .. v) end
  for _, a in ipairs(opts.prefix or {}) do parts[#parts + 1] = shell_quote(a) end
  parts[#parts + 1] = shell_quote(opts.bin or spec.bin)
  for _, a in ipairs(args) do parts[#parts + 1] = shell_quote(a) end
  if opts.stdin then
    local f = assert(io.open(dir .. "/stdin", "wb"))
    f:write(opts.stdin)
    f:close()
    parts[#parts + 1] = "<" .. shell_quote(dir .. "/stdin")
  else
    parts[#parts + 1] = "</dev/null"
  end
  parts[#parts + 1] = ">" .. shell_quote(dir .. "/out") .. " 2>" .. shell_quote(dir .. "/err")
  local _, _, code = os.execute(table.concat(parts, " "))
  local function slurp(name)
    local f = io.open(dir .. "/" .. name, "rb")
    local s = f and f:read("a") or ""
    if f then f:close() end
    return s
  end
  local r = { code = code, out = slurp("out"), err = slurp("err") }
  os.execute("rm -rf " .. shell_quote(dir))
  return r
end

--- Writes text to path.
function spec.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

function spec.finish()
  io.stdout:write(string.format("%d passed, %d failed\n", spec.passed, spec.failed))
  os.exit(spec.failed == 0 and 0 or 1)
end

return spec
