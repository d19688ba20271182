#pragma once
// Which URLs tarn may send a request to, and how a URL is shown in logs and errors.
#include <string>
#include <string_view>

namespace tarn::http {

// The one plain-http address outside loopback: Azure's Instance Metadata Service, which
// only speaks http on this link-local address (managed identity tokens come from it).
constexpr std::string_view imds_host = "169.254.169.254";

struct Target {
  std::string scheme;  // "http" or "https"
  std::string host;    // as libcurl parsed it (IPv6 in brackets)
};

// True for localhost, 127.0.0.0/8 and ::1.
bool is_loopback(std::string_view host);

// Parses url with libcurl's parser and applies the rule: https:// anywhere; http:// only to
// loopback hosts and the IMDS address. Throws ServiceError (kind "http", code "bad_url" or
// "insecure_url") naming the URL and what was expected.
Target check_url(const std::string& url);

// url with the values of credential-bearing query parameters (sig=, signature=,
// client_secret=, access_token=, code=, ...) replaced by ***, and any user:password@ removed.
std::string redact_url(std::string_view url);

}  // namespace tarn::http
