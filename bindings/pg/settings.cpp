// Connection settings: locality of a host list, the sslmode default, URI parsing.
#include "bindings/pg/settings.hpp"

#include <arpa/inet.h>
#include <libpq-fe.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "tarn/redact.hpp"

namespace tarn::pg {
namespace {

bool is_local_entry(std::string_view h) {
  if (h.empty() || h.front() == '/' || h.front() == '@') return true;
  std::string s(h);
  std::string lower = s;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "localhost") return true;
  unsigned char v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) return v4[0] == 127;
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  unsigned char v6[16];
  if (inet_pton(AF_INET6, s.c_str(), v6) == 1) return std::memcmp(v6, &in6addr_loopback, 16) == 0;
  return false;
}

}  // namespace

bool is_local_host(std::string_view hosts) {
  std::size_t start = 0;
  while (true) {
    std::size_t comma = hosts.find(',', start);
    if (!is_local_entry(hosts.substr(start, comma == std::string_view::npos ? hosts.npos : comma - start)))
      return false;
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

Settings Settings::parse(const std::string& text) {
  char* err = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> opts(PQconninfoParse(text.c_str(), &err),
                                                                     &PQconninfoFree);
  if (!opts) {
    std::string why = err != nullptr ? err : "out of memory";
    PQfreemem(err);
    // libpq quotes the whole URI in some messages; it may carry a password.
    for (std::size_t at; !text.empty() && (at = why.find(text)) != std::string::npos;)
      why.replace(at, text.size(), "<connection string>");
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw std::invalid_argument("invalid connection string: " + why);
  }
  Settings s;
  for (PQconninfoOption* o = opts.get(); o->keyword != nullptr; ++o)
    if (o->val != nullptr) s.params.emplace_back(o->keyword, o->val);
  return s;
}

const std::string* Settings::find(std::string_view key) const {
  for (auto it = params.rbegin(); it != params.rend(); ++it)
    if (it->first == key) return &it->second;
  return nullptr;
}

std::string Settings::get(std::string_view key) const {
  const std::string* v = find(key);
  return v != nullptr ? *v : std::string();
}

void Settings::set(std::string key, std::string value) {
  for (auto& [k, v] : params)
    if (k == key) {
      v = std::move(value);
      return;
    }
  params.emplace_back(std::move(key), std::move(value));
}

std::string Settings::effective_host() const {
  if (const std::string* h = find("host"); h != nullptr && !h->empty()) return *h;
  if (const std::string* a = find("hostaddr"); a != nullptr && !a->empty()) return *a;
  const char* env = std::getenv("PGHOST");
  return env != nullptr ? env : "";
}

void Settings::finish() {
  if (const std::string* pw = find("password"); pw != nullptr && !pw->empty()) redact::add(*pw);
  if (find("application_name") == nullptr) set("application_name", "tarn");
  // Lua strings, JSON and the terminal are UTF-8: have the server convert to it.
  const char* env_enc = std::getenv("PGCLIENTENCODING");
  if (find("client_encoding") == nullptr && (env_enc == nullptr || *env_enc == '\0')) set("client_encoding", "UTF8");
  const char* env_ssl = std::getenv("PGSSLMODE");
  bool ssl_given = find("sslmode") != nullptr || (env_ssl != nullptr && *env_ssl != '\0');
  if (!ssl_given && !is_local_host(effective_host())) set("sslmode", "require");
  if (const std::string* t = find("connect_timeout"); t != nullptr && !t->empty()) {
    char* end = nullptr;
    double v = std::strtod(t->c_str(), &end);
    if (end == t->c_str() || *end != '\0' || !(v > 0))
      throw std::invalid_argument("connect_timeout must be a positive number of seconds, got '" + *t + "'");
    connect_timeout = v;
  }
}

}  // namespace tarn::pg
