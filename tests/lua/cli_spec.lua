-- The tarn command: exit codes, parameters, the recipe contract, plan mode, --json,
-- cleanup on failure and Ctrl-C, and secrets kept out of every output.
local spec = require("spec")
local run, eq, contains, not_contains = spec.run, spec.eq, spec.contains, spec.not_contains
local fx = spec.source_dir .. "/tests/lua/fixtures/"
local tmp = spec.tmpdir()

spec.it("--version prints the version and exits 0", function()
  local r = run({ "--version" })
  eq(r.code, 0)
  spec.matches(r.out, "^tarn %d+%.%d+%.%d+ %(Lua 5%.4")
end)

spec.it("an unknown option exits 2 and names it", function()
  local r = run({ "--frobnicate" })
  eq(r.code, 2)
  contains(r.err, "unknown option '--frobnicate'")
end)

spec.it("-e runs a chunk with modules preloaded as globals", function()
  local r = run({ "-e", "print(json.encode({n = 1}), type(log), type(secret), tarn.version)" })
  eq(r.code, 0, r.err)
  contains(r.out, '{"n":1}\ttable\ttable\t')
end)

spec.it("a script gets its arguments in arg and ...", function()
  local script = tmp .. "/args.lua"
  spec.write(script, "print(arg[0], arg[1], arg[2], select('#', ...))")
  local r = run({ script, "a b", "c" })
  eq(r.code, 0, r.err)
  eq(r.out, script .. "\ta b\tc\t2\n")
end)

spec.it("a failing script exits 1 with file and line; --debug adds the traceback", function()
  local script = tmp .. "/boom.lua"
  spec.write(script, "local x = 1\nerror('boom')\n")
  local r = run({ script })
  eq(r.code, 1)
  contains(r.err, script .. ":2: boom")
  not_contains(r.err, "stack traceback")
  r = run({ "--debug", script })
  contains(r.err, "stack traceback")
end)

spec.it("a script on standard input runs", function()
  local r = run({}, { stdin = "print(6 * 7)" })
  eq(r.code, 0, r.err)
  eq(r.out, "42\n")
end)

spec.it("errors point at @stdlib chunk names and usage errors print as text", function()
  local r = run({ "-e", "require('tarn.suggest').nearest(nil, {'a'})" })
  eq(r.code, 1)
  spec.matches(r.err, "stdlib/tarn/suggest%.lua:%d+: attempt to index a nil value")
  r = run({ "-e", "require('tarn.params').declarations({ { name = 'x', type = 'int' } }, 'here')" })
  eq(r.code, 1)
  contains(r.err, "here: parameter 'x': unknown type 'int'")
end)

spec.it("tarn recipes lists bundled recipes with their descriptions", function()
  local r = run({ "recipes" })
  eq(r.code, 0, r.err)
  spec.matches(r.out, "example%s+Keep a JSON settings file")
  r = run({ "recipes", "--json" })
  local list = json.decode(r.out)
  eq(list[1].name, "example")
end)

spec.it("tarn help shows parameters, an example and outputs", function()
  local r = run({ "help", "example" })
  eq(r.code, 0, r.err)
  spec.matches(r.out, "path%s+string, required")
  spec.matches(r.out, "token%s+string, secret")
  contains(r.out, "example:\n  tarn run example")
  contains(r.out, "outputs:\n  keys")
end)

spec.it("an unknown recipe exits 2 and suggests the nearest names", function()
  local r = run({ "run", "exmaple" })
  eq(r.code, 2)
  contains(r.err, "unknown recipe 'exmaple': did you mean example?")
  r = run({ "help", "exampel" })
  eq(r.code, 2)
  contains(r.err, "did you mean example?")
end)

spec.it("user recipes run by path and by name from TARN_RECIPES_PATH", function()
  local r = run({ "run", fx .. "typed.lua", "--set", "i=3" })
  eq(r.code, 0, r.err)
  r = run({ "run", "typed", "--set", "i=4" }, { env = { TARN_RECIPES_PATH = "/nonexistent:" .. fx } })
  eq(r.code, 0, r.err)
  contains(r.out, "i = 4")
end)

spec.it("contract errors say precisely what is wrong and exit 2", function()
  local r = run({ "run", fx .. "bad_type.lua" })
  eq(r.code, 2)
  contains(r.err, "parameter 'port': unknown type 'int' (expected one of string, integer, number, boolean, list, map, enum)")
  r = run({ "run", fx .. "no_run.lua" })
  eq(r.code, 2)
  contains(r.err, "missing 'run'")
  r = run({ "run", fx .. "bad_field.lua" })
  eq(r.code, 2)
  contains(r.err, "parameter 'p': unknown field 'requried'")
end)

