#include "tarn/redact.hpp"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace tarn::redact {
namespace {
std::shared_mutex mutex;
std::vector<std::string>& values() {
  static std::vector<std::string> v;  // longest first, so a secret containing another is masked whole
  return v;
}
}  // namespace

void add(std::string_view value) {
  if (value.size() < min_length) return;
  std::unique_lock lock(mutex);
  auto& v = values();
  if (std::find(v.begin(), v.end(), value) != v.end()) return;
  auto at = std::find_if(v.begin(), v.end(), [&](const std::string& s) { return s.size() < value.size(); });
  v.emplace(at, value);
}

std::size_t count() {
  std::shared_lock lock(mutex);
  return values().size();
}

std::string scrub(std::string_view text) {
  std::string out(text);
  std::shared_lock lock(mutex);
  for (const auto& s : values()) {
    for (std::size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + mask.size()))
      out.replace(pos, s.size(), mask);
  }
  return out;
}
}  // namespace tarn::redact
