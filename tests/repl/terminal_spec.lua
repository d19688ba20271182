-- The REPL on a pseudo-terminal: a detached tmux session on a private server runs
-- `tarn repl`; keys go in with send-keys and the screen comes back with capture-pane.
-- Every wait polls the screen until the text appears (or fails after a timeout, showing it).
local spec = require("spec")

local home = spec.tmpdir()
local state = home .. "/state"
local socket = home .. "/tmux.sock"  -- a private server, removed with the directory
local q = spec.quote

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok and code == 0
end

local function tmux(args)
  return sh("env -u TMUX tmux -S " .. q(socket) .. " -f /dev/null " .. args)
end

local target  -- the session the helpers below talk to

local function start(name)
  target = name
  -- The shell reports tarn's exit status on the screen; remain-on-exit keeps it readable.
  local cmd = table.concat({ "env", q("HOME=" .. home), q("XDG_STATE_HOME=" .. state), "NO_COLOR=1",
                             "TERM=xterm", q(spec.bin), "repl;", 'echo "[exit status $?]"' }, " ")
  local out, ok = tmux("new-session -d -s " .. name .. " -x 120 -y 50 " .. q(cmd) ..
                       " \\; set-option -t " .. name .. " remain-on-exit on")
  if not ok then error("cannot start tmux: " .. out) end
end

-- The screen with its scrollback, without the empty lines below the cursor.
local function screen()
  local s = tmux("capture-pane -p -J -S -500 -t " .. target)
  return (s:gsub("\n+$", "\n"))
end

-- Types text literally (so words like "end" are not taken for key names).
local function type_text(text) tmux("send-keys -t " .. target .. " -l " .. q(text)) end
local function keys(...) tmux("send-keys -t " .. target .. " " .. table.concat({ ... }, " ")) end

local function wait_for(needle, timeout)
  local deadline = tarn.clock() + (timeout or 15)
  local last
  repeat
    last = screen()
    if last:find(needle, 1, true) then return last end
    tarn.sleep(0.05)
  until tarn.clock() > deadline
  error(string.format("timed out waiting for %q; the screen shows:\n%s", needle, last), 2)
end

local ok, err = pcall(function()
  local _, has_tmux = sh("command -v tmux")
  assert(has_tmux, "tmux is not installed (Debian package tmux); this test needs it")
  start("first")

  spec.it("shows the banner and a prompt", function()
    local s = wait_for("> ")
    spec.matches(s, "tarn %d+%.%d+%.%d+ %(Lua 5%.4%.%d+%) \u{2014} :help for help, Ctrl%-D to exit\n> ")
  end)

  spec.it("Tab completes module fields: json.de -> json.decode", function()
    type_text("json.de")
    keys("Tab")
    wait_for("> json.decode")
    type_text("('[1, 2]')")
    keys("Enter")
    wait_for("{1, 2}\n> ")
  end)

  spec.it("Tab completes modules that load on first use, and methods through __index", function()
    type_text("secr")
    keys("Tab")
    wait_for("> secret")
    type_text(".rev")
    keys("Tab")
    wait_for("> secret.reveal")
    keys("C-u")
    type_text('word = "abc"')
    keys("Enter")
    type_text("word:up")
    keys("Tab")
    wait_for("> word:upper")
    type_text("()")
    keys("Enter")
    wait_for('"ABC"\n> ')
  end)

  spec.it("shows a secret as ***", function()
    type_text('s = secret("verysecretvalue3")')
    keys("Enter")
    type_text("s")
    keys("Enter")
    wait_for("> s\n***\n> ")
  end)

  spec.it("Ctrl-C stops a running statement and the REPL goes on", function()
    type_text('print("looping") while true do end')
    keys("Enter")
    wait_for("looping\n")
    keys("C-c")
    wait_for("interrupted\n> ")
    type_text("1+1")
    keys("Enter")
    wait_for("> 1+1\n2\n> ")
  end)

  spec.it("Ctrl-C at the prompt drops an unfinished statement", function()
    type_text("function unfinished()")
    keys("Enter")
    wait_for(">> ")
    keys("C-c")
    type_text("20+22")
    keys("Enter")
    local s = wait_for("\n42\n> ")
    spec.matches(s, "\n>> \n> 20%+22\n42\n> \n$")
  end)

  spec.it("Ctrl-C at the prompt drops the line being typed", function()
    type_text("half typed")
    wait_for("> half typed")
    keys("C-c")
    type_text("6*9")
    keys("Enter")
    local s = wait_for("\n54\n> ")
    spec.matches(s, "\n> half typed\n> 6%*9\n54\n> \n$")
  end)

  spec.it("Ctrl-D exits with status 0", function()
    keys("C-d")
    wait_for("> \n[exit status 0]\n")
  end)

  spec.it("keeps the history in $XDG_STATE_HOME/tarn/history, owner-only, secrets masked", function()
    local f = assert(io.open(state .. "/tarn/history"))
    local text = f:read("a")
    f:close()
    spec.contains(text, "\n1+1\n")
    spec.contains(text, '\nword = "abc"\n')
    spec.contains(text, '\ns = secret("***")\n')
    spec.not_contains(text, "verysecretvalue3")
    spec.eq((sh("stat -c %a " .. q(state .. "/tarn/history")):gsub("%s+$", "")), "600")
  end)

  spec.it("a new session recalls the last entries with Up", function()
    start("second")  -- before the first session goes, so the server stays up
    tmux("kill-session -t first")
    wait_for("> ")
    keys("Up")
    wait_for("> 6*9")
    keys("Enter")
    wait_for("> 6*9\n54\n> ")
    keys("C-d")
    wait_for("> \n[exit status 0]\n")
  end)
end)
if not ok then spec.it("the terminal session", function() error(err, 0) end) end

tmux("kill-server")
sh("rm -rf " .. q(home))
return spec.finish()