local function typed(args, opts)
  local full = { "run", fx .. "typed.lua", "--json" }
  for _, a in ipairs(args) do full[#full + 1] = a end
  local r = run(full, opts)
  return r, (r.out ~= "" and json.decode(r.out) or nil)
end

spec.it("parameters are converted to their declared types", function()
  local r, doc = typed({ "--set", "i=7", "--set", "n=2.5", "--set", "b=yes", "--set", "l=a, b,c", "--set", "m=x=1,y=2",
    "--set", "e=entra" })
  eq(r.code, 0, r.err)
  eq(doc.outputs, { s = "dflt", i = 7, n = 2.5, b = true, l = { "a", "b", "c" }, m = { x = "1", y = "2" }, e = "entra",
    itype = "integer" })
  r, doc = typed({ "--set", 'l=["x",1]', "--set", 'm={"k":[1]}' })
  eq(doc.outputs.l, { "x", 1 })
  eq(doc.outputs.m, { k = { 1 } })
end)

spec.it("a malformed parameter exits 2 naming it, its source and what was expected", function()
  local cases = {
    { { "--set", "i=abc" }, "parameter 'i' (from --set): expected an integer, got \"abc\"" },
    { { "--set", "i=31" }, "parameter 'i' (from --set): expected a value between 1 and 30, got \"31\"" },
    { { "--set", "b=perhaps" }, "parameter 'b' (from --set): expected a boolean (true/false, yes/no, on/off, 1/0)" },
    { { "--set", "e=kerberos" }, "parameter 'e' (from --set): expected one of password, entra, got \"kerberos\"" },
    { { "--set", "m=novalue" }, "parameter 'm' (from --set): expected a map" },
    { { "--set", "bogus=1" }, "unknown parameter 'bogus' (from --set)" },
    { { "--set", "noequals" }, "--set expects key=value, got 'noequals'" },
  }
  for _, c in ipairs(cases) do
    local r, doc = typed(c[1])
    eq(r.code, 2, table.concat(c[1], " "))
    eq(doc.status, "usage_error")
    contains(doc.error, c[2])
  end
end)

spec.it("a missing required parameter exits 2 and names it", function()
  local r = run({ "run", "example" })
  eq(r.code, 2)
  contains(r.err, "missing required parameter 'path'")
end)

spec.it("sources rank --set > --params > TARN_<NAME> > azd env > default", function()
  local dir = spec.tmpdir()
  os.execute("mkdir -p " .. dir .. "/.azure/dev")
  spec.write(dir .. "/.azure/config.json", '{"version":1,"defaultEnvironment":"dev"}')
  spec.write(dir .. "/.azure/dev/.env", 'AZURE_PG_SERVER="pg-from-azd"\nS="from azd"\nI="5"\n')
  spec.write(dir .. "/p.json", '{"s": "from file", "n": 1.5}')
  local r, doc = typed({}, { cwd = dir })
  eq(r.code, 0, r.err)
  eq(doc.outputs.s, "from azd")
  eq(doc.outputs.server, "pg-from-azd")
  eq(doc.outputs.i, 5)
  r, doc = typed({}, { cwd = dir, env = { TARN_S = "from env", TARN_SERVER_NAME = "pg-env" } })
  eq(doc.outputs.s, "from env")
  eq(doc.outputs.server, "pg-env")
  r, doc = typed({ "--params", "p.json" }, { cwd = dir, env = { TARN_S = "from env" } })
  eq(doc.outputs.s, "from file")
  eq(doc.outputs.n, 1.5)
  r, doc = typed({ "--params", "p.json", "--set", "s=from set" }, { cwd = dir, env = { TARN_S = "from env" } })
  eq(doc.outputs.s, "from set")
  -- the origin is named in errors
  r = typed({ "--set", "s=x" }, { cwd = dir, env = { TARN_I = "many" } })
  contains(r.err, "parameter 'i' (from environment TARN_I): expected an integer")
  spec.write(dir .. "/.azure/dev/.env", 'I="lots"\n')
  r = typed({}, { cwd = dir })
  contains(r.err, "parameter 'i' (from azd environment 'dev' (I)): expected an integer")
  r = typed({ "--azd-env", "prod" }, { cwd = dir })
  eq(r.code, 2)
  contains(r.err, "--azd-env prod: cannot read")
  r = typed({ "--params", "missing.json" }, { cwd = dir })
  eq(r.code, 2)
  contains(r.err, "--params: cannot read missing.json")
  spec.write(dir .. "/bad.json", '{"s": }')
  r = typed({ "--params", "bad.json" }, { cwd = dir })
  eq(r.code, 2)
  contains(r.err, "--params bad.json:")
end)

spec.it("--plan runs checks only: exits 3 when something would change, 0 when nothing would", function()
  local dir = spec.tmpdir()
  local args = { "run", "example", "--set", "path=" .. dir .. "/s.json", "--set", "settings=a=1" }
  local plan = { table.unpack(args) }
  plan[#plan + 1] = "--plan"
  local r = run(plan)
  eq(r.code, 3, r.err)
  contains(r.out, "would change")
  eq(io.open(dir .. "/s.json"), nil, "plan mode must not create the file")
  eq(io.open(dir .. "/s.json.lock"), nil, "plan mode must not take the lock")
  r = run(args)
  eq(r.code, 0, r.err)
  contains(r.out, "changed")
  r = run(plan)
  eq(r.code, 0, r.out .. r.err)
  not_contains(r.out, "would change")
  r = run(args)
  eq(r.code, 0)
  not_contains(r.out, " changed ")
end)

spec.it("--json puts exactly one JSON document on stdout and logs on stderr", function()
  local dir = spec.tmpdir()
  local r = run({ "run", "example", "--json", "--set", "path=" .. dir .. "/s.json", "-v" })
  eq(r.code, 0, r.err)
  local doc = json.decode(r.out) -- raises if stdout holds anything but one document
  eq(doc.status, "ok")
  eq(doc.exit_code, 0)
  eq(doc.steps[2].name, "settings file")
  eq(doc.steps[2].status, "changed")
  for line in r.err:gmatch("[^\n]+") do
    local entry = json.decode(line)
    spec.truthy(entry.level and entry.message, "stderr line is a JSON log entry: " .. line)
  end
end)

spec.it("a failing step exits 1, skips the rest, and cleanup still runs", function()
  local marker = tmp .. "/failing.marker"
  local r = run({ "run", fx .. "failing.lua", "--json", "--set", "marker=" .. marker })
  eq(r.code, 1)
  local doc = json.decode(r.out)
  eq(doc.status, "failed")
  eq(#doc.steps, 2)
  eq(doc.steps[2].status, "failed")
  eq(doc.steps[2].error, "disk on fire")
  contains(doc.error, "step 'second' failed: disk on fire")
  eq(io.open(marker):read("a"), "cleaned")
end)

spec.it("continue_on_error lets the run go on but the run still fails", function()
  local marker = tmp .. "/continue.marker"
  local r = run({ "run", fx .. "failing.lua", "--json", "--set", "marker=" .. marker, "--set", "continue=true" })
  eq(r.code, 1)
  local doc = json.decode(r.out)
  eq(#doc.steps, 3)
  eq(doc.steps[3].status, "unchanged")
end)

for _, case in ipairs({ { "slow", "closed" }, { "spin", "cleaned" } }) do
  spec.it("Ctrl-C during a " .. case[1] .. " step exits 130 after running the cleanups", function()
    local marker = tmp .. "/" .. case[1] .. ".marker"
    local r = run({ "run", fx .. case[1] .. ".lua", "--set", "marker=" .. marker },
      { prefix = { "timeout", "--preserve-status", "-s", "INT", "1" } })
    eq(r.code, 130, r.err)
    contains(r.err, "interrupted")
    eq(io.open(marker):read("a"), case[2])
  end)
end

spec.it("a secret parameter appears in no output at any verbosity, nor in errors", function()
  local pw = "Tr0ub4dor&3-horse-battery"
  for _, flags in ipairs({ {}, { "-v" }, { "--debug" }, { "--json" }, { "--json", "--debug" } }) do
    for _, fail in ipairs({ "false", "true" }) do
      local args = { "run", fx .. "leaky.lua", "--set", "password=" .. pw, "--set", "fail=" .. fail }
      for _, f in ipairs(flags) do args[#args + 1] = f end
      local r = run(args)
      eq(r.code, fail == "true" and 1 or 0, r.err)
      not_contains(r.out, pw, table.concat(flags, " ") .. " stdout")
      not_contains(r.err, pw, table.concat(flags, " ") .. " stderr")
      contains(r.out .. r.err, "***")
    end
  end
  -- from the environment and a params file too
  local r = run({ "run", fx .. "leaky.lua", "--debug" }, { env = { TARN_PASSWORD = pw } })
  eq(r.code, 0)
  not_contains(r.out .. r.err, pw)
end)

spec.it("a malformed secret is reported without its value", function()
  local dir = spec.tmpdir()
  spec.write(dir .. "/p.json", '{"password": {"nested": "Tr0ub4dor&3-horse-battery"}}')
  local r = run({ "run", fx .. "leaky.lua", "--params", dir .. "/p.json" })
  eq(r.code, 2)
  contains(r.err, "parameter 'password' (from " .. dir .. "/p.json): expected a string, got a value that is not shown")
  not_contains(r.err, "Tr0ub4dor")
end)

spec.it("recipe options outside 'tarn run' are refused", function()
  local r = run({ "recipes", "--plan" })
  eq(r.code, 2)
  contains(r.err, "go with 'tarn run'")
end)

os.execute("rm -rf " .. spec.quote(tmp))
spec.finish()
