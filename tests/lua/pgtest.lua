--- A throwaway PostgreSQL cluster for specs: initdb into a temporary directory, its own
-- port and Unix socket directory, logical WAL, trust on the socket and SCRAM passwords
-- over TCP (127.0.0.1), and a stand-in `azure_cdc_admin` role. Starting takes ~1.5 s.
--
--   local pgtest = require("pgtest")
--   pgtest.run(spec, function(server)            -- start, body, stop (even on failure), finish
--     local db <close> = pg.connect(server:params())          -- superuser over the socket
--     local tcp <close> = pg.connect(server:params{ host = "127.0.0.1", password = server.password })
--     print(server:psql("select 1"))             -- psql, independent of the pg module
--   end)
--
-- As root the server runs as the `postgres` system user (else `nobody`): initdb refuses
-- root. A server that cannot start fails the spec loudly; nothing is ever skipped. A
-- watchdog stops the cluster and removes its directory if the spec process dies first.
local spec = require("spec")
local core = require("tarn.core")

local q = spec.quote
local pgtest = {}

-- Runs a shell command; returns ok, combined output.
local function sh(cmd)
  local p = assert(io.popen("(" .. cmd .. ") 2>&1"))
  local out = p:read("a")
  local ok = p:close()
  return ok == true, out
end

local function first_line(cmd)
  local ok, out = sh(cmd)
  return ok and out:match("^([^\n]+)") or nil
end

