// The retry policy of bindings/http/retry.hpp: which failures retry, and how long to wait.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>

#include "bindings/http/retry.hpp"

using namespace tarn::http;
using retry::Transport;

namespace {

retry::Decision decide_status(std::string_view method, int status, const Headers& h = {}, int attempts = 1,
                              double elapsed = 0, double random01 = 0.5) {
  retry::Attempt a;
  a.method = method;
  a.status = status;
  a.headers = &h;
  a.attempts = attempts;
  a.elapsed = elapsed;
  return retry::decide(retry::Policy{}, a, random01, 1'000'000);
}

retry::Decision decide_transport(std::string_view method, Transport t, int attempts = 1) {
  retry::Attempt a;
  a.method = method;
  a.transport = t;
  a.error = "boom";
  a.attempts = attempts;
  return retry::decide(retry::Policy{}, a, 0.5, 1'000'000);
}

// Sets an environment variable for one scope.
struct EnvVar {
  std::string name;
  EnvVar(const char* n, const char* v) : name(n) { ::setenv(n, v, 1); }
  ~EnvVar() { ::unsetenv(name.c_str()); }
};

}  // namespace

TEST_CASE("retry: delay from retry-after-ms, x-ms-retry-after-ms and Retry-After seconds", "[http][retry]") {
  CHECK(retry::delay_from_headers({{"retry-after-ms", "1500"}}, 0) == Approx(1.5));
  CHECK(retry::delay_from_headers({{"X-MS-Retry-After-MS", "250"}}, 0) == Approx(0.25));
  CHECK(retry::delay_from_headers({{"Retry-After", "7"}}, 0) == Approx(7));
  CHECK(retry::delay_from_headers({{"retry-after", " 2 "}}, 0) == Approx(2));
  // The millisecond headers win over Retry-After, retry-after-ms over x-ms-retry-after-ms.
  CHECK(retry::delay_from_headers({{"Retry-After", "30"}, {"retry-after-ms", "100"}}, 0) == Approx(0.1));
  CHECK(retry::delay_from_headers({{"x-ms-retry-after-ms", "900"}, {"retry-after-ms", "100"}}, 0) == Approx(0.1));
}

