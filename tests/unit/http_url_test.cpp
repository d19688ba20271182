// Which URLs the transport accepts (https anywhere, http only to loopback and IMDS) and how
// URLs are masked for logs.
#include <catch2/catch.hpp>

#include "bindings/http/url.hpp"
#include "tarn/lua.hpp"

using namespace tarn::http;

namespace {
std::string refusal(const std::string& url) {
  try {
    check_url(url);
  } catch (const tarn::ServiceError& e) {
    std::string code;
    for (const auto& [k, v] : e.fields)
      if (k == "code") code = v;
    return code + ": " + e.what();
  }
  return "accepted";
}
}  // namespace

TEST_CASE("url: loopback hosts are localhost, 127.0.0.0/8 and ::1", "[http][url]") {
  for (const char* h : {"localhost", "LocalHost", "127.0.0.1", "127.255.3.4", "[::1]", "::1"}) CHECK(is_loopback(h));
  for (const char* h : {"128.0.0.1", "10.0.0.1", "0.0.0.0", "169.254.169.254", "example.com", "localhost.example.com",
                        "[::2]", "[::ffff:8.8.8.8]", ""})
    CHECK_FALSE(is_loopback(h));
}

TEST_CASE("url: https goes anywhere, plain http only to loopback and the IMDS address", "[http][url]") {
  CHECK(refusal("https://api.fabric.microsoft.com/v1/workspaces") == "accepted");
  CHECK(refusal("http://127.0.0.1:8642/fabric/v1") == "accepted");
  CHECK(refusal("http://localhost/x") == "accepted");
  CHECK(refusal("http://[::1]:9000/") == "accepted");
  CHECK(refusal("http://169.254.169.254/metadata/identity/oauth2/token") == "accepted");
  CHECK(refusal("http://example.com/") ==
        "insecure_url: refusing plain http:// to example.com: only loopback hosts may use http; use https://");
  CHECK(refusal("http://169.254.169.253/") ==
        "insecure_url: refusing plain http:// to 169.254.169.253: only loopback hosts may use http; use https://");
  CHECK(refusal("ftp://example.com/f") ==
        "bad_url: unsupported URL scheme 'ftp' in 'ftp://example.com/f': only https:// (and http:// to loopback) is allowed");
  CHECK(refusal("not a url") == "bad_url: not a valid URL: 'not a url' (expected https://host/path)");
}

TEST_CASE("url: the rule judges the host libcurl will connect to", "[http][url]") {
  // userinfo is not the host
  CHECK(refusal("http://127.0.0.1@example.com/") ==
        "insecure_url: refusing plain http:// to example.com: only loopback hosts may use http; use https://");
  CHECK(refusal("http://example.com@127.0.0.1/") == "accepted");
  // numeric spellings of 127.0.0.1 are normalised by libcurl's parser, as it connects
  CHECK(refusal("http://2130706433/") == "accepted");
  CHECK(refusal("http://127.1/") == "accepted");
}

TEST_CASE("url: credential query parameters and userinfo are masked", "[http][url]") {
  CHECK(redact_url("https://acct.blob.core.windows.net/c/b?sv=2021&sig=abc%2Bdef&se=2030") ==
        "https://acct.blob.core.windows.net/c/b?sv=2021&sig=***&se=2030");
  CHECK(redact_url("https://h/p?SIG=x&client_secret=y&access_token=z&code=c#frag") ==
        "https://h/p?SIG=***&client_secret=***&access_token=***&code=***#frag");
  CHECK(redact_url("https://user:pa55@h/p") == "https://***@h/p");
  CHECK(redact_url("https://h/p?flag&x=1") == "https://h/p?flag&x=1");
  CHECK(redact_url("https://h/p") == "https://h/p");
}
