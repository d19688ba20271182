#include "bindings/auth/cache.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace tarn::auth {

double system_clock() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

double refresh_at(const AccessToken& t) {
  constexpr double margin = 300;  // five minutes, as the Azure SDKs refresh
  if (t.expires_on <= 0) return 0;
  double lifetime = t.expires_on - t.obtained;
  return t.expires_on - std::min(margin, std::max(0.0, lifetime / 2));
}

std::optional<AccessToken> Cache::find(const std::string& tenant, const std::string& scope) const {
  auto it = tokens_.find({tenant, scope});
  if (it == tokens_.end()) return std::nullopt;
  const AccessToken& t = it->second;
  if (t.expires_on > 0 && clock_() >= refresh_at(t)) return std::nullopt;
  return t;
}

void Cache::put(const std::string& tenant, const std::string& scope, AccessToken token) {
  tokens_[{tenant, scope}] = std::move(token);
}

void Cache::drop(const std::string& tenant, const std::string& scope) {
  auto it = tokens_.find({tenant, scope});
  if (it == tokens_.end()) return;
  std::memset(it->second.token.data(), 0, it->second.token.size());
  tokens_.erase(it);
}

}  // namespace tarn::auth
