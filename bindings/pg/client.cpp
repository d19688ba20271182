// libpq in its asynchronous mode, so every wait can notice Ctrl-C and cancel the query.
#include "bindings/pg/client.hpp"

#include <poll.h>

#include <cmath>
#include <ctime>
#include <new>

#include "tarn/runtime.hpp"

namespace tarn::pg {
namespace {

constexpr int slice_ms = 50;             // how often a wait looks at Ctrl-C
constexpr double drain_seconds = 10;     // how long a cancelled query may take to stop
constexpr std::size_t max_notices = 1000;  // queued between two log flushes
constexpr std::size_t statement_chars = 200;

double now() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// libpq's messages end in newlines and continue lines with "\n\t"; one line reads better.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The statement as an error shows it: whitespace collapsed, at most statement_chars bytes,
// cut on a UTF-8 character boundary.
std::string shorten(std::string_view sql) {
  std::string s = one_line(sql);
  std::size_t start = s.find_first_not_of(' ');
  s.erase(0, start == std::string::npos ? s.size() : start);
  if (s.size() <= statement_chars) return s;
  std::size_t cut = statement_chars;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "...";
}

bool poll_fd(int fd, short events, int ms) {
  if (fd < 0) return false;
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, ms) > 0;  // EINTR (a signal) counts as not ready: the caller loops
}

}  // namespace

ServiceError result_error(const PGresult* r, std::string_view sql) {
  auto field = [r](int code) {
    const char* v = PQresultErrorField(r, code);
    return v != nullptr ? std::string(v) : std::string();
  };
  std::string message = field(PG_DIAG_MESSAGE_PRIMARY);
  if (message.empty()) message = one_line(PQresultErrorMessage(r));
  if (message.empty()) message = "the statement failed";
  ServiceError e("pg", message);
  const std::pair<const char*, int> fields[] = {
      {"sqlstate", PG_DIAG_SQLSTATE},      {"severity", PG_DIAG_SEVERITY_NONLOCALIZED},
      {"detail", PG_DIAG_MESSAGE_DETAIL},  {"hint", PG_DIAG_MESSAGE_HINT},
      {"position", PG_DIAG_STATEMENT_POSITION}, {"context", PG_DIAG_CONTEXT},
      {"schema", PG_DIAG_SCHEMA_NAME},     {"table", PG_DIAG_TABLE_NAME},
      {"column", PG_DIAG_COLUMN_NAME},     {"constraint", PG_DIAG_CONSTRAINT_NAME}};
  for (const auto& [name, code] : fields)
    if (std::string v = field(code); !v.empty()) e.with(name, v);
  if (!sql.empty()) e.with("statement", shorten(sql));
  return e;
}

Connection::Connection(PGconn* c) : conn_(c) { PQsetNoticeReceiver(conn_, &Connection::on_notice, this); }

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

void Connection::on_notice(void* self, const PGresult* r) {
  auto* c = static_cast<Connection*>(self);
  if (c->notices_.size() >= max_notices) return;
  try {
    auto field = [r](int code) {
      const char* v = PQresultErrorField(r, code);
      return v != nullptr ? std::string(v) : std::string();
    };
    c->notices_.push_back({field(PG_DIAG_SEVERITY_NONLOCALIZED), field(PG_DIAG_MESSAGE_PRIMARY),
                           field(PG_DIAG_MESSAGE_DETAIL)});
  } catch (const std::exception&) {
    // Out of memory inside libpq's callback: the notice is dropped, the query goes on.
  }
}

std::vector<Notice> Connection::take_notices() {
  std::vector<Notice> out;
  out.swap(notices_);
  return out;
}

void Connection::fail(const std::string& what) const {
  std::string why = conn_ != nullptr ? one_line(PQerrorMessage(conn_)) : "the connection was closed";
  throw ServiceError("pg", what + (why.empty() ? "" : ": " + why));
}

std::unique_ptr<Connection> Connection::open(const Settings& s) {
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : s.params) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* raw = PQconnectStartParams(keys.data(), values.data(), 0);
  if (raw == nullptr) throw std::bad_alloc();
  std::unique_ptr<Connection> c(new Connection(raw));  // PQfinish on every way out

  double deadline = now() + s.connect_timeout;
  PostgresPollingStatusType st = PQstatus(raw) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED) c->fail("could not connect to " + c->describe());
    if (interrupt::pending()) {
      interrupt::clear();
      throw Interrupted();
    }
    double left = deadline - now();
    if (left <= 0) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%g", s.connect_timeout);
      throw ServiceError("pg", "could not connect to " + c->describe() + ": no answer within " + secs +
                                   " s (connect_timeout)");
    }
    int ms = static_cast<int>(std::ceil(std::min(left * 1000, static_cast<double>(slice_ms))));
    if (!poll_fd(PQsocket(raw), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, ms) && PQsocket(raw) >= 0) continue;
    st = PQconnectPoll(raw);
  }
  if (s.statement_timeout)
    c->query("select set_config('statement_timeout', $1, false)", {Param{*s.statement_timeout}});
  return c;
}

