#pragma once
// The --debug trace of each HTTP exchange. Credentials never appear in it: Authorization
// and other credential headers are masked by name, credential query parameters (sig=, ...)
// by redact_url, and every registered secret by tarn::redact::scrub on top.
#include <string>
#include <string_view>

#include "bindings/http/headers.hpp"

namespace tarn::http::trace {

// Authorization, Proxy-Authorization, Cookie, Set-Cookie, x-ms-*token*, x-identity-header,
// secret, API keys, customer-provided encryption keys.
bool secret_header(std::string_view name);

// "http> GET <url> (attempt n)" and one line per header; values of secret headers are ***.
std::string request(std::string_view method, std::string_view url, const Headers& headers, std::size_t body_bytes,
                    int attempt);
// "http< 200 in 12 ms, request id ..." and the response headers, redacted the same way.
std::string response(int status, double seconds, std::string_view request_id, const Headers& headers);
// "http< failed after 12 ms: <error>".
std::string failure(double seconds, std::string_view error);

}  // namespace tarn::http::trace
