#pragma once
// HTTP header names compare case-insensitively (RFC 9110 §5.1); one map type for requests
// and responses so lookups never depend on how a server spelt a name.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <strings.h>

namespace tarn::http {

struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const {
    std::size_t n = a.size() < b.size() ? a.size() : b.size();
    int c = ::strncasecmp(a.data(), b.data(), n);
    return c != 0 ? c < 0 : a.size() < b.size();
  }
};

using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

inline std::optional<std::string> header(const Headers& h, std::string_view name) {
  auto it = h.find(name);
  if (it == h.end()) return std::nullopt;
  return it->second;
}

}  // namespace tarn::http
