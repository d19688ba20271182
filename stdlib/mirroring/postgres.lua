--- The PostgreSQL side of Fabric mirroring: what a source database needs (role, grants,
-- table ownership, seed table) read and changed with set-based SQL, so the number of round
-- trips does not grow with the number of tables. Used by recipes/postgres-prep.lua.
-- Every name travels as a $n parameter or through db:ident (libpq quoting); none is pasted.
local M = {}

-- Column types Fabric does not mirror (reference §1.5, Nov 2025 list; newer servers accept
-- more, so these are reported as warnings, not failures).
M.unsupported_types = { "bit", "varbit", "box", "cidr", "circle", "inet", "interval", "json", "jsonb", "line", "lseg",
  "macaddr", "macaddr8", "path", "pg_lsn", "pg_snapshot", "point", "polygon", "tsquery", "tsvector", "txid_snapshot", "xml" }
M.table_limit = 500 -- the documented limit (Nov 2025); a Feb 2026 revision raises it to 1,000

--- Splits the "what to mirror" list: "schema" or "schema.table" strings (split at the first
-- dot), or { schema = , table = } tables. Returns { schemas = {...}, tables = {{s, t}, ...} }.
function M.scope(list)
  local out = { schemas = {}, tables = {} }
  for i, item in ipairs(list or {}) do
    if type(item) == "table" and type(item.schema) == "string" then
      if item.table then out.tables[#out.tables + 1] = { item.schema, item.table }
      else out.schemas[#out.schemas + 1] = item.schema end
    elseif type(item) == "string" and item ~= "" then
      local s, t = item:match("^([^%.]+)%.(.+)$")
      if s then out.tables[#out.tables + 1] = { s, t } else out.schemas[#out.schemas + 1] = item end
    else
      error(string.format("tables[%d]: expected \"schema\", \"schema.table\" or {schema=, table=}, got %s", i, tostring(item)), 0)
    end
  end
  if #out.schemas == 0 and #out.tables == 0 then out.schemas = { "public" } end
  return out
end

--- The schemas involved: listed schemas plus the schemas of listed tables, de-duplicated.
function M.schemas(scope)
  local seen, list = {}, {}
  for _, s in ipairs(scope.schemas) do if not seen[s] then seen[s] = true; list[#list + 1] = s end end
  for _, t in ipairs(scope.tables) do if not seen[t[1]] then seen[t[1]] = true; list[#list + 1] = t[1] end end
  return list
end

-- The tables to mirror, as a CTE over $1 (schemas, JSON array) and $2 (tables, JSON array of
-- [schema, table] pairs): ordinary tables only (no partitions, views, foreign tables).
local WANTED = [[
  wanted AS (
    SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relowner
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND NOT c.relispartition
      AND (n.nspname IN (SELECT jsonb_array_elements_text($1::jsonb))
           OR (n.nspname, c.relname) IN (SELECT e->>0, e->>1 FROM jsonb_array_elements($2::jsonb) e)))]]

local function args(scope) return json.array(scope.schemas), json.array(scope.tables) end

--- What the server says about the settings mirroring needs, read over SQL.
function M.server_settings(db)
  return db:row{ null = "nil", sql = [[
    SELECT current_setting('wal_level') AS wal_level,
           current_setting('max_worker_processes')::int AS max_worker_processes,
           current_setting('azure.fabric_mirror_enabled', true) AS fabric_mirror_enabled,
           current_setting('azure.mirror_databases', true) AS mirror_databases,
           current_setting('server_version_num')::int AS version_num,
           current_database() AS database,
           (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser]] }
end

--- The role's state in one round trip: attributes, azure_cdc_admin membership, database
-- and schema privileges, default privileges of the current user in those schemas.
function M.role_state(db, role, schemas)
  local row = db:row{ sql = [[
    WITH r AS (SELECT * FROM pg_roles WHERE rolname = $1),
         s AS (SELECT n.oid, n.nspname FROM pg_namespace n WHERE n.nspname IN (SELECT jsonb_array_elements_text($2::jsonb)))
    SELECT (SELECT count(*) FROM r) = 1 AS exists,
           (SELECT rolcanlogin AND rolreplication AND rolcreatedb AND rolcreaterole FROM r) AS attributes,
           EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'azure_cdc_admin') AS cdc_role_exists,
           EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.roleid JOIN r ON r.oid = m.member
                   WHERE a.rolname = 'azure_cdc_admin') AS cdc_granted,
           (SELECT has_database_privilege(r.oid, current_database(), 'CREATE') FROM r) AS db_create,
           (SELECT json_agg(s.nspname ORDER BY s.nspname) FROM s) AS schemas_present,
           (SELECT json_agg(s.nspname ORDER BY s.nspname) FROM s, r
             WHERE NOT (has_schema_privilege(r.oid, s.oid, 'USAGE') AND has_schema_privilege(r.oid, s.oid, 'CREATE'))) AS schemas_missing,
           (SELECT json_agg(s.nspname ORDER BY s.nspname) FROM s, r WHERE NOT EXISTS (
              SELECT 1 FROM pg_default_acl d, aclexplode(d.defaclacl) a
              WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                AND d.defaclnamespace = s.oid AND d.defaclobjtype = 'r' AND a.grantee = r.oid
              GROUP BY d.oid HAVING count(DISTINCT a.privilege_type) >= 7)) AS default_missing,
           (SELECT pg_has_role(current_user, r.oid, 'MEMBER') FROM r) AS admin_is_member]],
    params = { role, json.array(schemas) }, null = "nil" }
  row.schemas_present = row.schemas_present or {}
  row.schemas_missing = row.schemas_missing or {}
  row.default_missing = row.default_missing or {}
  return row
end

--- Creates the role, or alters it, to LOGIN REPLICATION CREATEDB CREATEROLE; with a
-- password (a secret), sets it as a SCRAM verifier computed here, so the plain text never
-- reaches the server or its logs.
function M.set_role(db, role, password, exists)
  local sql = (exists and "ALTER ROLE " or "CREATE ROLE ") .. db:ident(role) .. " WITH LOGIN REPLICATION CREATEDB CREATEROLE"
  if password then sql = sql .. " PASSWORD " .. db:literal(db:encrypt_password(role, password)) end
  db:exec(sql)
end

--- Grants what is missing (from role_state) in one round trip.
function M.grant(db, role, state, database)
  local r = db:ident(role)
  local stmts = {}
  if not state.cdc_granted then stmts[#stmts + 1] = "GRANT azure_cdc_admin TO " .. r end
  if not state.db_create then stmts[#stmts + 1] = "GRANT CREATE ON DATABASE " .. db:ident(database) .. " TO " .. r end
  for _, s in ipairs(state.schemas_missing) do stmts[#stmts + 1] = "GRANT USAGE, CREATE ON SCHEMA " .. db:ident(s) .. " TO " .. r end
  for _, s in ipairs(state.default_missing) do
    stmts[#stmts + 1] = "ALTER DEFAULT PRIVILEGES IN SCHEMA " .. db:ident(s) .. " GRANT ALL ON TABLES TO " .. r
  end
  -- ALTER TABLE ... OWNER TO needs the admin to be a member of the new owner (PG 16+ no
  -- longer makes a role's creator a member).
  if not state.admin_is_member then stmts[#stmts + 1] = "GRANT " .. r .. " TO CURRENT_USER" end
  if #stmts > 0 then db:exec(table.concat(stmts, ";\n")) end
  return stmts
end

--- What the grants would change, as text, or nil.
function M.missing_grants(state)
  local missing = {}
  if not state.cdc_granted then missing[#missing + 1] = "azure_cdc_admin" end
  if not state.db_create then missing[#missing + 1] = "CREATE on the database" end
  if #state.schemas_missing > 0 then missing[#missing + 1] = "USAGE, CREATE on " .. table.concat(state.schemas_missing, ", ") end
  if #state.default_missing > 0 then missing[#missing + 1] = "default privileges in " .. table.concat(state.default_missing, ", ") end
  if not state.admin_is_member then missing[#missing + 1] = "membership of the admin in the role" end
  return #missing > 0 and table.concat(missing, "; ") or nil
end

--- The seed table's state: exists, has a row, owned by role.
function M.seed_state(db, role)
  return db:row{ sql = [[
    SELECT to_regclass('public.fabric_mirror_seed') IS NOT NULL AS exists,
           (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass('public.fabric_mirror_seed')) = $1 AS owned]],
    params = { role }, null = "nil" }
end

--- Creates the seed table with one row, owned by the role (one round trip).
function M.ensure_seed(db, role)
  db:exec([[
    CREATE TABLE IF NOT EXISTS public.fabric_mirror_seed (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO public.fabric_mirror_seed (created_at) SELECT now() WHERE NOT EXISTS (SELECT 1 FROM public.fabric_mirror_seed);
    ALTER TABLE public.fabric_mirror_seed OWNER TO ]] .. db:ident(role))
end

--- Facts about the tables to mirror, in one round trip: how many, how many not owned by
-- the role, which lack a primary key or a non-null unique index, which have columns of
-- types Fabric does not mirror.
function M.table_report(db, role, scope)
  local s, t = args(scope)
  local row = db:row{ sql = "WITH" .. WANTED .. [[,
    keyed AS (SELECT DISTINCT i.indrelid FROM pg_index i WHERE i.indisprimary
                OR (i.indisunique AND i.indpred IS NULL AND NOT EXISTS (
                    SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) AND NOT a.attnotnull)))
    SELECT (SELECT count(*) FROM wanted) AS total,
           (SELECT count(*) FROM wanted WHERE relowner IS DISTINCT FROM (SELECT oid FROM pg_roles WHERE rolname = $3)) AS not_owned,
           (SELECT json_agg(schema || '.' || name ORDER BY schema, name) FROM wanted w WHERE w.oid NOT IN (SELECT indrelid FROM keyed)) AS no_key,
           (SELECT json_agg(w.schema || '.' || w.name || '.' || a.attname || ' (' || ty.typname || ')' ORDER BY w.schema, w.name, a.attnum)
              FROM wanted w JOIN pg_attribute a ON a.attrelid = w.oid AND a.attnum > 0 AND NOT a.attisdropped
              JOIN pg_type ty ON ty.oid = a.atttypid
              WHERE ty.typname IN (SELECT jsonb_array_elements_text($4::jsonb))) AS unsupported]],
    params = { s, t, role, json.array(M.unsupported_types) }, null = "nil" }
  row.no_key = row.no_key or {}
  row.unsupported = row.unsupported or {}
  return row
end

--- Transfers ownership of every table to mirror to the role in one batch: one DO block
-- loops over the tables server-side, so the round trips do not depend on the table count.
-- The role and the scope reach the block through transaction-local settings (a DO block
-- takes no parameters).
function M.transfer_ownership(db, role, scope)
  local s, t = args(scope)
  local moved
  db:transaction(function()
    db:query("SELECT set_config('tarn.role', $1, true), set_config('tarn.schemas', $2, true), set_config('tarn.tables', $3, true)",
      role, json.encode(s), json.encode(t))
    db:exec([[
      DO $tarn$
      DECLARE r record; n bigint := 0;
      BEGIN
        FOR r IN
          SELECT n.nspname AS schema, c.relname AS name
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind = 'r' AND NOT c.relispartition
            AND c.relowner IS DISTINCT FROM (SELECT oid FROM pg_roles WHERE rolname = current_setting('tarn.role'))
            AND (n.nspname IN (SELECT jsonb_array_elements_text(current_setting('tarn.schemas')::jsonb))
                 OR (n.nspname, c.relname) IN (SELECT e->>0, e->>1 FROM jsonb_array_elements(current_setting('tarn.tables')::jsonb) e))
        LOOP
          EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', r.schema, r.name, current_setting('tarn.role'));
          n := n + 1;
        END LOOP;
        PERFORM set_config('tarn.moved', n::text, true);
      END
      $tarn$]])
    moved = tonumber(db:value("SELECT current_setting('tarn.moved')"))
  end)
  return moved
end

--- Whether role can log in with password (a secret): true, or false and the reason.
function M.can_log_in(settings, role, password)
  local conn = {}
  for k, v in pairs(settings) do conn[k] = v end
  conn.user, conn.password = role, password
  local ok, err = pcall(pg.connect, conn)
  if ok then
    err:close()
    return true
  end
  return false, err
end

return M
