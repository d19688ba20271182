-- The REPL driven through a pipe (no terminal: no prompts, same evaluation), and the
-- pretty-printer and help modules it uses. tests/repl/ drives it through a terminal.
local spec = require("spec")
local pretty = require("tarn.pretty")
local help = require("tarn.help")

local function repl(input, env)
  return spec.run({ "repl" }, { stdin = input, env = env })
end

local function lines(s)
  local out = {}
  for l in s:gmatch("([^\n]*)\n") do out[#out + 1] = l end
  return out
end

spec.it("prints the values of an expression, strings quoted, nothing for a statement", function()
  local r = repl('1 + 1\nx = 10\nx * 2\n"hi"\n1, "two", nil\nprint("plain")\n')
  spec.eq(r.code, 0)
  spec.eq(lines(r.out), { "2", "20", '"hi"', '1\t"two"\tnil', "plain" })
  spec.eq(r.err, "")
end)

spec.it("shows no prompt, banner or escape codes when stdin is not a terminal", function()
  local r = repl("1\n")
  spec.eq(r.out, "1\n")
  spec.not_contains(r.out .. r.err, "\27[")
  spec.not_contains(r.out .. r.err, "Ctrl-D")
end)

spec.it("reads on while a statement is unfinished (multi-line function)", function()
  local r = repl("function triple(a)\n  local b = a * 3\n  return b\nend\ntriple(4)\nt = {\n  1,\n  2,\n}\n#t\n1 +\n2\n")
  spec.eq(r.err, "")
  spec.eq(lines(r.out), { "12", "2", "3" })
end)

spec.it("keeps the first value of the last result in _", function()
  local r = repl('40 + 2\n_ + 1\n"a", "b"\n_\nx = 5\n_\n')
  spec.eq(lines(r.out), { "42", "43", '"a"\t"b"', '"a"', '"a"' })
end)

spec.it("reports an error on stderr and goes on", function()
  local r = repl('error("boom")\n1 +* 2\nx y\nnil + 1\n"still here"\n')
  spec.eq(r.code, 0)
  spec.eq(r.out, '"still here"\n')
  local err = lines(r.err)
  spec.eq(err[1], "repl:1: boom")
  spec.matches(err[2], "^repl:1: unexpected symbol near '%*'")
  spec.eq(err[3], "repl:1: syntax error near 'y'")
  spec.matches(err[4], "^repl:1: attempt to perform arithmetic on a nil value")
  spec.eq(#err, 4)
end)

spec.it("reports an unfinished statement at the end of input", function()
  local r = repl("function f(\n")
  spec.eq(r.code, 0)
  spec.eq(r.out, "")
  spec.matches(r.err, "^repl:1: .*near <eof>\n$")
end)

spec.it("runs each entry as its own chunk: locals do not carry over", function()
  local r = repl("local x = 5\nx\ny = 6\ny\n")
  spec.eq(lines(r.out), { "nil", "6" })
end)

spec.it("pretty-prints nested and cyclic tables and cuts long lists", function()
  local r = repl(table.concat({
    '{b = {c = {1, 2}}, a = "x", [10] = true, "first"}',
    "t = {name = 't'}; t.self = t",
    "t",
    "big = {}; for i = 1, 5000 do big[i] = i end",
    "big",
  }, "\n") .. "\n")
  spec.eq(r.err, "")
  spec.contains(r.out, '{"first", [10] = true, a = "x", b = {c = {1, 2}}}\n')
  spec.contains(r.out, '<1>{name = "t", self = <cycle 1>}\n')
  spec.contains(r.out, "1, 2, 3, 4, 5,")
  spec.contains(r.out, "30,\n  ... (4,970 more)\n}\n")
  spec.not_contains(r.out, " 31,")
end)

spec.it("never shows a secret's value: echo, tables, print, errors", function()
  local value = "verysecretvalue1"
  local r = repl(table.concat({
    's = secret("' .. value .. '")',
    "s",
    "{s}",
    "print(s)",
    "error(secret.reveal(s))",
    "secret.reveal(s)",
    "{key = secret.reveal(s)}",
  }, "\n") .. "\n")
  spec.eq(r.code, 0)
  spec.not_contains(r.out, value)
  spec.not_contains(r.err, value)
  spec.eq(lines(r.out), { "***", "{***}", "***", '"***"', '{key = "***"}' })
  spec.eq(r.err, "repl:1: ***\n")
end)

spec.it(":help json.decode prints the function's documentation from the json stub", function()
  local r = repl(":help json.decode\n")
  spec.eq(r.err, "")
  local first = lines(r.out)[1]
  spec.matches(first, "^json%.decode%(")
  spec.contains(r.out, "Parameters:")
  spec.contains(r.out, "Returns:")
end)

spec.it(":help shows modules and functions of the log and secret stubs", function()
  local r = repl(":help\n:help log\n:help log.info\n:help secret.reveal\n")
  spec.eq(r.err, "")
  spec.contains(r.out, "Modules (globals, loaded on first use):")
  spec.matches(r.out, "\n  log +Levelled messages on stderr")
  spec.matches(r.out, "\n  secret +Secret values")
  spec.matches(r.out, "\n  log%.info%(msg, %.%.%.%) +Logs an informational message")
  spec.contains(r.out, "log.info(msg, ...)\n\n  Logs an informational message (the default level).\n")
  spec.matches(r.out, "\n    msg +any +the message, or a format pattern\n")
  spec.contains(r.out, "secret.reveal(s)\n")
  spec.matches(r.out, "\n    string +value\n")
end)

spec.it(":help of an unknown name says so and suggests near names", function()
  local r = repl(":help log.inf\n:help nosuchthing_at_all\n:frobnicate\n")
  spec.eq(r.out, "")
  local err = lines(r.err)
  spec.eq(err[1], "no help for 'log.inf' (did you mean log.info, log?); :help lists the modules")
  spec.eq(err[2], "no help for 'nosuchthing_at_all'; :help lists the modules")
  spec.eq(err[3], "unknown command ':frobnicate' (commands: :help [name], :quit)")
end)

spec.it(":help points Lua's own functions at the manual", function()
  local r = repl(":help string.format\n")
  spec.eq(r.out, "string.format is part of Lua's standard library: https://www.lua.org/manual/5.4/manual.html#pdf-string.format\n")
end)

spec.it(":quit ends the REPL with status 0", function()
  local r = repl("1\n:quit\n2\n")
  spec.eq(r.code, 0)
  spec.eq(r.out, "1\n")
end)

-- tarn.pretty as scripts use it.

spec.it("pretty.format: scalars, quoting and key order", function()
  spec.eq(pretty.format("a\n\"b\"\\\0"), '"a\\n\\"b\\"\\\\\\000"')
  spec.eq(pretty.format(1.0), "1.0")
  spec.eq(pretty.format(0 / 0), "nan")
  spec.eq(pretty.format({}), "{}")
  spec.eq(pretty.format({ key10 = 1, key2 = 2, ["not id"] = 3, [2.5] = 4, [true] = 5 }),
          '{[2.5] = 4, key2 = 2, key10 = 1, ["not id"] = 3, [true] = 5}')
  spec.eq(pretty.format({ ["end"] = 1 }), '{["end"] = 1}')
end)

spec.it("pretty.format: breaks lines past the width and honours max_items and max_depth", function()
  local t = { alpha = string.rep("a", 40), beta = string.rep("b", 40) }
  spec.eq(pretty.format(t), '{\n  alpha = "' .. string.rep("a", 40) .. '",\n  beta = "' .. string.rep("b", 40) .. '"\n}')
  spec.eq(pretty.format({ 1, 2, 3, 4 }, { max_items = 2 }), "{1, 2, ... (2 more)}")
  spec.eq(pretty.format({ a = { b = { c = {} } } }, { max_depth = 2 }), "{a = {b = {...}}}")
  spec.eq(pretty.thousands(1234567), "1,234,567")
end)

spec.it("pretty.format: shared tables are not cycles; cycles are labelled", function()
  local shared = { 1 }
  spec.eq(pretty.format({ shared, shared }), "{{1}, {1}}")
  local a = {}
  a[1] = { a }
  spec.eq(pretty.format(a), "<1>{{<cycle 1>}}")
end)

spec.it("pretty.format: secrets, __tostring and json.null without loading json", function()
  local loaded = package.loaded.json
  package.loaded.json = nil
  spec.eq(pretty.format({ secret("verysecretvalue2") }), "{***}")
  spec.eq(pretty.format(setmetatable({}, { __tostring = function() return "custom" end })), "custom")
  spec.eq(package.loaded.json, nil, "pretty.format loaded json")
  local fake_null = setmetatable({}, { __name = "null" })
  package.loaded.json = { null = fake_null }
  spec.eq(pretty.format({ a = fake_null }), "{a = null}")
  package.loaded.json = loaded
end)

spec.it("help.parse reads summaries, params, returns, fields and classes", function()
  local doc = help.parse(table.concat({
    "---@meta demo",
    "---Demo module.",
    "---@class demolib",
    "demo = {}",
    "",
    "---@class demo.Thing",
    "---@field size integer how big",
    "local Thing = {}",
    "",
    "---Does a thing.",
    "---More about it.",
    "---@param x table<string, any> the input",
    "---@param y? number",
    "---@return boolean ok # whether it worked",
    "function demo.run(x, y) end",
    "",
    "---Grows it.",
    "function Thing:grow(n) end",
  }, "\n"), "demo")
  spec.eq(doc.block.lines, { "Demo module." })
  local run = doc.entries["demo.run"]
  spec.eq(run.signature, "demo.run(x, y)")
  spec.eq(run.block.lines, { "Does a thing.", "More about it." })
  spec.eq(run.block.params, { { name = "x", type = "table<string, any>", desc = "the input" },
                              { name = "y?", type = "number", desc = "" } })
  spec.eq(run.block.returns, { { type = "boolean", desc = "ok # whether it worked" } })
  spec.eq(doc.entries["demo.Thing"].kind, "class")
  spec.eq(doc.entries["demo.Thing.size"].block.type, "integer")
  spec.eq(doc.entries["demo.Thing:grow"].signature, "demo.Thing:grow(n)")
  spec.truthy(doc.entries["demo.Thing.grow"], "method found by dot")
end)

return spec.finish()
