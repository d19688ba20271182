--- tarn.help: documentation of modules and functions, read from their doc comments.
--
--   print(require("tarn.help").text("json.decode"))
--
-- Native modules are described by their LuaLS stubs (stdlib/_meta/<module>.lua), Lua modules
-- by their own source (stdlib/tarn/runner.lua for tarn.runner). Both use `---` comments:
-- the block above `function json.decode(text) end` (or a field, or `local M = {}` for the
-- module itself) gives the summary lines, @param, @return, @type, @field and @class.
local core = require("tarn.core")
local suggest = require("tarn.suggest")

local help = {}

local manual = "https://www.lua.org/manual/5.4/manual.html#pdf-"
local standard = {}
for name in ([[string table math io os coroutine utf8 debug package assert collectgarbage
  dofile error getmetatable ipairs load loadfile next pairs pcall print rawequal rawget rawlen
  rawset require select setmetatable tonumber tostring type xpcall warn]]):gmatch("%S+") do
  standard[name] = true
end

-- "<type> rest": a LuaLS type may hold spaces inside brackets (table<string, any>, fun(a: x)).
local function split_type(s)
  local depth, i = 0, 1
  while i <= #s do
    local c = s:sub(i, i)
    if c == "(" or c == "<" or c == "{" or c == "[" then depth = depth + 1
    elseif c == ")" or c == ">" or c == "}" or c == "]" then depth = depth - 1
    elseif c:match("%s") and depth <= 0 then break end
    i = i + 1
  end
  return s:sub(1, i - 1), (s:sub(i):gsub("^%s*#?%s*", ""))
end

local function new_block() return { lines = {}, params = {}, returns = {}, fields = {} } end