--- The server binaries: $TARN_PG_BINDIR, `pg_config --bindir`, or the newest
-- /usr/lib/postgresql/*/bin.
function pgtest.bindir()
  local candidates = { os.getenv("TARN_PG_BINDIR"), first_line("pg_config --bindir"),
                       first_line("ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1") }
  for _, dir in pairs(candidates) do
    if dir and dir ~= "" and core.exists(dir .. "/initdb") and core.exists(dir .. "/pg_ctl") then return dir end
  end
  error("PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql package "
    .. "(tools/deps.sh does) or set TARN_PG_BINDIR", 2)
end

local function random_word(n)
  local chars = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
  local t = {}
  for i = 1, n do
    local k = math.random(#chars)
    t[i] = chars:sub(k, k)
  end
  return table.concat(t)
end

local Server = {}
Server.__index = Server

--- Settings for pg.connect: the superuser over the Unix socket, overridden by extra.
function Server:params(extra)
  local p = { host = self.host, port = self.port, user = self.user, dbname = "postgres" }
  for k, v in pairs(extra or {}) do p[k] = v end
  return p
end

--- Runs SQL through psql as the superuser (or opts.user / opts.dbname) and returns the rows
-- as psql -At prints them (fields separated by |). Raises with psql's message on failure.
function Server:psql(sql, opts)
  opts = opts or {}
  local file = self.dir .. "/psql-" .. random_word(8) .. ".sql"
  spec.write(file, sql)
  local ok, out = sh(string.format("%s -X -A -t -q -v ON_ERROR_STOP=1 -h %s -p %d -U %s -d %s -f %s </dev/null",
    q(self.bindir .. "/psql"), q(self.host), self.port, q(opts.user or self.user), q(opts.dbname or "postgres"), q(file)))
  os.remove(file)
  if not ok then error("psql failed: " .. out, 2) end
  return (out:gsub("\n$", ""))
end

--- The server's log so far.
function Server:log()
  local f = io.open(self.dir .. "/server.log")
  local text = f and f:read("a") or ""
  if f then f:close() end
  return text
end

--- Stops the cluster (pg_ctl stop -m fast) and removes its directory. Idempotent.
function Server:stop()
  if self.stopped then return end
  self.stopped = true
  sh(string.format("%s %s -D %s -m fast -w -t 30 stop </dev/null", self.run_as, q(self.bindir .. "/pg_ctl"), q(self.data)))
  if self.watchdog then sh("kill " .. self.watchdog) end
  sh("rm -rf " .. q(self.dir))
end

-- The user the server runs as, and the prefix that runs a command as that user.
local function server_user()
  if first_line("id -u") ~= "0" then return nil, "" end
  for _, user in ipairs({ "postgres", "nobody" }) do
    if first_line("getent passwd " .. user) then return user, "runuser -u " .. user .. " --" end
  end
  error("running as root, but neither a postgres nor a nobody user exists to run the server as")
end

--- Starts a cluster. opts.settings: extra postgresql.conf lines (name = value).
function pgtest.start(opts)
  opts = opts or {}
  local bindir = pgtest.bindir()
  local user, run_as = server_user()
  local dir = assert(first_line("mktemp -d /tmp/tarn-pg.XXXXXX"), "mktemp failed")
  local s = setmetatable({ dir = dir, data = dir .. "/data", host = dir, user = "postgres",
                           password = random_word(24), bindir = bindir, run_as = run_as }, Server)
  if user then assert(sh(string.format("chown %s %s && chmod 700 %s", q(user), q(dir), q(dir)))) end

  -- The watchdog: when this process dies without stopping the server, it does.
  local me = first_line("echo $PPID")
  local watchdog = string.format(
    "while kill -0 %s 2>/dev/null; do sleep 1; done; "
    .. "pm=$(head -n 1 %s/postmaster.pid 2>/dev/null); "
    .. "if [ -n \"$pm\" ]; then kill -INT \"$pm\" 2>/dev/null; while kill -0 \"$pm\" 2>/dev/null; do sleep 0.1; done; fi; "
    .. "rm -rf %s", me, q(s.data), q(dir))
  -- setsid: its own session, so a kill of this process group (timeout, ctest) spares it.
  s.watchdog = first_line("setsid sh -c " .. q(watchdog) .. " </dev/null >/dev/null 2>&1 & echo $!")

  local pwfile = dir .. "/pwfile"
  spec.write(pwfile, s.password .. "\n")
  os.execute("chmod 644 " .. q(pwfile))
  local ok, out = sh(string.format("%s %s -D %s -U postgres -E UTF8 --locale=C -N --auth-local=trust "
    .. "--auth-host=scram-sha-256 --pwfile=%s </dev/null", run_as, q(bindir .. "/initdb"), q(s.data), q(pwfile)))
  os.remove(pwfile)
  if not ok then
    s:stop()
    error("initdb failed: " .. out, 2)
  end

  local conf = {
    listen_addresses = "'127.0.0.1'", unix_socket_directories = "'" .. dir .. "'",
    wal_level = "logical", max_worker_processes = 16, max_replication_slots = 10, max_wal_senders = 10,
    max_connections = 40, shared_buffers = "16MB", fsync = "off", synchronous_commit = "off",
    full_page_writes = "off", password_encryption = "'scram-sha-256'",
  }
  for k, v in pairs(opts.settings or {}) do conf[k] = v end
  local lines = {}
  for k, v in pairs(conf) do lines[#lines + 1] = k .. " = " .. tostring(v) end
  local f = assert(io.open(s.data .. "/postgresql.conf", "a"))
  f:write("\n# pgtest\n", table.concat(lines, "\n"), "\n")
  f:close()

  -- Its own port: a random one, another when the first is taken.
  local log = dir .. "/server.log"
  for _ = 1, 8 do
    s.port = math.random(20000, 60999)
    ok, out = sh(string.format("%s %s -D %s -l %s -w -t 30 -o %s start </dev/null", run_as,
      q(bindir .. "/pg_ctl"), q(s.data), q(log), q("-p " .. s.port)))
    if ok then break end
    if not s:log():find("could not bind", 1, true) and not s:log():find("already in use", 1, true) then break end
  end
  if not ok then
    local why = out .. "\n" .. s:log()
    s:stop()
    error("PostgreSQL did not start: " .. why, 2)
  end
  s:psql("create role azure_cdc_admin nologin")
  return s
end

--- Starts a server, runs body(server), stops the server whatever happened, and finishes
-- the spec (an error outside spec.it counts as a failure).
function pgtest.run(spec_module, body)
  local server = pgtest.start()
  local ok, err = xpcall(body, debug.traceback, server)
  server:stop()
  if not ok then
    spec_module.failed = spec_module.failed + 1
    io.stdout:write("FAIL (outside a test)\n  ", tostring(err):gsub("\n", "\n  "), "\n")
  end
  return spec_module.finish()
end

return pgtest