TEST_CASE("retry: Retry-After as an HTTP date is relative to now", "[http][retry]") {
  // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480.
  const std::time_t date = 1445412480;
  CHECK(retry::delay_from_headers({{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}, date - 30) == Approx(30));
  CHECK(retry::delay_from_headers({{"Retry-After", "Wednesday, 21-Oct-15 07:28:00 GMT"}}, date - 5) == Approx(5));
  // A date already past means "now", not a negative wait.
  CHECK(retry::delay_from_headers({{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}, date + 100) == Approx(0));
}

TEST_CASE("retry: missing or unreadable delay headers give no delay", "[http][retry]") {
  CHECK_FALSE(retry::delay_from_headers({}, 0).has_value());
  CHECK_FALSE(retry::delay_from_headers({{"Retry-After", "soon"}}, 0).has_value());
  CHECK_FALSE(retry::delay_from_headers({{"Retry-After", "-3"}}, 0).has_value());
  CHECK_FALSE(retry::delay_from_headers({{"retry-after-ms", "12abc"}}, 0).has_value());
  // An unreadable millisecond header falls through to Retry-After.
  CHECK(retry::delay_from_headers({{"retry-after-ms", "x"}, {"Retry-After", "3"}}, 0) == Approx(3));
}

TEST_CASE("retry: full-jitter backoff stays within base * 2^(n-1), capped at 60 s", "[http][retry]") {
  retry::Policy p;
  CHECK(retry::backoff(p, 1, 0.0) == 0.0);
  CHECK(retry::backoff(p, 1, 0.5) == Approx(0.4));
  CHECK(retry::backoff(p, 3, 0.5) == Approx(1.6));
  CHECK(retry::backoff(p, 4, 1.0) == Approx(6.4));
  CHECK(retry::backoff(p, 8, 1.0) == Approx(60));   // 0.8 * 128 = 102.4, capped
  CHECK(retry::backoff(p, 40, 1.0) == Approx(60));  // no overflow for large retry numbers
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> u(0, 1);
  for (int retry = 1; retry <= 10; ++retry) {
    double ceiling = std::min(60.0, 0.8 * (1 << (retry - 1)));
    double lo = ceiling, hi = 0;
    for (int i = 0; i < 500; ++i) {
      double d = retry::backoff(p, retry, u(rng));
      REQUIRE(d >= 0);
      REQUIRE(d <= ceiling);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    // Full jitter spreads over the whole range, not a band near the ceiling.
    CHECK(lo < ceiling * 0.1);
    CHECK(hi > ceiling * 0.9);
  }
}

TEST_CASE("retry: retryable statuses are 408, 429, 500, 502, 503, 504", "[http][retry]") {
  for (int s : {408, 429, 500, 502, 503, 504}) CHECK(retry::retryable_status(s));
  for (int s : {200, 201, 202, 301, 400, 401, 403, 404, 409, 412, 501, 505}) CHECK_FALSE(retry::retryable_status(s));
  CHECK(decide_status("GET", 500).retry);
  CHECK_FALSE(decide_status("GET", 404).retry);
  CHECK_FALSE(decide_status("GET", 400, {{"Retry-After", "1"}}).retry);
}

TEST_CASE("retry: POST and PATCH retry only where the service cannot have acted", "[http][retry]") {
  for (const char* m : {"POST", "PATCH"}) {
    CHECK(decide_status(m, 429).retry);
    CHECK(decide_status(m, 503).retry);
    for (int s : {408, 500, 502, 504}) {
      auto d = decide_status(m, s);
      CHECK_FALSE(d.retry);
      CHECK(d.reason == "HTTP " + std::to_string(s) + "; not retried: the service may have acted on the " + m);
    }
    CHECK(decide_transport(m, Transport::not_sent).retry);
    auto d = decide_transport(m, Transport::after_send);
    CHECK_FALSE(d.retry);
    CHECK(d.reason == std::string("boom; not retried: a ") + m + " may have reached the server");
  }
  for (const char* m : {"GET", "HEAD", "PUT", "DELETE"}) {
    for (int s : {408, 429, 500, 502, 503, 504}) CHECK(decide_status(m, s).retry);
    CHECK(decide_transport(m, Transport::not_sent).retry);
    CHECK(decide_transport(m, Transport::after_send).retry);
  }
  CHECK_FALSE(decide_transport("GET", Transport::fatal).retry);
}

TEST_CASE("retry: the delay follows Retry-After, else backoff (a 429 without it does not spin)", "[http][retry]") {
  auto with_header = decide_status("GET", 429, {{"Retry-After", "3"}}, 2);
  CHECK(with_header.retry);
  CHECK(with_header.delay == Approx(3));
  auto bare = decide_status("GET", 429, {}, 3, 0, 0.5);
  CHECK(bare.retry);
  CHECK(bare.delay == Approx(retry::backoff(retry::Policy{}, 3, 0.5)));
  CHECK(bare.delay > 0);
  // Transport failures have no headers: backoff.
  CHECK(decide_transport("GET", Transport::not_sent, 2).delay == Approx(0.8));
}

TEST_CASE("retry: at most max_attempts attempts", "[http][retry]") {
  CHECK(decide_status("GET", 503, {}, 5).retry);
  auto d = decide_status("GET", 503, {}, 6);
  CHECK_FALSE(d.retry);
  CHECK(d.reason == "HTTP 503; giving up after 6 attempts");
  retry::Policy one;
  one.max_attempts = 1;
  retry::Attempt a;
  a.method = "GET";
  a.status = 503;
  CHECK_FALSE(retry::decide(one, a, 0.5, 0).retry);
}

TEST_CASE("retry: no retry would start after the time budget", "[http][retry]") {
  auto d = decide_status("GET", 429, {{"Retry-After", "5"}}, 2, 118);
  CHECK_FALSE(d.retry);
  CHECK(d.reason == "HTTP 429; giving up: waiting 5.0 s more would pass the time budget of 120.0 s");
  CHECK(decide_status("GET", 429, {{"Retry-After", "5"}}, 2, 114).retry);
  // A Retry-After longer than the whole budget gives up at once instead of sleeping.
  CHECK_FALSE(decide_status("GET", 429, {{"Retry-After", "3600"}}).retry);
}

TEST_CASE("retry: TARN_HTTP_MAX_ATTEMPTS and TARN_HTTP_TIME_BUDGET configure the policy", "[http][retry]") {
  {
    EnvVar a("TARN_HTTP_MAX_ATTEMPTS", "3");
    EnvVar b("TARN_HTTP_TIME_BUDGET", "7.5");
    auto p = retry::policy_from_env();
    CHECK(p.max_attempts == 3);
    CHECK(p.time_budget == Approx(7.5));
  }
  auto p = retry::policy_from_env();
  CHECK(p.max_attempts == 6);
  CHECK(p.time_budget == Approx(120));
  {
    EnvVar a("TARN_HTTP_MAX_ATTEMPTS", "many");
    CHECK_THROWS_WITH(retry::policy_from_env(),
                      "TARN_HTTP_MAX_ATTEMPTS must be a whole number of attempts from 1 to 100, got 'many'");
  }
  {
    EnvVar b("TARN_HTTP_TIME_BUDGET", "0");
    CHECK_THROWS_WITH(retry::policy_from_env(), "TARN_HTTP_TIME_BUDGET must be a positive number of seconds, got '0'");
  }
}