-- Adds one `---` line (without the dashes) to a doc block.
local function add_doc(block, text)
  local tag, rest = text:match("^@(%w+)%s*(.*)$")
  if not tag then
    block.lines[#block.lines + 1] = text
  elseif tag == "param" then
    local name, more = rest:match("^(%S+)%s*(.*)$")
    if name then
      local ty, desc = split_type(more)
      block.params[#block.params + 1] = { name = name, type = ty, desc = desc }
    end
  elseif tag == "return" then
    local ty, desc = split_type(rest)
    block.returns[#block.returns + 1] = { type = ty, desc = desc }
  elseif tag == "field" then
    local name, more = rest:match("^(%S+)%s*(.*)$")
    if name then
      local ty, desc = split_type(more)
      block.fields[#block.fields + 1] = { name = name, type = ty, desc = desc }
    end
  elseif tag == "class" then block.class = rest:match("^([%w_.]+)")
  elseif tag == "type" then block.type = rest
  elseif tag == "deprecated" then block.deprecated = rest ~= "" and rest or true
  elseif tag == "see" then block.see = rest
  end
end

--- Parses the doc comments of one file. Returns {name, block, entries = {[name] = entry},
--- order}, an entry being {name, kind = "function"|"field"|"class", signature, block}.
---@param text string the source of a stub or module
---@param module string the module's name
---@return table
function help.parse(text, module)
  local doc = { name = module, entries = {}, order = {} }
  local returned = nil  -- a Lua module's table is the one it returns
  for name in text:gmatch("\nreturn%s+([%a_][%w_]*)") do returned = name end
  local short = module:match("([%w_]+)$")
  local prefixes = {}   -- local table name -> documented name
  local block, header, in_doc = nil, nil, false

  local function add(name, kind, b, signature)
    if not doc.entries[name] then doc.order[#doc.order + 1] = name end
    doc.entries[name] = { name = name, kind = kind, block = b or new_block(), signature = signature or name }
  end
  local function add_fields(prefix, b)
    for _, f in ipairs(b.fields) do
      local fb = new_block()
      fb.lines[1], fb.type = f.desc ~= "" and f.desc or nil, f.type
      local name = f.name:gsub("%?$", "")
      if name ~= f.name then fb.type = fb.type .. "|nil" end
      add(prefix .. "." .. name, "field", fb)
    end
  end
  local function prefix_of(var)
    return prefixes[var] or ((var == returned or var == short) and module) or (module .. "." .. var)
  end
  local function table_decl(var, b)
    b = b or new_block()
    local is_module = not doc.block and (var == returned or (not returned and not (b.class or ""):find(".", 1, true)))
    if is_module then
      prefixes[var] = module
      doc.block = #b.lines > 0 and b or header or b
      add_fields(module, b)
    elseif b.class then
      prefixes[var] = b.class
      add(b.class, "class", b)
      add_fields(b.class, b)
    end
  end

  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local s = line:match("^%s*(.-)%s*$")
    local doc_text = s:match("^%-%-%-(.*)$")
    if doc_text and not doc_text:match("^%-") then
      if doc_text:match("^@meta") then
        block = nil
      else
        block = block or new_block()
        add_doc(block, (doc_text:gsub("^ ", "")))
        in_doc = true
      end
    elseif s:match("^%-%-") then
      -- a plain comment right under doc lines continues them (a module's header text)
      if in_doc and block then block.lines[#block.lines + 1] = (s:gsub("^%-%-+%s?", "")) end
    elseif s == "" then
      if block and block.class and doc.block then
        add(block.class, "class", block)  -- a type with no table of its own (a userdata)
        add_fields(block.class, block)
        block = nil
      elseif block and not doc.block and not header then
        header, block = block, nil  -- the file's opening block describes the module
      end
      in_doc = false
    else
      local var, sep, field, args = s:match("^function%s+([%a_][%w_]*)([.:])([%a_][%w_]*)%s*%((.-)%)")
      local tvar = s:match("^local%s+([%a_][%w_]*)%s*=%s*{") or s:match("^([%a_][%w_]*)%s*=%s*{")
      local fvar, fname = s:match("^([%a_][%w_]*)%.([%a_][%w_]*)%s*=")
      if var then
        local name = prefix_of(var) .. sep .. field
        add(name, "function", block, name .. "(" .. args:gsub("%s+", " ") .. ")")
        -- json.decode and Conn.query find methods too
        if sep == ":" then doc.entries[prefix_of(var) .. "." .. field] = doc.entries[name] end
      elseif tvar then
        table_decl(tvar, block)
      elseif fvar and block then
        add(prefix_of(fvar) .. "." .. fname, "field", block)
      elseif block and not doc.block and not header then
        header = block  -- a Lua module's opening comment, right above its first line of code
      end
      block, in_doc = nil, false
    end
  end
  doc.block = doc.block or header or new_block()
  return doc
end

local width = 80

-- The first sentence of a block's first paragraph (for one-line listings).
local function summary(b)
  local para = {}
  for _, l in ipairs(b and b.lines or {}) do
    if l == "" then
      if #para > 0 then break end
    else
      para[#para + 1] = l
    end
  end
  local text = table.concat(para, " ")
  return text:match("^(.-[.!?])%s+%u") or text
end

-- "label   text", the text cut to fit the line.
local function row(indent, label, w, text)
  local line = indent .. label
  if text == nil or text == "" then return line end
  line = line .. string.rep(" ", math.max(1, w - #label + 2))
  if #line + #text > width then
    text = text:sub(1, math.max(10, width - #line - 3)):gsub("%s+%S*$", "") .. "..."
  end
  return line .. text
end

-- The documents by module name, parsed on first use.
local cache = {}

local function stub_names()
  local names = {}
  for _, f in ipairs(core.lib_list("stdlib/_meta/")) do
    local n = f:match("^(.+)%.lua$")
    if n then names[#names + 1] = n end
  end
  return names
end

local function lua_module_names()
  local names = {}
  for _, f in ipairs(core.lib_list("stdlib/tarn/")) do
    local n = f:match("^(.+)%.lua$")
    if n then names[#names + 1] = "tarn." .. n end
  end
  table.sort(names)
  return names
end

local function load_doc(module)
  if cache[module] ~= nil then return cache[module] or nil end
  local text = core.lib_file("stdlib/_meta/" .. module .. ".lua")
  if not text then
    local path = module:gsub("%.", "/")
    text = core.lib_file("stdlib/" .. path .. ".lua") or core.lib_file("stdlib/" .. path .. "/init.lua")
  end
  local doc = text and help.parse(text, module)
  if doc and #doc.block.lines == 0 then
    -- A stub with no description: take the one of the Lua module of the same name, if any.
    local lua = core.lib_file("stdlib/" .. module:gsub("%.", "/") .. ".lua")
    if lua and lua ~= text then doc.block = help.parse(lua, module).block end
  end
  cache[module] = doc or false
  return doc or nil
end

local function add_text(out, lines)
  if #lines == 0 then return end
  out[#out + 1] = ""
  for _, l in ipairs(lines) do out[#out + 1] = l == "" and "" or "  " .. l end
end

local function render_entry(e)
  local b = e.block
  local out = {}
  local head = e.signature
  if e.kind == "field" and b.type then head = head .. ": " .. b.type end
  if e.kind == "class" then head = head .. " (type)" end
  out[#out + 1] = head
  if b.deprecated then out[#out + 1] = "  deprecated" .. (b.deprecated ~= true and (": " .. b.deprecated) or "") end
  add_text(out, b.lines)
  local function section(title, rows)
    if #rows == 0 then return end
    out[#out + 1] = ""
    out[#out + 1] = "  " .. title .. ":"
    local w1, w2 = 0, 0
    for _, r in ipairs(rows) do w1, w2 = math.max(w1, #r[1]), math.max(w2, #r[2]) end
    for _, r in ipairs(rows) do
      local line = "    " .. r[1] .. string.rep(" ", w1 - #r[1])
      if r[2] ~= "" then line = line .. "  " .. r[2] .. string.rep(" ", w2 - #r[2]) end
      if r[3] ~= "" then line = line .. "  " .. r[3] end
      out[#out + 1] = line:gsub("%s+$", "")
    end
  end
  local params, returns = {}, {}
  for _, p in ipairs(b.params) do params[#params + 1] = { p.name, p.type, p.desc } end
  for _, r in ipairs(b.returns) do returns[#returns + 1] = { r.type, "", r.desc } end
  section("Parameters", params)
  section("Returns", returns)
  if b.see then
    out[#out + 1] = ""
    out[#out + 1] = "  See: " .. b.see
  end
  return table.concat(out, "\n")
end

-- A module (or, with prefix, one of its types): description, then its members one a line.
local function render_module(doc, prefix)
  local out = { prefix or doc.name }
  if not prefix then add_text(out, doc.block.lines) end
  local function under(name, p)
    local head = name:sub(1, #p + 1)
    return head == p .. "." or head == p .. ":"
  end
  local classes = {}
  for _, name in ipairs(doc.order) do
    if doc.entries[name].kind == "class" then classes[#classes + 1] = name end
  end
  local function in_class(name)
    for _, c in ipairs(classes) do
      if under(name, c) then return true end
    end
    return false
  end
  local groups = { { "Functions", "function" }, { "Fields", "field" }, { "Types", "class" } }
  for _, g in ipairs(groups) do
    local rows, w = {}, 0
    for _, name in ipairs(doc.order) do
      local e = doc.entries[name]
      local member = (prefix == nil and not in_class(name)) or (prefix ~= nil and under(name, prefix))
      if e.kind == g[2] and member then
        rows[#rows + 1] = { e.signature, summary(e.block) }
        w = math.max(w, #e.signature)
      end
    end
    if #rows > 0 then
      out[#out + 1] = ""
      out[#out + 1] = g[1] .. ":"
      for _, r in ipairs(rows) do out[#out + 1] = row("  ", r[1], math.min(w, 36), r[2]) end
    end
  end
  return table.concat(out, "\n")
end

local function overview()
  local out = {
    "Type Lua: an expression prints its value, `_` holds the last one; an unfinished",
    "statement continues on the next line. Tab completes names, Ctrl-C cancels, Ctrl-D exits.",
    "",
    "Commands:",
    "  :help           this overview",
    "  :help NAME      documentation of a module or function, e.g. :help json.decode",
    "  :quit           leave the REPL (as Ctrl-D does)",
  }
  local function list(title, names)
    local rows, w = {}, 0
    for _, n in ipairs(names) do
      local d = load_doc(n)
      local text = d and summary(d.block):gsub("^" .. n:gsub("%p", "%%%0") .. ":%s*", "") or ""
      rows[#rows + 1] = { n, text }
      w = math.max(w, #n)
    end
    if #rows == 0 then return end
    out[#out + 1] = ""
    out[#out + 1] = title
    for _, r in ipairs(rows) do out[#out + 1] = row("  ", r[1], w, r[2]) end
  end
  local globals, required = {}, lua_module_names()
  for _, n in ipairs(stub_names()) do
    table.insert(n:find(".", 1, true) and required or globals, n)
  end
  table.sort(required)
  list("Modules (globals, loaded on first use):", globals)
  list("Modules to require(\"name\"):", required)
  return table.concat(out, "\n")
end

local function all_names()
  local names, seen = {}, {}
  local function add(n)
    if not seen[n] then names[#names + 1], seen[n] = n, true end
  end
  for _, list in ipairs({ stub_names(), lua_module_names() }) do
    for _, m in ipairs(list) do
      add(m)
      local d = load_doc(m)
      for _, n in ipairs(d and d.order or {}) do add(n) end
    end
  end
  return names
end

--- The documentation of a module, type, function or field (`json`, `json.decode`,
--- `pg.Conn:query`), or with no name an overview of the commands and modules.
---@param name? string
---@return string|nil text
---@return string|nil message when nothing is documented under that name, with near names
function help.text(name)
  if name == nil or name == "" then return overview() end
  local parts = {}
  for p in name:gmatch("[^.:]+") do parts[#parts + 1] = p end
  -- A Lua module over a native core documents its submodules' functions in its own stub
  -- (fabric.items.list in _meta/fabric.lua, implemented in stdlib/fabric/items.lua).
  local root = #parts > 1 and load_doc(parts[1]) or nil
  local stubbed = root and root.entries[name]
  if stubbed and (stubbed.kind == "function" or stubbed.kind == "class") then
    if stubbed.kind == "class" then return render_entry(stubbed) .. (render_module(root, stubbed.name):gsub("^[^\n]*", "")) end
    return render_entry(stubbed)
  end
  for i = #parts, 1, -1 do
    local module = table.concat(parts, ".", 1, i)
    local doc = load_doc(module)
    if doc then
      if i == #parts then return render_module(doc) end
      local e = doc.entries[name] or doc.entries[(name:gsub(":", "."))]
      if e and e.kind == "class" then
        return render_entry(e) .. (render_module(doc, e.name):gsub("^[^\n]*", ""))
      end
      if e then return render_entry(e) end
      break
    end
  end
  if standard[parts[1] or ""] then
    local anchor = name:gsub(":", ".")
    return string.format("%s is part of Lua's standard library: %s%s", name, manual, anchor)
  end
  local near = suggest.nearest(name, all_names(), 3)
  local msg = string.format("no help for '%s'", name)
  if #near > 0 then msg = msg .. " (did you mean " .. table.concat(near, ", ") .. "?)" end
  return nil, msg .. "; :help lists the modules"
end

return help
