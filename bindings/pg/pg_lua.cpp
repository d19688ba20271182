// `pg`: the Lua face of tarn::pg::Connection (client.hpp). It converts arguments and
// results, logs the server's notices, and keeps handles; the client does the talking.
#include <cmath>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "bindings/json/json.hpp"
#include "bindings/pg/client.hpp"
#include "bindings/pg/types.hpp"
#include "tarn/lua.hpp"
#include "tarn/redact.hpp"

namespace tarn {
namespace {

const char* const conn_mt = "pg.Conn";

struct Handle {
  pg::Connection* conn;  // owned; nullptr once closed
};

Handle* to_handle(lua_State* L, int idx) { return static_cast<Handle*>(luaL_checkudata(L, idx, conn_mt)); }

pg::Connection& check_conn(lua_State* L, int idx) {
  Handle* h = to_handle(L, idx);
  if (h->conn == nullptr) luaL_error(L, "attempt to use a closed pg.Conn");
  return *h->conn;
}

[[noreturn]] void arg_error(lua_State* L, int arg, const std::string& msg) {
  luaL_argerror(L, arg, msg.c_str());
  throw std::logic_error("unreachable");  // luaL_argerror does not return
}

void log_line(lua_State* L, const char* level, const std::string& text) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "log");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, level);
  lua_remove(L, -2);
  lua_pushlstring(L, text.data(), text.size());
  lua_call(L, 1, 0);
}

// NOTICE, INFO and LOG go to log.info, WARNING to log.warn, DEBUGn to log.debug.
void log_notices(lua_State* L, const std::vector<pg::Notice>& notices) {
  for (const auto& n : notices) {
    const char* level = n.severity.rfind("WARNING", 0) == 0 ? "warn" : n.severity.rfind("DEBUG", 0) == 0 ? "debug" : "info";
    log_line(L, level, "postgres: " + n.message + (n.detail.empty() ? "" : " (" + n.detail + ")"));
  }
}

// A pg failure as an error value, its position a number.
[[noreturn]] void raise_error(lua_State* L, const ServiceError& e) {
  push_error_value(L, e);
  for (const auto& [k, v] : e.fields)
    if (k == "position")
      if (auto n = pg::parse_integer(v)) {
        lua_pushinteger(L, *n);
        lua_setfield(L, -2, "position");
      }
  raise(L);
}

// Runs op against c; whatever happens, logs the notices it produced first.
template <class F>
auto run(lua_State* L, pg::Connection& c, F&& op) -> decltype(op()) {
  std::optional<decltype(op())> out;
  std::optional<ServiceError> failed;
  std::exception_ptr other;
  try {
    out.emplace(op());
  } catch (const ServiceError& e) {
    failed.emplace(e);
  } catch (const std::exception&) {
    other = std::current_exception();
  }
  log_notices(L, c.take_notices());
  if (failed) raise_error(L, *failed);
  if (other) std::rethrow_exception(other);
  return std::move(*out);
}

void check_no_zero(lua_State* L, int arg, std::string_view text, const char* what) {
  if (text.find('\0') != std::string_view::npos)
    arg_error(L, arg, std::string(what) + " contains a zero byte, which PostgreSQL text cannot hold");
}

// ---- connection settings ----

const char* const settings_fields =
    "host, port, dbname, user, password, sslmode, sslrootcert, application_name, connect_timeout, "
    "statement_timeout, options";

