// Response::error(): the structured error a non-2xx response stands for, read from the
// error formats of Fabric, ARM / Key Vault / Storage and Entra.
#include <catch2/catch.hpp>

#include "bindings/http/client.hpp"

using namespace tarn;

namespace {
std::string field(const ServiceError& e, const std::string& key) {
  for (const auto& [k, v] : e.fields)
    if (k == key) return v;
  return "(none)";
}
http::Response response(int status, std::string body, http::Headers headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.url = "https://api.example/v1/x";
  return r;
}
}  // namespace

TEST_CASE("response error: Fabric's errorCode, message and requestId", "[http][response]") {
  auto e = response(404, R"({"requestId":"rid-9","errorCode":"ItemNotFound","message":"The item was not found"})").error();
  CHECK(e.kind == "http");
  CHECK(std::string(e.what()) == "The item was not found");
  CHECK(field(e, "status") == "404");
  CHECK(field(e, "code") == "ItemNotFound");
  CHECK(field(e, "request_id") == "rid-9");
  CHECK(field(e, "url") == "https://api.example/v1/x");
}

TEST_CASE("response error: Azure's error.code and error.message; Entra's error and description", "[http][response]") {
  auto arm = response(409, R"({"error":{"code":"RoleAssignmentExists","message":"already exists"}})").error();
  CHECK(field(arm, "code") == "RoleAssignmentExists");
  CHECK(std::string(arm.what()) == "already exists");
  auto entra = response(401, R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret"})").error();
  CHECK(field(entra, "code") == "invalid_client");
  CHECK(std::string(entra.what()) == "AADSTS7000215: Invalid client secret");
}

TEST_CASE("response error: a body without an error falls back to headers and the status", "[http][response]") {
  auto r = response(403, "", {{"x-ms-error-code", "AuthorizationPermissionMismatch"}});
  r.request_id = "rid-h";
  auto e = r.error();
  CHECK(std::string(e.what()) == "HTTP 403 Forbidden");
  CHECK(field(e, "code") == "AuthorizationPermissionMismatch");
  CHECK(field(e, "request_id") == "rid-h");
  auto plain = response(418, "<html>teapot</html>").error();
  CHECK(std::string(plain.what()) == "HTTP 418");
  CHECK(field(plain, "code") == "(none)");
}
