#pragma once
// Connection settings for libpq, built from a Lua table or a connection URI: always passed
// to PQconnectStartParams as keyword/value arrays, never pasted into a conninfo string.
//
//   Settings s = Settings::parse("postgresql://u@db.example.com/app");  // or add() fields
//   s.set("password", token);
//   s.finish();            // registers the password with the redactor, fills defaults
//   s.get("sslmode");      // "require": db.example.com is not a local host
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tarn::pg {

// A host list as libpq takes it ("a,b,c") is local when every entry is a Unix socket
// directory (/...), an abstract socket (@...), localhost, an address in 127.0.0.0/8 or ::1.
// An empty list means libpq's default Unix socket, also local.
bool is_local_host(std::string_view hosts);

struct Settings {
  std::vector<std::pair<std::string, std::string>> params;  // libpq keywords, in order
  std::optional<std::string> statement_timeout;             // set_config value ("1500", "5s")
  double connect_timeout = 15;                              // seconds for the whole connect

  // Keywords and values of a postgresql:// URI or a "key=value ..." string (PQconninfoParse).
  // Throws std::invalid_argument with libpq's reason; the text itself is never quoted back,
  // since it may hold a password.
  static Settings parse(const std::string& text);

  const std::string* find(std::string_view key) const;
  std::string get(std::string_view key) const;  // "" when unset
  void set(std::string key, std::string value);  // replaces an earlier value

  // Registers the password with the redactor and fills the defaults: application_name
  // "tarn"; client_encoding UTF8 (unless PGCLIENTENCODING is set); sslmode "require" for a
  // non-local host unless sslmode (or PGSSLMODE) says otherwise; connect_timeout from the
  // keyword when one was given.
  void finish();
  // The host the settings name: host, else hostaddr, else $PGHOST, else "" (the socket).
  std::string effective_host() const;
};

}  // namespace tarn::pg