void read_setting(lua_State* L, int arg, pg::Settings& s, const std::string& key, int v) {
  auto want_string = [&] {
    if (lua_type(L, v) != LUA_TSTRING)
      arg_error(L, arg, "'" + key + "' must be a string, got " + luaL_typename(L, v));
    s.set(key, lua_tostring(L, v));
  };
  if (key == "host" || key == "dbname" || key == "user" || key == "sslmode" || key == "sslrootcert" ||
      key == "application_name" || key == "options") {
    want_string();
  } else if (key == "port") {
    if (lua_isinteger(L, v) && lua_tointeger(L, v) >= 1 && lua_tointeger(L, v) <= 65535)
      s.set(key, std::to_string(lua_tointeger(L, v)));
    else if (lua_type(L, v) == LUA_TSTRING && pg::parse_integer(lua_tostring(L, v)))
      s.set(key, lua_tostring(L, v));
    else
      arg_error(L, arg, "'port' must be a port number from 1 to 65535");
  } else if (key == "password") {
    if (lua_type(L, v) != LUA_TSTRING && !is_secret(L, v))
      arg_error(L, arg, std::string("'password' must be a string or secret, got ") + luaL_typename(L, v));
    s.set(key, check_text(L, v));
  } else if (key == "connect_timeout") {
    if (lua_type(L, v) != LUA_TNUMBER || !(lua_tonumber(L, v) > 0))
      arg_error(L, arg, "'connect_timeout' must be a positive number of seconds");
    std::erase_if(s.params, [](const auto& p) { return p.first == "connect_timeout"; });
    s.connect_timeout = lua_tonumber(L, v);
  } else if (key == "statement_timeout") {
    if (lua_type(L, v) == LUA_TNUMBER && lua_tonumber(L, v) >= 0)
      s.statement_timeout = std::to_string(std::llround(lua_tonumber(L, v) * 1000));  // seconds -> ms
    else if (lua_type(L, v) == LUA_TSTRING)
      s.statement_timeout = lua_tostring(L, v);
    else
      arg_error(L, arg, "'statement_timeout' must be a number of seconds or a PostgreSQL duration such as \"5min\"");
  } else {
    arg_error(L, arg, "unknown connection field '" + key + "' (expected " + settings_fields + ")");
  }
}

// pg.connect(table) or pg.connect(uri [, table]): the settings, defaults filled.
pg::Settings decode_settings(lua_State* L, double default_timeout) {
  pg::Settings s;
  s.connect_timeout = default_timeout;
  int table = 0;
  if (lua_type(L, 1) == LUA_TSTRING) {
    std::string bad;
    try {
      s = pg::Settings::parse(lua_tostring(L, 1));
      s.connect_timeout = default_timeout;
    } catch (const std::invalid_argument& e) {
      bad = e.what();
    }
    if (!bad.empty()) arg_error(L, 1, bad);
    if (!lua_isnoneornil(L, 2)) {
      luaL_checktype(L, 2, LUA_TTABLE);
      table = 2;
    }
  } else if (lua_type(L, 1) == LUA_TTABLE) {
    table = 1;
  } else {
    luaL_typeerror(L, 1, "connection table or postgresql:// URI");
  }
  if (table != 0) {
    lua_pushnil(L);
    while (lua_next(L, table) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING) arg_error(L, table, "connection fields must have string names");
      read_setting(L, table, s, lua_tostring(L, -2), lua_gettop(L));
      lua_pop(L, 1);
    }
  }
  std::string bad;
  try {
    s.finish();
  } catch (const std::invalid_argument& e) {
    bad = e.what();
  }
  if (!bad.empty()) arg_error(L, 1, bad);
  return s;
}

// ---- query arguments ----

