-- The pg module against a real PostgreSQL (a throwaway cluster from pgtest): connecting by
-- table and URI with passwords and secrets, typed results, every kind of parameter,
-- hostile identifiers, transactions, structured errors, timeouts, Ctrl-C, handles, notices,
-- and the password kept out of every output.
local spec = require("spec")
local pgtest = require("pgtest")
local core = require("tarn.core")

local null = json.null

-- Runs a Lua script in a fresh tarn; returns {code, out, err, seconds}.
local function tarn_script(source, opts)
  opts = opts or {}
  local dir = spec.tmpdir()
  local path = dir .. "/script.lua"
  spec.write(path, source)
  local args = {}
  for _, a in ipairs(opts.flags or {}) do args[#args + 1] = a end
  args[#args + 1] = path
  local t0 = core.clock()
  local r = spec.run(args, { env = opts.env, prefix = opts.prefix })
  r.seconds = core.clock() - t0
  os.execute("rm -rf " .. spec.quote(dir))
  return r
end

local function errors_of(fn)
  local ok, err = pcall(fn)
  if ok then error("expected an error, got none", 2) end
  return err
end

pgtest.run(spec, function(server)
  local admin <close> = pg.connect(server:params())
  local function tcp(extra)
    local p = server:params{ host = "127.0.0.1", password = server.password }
    for k, v in pairs(extra or {}) do p[k] = v end
    return p
  end

  -- A login role with a password, made with the module itself (verifier, ident, literal).
  local app_password = "App-Pw-" .. core.uuid():sub(1, 8)
  admin:exec("create role app_user login password " .. admin:literal(admin:encrypt_password("app_user", app_password)))

  spec.it("connects by table over the socket and shows user@host:port/db and the state", function()
    local db <close> = pg.connect(server:params())
    spec.eq(tostring(db), string.format("pg.Conn(postgres@%s:%d/postgres, idle)", server.host, server.port))
    spec.eq(db:value("select current_user"), "postgres")
    spec.eq(db:value("select current_setting('application_name')"), "tarn")
    db:exec("begin")
    spec.contains(tostring(db), ", in transaction)")
    pcall(db.exec, db, "select 1/0")
    spec.contains(tostring(db), ", in failed transaction)")
  end)

  spec.it("connects by URI, with a password in it or beside it, over TCP with SCRAM", function()
    local uri = string.format("postgresql://app_user:%s@127.0.0.1:%d/postgres?application_name=from-uri",
      app_password, server.port)
    local db <close> = pg.connect(uri)
    spec.eq(db:value("select current_user"), "app_user")
    spec.eq(db:value("select current_setting('application_name')"), "from-uri")
    spec.not_contains(tostring(db), app_password)
    local db2 <close> = pg.connect(string.format("postgresql://app_user@127.0.0.1:%d/postgres", server.port),
      { password = secret(app_password), application_name = "override" })
    spec.eq(db2:value("select current_user"), "app_user")
    spec.eq(db2:value("select current_setting('application_name')"), "override")
  end)

  spec.it("logs in with a password string and with a secret; a wrong one fails without showing it", function()
    local a <close> = pg.connect(tcp{ user = "app_user", password = app_password })
    spec.eq(a:value("select session_user"), "app_user")
    local b <close> = pg.connect(tcp{ user = "app_user", password = secret(app_password) })
    spec.eq(b:value("select session_user"), "app_user")
    local wrong = "Wrong-Pw-" .. core.uuid():sub(1, 8)
    local err = errors_of(function() pg.connect(tcp{ user = "app_user", password = wrong }) end)
    spec.eq(err.kind, "pg")
    spec.contains(err.message, "password authentication failed for user \"app_user\"")
    spec.contains(err.message, "could not connect to app_user@127.0.0.1:" .. server.port .. "/postgres")
    spec.not_contains(tostring(err), wrong)
    spec.not_contains(err.message, wrong)
    err = errors_of(function() pg.connect{ host = "127.0.0.1", port = server.port, user = "app_user", dbname = "postgres" } end)
    spec.contains(err.message, "no password supplied")
  end)

  spec.it("defaults sslmode to require for a non-local host and leaves local hosts to prefer", function()
    -- 0.0.0.0 reaches this loopback server but is not a local name, so TLS is required,
    -- and the test server has none.
    local err = errors_of(function() pg.connect(tcp{ host = "0.0.0.0" }) end)
    spec.contains(err.message, "server does not support SSL, but SSL was required")
    local ok_db <close> = pg.connect(tcp{ host = "0.0.0.0", sslmode = "disable" })
    spec.eq(ok_db:value("select 1"), 1)
    err = errors_of(function() pg.connect(tcp{ sslmode = "require" }) end)
    spec.contains(err.message, "server does not support SSL, but SSL was required")
    local local_db <close> = pg.connect(tcp{ host = "localhost" })
    spec.eq(local_db:value("select ssl from pg_stat_ssl where pid = pg_backend_pid()"), false)
  end)

  spec.it("talks UTF-8 even to a database in another encoding", function()
    admin:exec("create database latin1_db encoding 'LATIN1' locale 'C' template template0")
    local db <close> = pg.connect(server:params{ dbname = "latin1_db" })
    spec.eq(db:value("show server_encoding"), "LATIN1")
    spec.eq(db:value("show client_encoding"), "UTF8")
    db:exec("create table t(v text)")
    db:query("insert into t values ($1)", "çà ü")
    spec.eq(db:value("select v from t"), "çà ü")
    spec.eq(db:value("select octet_length(convert_to(v, 'LATIN1')) from t"), 4, "stored as LATIN1")
  end)

  spec.it("rejects bad connection settings before connecting, naming the field", function()
    spec.raises(function() pg.connect{ hots = "x" } end, "unknown connection field 'hots' (expected host, port")
    spec.raises(function() pg.connect{ port = 0 } end, "'port' must be a port number from 1 to 65535")
    spec.raises(function() pg.connect{ password = 42 } end, "'password' must be a string or secret, got number")
    spec.raises(function() pg.connect{ connect_timeout = -1 } end, "'connect_timeout' must be a positive number")
    spec.raises(function() pg.connect(42) end, "connection table or postgresql:// URI expected")
    spec.raises(function() pg.connect("postgresql://h/db?nonsense=1") end,
      "invalid connection string: invalid URI query parameter: \"nonsense\"")
    local err = errors_of(function() pg.connect{ host = "127.0.0.1", port = 1, connect_timeout = 5 } end)
    spec.eq(err.kind, "pg")
    spec.contains(err.message, "could not connect to ")
    spec.contains(err.message, "Connection refused")
  end)

  spec.it("pg.ready says whether a server accepts connections", function()
    spec.eq({ pg.ready(server:params()) }, { true, "ok" })
    spec.eq({ pg.ready(tcp()) }, { true, "ok" })
    spec.eq({ pg.ready(tcp{ user = "nobody_here", password = "x" }) }, { true, "ok" })  -- up, whoever logs in
    spec.eq({ pg.ready{ host = "127.0.0.1", port = 1 } }, { false, "no response" })
    spec.eq({ pg.ready(string.format("postgresql://127.0.0.1:%d/postgres", server.port)) }, { true, "ok" })
  end)

  spec.it("types results by column type: integers stay exact, numeric, floats, bool, json, text", function()
    local row = admin:row([[
      select 9223372036854775807::int8 as big, (-32768)::int2 as small, 7::int4 as int, 'pg_class'::regclass::oid as oid,
             count(*) as n, 1.5::float8 as f8, 0.25::float4 as f4, 'NaN'::float8 as nan, '-Infinity'::float8 as ninf,
             123456789012345678::numeric as num_whole, 2.50::numeric(5,2) as num_frac,
             123456789012345678901234567890::numeric as num_huge, 'NaN'::numeric as num_nan,
             true as yes, false as no, '{"a": [1, 2.5, null], "b": {"c": "d"}}'::jsonb as jb,
             '[1, "x"]'::json as js, 'text'::text as t, 'v'::varchar(3) as v, 'nm'::name as nm,
             '{1,2}'::int[] as arr, 'r'::"char" as ch, '2024-01-02'::date as d
      from (values (1), (2), (3)) x]])
    spec.eq(row.big, 9223372036854775807)
    spec.eq(math.type(row.big), "integer")
    spec.eq(row.small, -32768)
    spec.eq(row.int, 7)
    spec.eq(row.oid, 1259)
    spec.eq(math.type(row.n), "integer", "count(*)")
    spec.eq(row.n, 3)
    spec.eq(row.f8, 1.5)
    spec.eq(math.type(row.f8), "float")
    spec.eq(row.f4, 0.25)
    spec.truthy(row.nan ~= row.nan, "NaN")
    spec.eq(row.ninf, -math.huge)
    spec.eq(row.num_whole, 123456789012345678)
    spec.eq(math.type(row.num_whole), "integer")
    spec.eq(row.num_frac, "2.50")
    spec.eq(row.num_huge, "123456789012345678901234567890")
    spec.eq(row.num_nan, "NaN")
    spec.eq(row.yes, true)
    spec.eq(row.no, false)
    spec.eq(row.jb, { a = { 1, 2.5, null }, b = { c = "d" } })
    spec.eq(math.type(row.jb.a[1]), "integer")
    spec.eq(row.js, { 1, "x" })
    spec.eq(row.t, "text")
    spec.eq(row.v, "v")
    spec.eq(row.nm, "nm")
    spec.eq(row.arr, "{1,2}")
    spec.eq(row.ch, "r")
    spec.eq(row.d, "2024-01-02")
    spec.eq(admin:value("select sum(x) from (values (9000000000000000000::int8), (1::int8)) v(x)"),
      9000000000000000001, "sum(int8) is numeric, still an exact integer")
  end)

  spec.it("returns NULL as json.null by default and as nil with null = \"nil\"", function()
    local rows = admin:query("select null::int as a, 1 as b")
    spec.truthy(rows[1].a == null, "json.null")
    rows = admin:query{ sql = "select null::int as a, 1 as b", null = "nil" }
    spec.eq(rows[1], { b = 1 })
    spec.eq(admin:value{ sql = "select null::text", null = "nil" }, nil)
    spec.truthy(admin:value("select null::text") == null)
    spec.eq(admin:row("select 1 where false"), nil)
    spec.eq(admin:value("select 1 where false"), nil)
  end)

  spec.it("returns rows in order with the command tag, row count and columns", function()
    admin:exec("create table items(id int primary key, name text)")
    local rows, info = admin:query("insert into items values (1, 'a'), (2, 'b'), (3, 'c')")
    spec.eq(#rows, 0)
    spec.eq(info.tag, "INSERT 0 3")
    spec.eq(info.count, 3)
    rows, info = admin:query("update items set name = upper(name) where id >= $1", 2)
    spec.eq(info, { tag = "UPDATE 2", count = 2, columns = {} })
    rows, info = admin:query("select id, name from items order by id")
    spec.eq(rows, { { id = 1, name = "a" }, { id = 2, name = "B" }, { id = 3, name = "C" } })
    spec.eq(info, { tag = "SELECT 3", count = 3, columns = { "id", "name" } })
    rows = admin:query("select * from items where false")
    spec.eq(json.encode(rows), "[]")
    spec.eq(admin:exec("create temp table scratch(x int); insert into scratch values (1), (2)"), "INSERT 0 2")
    spec.eq(select(2, admin:query("create temp table scratch2(x int)")).count, nil)
    admin:exec("drop table items")
  end)

  spec.it("sends every kind of Lua value as a parameter", function()
    local row = admin:row([[select $1::text as s, $2::int8 as i, $3::float8 as f, $4::bool as b, $5::text is null as n,
                                   $6::int is null as jn, $7::text as sec, $8::jsonb as j, $9::numeric as big,
                                   $10::float8 as inf, 5 = $11 as inferred]],
      "it's \"quoted\" ; -- not SQL", math.maxinteger, 0.1, true, nil, null, secret("s3cret-param"),
      { k = { 1, 2 }, e = setmetatable({}, json.object_mt) }, 12345678901234, math.huge, 5)
    spec.eq(row.s, "it's \"quoted\" ; -- not SQL")
    spec.eq(row.i, math.maxinteger)
    spec.eq(row.f, 0.1)
    spec.eq(row.b, true)
    spec.eq(row.n, true)
    spec.eq(row.jn, true)
    spec.eq(row.sec, "s3cret-param")
    spec.eq(row.j.k, { 1, 2 })
    spec.eq(row.big, 12345678901234)
    spec.eq(row.inf, math.huge)
    spec.eq(row.j.e, setmetatable({}, json.object_mt))
    spec.eq(json.encode(row.j), '{"e":{},"k":[1,2]}')
    spec.eq(row.inferred, true, "an untyped parameter takes the type the server infers")
    -- the table form: a list with holes counted by n (table.pack)
    local r2 = admin:row{ sql = "select $1::int as a, $2::int is null as b, $3::text as c", params = table.pack(1, nil, "z") }
    spec.eq(r2, { a = 1, b = true, c = "z" })
    -- trailing nils in the vararg form still count
    spec.eq(admin:value("select $1::text is null and $2::text is null", nil, nil), true)
  end)

  spec.it("refuses values it cannot send and malformed query calls, naming the parameter", function()
    spec.raises(function() admin:query("select $1", print) end,
      "parameter $1: cannot send a function (expected a string, number, boolean, nil, json.null, secret or table)")
    spec.raises(function() admin:query("select $1, $2", 1, "a\0b") end,
      "parameter $2 contains a zero byte, which PostgreSQL text cannot hold")
    spec.raises(function() admin:query("select $1", { f = print }) end, "parameter $1: json.encode: cannot encode function")
    spec.raises(function() admin:query{ sql = "select 1", parms = {} } end, "unknown query field 'parms' (expected sql, params, null)")
    spec.raises(function() admin:query{ sql = "select 1", null = "none" } end, "'null' must be \"null\"")
    spec.raises(function() admin:query{ params = {} } end, "'sql' is required")
    spec.raises(function() admin:query(42) end, "SQL string or query table expected")
    spec.raises(function() admin:query("select 1; select 2") end, "cannot insert multiple commands into a prepared statement")
  end)

  spec.it("round-trips hostile role, schema, table and column names through db:ident", function()
    local role, schema, tbl, col = 'fabric "user"; DROP', "schéma ünïcode", "a;b c", "col $$ 'x'"
    local roles_before = admin:value("select count(*) from pg_roles")
    local pw = "Hostile-Pw-" .. core.uuid():sub(1, 8)
    admin:exec("create role " .. admin:ident(role) .. " login password " .. admin:literal(admin:encrypt_password(role, pw)))
    admin:exec("grant azure_cdc_admin to " .. admin:ident(role))
    admin:exec("create schema " .. admin:ident(schema))
    admin:exec("create table " .. admin:ident(schema, tbl) .. " (id int primary key, " .. admin:ident(col) .. " text)")
    admin:exec("grant usage, create on schema " .. pg.ident(admin, schema) .. " to " .. admin:ident(role))
    admin:exec("alter table " .. admin:ident(schema, tbl) .. " owner to " .. admin:ident(role))
    spec.eq(admin:value("select count(*) from pg_roles"), roles_before + 1, "exactly one role created")
    spec.eq(admin:row([[select n.nspname, c.relname, pg_get_userbyid(c.relowner) as owner,
                               pg_has_role(pg_get_userbyid(c.relowner), 'azure_cdc_admin', 'member') as cdc
                        from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = $1]], tbl),
      { nspname = schema, relname = tbl, owner = role, cdc = true })
    -- the hostile role logs in with its password and uses its table
    local db <close> = pg.connect(tcp{ user = role, password = pw })
    spec.eq(db:value("select current_user"), role)
    db:query("insert into " .. db:ident(schema, tbl) .. " values ($1, $2)", 1, "'; drop table x; --")
    spec.eq(db:value("select " .. db:ident(col) .. " from " .. db:ident(schema, tbl) .. " where id = $1", 1),
      "'; drop table x; --")
    spec.eq(server:psql("select count(*) from pg_roles where rolname = 'DROP' or rolname = 'fabric'"), "0")
  end)

  spec.it("passes a value into a DO block through set_config, for set-based ownership transfer", function()
    local owner = 'own$do$er "x"'
    admin:exec("create role " .. admin:ident(owner))
    admin:exec("create schema batch")
    for i = 1, 3 do admin:exec("create table batch." .. admin:ident("t " .. i) .. " (id int)") end
    admin:transaction(function(db)
      db:query("select set_config('tarn.new_owner', $1, true)", owner)
      db:exec([[do $do$ declare r record; begin
        for r in select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where n.nspname = 'batch' and c.relkind = 'r' loop
          execute format('alter table %I.%I owner to %I', r.nspname, r.relname, current_setting('tarn.new_owner'));
        end loop; end $do$]])
    end)
    spec.eq(admin:value([[select array_agg(distinct pg_get_userbyid(relowner))::text from pg_class
                          where relnamespace = 'batch'::regnamespace]]), '{"own$do$er \\"x\\""}')
  end)

  spec.it("quotes literals with libpq, and both call forms work", function()
    for _, s in ipairs({ "it's", "back\\slash", "mixed ' \\ \"", "ünïcode", "" }) do
      spec.eq(admin:value("select " .. admin:literal(s)), s)
      spec.eq(admin:value("select " .. pg.literal(admin, s)), s)
    end
    spec.eq(admin:ident("a"), '"a"')
    spec.eq(pg.ident(admin, "my schema", 'ta"ble'), '"my schema"."ta""ble"')
    spec.raises(function() admin:literal(secret("hidden-literal")) end, "a secret is not pasted into SQL")
    spec.raises(function() admin:ident("") end, "an identifier cannot be empty")
    spec.raises(function() admin:ident("a\0b") end, "the identifier contains a zero byte")
    spec.raises(function() pg.ident("not a connection", "x") end, "pg.Conn expected")
  end)

  spec.it("commits a transaction and returns what fn returned", function()
    admin:exec("create table tx(v text)")
    local other <close> = pg.connect(server:params())
    local a, b = admin:transaction(function(db)
      db:query("insert into tx values ($1)", "committed")
      spec.eq(other:value("select count(*) from tx"), 0, "not visible before commit")
      return "r1", 2
    end)
    spec.eq({ a, b }, { "r1", 2 })
    spec.eq(other:value("select count(*) from tx"), 1)
    spec.contains(tostring(admin), ", idle)")
  end)

  spec.it("rolls back when fn raises and re-raises the same error value", function()
    local mine = setmetatable({}, { __tostring = function() return "my error" end })
    local err = errors_of(function()
      admin:transaction(function(db)
        db:query("insert into tx values ('rolled back')")
        error(mine)
      end)
    end)
    spec.truthy(rawequal(err, mine), "the same error value")
    spec.eq(admin:value("select count(*) from tx where v = 'rolled back'"), 0)
    spec.contains(tostring(admin), ", idle)")
    -- a pg error inside keeps its fields
    err = errors_of(function() admin:transaction(function(db) db:query("select * from missing_in_tx") end) end)
    spec.eq(err.sqlstate, "42P01")
  end)

  spec.it("nests with savepoints: an inner failure caught by the outer fn rolls back only the inner part", function()
    admin:exec("truncate tx")
    admin:transaction(function(db)
      db:query("insert into tx values ('outer')")
      local ok = pcall(db.transaction, db, function()
        db:query("insert into tx values ('inner')")
        db:query("select 1/0")
      end)
      spec.eq(ok, false)
      db:transaction(function() db:query("insert into tx values ('inner ok')") end)
    end)
    spec.eq(admin:query("select v from tx order by v"), { { v = "inner ok" }, { v = "outer" } })
  end)

  spec.it("refuses to commit a transaction whose failed statement was caught inside fn", function()
    admin:exec("truncate tx")
    local err = errors_of(function()
      admin:transaction(function(db)
        db:query("insert into tx values ('lost')")
        pcall(db.query, db, "select 1/0")
      end)
    end)
    spec.eq(err.kind, "pg")
    spec.eq(err.sqlstate, "25P02")
    spec.contains(err.message, "the transaction was rolled back")
    spec.eq(admin:value("select count(*) from tx"), 0)
    spec.contains(tostring(admin), ", idle)")
  end)

  spec.it("raises structured errors: sqlstate, message, position, detail, table, constraint, statement", function()
    local err = errors_of(function() admin:query("select * from no_such_table") end)
    spec.eq(getmetatable(err).__name, "error")
    spec.eq(err.kind, "pg")
    spec.eq(err.sqlstate, "42P01")
    spec.eq(err.message, 'relation "no_such_table" does not exist')
    spec.eq(err.severity, "ERROR")
    spec.eq(err.position, 15)
    spec.eq(err.statement, "select * from no_such_table")
    spec.eq(tostring(err), 'pg error: relation "no_such_table" does not exist (sqlstate 42P01)')
    err = errors_of(function() admin:query("select 1 frm x") end)  -- frm reads as an alias: x is wrong
    spec.eq(err.sqlstate, "42601")
    spec.eq(err.message, 'syntax error at or near "x"')
    spec.eq(err.position, 14)
    spec.eq(math.type(err.position), "integer")
    admin:exec("create table uniq(id int constraint uniq_pk primary key)")
    admin:exec("insert into uniq values (1)")
    err = errors_of(function() admin:exec("insert into uniq values (2); insert into uniq values (1)") end)
    spec.eq(err.sqlstate, "23505")
    spec.eq(err.detail, "Key (id)=(1) already exists.")
    spec.eq(err.table, "uniq")
    spec.eq(err.constraint, "uniq_pk")
    spec.eq(admin:value("select count(*) from uniq"), 1, "the multi-statement exec ran as one transaction")
    err = errors_of(function() admin:exec("do $$ begin raise exception 'boom' using hint = 'try again'; end $$") end)
    spec.eq(err.message, "boom")
    spec.eq(err.hint, "try again")
  end)

  spec.it("applies statement_timeout at connect: a long query fails with sqlstate 57014", function()
    local db <close> = pg.connect(server:params{ statement_timeout = 0.2 })
    spec.eq(db:value("show statement_timeout"), "200ms")
    local t0 = core.clock()
    local err = errors_of(function() db:query("select pg_sleep(5)") end)
    spec.eq(err.sqlstate, "57014")
    spec.contains(err.message, "statement timeout")
    spec.truthy(core.clock() - t0 < 3, "stopped by the timeout")
    local db2 <close> = pg.connect(server:params{ statement_timeout = "5min" })
    spec.eq(db2:value("show statement_timeout"), "5min")
  end)

  spec.it("Ctrl-C cancels the running query on the server and exits 130", function()
    local r = tarn_script([[
      local db = pg.connect{ host = os.getenv("PGT_HOST"), port = tonumber(os.getenv("PGT_PORT")),
                             user = "postgres", dbname = "postgres", application_name = "tarn-cancel-test" }
      print("connected")
      io.stdout:flush()
      db:query("select pg_sleep(30)")
      print("not reached")
    ]], { env = { PGT_HOST = server.host, PGT_PORT = tostring(server.port) },
          prefix = { "timeout", "--preserve-status", "-s", "INT", "1" } })
    spec.eq(r.code, 130, "exit code; stderr: " .. r.err)
    spec.truthy(r.seconds < 5, "exited promptly (" .. r.seconds .. " s)")
    spec.contains(r.out, "connected")
    spec.not_contains(r.out, "not reached")
    spec.contains(r.err, "interrupted")
    -- The server was told: the backend is not left running pg_sleep for 30 s.
    local left
    for _ = 1, 40 do
      left = server:psql("select count(*) from pg_stat_activity where application_name = 'tarn-cancel-test'")
      if left == "0" then break end
      core.sleep(0.05)
    end
    spec.eq(left, "0", "backends of the interrupted script")
    spec.contains(server:log(), "canceling statement due to user request")
  end)

  spec.it("gives up a connect that gets no answer after connect_timeout, and on Ctrl-C", function()
    -- A stopped postmaster: the kernel still accepts the TCP connection, nobody answers.
    local pid = assert(io.open(server.data .. "/postmaster.pid")):read("l")
    os.execute("kill -STOP " .. pid)
    local ok, err = pcall(function()
      local t0 = core.clock()
      local e = errors_of(function() pg.connect(tcp{ connect_timeout = 0.5 }) end)
      spec.eq(e.kind, "pg")
      spec.contains(e.message, "could not connect to postgres@127.0.0.1:" .. server.port .. "/postgres: no answer within 0.5 s")
      spec.truthy(core.clock() - t0 < 2, "gave up in time")
      local r = tarn_script(string.format([[
        pg.connect{ host = "127.0.0.1", port = %d, user = "postgres", password = "x", dbname = "postgres" }
        print("not reached")
      ]], server.port), { prefix = { "timeout", "--preserve-status", "-s", "INT", "0.5" } })
      spec.eq(r.code, 130, r.err)
      spec.truthy(r.seconds < 3, "exited promptly")
      spec.contains(r.err, "interrupted")
    end)
    os.execute("kill -CONT " .. pid)
    if not ok then error(err, 0) end
  end)

  spec.it("closes handles with :close(), <close> and garbage collection; a closed handle refuses use", function()
    local db = pg.connect(server:params{ application_name = "tarn-close-test" })
    local function open_backends()
      return admin:value("select count(*) from pg_stat_activity where application_name = 'tarn-close-test'")
    end
    spec.eq(open_backends(), 1)
    db:close()
    db:close()  -- idempotent
    spec.eq(tostring(db), "pg.Conn(closed)")
    spec.raises(function() db:query("select 1") end, "attempt to use a closed pg.Conn")
    spec.raises(function() db:exec("select 1") end, "attempt to use a closed pg.Conn")
    spec.raises(function() db:ident("x") end, "attempt to use a closed pg.Conn")
    local kept
    do
      local scoped <close> = pg.connect(server:params{ application_name = "tarn-close-test" })
      kept = scoped
      spec.eq(scoped:value("select 1"), 1)
    end
    spec.eq(tostring(kept), "pg.Conn(closed)")
    pg.connect(server:params{ application_name = "tarn-close-test" })  -- dropped at once
    collectgarbage()
    collectgarbage()
    local n
    for _ = 1, 40 do
      n = open_backends()
      if n == 0 then break end
      core.sleep(0.05)
    end
    spec.eq(n, 0, "backends left open")
  end)

  spec.it("keeps the password out of errors, tostring, tracebacks and --debug output", function()
    local pw = "Leak-Check-" .. core.uuid():sub(1, 12)
    admin:exec("alter role app_user password " .. admin:literal(admin:encrypt_password("app_user", pw)))
    local dir = spec.tmpdir()
    spec.write(dir .. "/s.lua", ([[
      local pw = os.getenv("PGT_PW")
      local p = { host = "127.0.0.1", port = PORT, user = "app_user", dbname = "postgres", password = pw }
      local db = pg.connect(p)
      print(tostring(db))
      print(select(2, pcall(db.query, db, "select $1::int", pw)))
      print(select(2, pcall(db.query, db, "select '" .. pw .. "'::int")))
      print(select(2, pcall(pg.connect, { host = "127.0.0.1", port = PORT, user = "nobody_here", password = pw })))
      local uri_db = pg.connect("postgresql://app_user:" .. pw .. "@127.0.0.1:" .. PORT .. "/postgres")
      print(tostring(uri_db))
      db:query("select $1::int", pw)
    ]]):gsub("PORT", tostring(server.port)))
    local r = spec.run({ "--debug", dir .. "/s.lua" }, { env = { PGT_PW = pw } })
    os.execute("rm -rf " .. spec.quote(dir))
    local all = r.out .. r.err
    spec.eq(r.code, 1, all)
    spec.contains(all, "pg.Conn(app_user@127.0.0.1:" .. server.port .. "/postgres, idle)")
    spec.contains(all, 'invalid input syntax for type integer: "***"')
    spec.contains(all, "password authentication failed for user \"nobody_here\"")
    spec.contains(all, "pg: connected to app_user@127.0.0.1")  -- --debug logging happened
    spec.contains(all, "stack traceback")
    spec.not_contains(all, pw)
  end)

  spec.it("sends notices to the log on stderr: NOTICE as info, WARNING as a warning", function()
    local r = tarn_script(string.format([[
      local db = pg.connect{ host = %q, port = %d, user = "postgres", dbname = "postgres" }
      db:exec("do $$ begin raise notice 'hello %%', 42; raise warning 'careful' using detail = 'the detail'; end $$")
      db:exec("drop table if exists never_there")
      db:query("select 1 where false")
    ]], server.host, server.port))
    spec.eq(r.code, 0, r.err)
    spec.contains(r.err, "postgres: hello 42\n")
    spec.contains(r.err, "warning: postgres: careful (the detail)\n")
    spec.contains(r.err, 'postgres: table "never_there" does not exist, skipping\n')
    spec.eq(r.out, "")
  end)

  spec.it("reports the server version", function()
    local num, text = admin:version()
    spec.eq(math.type(num), "integer")
    spec.eq(num, admin:value("select current_setting('server_version_num')::int"))
    spec.truthy(num >= 140000, "PostgreSQL 14 or later")
    spec.eq(text, admin:value("show server_version"))
  end)

  spec.it("makes password verifiers with the server's algorithm", function()
    local v = admin:encrypt_password("app_user", secret("Another-Pw-1"))
    spec.matches(v, "^SCRAM%-SHA%-256%$4096:")
    admin:exec("alter role app_user password " .. admin:literal(v))
    local db <close> = pg.connect(tcp{ user = "app_user", password = "Another-Pw-1" })
    spec.eq(db:value("select current_user"), "app_user")
    spec.raises(function() admin:encrypt_password("app_user", "") end, "the password is empty")
  end)
end)
