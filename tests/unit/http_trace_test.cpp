// The --debug exchange trace carries no credential: secret headers, sig= and registered
// secrets are all masked.
#include <catch2/catch.hpp>

#include "bindings/http/trace.hpp"
#include "tarn/redact.hpp"

using namespace tarn::http;

TEST_CASE("trace: credential headers are recognised by name", "[http][trace]") {
  for (const char* h : {"Authorization", "authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
                        "X-IDENTITY-HEADER", "secret", "x-ms-token-aad-id-token", "x-ms-encryption-key",
                        "Ocp-Apim-Subscription-Key"})
    CHECK(trace::secret_header(h));
  for (const char* h : {"Content-Type", "x-ms-version", "x-ms-client-request-id", "Accept", "x-ms-request-id"})
    CHECK_FALSE(trace::secret_header(h));
}

TEST_CASE("trace: a request trace masks Authorization, sig= and registered secrets", "[http][trace]") {
  tarn::redact::add("registered-pa55word");
  Headers h = {{"Authorization", "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.payload.signature"},
               {"Content-Type", "application/json"},
               {"X-Custom", "prefix registered-pa55word suffix"}};
  std::string out = trace::request("PUT", "https://a.dfs.core.windows.net/fs/p?sig=SIGVALUE&sv=1", h, 42, 2);
  CHECK(out ==
        "http> PUT https://a.dfs.core.windows.net/fs/p?sig=***&sv=1 (attempt 2)\n"
        "http>  Authorization: ***\n"
        "http>  Content-Type: application/json\n"
        "http>  X-Custom: prefix *** suffix\n"
        "http>  (body 42 bytes)\n");
  CHECK(out.find("eyJ0eXAi") == std::string::npos);
  CHECK(out.find("SIGVALUE") == std::string::npos);
}

TEST_CASE("trace: a response trace shows status, time and request id, masking cookies", "[http][trace]") {
  Headers h = {{"x-ms-request-id", "rid-1"}, {"Set-Cookie", "session=abcdef"}};
  CHECK(trace::response(429, 0.0123, "rid-1", h) ==
        "http< 429 in 12 ms, request id rid-1\n"
        "http<  Set-Cookie: ***\n"
        "http<  x-ms-request-id: rid-1\n");
  tarn::redact::add("leaky-secret-value");
  CHECK(trace::failure(1.5, "connection lost near leaky-secret-value") ==
        "http< failed after 1500 ms: connection lost near ***\n");
}
