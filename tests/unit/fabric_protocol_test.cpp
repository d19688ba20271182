// The network-free parts of the Fabric client: definition payloads (base64), operation ids
// in Location headers, next-page URLs and query handling.
#include <catch2/catch.hpp>

#include "bindings/fabric/client.hpp"
#include "bindings/fabric/definition.hpp"

using namespace tarn;

TEST_CASE("fabric: base64 payloads round-trip, with or without padding", "[fabric][definition]") {
  for (const std::string& s : std::vector<std::string>{"", "x", "xy", "xyz", "{\"properties\":{}}", std::string("bin\0ary\xff", 9)}) {
    std::string b = fabric::base64_encode(s);
    CHECK(b.size() % 4 == 0);
    CHECK(fabric::base64_decode(b) == s);
    std::string unpadded = b.substr(0, b.find('='));
    CHECK(fabric::base64_decode(unpadded) == s);
  }
  // The spec's examples: one padded, one not.
  CHECK(fabric::base64_decode("ZG90UGxhdGZvcm1CYXNlNjRTdHJpbmc=") == "dotPlatformBase64String");
  CHECK(fabric::base64_decode("QW5vdGhlckJhc2U2NFN0cmluZw") == "AnotherBase64String");
}

TEST_CASE("fabric: text that is not base64 is refused", "[fabric][definition]") {
  CHECK_FALSE(fabric::base64_decode("eyAicHJvcGVydGllcy..WJsZSIgfSB9IH0gXSB9IH0"));  // the spec's elided example
  CHECK_FALSE(fabric::base64_decode("abcde"));     // one character past a whole group
  CHECK_FALSE(fabric::base64_decode("ab=c"));      // padding inside
  CHECK_FALSE(fabric::base64_decode("YWJj ZA=="));  // whitespace
  CHECK_FALSE(fabric::base64_decode("YQ==="));     // too much padding
}

TEST_CASE("fabric: a part that cannot be decoded is named in the error", "[fabric][definition]") {
  CHECK(fabric::decode_part("mirroring.json", "eyJhIjoxfQ==", "InlineBase64") == "{\"a\":1}");
  CHECK(fabric::decode_part("mirroring.json", "eyJhIjoxfQ", "") == "{\"a\":1}");
  try {
    fabric::decode_part("definition.json", "eyAicHJvcGVydGllcy..WJsZSIgfSB9IH0gXSB9IH0", "InlineBase64");
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(std::string(e.what()) ==
          "definition part 'definition.json': the payload is not valid base64 (the Fabric API sent 42 characters that do not decode)");
  }
  try {
    fabric::decode_part("report.json", "e30=", "SomethingNew");
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(std::string(e.what()) == "definition part 'report.json' has payloadType 'SomethingNew'; tarn reads InlineBase64 parts only");
  }
}

TEST_CASE("fabric: the operation id of a Location, with or without /v1", "[fabric][lro]") {
  CHECK(fabric::operation_id_in("https://api.fabric.microsoft.com/v1/operations/0acd697c-1550") == "0acd697c-1550");
  CHECK(fabric::operation_id_in("https://api.fabric.microsoft.com/operations/abc") == "abc");
  CHECK(fabric::operation_id_in("https://api.fabric.microsoft.com/operations/abc/result") == "abc");
  CHECK(fabric::operation_id_in("/v1/operations/abc?x=1") == "abc");
  CHECK(fabric::operation_id_in("https://api.fabric.microsoft.com/v1/workspaces/w/roleAssignments/r").empty());
  CHECK(fabric::operation_id_in("https://api.fabric.microsoft.com/v1/operations/").empty());
  CHECK(fabric::operation_id_in("https://x/operations/abc/other").empty());
}

TEST_CASE("fabric: next pages: the token on the first request, else the URI re-rooted, else none", "[fabric][paging]") {
  std::string base = "http://127.0.0.1:9/fabric/v1";
  std::string current = base + "/workspaces?roles=Admin";
  CHECK(fabric::next_page(R"({"value":[],"continuationUri":"https://api.fabric.microsoft.com/v1/workspaces?continuationToken=a%3D"})",
                          current, base) == base + "/workspaces?continuationToken=a%3D");
  // Both: the token, on the path we asked (a URI may name another, as one spec example does).
  CHECK(fabric::next_page(R"({"continuationToken":"a%3D","continuationUri":"https://api.fabric.microsoft.com/v1/other?continuationToken=a%3D"})",
                          current, base) == current + "&continuationToken=a%3D");
  CHECK(fabric::next_page(R"({"value":[],"continuationToken":"a b","continuationUri":null})", current, base) ==
        base + "/workspaces?roles=Admin&continuationToken=a%20b");
  CHECK_FALSE(fabric::next_page(R"({"value":[],"continuationToken":null,"continuationUri":null})", current, base));
  CHECK_FALSE(fabric::next_page(R"({"value":[]})", current, base));
  CHECK_FALSE(fabric::next_page("not json", current, base));
}

TEST_CASE("fabric: with_query replaces a parameter and keeps the others", "[fabric][paging]") {
  CHECK(fabric::with_query("https://h/v1/x", "continuationToken", "t") == "https://h/v1/x?continuationToken=t");
  CHECK(fabric::with_query("https://h/v1/x?a=1&continuationToken=old&b=2", "continuationToken", "new") ==
        "https://h/v1/x?a=1&b=2&continuationToken=new");
  CHECK(fabric::with_query("https://h/v1/x", "t", "LDEsMTAwMDAwLDA%3D") == "https://h/v1/x?t=LDEsMTAwMDAwLDA%3D");
  CHECK(fabric::with_query("https://h/v1/x", "t", "a/b+c") == "https://h/v1/x?t=a%2Fb%2Bc");
}

TEST_CASE("fabric: escaped path segments and query values", "[fabric]") {
  CHECK(fabric::escape("My Catalog/ü") == "My%20Catalog%2F%C3%BC");
  CHECK(fabric::escape("a-b_c.d~e") == "a-b_c.d~e");
}
