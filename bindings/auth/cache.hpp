#pragma once
// Access tokens and the in-memory cache that keeps one per (tenant, scope).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace tarn::auth {

// Unix time in seconds (with fractions); injected so the cache can be tested.
using Clock = std::function<double()>;
double system_clock();

struct AccessToken {
  std::string token;
  double expires_on = 0;  // Unix seconds; 0 when the issuer said nothing (kept until a 401)
  double obtained = 0;    // Unix seconds, when it arrived
};

// A token is used until five minutes before it expires; one that lived under ten minutes
// from the start is used for the first half of its life, so a short-lived token is still
// reused between requests rather than fetched anew for each.
double refresh_at(const AccessToken& t);

class Cache {
 public:
  explicit Cache(Clock clock = system_clock) : clock_(std::move(clock)) {}
  // The cached token for (tenant, scope) when it is not due for refresh.
  std::optional<AccessToken> find(const std::string& tenant, const std::string& scope) const;
  void put(const std::string& tenant, const std::string& scope, AccessToken token);
  void drop(const std::string& tenant, const std::string& scope);
  std::size_t size() const { return tokens_.size(); }

 private:
  Clock clock_;
  std::map<std::pair<std::string, std::string>, AccessToken> tokens_;
};

}  // namespace tarn::auth
