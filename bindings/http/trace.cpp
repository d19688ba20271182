#include "bindings/http/trace.hpp"

#include <strings.h>

#include <cstdio>

#include "bindings/http/url.hpp"
#include "tarn/redact.hpp"

namespace tarn::http::trace {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool icontains(std::string_view hay, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (::strncasecmp(hay.data() + i, needle.data(), needle.size()) == 0) return true;
  return false;
}

std::string millis(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f ms", seconds * 1000);
  return buf;
}

void header_lines(std::string& out, const char* prefix, const Headers& headers) {
  for (const auto& [name, value] : headers) {
    out += prefix;
    out += "  ";
    out += name;
    out += ": ";
    out += secret_header(name) ? "***" : value;
    out += '\n';
  }
}

}  // namespace

bool secret_header(std::string_view name) {
  for (std::string_view s : {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-identity-header",
                             "secret", "x-api-key", "api-key", "ocp-apim-subscription-key", "x-functions-key"})
    if (iequals(name, s)) return true;
  if (name.size() >= 5 && ::strncasecmp(name.data(), "x-ms-", 5) == 0 &&
      (icontains(name, "token") || icontains(name, "encryption-key") || icontains(name, "signature")))
    return true;
  return false;
}

std::string request(std::string_view method, std::string_view url, const Headers& headers, std::size_t body_bytes,
                    int attempt) {
  std::string out = "http> " + std::string(method) + " " + redact_url(url) + " (attempt " + std::to_string(attempt) +
                    ")\n";
  header_lines(out, "http>", headers);
  if (body_bytes > 0) out += "http>  (body " + std::to_string(body_bytes) + " bytes)\n";
  return redact::scrub(out);
}

std::string response(int status, double seconds, std::string_view request_id, const Headers& headers) {
  std::string out = "http< " + std::to_string(status) + " in " + millis(seconds);
  if (!request_id.empty()) out += ", request id " + std::string(request_id);
  out += '\n';
  header_lines(out, "http<", headers);
  return redact::scrub(out);
}

std::string failure(double seconds, std::string_view error) {
  return redact::scrub("http< failed after " + millis(seconds) + ": " + std::string(error) + "\n");
}

}  // namespace tarn::http::trace
