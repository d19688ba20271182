-- The host's helpers in the `tarn` module: files, encodings, randomness, azd files, waits.
local spec = require("spec")
local eq, contains = spec.eq, spec.contains
local tmp = spec.tmpdir()

spec.it("base64 round-trips binary data and decodes URL-safe, unpadded input", function()
  local all = {}
  for i = 0, 255 do all[#all + 1] = string.char(i) end
  local bytes = table.concat(all)
  for _, s in ipairs({ "", "f", "fo", "foo", "foob", "fooba", "foobar", bytes }) do
    eq(tarn.base64.decode(tarn.base64.encode(s)), s)
  end
  eq(tarn.base64.encode("foobar"), "Zm9vYmFy")
  eq(tarn.base64.encode("fo"), "Zm8=")
  eq(tarn.base64.decode("Zm8"), "fo")
  eq(tarn.base64.decode("-_8"), "\251\255")
  local v, err = tarn.base64.decode("Zm9v!!!!")
  eq(v, nil)
  eq(err, "invalid base64 input")
end)

spec.it("uuid gives distinct version-4 UUIDs", function()
  local seen = {}
  for _ = 1, 200 do
    local u = tarn.uuid()
    spec.matches(u, "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$")
    spec.truthy(not seen[u], "duplicate uuid")
    seen[u] = true
  end
end)

spec.it("password is a secret with every character class and the asked length", function()
  local p = tarn.password({ length = 24 })
  eq(tostring(p), "***")
  local v = secret.reveal(p)
  eq(#v, 24)
  spec.matches(v, "%l")
  spec.matches(v, "%u")
  spec.matches(v, "%d")
  spec.matches(v, "[%-_%.~!#%%+=]")
  spec.truthy(secret.reveal(tarn.password()) ~= secret.reveal(tarn.password()), "two passwords differ")
  local plain = secret.reveal(tarn.password({ length = 40, symbols = false }))
  spec.matches(plain, "^[%w]+$")
  spec.raises(function() tarn.password({ length = 4 }) end, "length must be between 8 and 1024")
end)

spec.it("write_file replaces atomically, keeps the mode of an existing file, and creates folders", function()
  local path = tmp .. "/a/b/c.txt"
  assert(tarn.write_file(path, "one", tonumber("600", 8)))
  eq(tarn.read_file(path), "one")
  local p = io.popen("stat -c %a " .. spec.quote(path))
  eq(p:read("l"), "600")
  p:close()
  assert(tarn.write_file(path, "two"))
  p = io.popen("stat -c %a " .. spec.quote(path))
  eq(p:read("l"), "600")
  p:close()
  eq(tarn.read_file(path), "two")
  eq(tarn.list_dir(tmp .. "/a/b"), { "c.txt" }) -- no temporary file left behind
  local ok, err = tarn.write_file("/proc/nope/x", "x")
  eq(ok, nil)
  contains(err, "cannot write /proc/nope/x")
  local text, rerr = tarn.read_file(tmp .. "/missing")
  eq(text, nil)
  contains(rerr, "cannot read " .. tmp .. "/missing")
end)

spec.it("secrets print as *** and refuse concatenation", function()
  local s = secret("a-long-secret-value")
  eq(tostring(s), "***")
  eq(secret.is(s), true)
  eq(secret.is("x"), false)
  eq(#s, 19)
  eq(secret(s), s)
  eq(s == secret("a-long-secret-value"), true)
  spec.raises(function() return "x" .. s end, "a secret cannot be concatenated")
  spec.raises(function() secret.reveal("plain") end, "secret expected")
end)

spec.it("azd files parse as azd writes them and set keeps other lines", function()
  local root = tmp .. "/proj"
  tarn.mkdir(root .. "/.azure/dev")
  tarn.write_file(root .. "/.azure/dev/.env", 'AZURE_ENV_NAME="dev"\n# comment\nQUOTED="a \\"b\\" $c"\nexport PLAIN=x\n')
  local v = tarn.azd.read("dev", root)
  eq(v, { AZURE_ENV_NAME = "dev", QUOTED = 'a "b" $c', PLAIN = "x" })
  tarn.azd.set("dev", "CONNECTION_ID", 'id "1"', root)
  tarn.azd.set("dev", "AZURE_ENV_NAME", "dev2", root)
  v = tarn.azd.read("dev", root)
  eq(v.CONNECTION_ID, 'id "1"')
  eq(v.AZURE_ENV_NAME, "dev2")
  eq(v.PLAIN, "x")
  contains(tarn.read_file(root .. "/.azure/dev/.env"), "# comment")
  tarn.write_file(root .. "/.azure/config.json", '{"version":1,"defaultEnvironment":"dev"}')
  eq(tarn.azd.default_env(root), "dev")
  eq(tarn.azd.root(root .. "/.azure/dev"), root)
end)

spec.it("tarn.wait returns when done and raises a timeout error otherwise", function()
  local n = 0
  local a, b = tarn.wait({ what = "counting", interval = 0.01, timeout = 5, fn = function()
    n = n + 1
    if n < 3 then return false, "n=" .. n end
    return "done", n
  end })
  eq(a, "done")
  eq(b, 3)
  local err = spec.raises(function()
    tarn.wait({ what = "never", interval = 0.05, timeout = 0.2, fn = function() return false, "still pending" end })
  end)
  eq(err.kind, "timeout")
  contains(err.message, "never: gave up after 0s: still pending")
end)

spec.it("structured errors carry fields and print their short form", function()
  local e = tarn.error({ kind = "fabric", message = "Item not found", status = 404, code = "ItemNotFound", request_id = "r-1" })
  eq(e.kind, "fabric")
  eq(e.status, 404)
  eq(tostring(e), "fabric error: Item not found (status 404, code ItemNotFound, request_id r-1)")
  eq(tarn.is_error(e), true)
  eq(tarn.is_error({}), false)
  local ok, err = pcall(tarn.raise, { kind = "x", message = "y" })
  eq(ok, false)
  eq(err.message, "y")
end)

spec.it("the clocks move forward and sleep waits", function()
  local t0 = tarn.clock()
  tarn.sleep(0.05)
  spec.truthy(tarn.clock() - t0 >= 0.045, "slept")
  spec.truthy(tarn.time() > 1.7e9, "wall clock")
  spec.matches(tarn.isotime(0), "^1970%-01%-01T00:00:00Z$")
end)

os.execute("rm -rf " .. spec.quote(tmp))
spec.finish()
