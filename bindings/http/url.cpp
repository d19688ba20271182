#include "bindings/http/url.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <strings.h>

#include <memory>

#include "tarn/lua.hpp"

namespace tarn::http {
namespace {

struct UrlFree {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CharFree {
  void operator()(char* p) const { curl_free(p); }
};

std::string part(CURLU* u, CURLUPart which) {
  char* raw = nullptr;
  if (curl_url_get(u, which, &raw, 0) != CURLUE_OK || raw == nullptr) return {};
  std::unique_ptr<char, CharFree> owned(raw);
  return raw;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

const std::string_view secret_params[] = {"sig", "signature", "client_secret", "client_assertion", "access_token",
                                          "refresh_token", "id_token", "code", "password", "token", "secret"};

}  // namespace

bool is_loopback(std::string_view host) {
  if (iequals(host, "localhost") || iequals(host, "localhost.")) return true;
  std::string h(host);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

Target check_url(const std::string& url) {
  std::unique_ptr<CURLU, UrlFree> u(curl_url());
  if (!u) throw std::bad_alloc();
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    throw ServiceError("http", "not a valid URL: '" + redact_url(url) + "' (expected https://host/path)")
        .with("code", "bad_url");
  Target t{part(u.get(), CURLUPART_SCHEME), part(u.get(), CURLUPART_HOST)};
  if (t.scheme == "https") return t;
  if (t.scheme != "http")
    throw ServiceError("http", "unsupported URL scheme '" + t.scheme + "' in '" + redact_url(url) +
                                   "': only https:// (and http:// to loopback) is allowed")
        .with("code", "bad_url");
  if (is_loopback(t.host) || t.host == imds_host) return t;
  throw ServiceError("http", "refusing plain http:// to " + t.host +
                                 ": only loopback hosts may use http; use https://")
      .with("code", "insecure_url")
      .with("url", redact_url(url));
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  // user:password@host
  if (auto scheme_end = out.find("://"); scheme_end != std::string::npos) {
    auto auth_start = scheme_end + 3;
    auto path_start = out.find_first_of("/?#", auth_start);
    auto at = out.rfind('@', path_start == std::string::npos ? std::string::npos : path_start);
    if (at != std::string::npos && at >= auth_start) out.replace(auth_start, at - auth_start, "***");
  }
  auto q = out.find('?');
  if (q == std::string::npos) return out;
  auto end = out.find('#', q);
  if (end == std::string::npos) end = out.size();
  std::string result = out.substr(0, q + 1);
  std::string_view query(out.data() + q + 1, end - q - 1);
  bool first = true;
  while (true) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!first) result += '&';
    first = false;
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    bool secret = false;
    for (auto s : secret_params) secret = secret || iequals(key, s);
    if (secret && eq != std::string_view::npos) {
      result.append(key);
      result += "=***";
    } else {
      result.append(pair);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  result += out.substr(end);
  return result;
}

}  // namespace tarn::http
