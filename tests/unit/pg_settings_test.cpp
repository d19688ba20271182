// Connection settings of the pg module (bindings/pg/settings.hpp): which hosts count as
// local, the sslmode default, URI parsing, and the password kept out of every message.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "bindings/pg/settings.hpp"
#include "tarn/redact.hpp"

using tarn::pg::is_local_host;
using tarn::pg::Settings;

namespace {
struct EnvVar {  // sets (or unsets, with nullptr) an environment variable for one scope
  std::string name;
  std::string old;
  bool had;
  EnvVar(const char* n, const char* v) : name(n), had(std::getenv(n) != nullptr) {
    if (had) old = std::getenv(n);
    if (v != nullptr) ::setenv(n, v, 1); else ::unsetenv(n);
  }
  ~EnvVar() {
    if (had) ::setenv(name.c_str(), old.c_str(), 1); else ::unsetenv(name.c_str());
  }
};

Settings finished(Settings s) {
  s.finish();
  return s;
}

Settings with_host(const std::string& host) {
  Settings s;
  s.set("host", host);
  return s;
}
}  // namespace

TEST_CASE("pg settings: local hosts are sockets, localhost, 127.0.0.0/8 and ::1", "[pg][settings]") {
  for (const char* h : {"", "/var/run/postgresql", "/tmp/x", "@abstract", "localhost", "LocalHost", "127.0.0.1",
                        "127.9.8.7", "::1", "[::1]", "localhost,127.0.0.1,/tmp"})
    CHECK(is_local_host(h));
  for (const char* h : {"db.example.com", "myserver.postgres.database.azure.com", "10.0.0.1", "128.0.0.1", "0.0.0.0",
                        "::2", "localhost.example.com", "localhost,db.example.com", "db.example.com,localhost"})
    CHECK_FALSE(is_local_host(h));
}

TEST_CASE("pg settings: sslmode defaults to require for a remote host only", "[pg][settings]") {
  EnvVar no_env_ssl("PGSSLMODE", nullptr);
  EnvVar no_env_host("PGHOST", nullptr);
  CHECK(finished(with_host("myserver.postgres.database.azure.com")).get("sslmode") == "require");
  CHECK(finished(with_host("10.1.2.3")).get("sslmode") == "require");
  CHECK(finished(with_host("127.0.0.1")).find("sslmode") == nullptr);  // libpq's default, prefer
  CHECK(finished(with_host("/tmp/sock")).find("sslmode") == nullptr);
  CHECK(finished(Settings{}).find("sslmode") == nullptr);  // no host: the default socket

  Settings explicit_mode = with_host("db.example.com");
  explicit_mode.set("sslmode", "verify-full");
  CHECK(finished(explicit_mode).get("sslmode") == "verify-full");
  Settings disabled = with_host("db.example.com");
  disabled.set("sslmode", "disable");
  CHECK(finished(disabled).get("sslmode") == "disable");
}

TEST_CASE("pg settings: PGHOST and PGSSLMODE are honoured like libpq does", "[pg][settings]") {
  {
    EnvVar host("PGHOST", "db.example.com");
    EnvVar ssl("PGSSLMODE", nullptr);
    CHECK(finished(Settings{}).get("sslmode") == "require");
  }
  {
    EnvVar host("PGHOST", "db.example.com");
    EnvVar ssl("PGSSLMODE", "verify-ca");
    CHECK(finished(Settings{}).find("sslmode") == nullptr);  // libpq reads PGSSLMODE itself
  }
}

TEST_CASE("pg settings: application_name defaults to tarn, and later values replace earlier ones", "[pg][settings]") {
  CHECK(finished(Settings{}).get("application_name") == "tarn");
  Settings s;
  s.set("application_name", "mine");
  s.set("user", "a");
  s.set("user", "b");
  s = finished(s);
  CHECK(s.get("application_name") == "mine");
  CHECK(s.get("user") == "b");
  std::size_t users = 0;
  for (const auto& p : s.params) users += p.first == "user";
  CHECK(users == 1);
}

TEST_CASE("pg settings: a URI becomes keywords, its password registered with the redactor", "[pg][settings]") {
  EnvVar no_env_ssl("PGSSLMODE", nullptr);
  Settings s = Settings::parse("postgresql://fabric_user:Uri-Pw-4471x@db.example.com:6432/app%20db?connect_timeout=7");
  CHECK(s.get("host") == "db.example.com");
  CHECK(s.get("port") == "6432");
  CHECK(s.get("user") == "fabric_user");
  CHECK(s.get("dbname") == "app db");
  CHECK(s.get("password") == "Uri-Pw-4471x");
  CHECK(tarn::redact::scrub("x Uri-Pw-4471x y") == "x Uri-Pw-4471x y");  // not yet
  s.finish();
  CHECK(tarn::redact::scrub("x Uri-Pw-4471x y") == "x *** y");
  CHECK(s.connect_timeout == 7);
  CHECK(s.get("sslmode") == "require");

  Settings kv = Settings::parse("host=/tmp/sock port=5433 dbname='my db'");
  CHECK(kv.get("host") == "/tmp/sock");
  CHECK(kv.get("dbname") == "my db");
}

TEST_CASE("pg settings: a bad connection string is named without quoting it back", "[pg][settings]") {
  const std::string uri = "postgresql://u:Hidden-Pw-9031@[::1/db";
  try {
    Settings::parse(uri);
    FAIL("accepted a broken URI");
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    CHECK(msg.rfind("invalid connection string: ", 0) == 0);
    CHECK(msg.find("Hidden-Pw-9031") == std::string::npos);
  }
  CHECK_THROWS_WITH(Settings::parse("postgresql://h/db?no_such_option=1"),
                    Catch::Contains("invalid connection string") && Catch::Contains("no_such_option"));
  Settings bad = Settings::parse("postgresql://h/db?connect_timeout=soon");
  CHECK_THROWS_WITH(bad.finish(), "connect_timeout must be a positive number of seconds, got 'soon'");
}

TEST_CASE("pg settings: the client encoding is UTF-8 unless given or set by PGCLIENTENCODING", "[pg][settings]") {
  {
    EnvVar no_env("PGCLIENTENCODING", nullptr);
    CHECK(finished(Settings{}).get("client_encoding") == "UTF8");
    Settings latin = Settings::parse("postgresql://h/db?client_encoding=LATIN1");
    CHECK(finished(latin).get("client_encoding") == "LATIN1");
  }
  EnvVar env("PGCLIENTENCODING", "LATIN1");
  CHECK(finished(Settings{}).find("client_encoding") == nullptr);  // libpq reads the variable
}
