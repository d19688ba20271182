#pragma once
// tarn's PostgreSQL client on libpq. The Lua `pg` module is a thin face over it.
//
//   Settings s = Settings::parse(uri);  s.finish();
//   auto db = Connection::open(s);                       // async connect, Ctrl-C aware
//   Result r = db->query("select $1::int", {Param{"42"}});
//   std::string tag = db->exec("create table t(x int); insert into t values (1)");
//
// Every wait polls the socket in 50 ms slices and checks tarn::interrupt::pending(): on
// Ctrl-C a running query is cancelled on the server (PQcancel), its result drained and
// Interrupted thrown. Server errors become ServiceError{kind "pg"} with sqlstate, detail,
// hint, position and the statement. Notices are queued for the binding to log.
#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bindings/pg/settings.hpp"
#include "tarn/lua.hpp"

namespace tarn::pg {

// Ctrl-C arrived while connecting or while a query ran (it has been cancelled).
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

struct Param {
  std::optional<std::string> text;  // nullopt: SQL NULL
};

struct Notice {
  std::string severity;  // NOTICE, WARNING, INFO, LOG, DEBUG1, ...
  std::string message;
  std::string detail;
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// The error value of a failed result: message, sqlstate, severity, detail, hint, position,
// schema/table/column/constraint when the server named them, and the statement (shortened).
ServiceError result_error(const PGresult* r, std::string_view sql);

class Connection {
 public:
  // Connects within settings.connect_timeout seconds; throws ServiceError or Interrupted.
  // Runs set_config('statement_timeout', ...) when the settings carry one.
  static std::unique_ptr<Connection> open(const Settings& settings);
  // PQpingParams: whether a server accepts connections (connect_timeout default 5 s).
  static PGPing ping(const Settings& settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One statement with $1.. parameters (text format), the result of a command or a query.
  Result query(std::string_view sql, const std::vector<Param>& params);
  // Any number of statements without parameters; returns the last command tag ("CREATE TABLE").
  std::string exec(std::string_view sql);

  std::string escape_identifier(std::string_view name);
  std::string escape_literal(std::string_view text);
  // The password verifier the server would store (PQencryptPasswordConn, its
  // password_encryption), so ALTER ROLE ... PASSWORD never carries the plain text.
  std::string encrypt_password(const std::string& role, const std::string& password);

  int server_version() const;          // server_version_num, e.g. 150020
  std::string server_version_text() const;  // server_version, e.g. "15.20 (Debian ...)"
  // "user@host:port/dbname"; the host is the socket directory for Unix sockets.
  std::string describe() const;
  // "idle", "busy", "in transaction", "in failed transaction" or "broken".
  std::string state() const;
  PGTransactionStatusType transaction_status() const { return PQtransactionStatus(conn_); }
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  bool tls() const { return conn_ != nullptr && PQsslInUse(conn_) != 0; }

  std::vector<Notice> take_notices();
  int savepoint_depth = 0;  // db:transaction nesting, for savepoint names

 private:
  explicit Connection(PGconn* c);
  static void on_notice(void* self, const PGresult* r);
  // Reads every result of the statement(s) just sent; on Ctrl-C cancels them first.
  std::vector<Result> collect(std::string_view sql);
  // Waits up to ms for the socket; false when it did not become ready.
  bool wait(short events, int ms);
  // After Ctrl-C: asks the server to cancel (PQcancel) and reads the results away; gives
  // the connection up when the server does not stop within drain_seconds.
  void cancel_and_drain();
  [[noreturn]] void fail(const std::string& what) const;

  PGconn* conn_;
  std::vector<Notice> notices_;
};

}  // namespace tarn::pg