PGPing Connection::ping(const Settings& s) {
  std::vector<const char*> keys, values;
  std::string timeout = std::to_string(static_cast<long>(std::ceil(s.connect_timeout)));
  for (const auto& [k, v] : s.params) {
    if (k == "connect_timeout") continue;
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back("connect_timeout");
  values.push_back(timeout.c_str());
  keys.push_back(nullptr);
  values.push_back(nullptr);
  return PQpingParams(keys.data(), values.data(), 0);
}

bool Connection::wait(short events, int ms) { return poll_fd(PQsocket(conn_), events, ms); }

void Connection::cancel_and_drain() {
  if (PGcancel* cancel = PQgetCancel(conn_)) {
    char err[256];
    PQcancel(cancel, err, sizeof err);  // best effort: the drain below ends either way
    PQfreeCancel(cancel);
  }
  double deadline = now() + drain_seconds;
  while (true) {
    while (PQisBusy(conn_)) {
      if (now() > deadline) {
        // The server does not stop: give the connection up rather than hang.
        PQfinish(conn_);
        conn_ = nullptr;
        return;
      }
      wait(POLLIN, slice_ms);
      if (PQconsumeInput(conn_) == 0) return;
    }
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) return;
    if (PQresultStatus(r) == PGRES_COPY_IN) PQputCopyEnd(conn_, "interrupted");
    PQclear(r);
  }
}

std::vector<Result> Connection::collect(std::string_view sql) {
  std::vector<Result> out;
  bool copy = false;
  while (true) {
    while (PQisBusy(conn_)) {
      if (interrupt::pending()) {
        cancel_and_drain();
        interrupt::clear();
        throw Interrupted();
      }
      wait(POLLIN, slice_ms);
      if (PQconsumeInput(conn_) == 0) fail("lost the connection during: " + shorten(sql));
    }
    Result r(PQgetResult(conn_));
    if (!r) break;
    switch (PQresultStatus(r.get())) {
      case PGRES_COPY_IN:
        copy = true;
        PQputCopyEnd(conn_, "COPY FROM STDIN is not supported by tarn");
        break;
      case PGRES_COPY_OUT:
      case PGRES_COPY_BOTH: {
        copy = true;
        char* buf = nullptr;
        while (PQgetCopyData(conn_, &buf, 0) > 0) PQfreemem(buf);
        break;
      }
      default:
        out.push_back(std::move(r));
    }
  }
  for (const auto& r : out) {
    ExecStatusType st = PQresultStatus(r.get());
    if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR)
      throw result_error(r.get(), sql);
  }
  if (copy)
    throw ServiceError("pg", "COPY to or from the client is not supported; use INSERT/SELECT, or COPY with a server file")
        .with("statement", shorten(sql));
  if (out.empty()) fail("no result for: " + shorten(sql));
  return out;
}

Result Connection::query(std::string_view sql, const std::vector<Param>& params) {
  if (conn_ == nullptr) fail("cannot run a query");
  std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.text ? p.text->c_str() : nullptr);
  if (PQsendQueryParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                        nullptr, 0) == 0)
    fail("could not send: " + shorten(sql));
  auto results = collect(sql);
  return std::move(results.back());
}

std::string Connection::exec(std::string_view sql) {
  if (conn_ == nullptr) fail("cannot run a statement");
  std::string text(sql);
  if (PQsendQuery(conn_, text.c_str()) == 0) fail("could not send: " + shorten(sql));
  auto results = collect(sql);
  return PQcmdStatus(results.back().get());
}

std::string Connection::escape_identifier(std::string_view name) {
  if (conn_ == nullptr) fail("cannot quote an identifier");
  char* q = PQescapeIdentifier(conn_, name.data(), name.size());
  if (q == nullptr) throw std::invalid_argument("cannot quote the identifier: " + one_line(PQerrorMessage(conn_)));
  std::string out(q);
  PQfreemem(q);
  return out;
}

std::string Connection::escape_literal(std::string_view text) {
  if (conn_ == nullptr) fail("cannot quote a literal");
  char* q = PQescapeLiteral(conn_, text.data(), text.size());
  if (q == nullptr) throw std::invalid_argument("cannot quote the literal: " + one_line(PQerrorMessage(conn_)));
  std::string out(q);
  PQfreemem(q);
  return out;
}

std::string Connection::encrypt_password(const std::string& role, const std::string& password) {
  if (conn_ == nullptr) fail("cannot encrypt a password");
  char* v = PQencryptPasswordConn(conn_, password.c_str(), role.c_str(), nullptr);
  if (v == nullptr) fail("could not encrypt the password");
  std::string out(v);
  PQfreemem(v);
  return out;
}

int Connection::server_version() const { return conn_ != nullptr ? PQserverVersion(conn_) : 0; }

std::string Connection::server_version_text() const {
  const char* v = conn_ != nullptr ? PQparameterStatus(conn_, "server_version") : nullptr;
  return v != nullptr ? v : "";
}

std::string Connection::describe() const {
  if (conn_ == nullptr) return "(closed)";
  auto str = [](const char* s) { return std::string(s != nullptr ? s : ""); };
  std::string host = str(PQhost(conn_));
  if (host.find(':') != std::string::npos && host.front() != '/') host = "[" + host + "]";
  return str(PQuser(conn_)) + "@" + host + ":" + str(PQport(conn_)) + "/" + str(PQdb(conn_));
}

std::string Connection::state() const {
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) return "broken";
  switch (PQtransactionStatus(conn_)) {
    case PQTRANS_IDLE: return "idle";
    case PQTRANS_ACTIVE: return "busy";
    case PQTRANS_INTRANS: return "in transaction";
    case PQTRANS_INERROR: return "in failed transaction";
    default: return "broken";
  }
}

}  // namespace tarn::pg