// The text a Lua value is sent as: $n of the statement.
pg::Param to_param(lua_State* L, int idx, int n, int arg) {
  std::string where = "parameter $" + std::to_string(n);
  switch (lua_type(L, idx)) {
    case LUA_TNONE:
    case LUA_TNIL: return {};
    case LUA_TBOOLEAN: return {lua_toboolean(L, idx) ? "true" : "false"};
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) return {std::to_string(lua_tointeger(L, idx))};
      return {pg::format_float(lua_tonumber(L, idx))};
    case LUA_TSTRING: {
      std::size_t len = 0;
      const char* s = lua_tolstring(L, idx, &len);
      check_no_zero(L, arg, {s, len}, where.c_str());
      return {std::string(s, len)};
    }
    case LUA_TTABLE: {
      std::string text, bad;
      try {
        text = json::encode(L, idx);
      } catch (const std::runtime_error& e) {
        bad = e.what();
      }
      if (!bad.empty()) arg_error(L, arg, where + ": " + bad);
      return {std::move(text)};
    }
    default: {
      json::push_null(L);
      bool null = lua_rawequal(L, -1, idx);
      lua_pop(L, 1);
      if (null) return {};
      if (is_secret(L, idx)) {
        std::string text = check_text(L, idx);
        check_no_zero(L, arg, text, where.c_str());
        return {std::move(text)};
      }
      arg_error(L, arg, where + ": cannot send a " + luaL_typename(L, idx) +
                            " (expected a string, number, boolean, nil, json.null, secret or table)");
    }
  }
}

struct QueryArgs {
  std::string sql;
  std::vector<pg::Param> params;
  bool null_nil = false;  // NULL as nil instead of json.null
};

