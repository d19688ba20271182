// bindings/auth/cache: tokens kept per (tenant, scope) and renewed ahead of expiry, with an
// injected clock.
#include <catch2/catch.hpp>

#include "bindings/auth/cache.hpp"

using namespace tarn::auth;

TEST_CASE("auth cache: renew five minutes early, or half-way for short-lived tokens", "[auth][cache]") {
  CHECK(refresh_at({"t", 1000 + 3600, 1000}) == 1000 + 3600 - 300);
  CHECK(refresh_at({"t", 1000 + 600, 1000}) == 1000 + 300);  // ten minutes: the two rules meet
  CHECK(refresh_at({"t", 1000 + 4, 1000}) == 1002);
  CHECK(refresh_at({"t", 1000, 1000}) == 1000);
  CHECK(refresh_at({"t", 900, 1000}) == 900);  // issued already expired: never fresh
}

TEST_CASE("auth cache: a token is found until its refresh time, per tenant and scope", "[auth][cache]") {
  double now = 1000;
  Cache cache([&] { return now; });
  cache.put("", "https://a/.default", {"token-a", 1000 + 3600, 1000});
  cache.put("", "https://b/.default", {"token-b", 1000 + 4, 1000});
  cache.put("t2", "https://a/.default", {"token-a-t2", 1000 + 3600, 1000});
  REQUIRE(cache.find("", "https://a/.default"));
  CHECK(cache.find("", "https://a/.default")->token == "token-a");
  CHECK(cache.find("t2", "https://a/.default")->token == "token-a-t2");
  CHECK_FALSE(cache.find("t3", "https://a/.default"));
  CHECK_FALSE(cache.find("", "https://c/.default"));
  now = 1001.9;
  CHECK(cache.find("", "https://b/.default"));
  now = 1002;
  CHECK_FALSE(cache.find("", "https://b/.default"));  // half of its 4 s life is over
  now = 1000 + 3600 - 300 - 0.5;
  CHECK(cache.find("", "https://a/.default"));
  now = 1000 + 3600 - 300;
  CHECK_FALSE(cache.find("", "https://a/.default"));
}

TEST_CASE("auth cache: drop forgets one entry; a token without expiry stays until dropped", "[auth][cache]") {
  double now = 0;
  Cache cache([&] { return now; });
  cache.put("", "s", {"opaque", 0, 0});
  cache.put("", "s2", {"other", 5000, 0});
  now = 1e12;
  CHECK(cache.find("", "s"));
  cache.drop("", "s");
  CHECK_FALSE(cache.find("", "s"));
  cache.drop("", "never-there");
  CHECK(cache.size() == 1);
}
