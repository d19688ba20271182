---@meta pg
-- LuaLS stubs for `pg` (bindings/pg/pg_lua.cpp over tarn::pg::Connection, on libpq).

---PostgreSQL through libpq: connections as `pg.Conn` handles, `$1` parameters, typed
---results, structured errors, transactions with savepoints, and Ctrl-C that cancels the
---running query on the server. SQL is never built by pasting values: use parameters, and
---db:ident / db:literal (libpq's quoting) where SQL needs a name. See docs/api/pg.md.
---@class pglib
pg = {}

---@class pg.connect_options
---@field host? string a host name, an address, a Unix socket directory, or a comma-separated list
---@field port? integer|string the port (default 5432)
---@field dbname? string the database
---@field user? string the role to log in as
---@field password? string|secret a password or an Entra token (auth.token("postgres")); never shown
---@field sslmode? string disable, allow, prefer, require, verify-ca, verify-full (default: require for a non-local host, else libpq's prefer)
---@field sslrootcert? string CA certificates file for verify-ca / verify-full
---@field application_name? string shown in pg_stat_activity (default "tarn")
---@field connect_timeout? number seconds the whole connect may take (default 15; pg.ready: 5)
---@field statement_timeout? number|string seconds (a number) or a PostgreSQL duration ("5min"), set at connect
---@field options? string server options, e.g. "-c search_path=app"

---A connection. `tostring(db)` shows user@host:port/db and the state (idle, in transaction,
---in failed transaction, broken, or closed), never the password. `:close()`, `<close>` and
---garbage collection share one idempotent close; a closed handle raises `attempt to use a
---closed pg.Conn`.
---@class pg.Conn
local Conn = {}

---@class pg.query_options
---@field sql string one statement, with $1.. placeholders
---@field params? table the parameters; give `n` (table.pack) when the list has nil holes
---@field null? "null"|"nil" NULL as json.null (the default) or as nil (the key is absent)

---@class pg.query_info
---@field tag string the command tag, e.g. "UPDATE 3" or "SELECT 2"
---@field count? integer rows affected or returned; nil for commands without a count
---@field columns string[] the column names in order

---Connects and returns a handle. Takes a table of settings, or a postgresql:// URI (or a
---"key=value ..." string) with an optional table whose fields override it. Raises an
---error value of kind "pg" when the server cannot be reached or refuses the login, and
---"interrupted" on Ctrl-C. Passwords are registered with the redactor.
---@param target pg.connect_options|string settings, or a connection URI
---@param overrides? pg.connect_options fields that replace the URI's (password, statement_timeout, ...)
---@return pg.Conn db
function pg.connect(target, overrides) end

---Whether a server accepts connections (PQping): true, "ok" when it does, whoever logs in;
---false with "rejecting" (starting up, shutting down), "no response" or "invalid settings".
---Waits at most connect_timeout (default 5 s). For waiting on a server after a restart.
---@param target pg.connect_options|string settings, or a connection URI
---@param overrides? pg.connect_options
---@return boolean ready
---@return string status
function pg.ready(target, overrides) end

---db:ident(...) as a function: pg.ident(db, "schema", "table") is `"schema"."table"`.
---@param db pg.Conn
---@param ... string the name parts
---@return string sql
function pg.ident(db, ...) end

---db:literal(text) as a function: pg.literal(db, "it's") is `'it''s'`.
---@param db pg.Conn
---@param text string
---@return string sql
function pg.literal(db, text) end

---Runs one statement with $1.. parameters and returns its rows (a list of tables keyed by
---column name) and an info table. Parameters: strings, integers, floats, booleans, nil or
---json.null (NULL), secrets (revealed only to libpq), tables (JSON text, for json/jsonb).
---Values come back typed by column type: int2/4/8 and oid as integers, float4/8 as floats,
---numeric as an integer when whole and within 64 bits else its exact text, bool as a
---boolean, json/jsonb decoded, everything else (text, dates, arrays) as text. Raises a
---"pg" error value (sqlstate, message, detail, hint, position, statement, ...) on failure.
---@param sql string|pg.query_options the statement, or {sql =, params =, null =}
---@param ... any the parameters $1, $2, ... (vararg form only)
---@return table[] rows
---@return pg.query_info info
function Conn:query(sql, ...) end

---The first row of db:query(...), or nil when there is none.
---@param sql string|pg.query_options
---@param ... any the parameters
---@return table? row
function Conn:row(sql, ...) end

---The first column of the first row of db:query(...), or nil when there is no row.
---@param sql string|pg.query_options
---@param ... any the parameters
---@return any value
function Conn:value(sql, ...) end

---Runs any number of statements without parameters (a script, a DO block) in one round
---trip and returns the command tag of the last one. Several statements run as one
---implicit transaction unless they contain BEGIN/COMMIT.
---@param sql string
---@return string tag
function Conn:exec(sql) end

---Runs fn(db) inside BEGIN ... COMMIT and returns what fn returns. When fn raises, the
---transaction is rolled back and the same error value raised again. Inside another
---transaction it uses a savepoint instead, so calls nest. A failed statement whose error
---fn caught makes the commit a rollback and raises sqlstate 25P02.
---@param fn fun(db: pg.Conn): ...
---@return any ...
function Conn:transaction(fn) end

---Quotes a name as a SQL identifier with libpq (PQescapeIdentifier); several parts are
---joined with dots: db:ident("my schema", "t") is `"my schema"."t"`.
---@param ... string the name parts
---@return string sql
function Conn:ident(...) end

---Quotes text as a SQL string literal with libpq (PQescapeLiteral). Refuses secrets: pass
---them as $n parameters, or a password through db:encrypt_password.
---@param text string
---@return string sql
function Conn:literal(text) end

---The password verifier the server would store for role (PQencryptPasswordConn, with the
---server's password_encryption), for `ALTER ROLE ... PASSWORD` without sending the password
---itself. The verifier is registered with the redactor.
---@param role string the role name (SCRAM salts with it)
---@param password string|secret
---@return string verifier "SCRAM-SHA-256$4096:..."
function Conn:encrypt_password(role, password) end

---The server's version: server_version_num (150020) and server_version ("15.20 (Debian ...)").
---@return integer num
---@return string text
function Conn:version() end

---Closes the connection (the server rolls back an open transaction). Idempotent.
function Conn:close() end

return pg