// db:query(sql, ...) or db:query{sql =, params =, null =}.
QueryArgs decode_query(lua_State* L) {
  QueryArgs q;
  if (lua_type(L, 2) == LUA_TTABLE) {
    if (lua_gettop(L) > 2) arg_error(L, 3, "the table form takes no further arguments (put them in 'params')");
    lua_pushnil(L);
    while (lua_next(L, 2) != 0) {
      std::string key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : luaL_typename(L, -2);
      int v = lua_gettop(L);
      if (key == "sql") {
        if (lua_type(L, v) != LUA_TSTRING) arg_error(L, 2, std::string("'sql' must be a string, got ") + luaL_typename(L, v));
        q.sql = lua_tostring(L, v);
      } else if (key == "params") {
        if (lua_type(L, v) != LUA_TTABLE) arg_error(L, 2, std::string("'params' must be a list, got ") + luaL_typename(L, v));
      } else if (key == "null") {
        std::string mode = lua_type(L, v) == LUA_TSTRING ? lua_tostring(L, v) : "";
        if (mode != "nil" && mode != "null") arg_error(L, 2, "'null' must be \"null\" (json.null, the default) or \"nil\"");
        q.null_nil = mode == "nil";
      } else {
        arg_error(L, 2, "unknown query field '" + key + "' (expected sql, params, null)");
      }
      lua_settop(L, v - 1);
    }
    if (q.sql.empty()) arg_error(L, 2, "'sql' is required");
    lua_getfield(L, 2, "params");
    if (lua_istable(L, -1)) {
      int p = lua_gettop(L);
      lua_getfield(L, p, "n");  // table.pack(...) keeps trailing nils
      lua_Integer n = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : luaL_len(L, p);
      lua_pop(L, 1);
      for (lua_Integer i = 1; i <= n; ++i) {
        lua_rawgeti(L, p, i);
        q.params.push_back(to_param(L, -1, static_cast<int>(i), 2));
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  } else {
    if (lua_type(L, 2) != LUA_TSTRING) luaL_typeerror(L, 2, "SQL string or query table");
    q.sql = lua_tostring(L, 2);
    for (int i = 3; i <= lua_gettop(L); ++i) q.params.push_back(to_param(L, i, i - 2, i));
  }
  check_no_zero(L, 2, q.sql, "the SQL");
  return q;
}

// ---- results ----

void push_value(lua_State* L, const PGresult* r, int row, int col, pg::Kind kind, bool null_nil) {
  if (PQgetisnull(r, row, col)) {
    if (null_nil) lua_pushnil(L); else json::push_null(L);
    return;
  }
  std::string_view text(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
  switch (kind) {
    case pg::Kind::integer:
    case pg::Kind::numeric:
      if (auto i = pg::parse_integer(text)) {
        lua_pushinteger(L, *i);
        return;
      }
      break;
    case pg::Kind::number:
      if (auto d = pg::parse_float(text)) {
        lua_pushnumber(L, *d);
        return;
      }
      break;
    case pg::Kind::boolean: lua_pushboolean(L, text == "t"); return;
    case pg::Kind::json: json::decode(L, text); return;
    case pg::Kind::text: break;
  }
  lua_pushlstring(L, text.data(), text.size());
}

std::vector<pg::Kind> kinds_of(const PGresult* r) {
  std::vector<pg::Kind> kinds;
  for (int c = 0; c < PQnfields(r); ++c) kinds.push_back(pg::kind_of(PQftype(r, c)));
  return kinds;
}

void push_row(lua_State* L, const PGresult* r, int row, const std::vector<pg::Kind>& kinds, bool null_nil) {
  lua_createtable(L, 0, static_cast<int>(kinds.size()));
  for (int c = 0; c < static_cast<int>(kinds.size()); ++c) {
    push_value(L, r, row, c, kinds[c], null_nil);
    lua_setfield(L, -2, PQfname(r, c));
  }
}

// {tag = "UPDATE 3", count = 3, columns = {...}}; count is nil for commands without one.
void push_info(lua_State* L, const PGresult* r) {
  lua_createtable(L, 0, 3);
  lua_pushstring(L, PQcmdStatus(const_cast<PGresult*>(r)));
  lua_setfield(L, -2, "tag");
  if (auto n = pg::parse_integer(PQcmdTuples(const_cast<PGresult*>(r)))) {
    lua_pushinteger(L, *n);
    lua_setfield(L, -2, "count");
  }
  lua_createtable(L, PQnfields(r), 0);
  for (int c = 0; c < PQnfields(r); ++c) {
    lua_pushstring(L, PQfname(r, c));
    lua_rawseti(L, -2, c + 1);
  }
  lua_setfield(L, -2, "columns");
}

// ---- pg.Conn methods ----

// db:query(sql, ...) / db:query{sql=, params=, null=} -> rows, info
int l_conn_query(lua_State* L) {
  pg::Connection& c = check_conn(L, 1);
  QueryArgs q = decode_query(L);
  pg::Result r = run(L, c, [&] { return c.query(q.sql, q.params); });
  auto kinds = kinds_of(r.get());
  int n = PQntuples(r.get());
  lua_createtable(L, n, 0);
  json::push_array_mt(L);  // an empty result encodes as []
  lua_setmetatable(L, -2);
  for (int row = 0; row < n; ++row) {
    push_row(L, r.get(), row, kinds, q.null_nil);
    lua_rawseti(L, -2, row + 1);
  }
  push_info(L, r.get());
  return 2;
}

// db:row(sql, ...) -> the first row, or nil
int l_conn_row(lua_State* L) {
  pg::Connection& c = check_conn(L, 1);
  QueryArgs q = decode_query(L);
  pg::Result r = run(L, c, [&] { return c.query(q.sql, q.params); });
  if (PQntuples(r.get()) == 0) return 0;
  push_row(L, r.get(), 0, kinds_of(r.get()), q.null_nil);
  return 1;
}

// db:value(sql, ...) -> the first column of the first row, or nil
int l_conn_value(lua_State* L) {
  pg::Connection& c = check_conn(L, 1);
  QueryArgs q = decode_query(L);
  pg::Result r = run(L, c, [&] { return c.query(q.sql, q.params); });
  if (PQntuples(r.get()) == 0 || PQnfields(r.get()) == 0) return 0;
  push_value(L, r.get(), 0, 0, pg::kind_of(PQftype(r.get(), 0)), q.null_nil);
  return 1;
}

// db:exec(sql) -> the command tag of the last statement
int l_conn_exec(lua_State* L) {
  pg::Connection& c = check_conn(L, 1);
  std::size_t len = 0;
  const char* s = luaL_checklstring(L, 2, &len);
  std::string sql(s, len);
  check_no_zero(L, 2, sql, "the SQL");
  std::string tag = run(L, c, [&] { return c.exec(sql); });
  lua_pushstring(L, tag.c_str());
  return 1;
}

// db:transaction(fn) -> what fn returns. BEGIN/COMMIT, or a savepoint when already in a
// transaction; any error in fn rolls back and is raised again unchanged.
int l_conn_transaction(lua_State* L) {
  pg::Connection* c = &check_conn(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  bool nested = c->transaction_status() != PQTRANS_IDLE;
  std::string sp = "tarn_savepoint_" + std::to_string(c->savepoint_depth + 1);
  run(L, *c, [&] { return c->exec(nested ? "savepoint " + sp : "begin"); });
  ++c->savepoint_depth;
  lua_pushvalue(L, 2);
  lua_pushvalue(L, 1);
  int status = lua_pcall(L, 1, LUA_MULTRET, 0);
  Handle* h = to_handle(L, 1);
  if (h->conn == nullptr) {
    if (status != LUA_OK) return lua_error(L);
    return luaL_error(L, "the pg.Conn was closed inside db:transaction");
  }
  c = h->conn;
  --c->savepoint_depth;
  auto undo = [&] {
    try {
      c->exec(nested ? "rollback to savepoint " + sp + "; release savepoint " + sp : "rollback");
    } catch (const std::exception&) {
      // The connection is gone or broken: the server ends the transaction itself.
    }
  };
  if (status != LUA_OK) {
    undo();
    log_notices(L, c->take_notices());
    return lua_error(L);  // fn's error, unchanged
  }
  if (c->transaction_status() == PQTRANS_INERROR) {
    undo();
    log_notices(L, c->take_notices());
    throw ServiceError("pg", "the transaction was rolled back: a statement in it failed and its error was caught")
        .with("sqlstate", "25P02");
  }
  run(L, *c, [&] { return c->exec(nested ? "release savepoint " + sp : "commit"); });
  return lua_gettop(L) - 2;
}

// db:ident(name, ...) / pg.ident(db, name, ...) -> "name" (parts joined with '.')
int l_conn_ident(lua_State* L) {
  pg::Connection& c = check_conn(L, 1);
  int n = lua_gettop(L);
  if (n < 2) luaL_argerror(L, 2, "an identifier (string) expected");
  std::vector<std::string> parts;
  for (int i = 2; i <= n; ++i) {
    if (lua_type(L, i) != LUA_TSTRING) luaL_typeerror(L, i, "string");
    std::size_t len = 0;
    const char* s = lua_tolstring(L, i, &len);
    check_no_zero(L, i, {s, len}, "the identifier");
    if (len == 0) luaL_argerror(L, i, "an identifier cannot be empty");
    parts.emplace_back(s, len);
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ".") + c.escape_identifier(p);
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

// db:literal(text) / pg.literal(db, text) -> 'text' as a SQL string literal
int l_conn_literal(lua_State* L) {
  pg::Connection& c = check_conn(L, 1);
  if (is_secret(L, 2))
    luaL_argerror(L, 2, "a secret is not pasted into SQL: pass it as a $n parameter, or hash a password "
                        "with db:encrypt_password");
  if (lua_type(L, 2) != LUA_TSTRING && lua_type(L, 2) != LUA_TNUMBER) luaL_typeerror(L, 2, "string");
  std::size_t len = 0;
  const char* s = lua_tolstring(L, 2, &len);
  std::string text(s, len);
  check_no_zero(L, 2, text, "the text");
  std::string out = c.escape_literal(text);
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

// db:encrypt_password(role, password) -> the verifier ("SCRAM-SHA-256$...")
int l_conn_encrypt_password(lua_State* L) {
  pg::Connection& c = check_conn(L, 1);
  std::string role = luaL_checkstring(L, 2);
  if (lua_type(L, 3) != LUA_TSTRING && !is_secret(L, 3)) luaL_typeerror(L, 3, "string or secret");
  std::string password = check_text(L, 3);
  if (password.empty()) luaL_argerror(L, 3, "the password is empty");
  check_no_zero(L, 3, password, "the password");
  std::string verifier = run(L, c, [&] { return c.encrypt_password(role, password); });
  redact::add(verifier);
  lua_pushlstring(L, verifier.data(), verifier.size());
  return 1;
}

// db:version() -> server_version_num, server_version
int l_conn_version(lua_State* L) {
  pg::Connection& c = check_conn(L, 1);
  lua_pushinteger(L, c.server_version());
  lua_pushstring(L, c.server_version_text().c_str());
  return 2;
}

int l_conn_close(lua_State* L) {
  Handle* h = to_handle(L, 1);
  delete h->conn;
  h->conn = nullptr;
  return 0;
}

int l_conn_tostring(lua_State* L) {
  Handle* h = to_handle(L, 1);
  if (h->conn == nullptr) {
    lua_pushliteral(L, "pg.Conn(closed)");
    return 1;
  }
  std::string s = "pg.Conn(" + h->conn->describe() + ", " + h->conn->state() + ")";
  lua_pushstring(L, redact::scrub(s).c_str());
  return 1;
}

// ---- module functions ----

// pg.connect(table) / pg.connect(uri [, table]) -> pg.Conn
int l_pg_connect(lua_State* L) {
  pg::Settings s = decode_settings(L, 15);
  std::unique_ptr<pg::Connection> conn = pg::Connection::open(s);
  auto* h = static_cast<Handle*>(lua_newuserdatauv(L, sizeof(Handle), 0));
  h->conn = nullptr;
  luaL_setmetatable(L, conn_mt);
  h->conn = conn.release();
  log_notices(L, h->conn->take_notices());
  log_line(L, "debug", "pg: connected to " + h->conn->describe() + " (PostgreSQL " +
                           h->conn->server_version_text() + (h->conn->tls() ? ", TLS)" : ", no TLS)"));
  return 1;
}

// pg.ready(table | uri [, table]) -> true when a server accepts connections, and PQping's word
int l_pg_ready(lua_State* L) {
  pg::Settings s = decode_settings(L, 5);
  PGPing p = pg::Connection::ping(s);
  lua_pushboolean(L, p == PQPING_OK);
  switch (p) {
    case PQPING_OK: lua_pushliteral(L, "ok"); break;
    case PQPING_REJECT: lua_pushliteral(L, "rejecting"); break;
    case PQPING_NO_RESPONSE: lua_pushliteral(L, "no response"); break;
    default: lua_pushliteral(L, "invalid settings"); break;
  }
  return 2;
}

}  // namespace

int tarn_open_pg(lua_State* L) {
  if (luaL_newmetatable(L, conn_mt)) {
    const luaL_Reg methods[] = {TARN_FN("query", l_conn_query),
                                TARN_FN("row", l_conn_row),
                                TARN_FN("value", l_conn_value),
                                TARN_FN("exec", l_conn_exec),
                                TARN_FN("transaction", l_conn_transaction),
                                TARN_FN("ident", l_conn_ident),
                                TARN_FN("literal", l_conn_literal),
                                TARN_FN("encrypt_password", l_conn_encrypt_password),
                                TARN_FN("version", l_conn_version),
                                TARN_FN("close", l_conn_close),
                                {nullptr, nullptr}};
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    const luaL_Reg meta[] = {TARN_FN("__close", l_conn_close), TARN_FN("__gc", l_conn_close),
                             TARN_FN("__tostring", l_conn_tostring), {nullptr, nullptr}};
    luaL_setfuncs(L, meta, 0);
  }
  lua_pop(L, 1);
  const luaL_Reg fns[] = {TARN_FN("connect", l_pg_connect), TARN_FN("ready", l_pg_ready),
                          TARN_FN("ident", l_conn_ident), TARN_FN("literal", l_conn_literal),
                          {nullptr, nullptr}};
  luaL_newlib(L, fns);
  return 1;
}

}  // namespace tarn
