#include "bindings/auth/challenge.hpp"

#include <cctype>

#include "bindings/auth/scope.hpp"

namespace tarn::auth {
namespace {

bool space(char c) { return c == ' ' || c == '\t'; }
bool token_char(char c) { return !space(c) && c != ',' && c != '=' && c != '"' && c != '\r' && c != '\n'; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string without_trailing_slash(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

// The tenant segment of an authority URI: right after the profile's authority when the URI
// starts with it, else the first path segment.
std::string tenant_of(std::string_view uri, std::string_view authority) {
  std::string base = without_trailing_slash(authority);
  std::string_view rest;
  if (!base.empty() && uri.size() > base.size() && uri.substr(0, base.size()) == base && uri[base.size()] == '/') {
    rest = uri.substr(base.size() + 1);
  } else {
    auto scheme = uri.find("://");
    if (scheme == std::string_view::npos) return {};
    auto slash = uri.find('/', scheme + 3);
    if (slash == std::string_view::npos) return {};
    rest = uri.substr(slash + 1);
  }
  std::string tenant(rest.substr(0, rest.find_first_of("/?#")));
  for (char c : tenant)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) return {};
  return tenant;
}

}  // namespace

std::vector<Challenge> parse_challenges(std::string_view h) {
  std::vector<Challenge> out;
  std::size_t i = 0, n = h.size();
  while (i < n) {
    while (i < n && (space(h[i]) || h[i] == ',')) ++i;
    std::size_t start = i;
    while (i < n && token_char(h[i])) ++i;
    std::string token(h.substr(start, i - start));
    if (token.empty()) {
      ++i;  // a stray '=' or quote: skip it
      continue;
    }
    std::size_t after = i;
    while (after < n && space(h[after])) ++after;
    if (after < n && h[after] == '=' && !out.empty()) {
      i = after + 1;
      while (i < n && space(h[i])) ++i;
      std::string value;
      if (i < n && h[i] == '"') {
        ++i;
        while (i < n && h[i] != '"') {
          if (h[i] == '\\' && i + 1 < n) ++i;
          value += h[i++];
        }
        ++i;  // the closing quote
      } else {
        while (i < n && !space(h[i]) && h[i] != ',') value += h[i++];
      }
      out.back().params[lower(token)] = value;
    } else {
      out.push_back({token, {}});
    }
  }
  return out;
}

std::optional<ChallengeTarget> bearer_target(std::string_view header, std::string_view authority) {
  for (const auto& c : parse_challenges(header)) {
    if (!iequals(c.scheme, "Bearer")) continue;
    ChallengeTarget t;
    auto param = [&](const char* name) {
      auto it = c.params.find(name);
      return it == c.params.end() ? std::string() : it->second;
    };
    std::string uri = param("authorization");
    if (uri.empty()) uri = param("authorization_uri");
    if (!uri.empty()) t.tenant = tenant_of(uri, authority);
    std::string scope = param("scope");
    if (scope.empty()) scope = param("resource");
    if (scope.empty()) scope = param("resource_id");
    if (!scope.empty() && scope.find(' ') == std::string::npos && scope.find("://") != std::string::npos) {
      std::string_view s = scope;
      if (s.size() >= 9 && s.substr(s.size() - 9) == "/.default") t.scope = scope;
      else t.scope = without_trailing_slash(scope) + "/.default";
    }
    t.error = param("error");
    return t;
  }
  return std::nullopt;
}

bool scope_fits_request(std::string_view scope, std::string_view request_url, std::string_view sim) {
  if (!sim.empty()) {
    std::string base = without_trailing_slash(sim) + "/";
    if (request_url.substr(0, base.size()) == base) return true;
  }
  std::string want = host_of(scope), got = host_of(request_url);
  if (want.empty() || got.empty()) return false;
  if (got == want) return true;
  return got.size() > want.size() && got.compare(got.size() - want.size(), want.size(), want) == 0 &&
         got[got.size() - want.size() - 1] == '.';
}

}  // namespace tarn::auth
