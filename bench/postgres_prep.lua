-- postgres-prep against a database with many tables (default 10,000 in 5 schemas): wall
-- time and SQL round trips (statements in the server log), against a shell loop running
-- psql -c 'ALTER TABLE ... OWNER TO ...' once per table on the same database.
-- Run by bench/postgres-prep.sh; prints figures, passes or fails nothing.
local spec = require("spec")
local pgtest = require("pgtest")
local sim = require("sim")
local TABLES = tonumber(arg[1] or "10000")
local SCHEMAS = 5
local TENANT, APP, SECRET = "7d3a1f0e-5b6c-4d2e-8f90-1a2b3c4d5e6f", "aaaaaaaa-0000-4000-8000-0000000000f1", "bench secret"

local server = pgtest.start{ settings = { log_statement = "'all'", max_locks_per_transaction = 4096 } }
local ok, err = xpcall(function()
  local admin <close> = pg.connect(server:params())
  admin:exec(string.format([[DO $$ BEGIN
    FOR s IN 1..%d LOOP EXECUTE format('CREATE SCHEMA s%%s', s);
      FOR t IN 1..%d LOOP EXECUTE format('CREATE TABLE s%%s.t%%s (id int PRIMARY KEY)', s, t); END LOOP;
    END LOOP; END $$]], SCHEMAS, TABLES // SCHEMAS))
  local dir = spec.tmpdir()
  spec.write(dir .. "/seed.json", json.encode({
    entra = { default_tenant = TENANT, principals = { { tenant = TENANT, client_id = APP, client_secret = SECRET } } },
    keyvault = { vaults = { kv1 = { secrets = { ["pg-admin"] = server.password } } } } }))
  local s = sim.start("--seed " .. spec.quote(dir .. "/seed.json"))
  local schemas = {}
  for i = 1, SCHEMAS do schemas[i] = "s" .. i end
  local function log_lines()
    local n = 0
    -- simple-protocol statements log "statement:", parameterised ones "execute <unnamed>:"
    for line in server:log():gmatch("[^\n]+") do
      if line:match("LOG:%s+statement:") or line:match("LOG:%s+execute ") then n = n + 1 end
    end
    return n
  end

  local before = log_lines()
  local t0 = tarn.clock()
  local r = spec.run({ "--cloud", "local", "run", "postgres-prep", "--set", "server=127.0.0.1", "--set", "port=" .. server.port,
    "--set", "admin_user=postgres", "--set", "admin_password_secret=pg-admin", "--set", "keyvault=kv1",
    "--set", "tables=" .. table.concat(schemas, ",") },
    { env = { TARN_SIM_URL = s.url, AZURE_TENANT_ID = TENANT, AZURE_CLIENT_ID = APP, AZURE_CLIENT_SECRET = SECRET } })
  local tarn_time = tarn.clock() - t0
  assert(r.code == 0, r.err)
  local tarn_trips = log_lines() - before
  local owned = admin:value("SELECT count(*) FROM pg_tables WHERE tableowner = 'fabric_user' AND schemaname LIKE 's%'")

  -- The same transfer by hand: one psql process and statement per table.
  admin:exec("DO $$ DECLARE r record; BEGIN FOR r IN SELECT schemaname, tablename FROM pg_tables WHERE schemaname LIKE 's%' " ..
    "LOOP EXECUTE format('ALTER TABLE %I.%I OWNER TO postgres', r.schemaname, r.tablename); END LOOP; END $$")
  local script = dir .. "/loop.sh"
  spec.write(script, string.format([[
for s in $(seq 1 %d); do for t in $(seq 1 %d); do
  %s -q -h %s -p %d -U postgres -d postgres -c "ALTER TABLE s$s.t$t OWNER TO fabric_user" || exit 1
done; done
]], SCHEMAS, TABLES // SCHEMAS, server.bindir .. "/psql", server.host, server.port))
  before = log_lines()
  t0 = tarn.clock()
  local cmd = "sh " .. spec.quote(script)
  assert(os.execute(cmd), "the psql loop failed")
  local loop_time = tarn.clock() - t0
  local loop_trips = log_lines() - before

  print(string.format("postgres-prep, %d tables in %d schemas: %.1f s, %d SQL statements (%d tables given to the role)",
    TABLES, SCHEMAS, tarn_time, tarn_trips, owned))
  print(string.format("psql loop, one ALTER TABLE per table:       %.1f s, %d SQL statements", loop_time, loop_trips))
  print(string.format("ratio: %.1fx faster (target >= 20x); round trips %d vs %d", loop_time / tarn_time, tarn_trips, loop_trips))
  sim.stop_all()
end, debug.traceback)
server:stop()
if not ok then io.stderr:write(tostring(err), "\n"); os.exit(1) end
