#include "bindings/http/retry.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace tarn::http::retry {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A non-negative decimal number, the whole text; nullopt otherwise.
std::optional<double> number(std::string_view s) {
  s = trim(s);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) || v < 0)
    return std::nullopt;
  return v;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

}  // namespace

int parse_attempts(std::string_view text, std::string_view what) {
  auto v = number(text);
  if (!v || *v < 1 || *v != std::floor(*v) || *v > 100)
    throw std::invalid_argument(std::string(what) + " must be a whole number of attempts from 1 to 100, got '" +
                                std::string(text) + "'");
  return static_cast<int>(*v);
}

double parse_seconds(std::string_view text, std::string_view what) {
  auto v = number(text);
  if (!v || *v <= 0)
    throw std::invalid_argument(std::string(what) + " must be a positive number of seconds, got '" +
                                std::string(text) + "'");
  return *v;
}

Policy policy_from_env() {
  Policy p;
  if (const char* v = std::getenv("TARN_HTTP_MAX_ATTEMPTS"); v != nullptr && *v != '\0')
    p.max_attempts = parse_attempts(v, "TARN_HTTP_MAX_ATTEMPTS");
  if (const char* v = std::getenv("TARN_HTTP_TIME_BUDGET"); v != nullptr && *v != '\0')
    p.time_budget = parse_seconds(v, "TARN_HTTP_TIME_BUDGET");
  return p;
}

bool retryable_status(int status) {
  switch (status) {
    case 408: case 429: case 500: case 502: case 503: case 504: return true;
    default: return false;
  }
}

bool idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS" || m == "TRACE";
}

std::optional<double> delay_from_headers(const Headers& headers, std::time_t now) {
  for (const char* name : {"retry-after-ms", "x-ms-retry-after-ms"}) {
    if (auto v = header(headers, name))
      if (auto ms = number(*v)) return *ms / 1000.0;
  }
  auto v = header(headers, "retry-after");
  if (!v) return std::nullopt;
  if (auto s = number(*v)) return *s;
  // An HTTP date (IMF-fixdate, or the obsolete RFC 850 / asctime forms): libcurl parses them.
  std::string text(trim(*v));
  std::time_t at = curl_getdate(text.c_str(), nullptr);
  if (at == -1) return std::nullopt;
  return std::max(0.0, std::difftime(at, now));
}

double backoff(const Policy& policy, int retry, double random01) {
  double ceiling = policy.base_delay * std::ldexp(1.0, std::clamp(retry, 1, 62) - 1);
  return std::clamp(random01, 0.0, 1.0) * std::min(policy.max_delay, ceiling);
}

Decision decide(const Policy& policy, const Attempt& a, double random01, std::time_t now) {
  Decision d;
  bool from_status = a.transport == Transport::none;
  d.reason = from_status ? "HTTP " + std::to_string(a.status) : std::string(a.error);
  switch (a.transport) {
    case Transport::fatal:
      return d;
    case Transport::not_sent:
      break;  // the server saw nothing: safe for every method
    case Transport::after_send:
      if (!idempotent(a.method)) {
        d.reason += "; not retried: a " + std::string(a.method) + " may have reached the server";
        return d;
      }
      break;
    case Transport::none:
      if (!retryable_status(a.status)) return d;
      if (!idempotent(a.method) && a.status != 429 && a.status != 503) {
        d.reason += "; not retried: the service may have acted on the " + std::string(a.method);
        return d;
      }
      break;
  }
  if (a.attempts >= policy.max_attempts) {
    d.reason += "; giving up after " + std::to_string(a.attempts) + " attempts";
    return d;
  }
  std::optional<double> hinted;
  if (from_status && a.headers != nullptr) hinted = delay_from_headers(*a.headers, now);
  d.delay = hinted ? *hinted : backoff(policy, a.attempts, random01);
  if (a.elapsed + d.delay > policy.time_budget) {
    d.reason += "; giving up: waiting " + seconds_text(d.delay) + " more would pass the time budget of " +
                seconds_text(policy.time_budget);
    d.delay = 0;
    return d;
  }
  d.retry = true;
  return d;
}

}  // namespace tarn::http::retry
