#pragma once
// The one retry policy of every HTTP call tarn makes (see docs/api/http.md, "Retries").
// Pure functions: the transport feeds them what happened and follows the decision, so the
// policy is unit-tested without a network.
//
// What is retried: connection failures, 408, 429, 500, 502, 503 and 504. A POST or PATCH
// only where the service cannot have acted on it: the connection was never made, 429 and
// 503. A request that may have reached the server and then timed out or lost its
// connection is retried only for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS).
// The delay comes from retry-after-ms, x-ms-retry-after-ms or Retry-After (seconds or an
// HTTP date), else exponential backoff with full jitter; attempts and total time are capped.
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "bindings/http/headers.hpp"

namespace tarn::http::retry {

struct Policy {
  int max_attempts = 6;       // attempts in all, the first one included
  double time_budget = 120;   // seconds from the first attempt: no retry would start later
  double base_delay = 0.8;    // seconds; backoff ceiling base * 2^(retry - 1)
  double max_delay = 60;      // seconds; cap of the backoff ceiling
};

// The defaults, overridden by TARN_HTTP_MAX_ATTEMPTS and TARN_HTTP_TIME_BUDGET. Throws
// std::invalid_argument naming the variable when a value is not a positive number.
Policy policy_from_env();
// Reads one of those values ("6", "120", "2.5"); throws std::invalid_argument naming what.
int parse_attempts(std::string_view text, std::string_view what);
double parse_seconds(std::string_view text, std::string_view what);

// How an attempt ended when no HTTP response came back.
enum class Transport {
  none,        // a response arrived (look at the status)
  not_sent,    // could not connect / refused / connect timeout: the server saw nothing
  after_send,  // timed out or lost the connection once the request may have been sent
  fatal,       // TLS failure, unknown host, bad URL, ...: retrying cannot help
};

bool retryable_status(int status);
// GET, HEAD, PUT, DELETE, OPTIONS, TRACE: repeating them has the effect of doing them once.
bool idempotent(std::string_view method);

// Seconds to wait from the response headers, in the order retry-after-ms,
// x-ms-retry-after-ms, Retry-After (delta-seconds or an HTTP date, relative to now);
// nullopt when none is present or none parses. Negative values (a date in the past) give 0.
std::optional<double> delay_from_headers(const Headers& headers, std::time_t now);

// The full-jitter backoff before retry number `retry` (1 for the first retry):
// random01 * min(max_delay, base_delay * 2^(retry - 1)), random01 in [0, 1).
double backoff(const Policy& policy, int retry, double random01);

struct Decision {
  bool retry = false;
  double delay = 0;    // seconds to wait before the next attempt
  std::string reason;  // why it failed ("429", "connection refused") and, when not retried, why not
};

struct Attempt {
  std::string_view method;
  int status = 0;                          // 0 when transport != none
  Transport transport = Transport::none;
  std::string_view error;                  // the transport error text, when any
  const Headers* headers = nullptr;        // response headers, when a response came
  int attempts = 1;                        // attempts made so far, this one included
  double elapsed = 0;                      // seconds since the first attempt started
};

// Whether to try again and after how long. random01 feeds the jitter; now reads HTTP dates.
Decision decide(const Policy& policy, const Attempt& attempt, double random01, std::time_t now);

}  // namespace tarn::http::retry
