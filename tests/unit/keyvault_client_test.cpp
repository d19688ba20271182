// tarn::keyvault: vault URLs and names, SecretBundle parsing, Key Vault's error codes, and
// the Client against an in-process cpp-httplib stand-in that answers what each test scripts:
// the tokenless first request, paging, the waits after delete and recover, exists().
#include <catch2/catch.hpp>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <deque>
#include <mutex>
#include <thread>

#include "bindings/keyvault/client.hpp"

using namespace tarn;
using namespace tarn::keyvault;

namespace {

cloud::Profile local_profile() {
  return cloud::make("local", [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "TARN_SIM_URL") return "http://127.0.0.1:8642";
    return std::nullopt;
  });
}

std::string field(const ServiceError& e, const std::string& key) {
  for (const auto& [k, v] : e.fields)
    if (k == key) return v;
  return "<none>";
}

struct Seen {
  std::string method, path, query, authorization, body;
};

struct Scripted {
  int status = 200;
  std::string body;
  std::map<std::string, std::string> headers;
};

// Answers every request under /kv with the next scripted response (200 {} once they run
// out) and records what was sent.
struct Stub {
  httplib::Server svr;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::vector<Seen> seen;
  std::deque<Scripted> script;

  Stub() {
    auto h = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      std::string query = req.target.find('?') == std::string::npos ? "" : req.target.substr(req.target.find('?') + 1);
      seen.push_back({req.method, req.path, query, req.get_header_value("Authorization"), req.body});
      Scripted s;
      if (!script.empty()) {
        s = script.front();
        script.pop_front();
      } else {
        s.body = "{}";
      }
      res.status = s.status;
      for (const auto& [k, v] : s.headers) res.set_header(k, v);
      if (!s.body.empty()) res.set_content(s.body, "application/json");
    };
    svr.Get(".*", h);
    svr.Put(".*", h);
    svr.Patch(".*", h);
    svr.Post(".*", h);
    svr.Delete(".*", h);
    port = svr.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { svr.listen_after_bind(); });
    while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Stub() {
    svr.stop();
    thread.join();
  }
  std::string vault() const { return "http://127.0.0.1:" + std::to_string(port) + "/kv"; }
  void add(int status, std::string body, std::map<std::string, std::string> headers = {}) {
    std::lock_guard lock(mu);
    script.push_back({status, std::move(body), std::move(headers)});
  }
  std::vector<Seen> requests() {
    std::lock_guard lock(mu);
    return seen;
  }
};

// Adds "Bearer token-N"; counts refreshes and keeps the challenge it was given.
struct TestAuthorizer : http::Authorizer {
  int authorized = 0, refreshed = 0;
  std::string challenge;
  void authorize(http::Request& req) override {
    ++authorized;
    req.headers["Authorization"] = "Bearer token-" + std::to_string(refreshed + 1);
  }
  bool refresh(const http::Response& r) override {
    ++refreshed;
    challenge = http::header(r.headers, "WWW-Authenticate").value_or("");
    return true;
  }
};

std::string bundle(const std::string& vault, const std::string& name, const std::string& version,
                   const std::string& extra = "") {
  return R"({"id":")" + vault + "/secrets/" + name + "/" + version +
         R"(","attributes":{"enabled":true,"created":1700000000,"updated":1700000000})" + extra + "}";
}

const std::string v1 = "0123456789abcdef0123456789abcdef";
const std::string v2 = "fedcba9876543210fedcba9876543210";
const std::string challenge =
    R"(Bearer authorization="https://login.microsoftonline.com/T2", resource="https://vault.azure.net")";

struct Fixture {
  Stub stub;
  http::Client http{http::Config{}};
  std::shared_ptr<Vault> vault = std::make_shared<Vault>();
  std::shared_ptr<TestAuthorizer> auth = std::make_shared<TestAuthorizer>();
  Fixture(bool challenged = true) {
    http.config().policy.max_attempts = 1;
    vault->url = stub.vault();
    vault->auth = auth;
    vault->challenged = challenged;
  }
  Client client() { return Client(http, vault); }
};

}  // namespace

TEST_CASE("keyvault: a vault is a name through the cloud profile, or a URL", "[keyvault]") {
  CHECK(vault_url(cloud::make("public"), "kv-prod1") == "https://kv-prod1.vault.azure.net");
  CHECK(vault_url(local_profile(), "kv1") == "http://127.0.0.1:8642/keyvault/kv1");
  CHECK(vault_url(local_profile(), "https://kv1.vault.azure.net/") == "https://kv1.vault.azure.net");
  CHECK(vault_url(local_profile(), "https://kv1.vault.azure.net") == "https://kv1.vault.azure.net");
  CHECK_THROWS_WITH(vault_url(cloud::make("public"), "kv_1"),
                    "invalid Key Vault name 'kv_1': expected 3-24 letters, digits and single hyphens, starting with a letter");
  CHECK_THROWS_WITH(vault_url(cloud::make("public"), "ftp://kv1.vault.azure.net"),
                    "invalid Key Vault URL 'ftp://kv1.vault.azure.net': expected https://{name}.vault.azure.net (no "
                    "query or fragment) or a vault name");
  CHECK_THROWS_AS(vault_url(cloud::make("public"), "https://kv1.vault.azure.net/?x=1"), std::invalid_argument);
  CHECK_THROWS_AS(vault_url(cloud::make("public"), "https:///secrets"), std::invalid_argument);
}

TEST_CASE("keyvault: secret names and versions are checked before anything is sent", "[keyvault]") {
  CHECK_NOTHROW(check_name("db-Password-2"));
  CHECK_NOTHROW(check_name(std::string(127, 'a')));
  CHECK_THROWS_WITH(check_name("db_password"), "invalid secret name 'db_password': expected 1-127 letters, digits and hyphens");
  CHECK_THROWS_AS(check_name(""), std::invalid_argument);
  CHECK_THROWS_AS(check_name(std::string(128, 'a')), std::invalid_argument);
  CHECK_THROWS_AS(check_name("a/b"), std::invalid_argument);
  CHECK_NOTHROW(check_version(v1));
  CHECK_THROWS_WITH(check_version("versions"),
                    "invalid secret version 'versions': expected 32 hexadecimal digits (the last segment of a secret id)");
  CHECK_THROWS_AS(check_version(v1 + "0"), std::invalid_argument);
}

TEST_CASE("keyvault: properties come from a SecretBundle, a deleted one and list items", "[keyvault]") {
  Properties p = parse_properties(
      R"({"value":"s3cret","id":"https://kv1.vault.azure.net/secrets/db-pw/)" + v1 +
      R"(","contentType":"text/plain","tags":{"env":"dev","n":1},)"
      R"("attributes":{"enabled":false,"created":1493938459,"updated":"1493938460","nbf":5,"exp":6,"recoveryLevel":"Recoverable+Purgeable"}})");
  CHECK(p.name == "db-pw");
  CHECK(p.version == v1);
  CHECK(p.content_type == "text/plain");
  CHECK(p.tags == std::map<std::string, std::string>{{"env", "dev"}});  // a non-string tag is dropped
  CHECK_FALSE(p.enabled);
  CHECK(p.created == 1493938459);
  CHECK(p.updated == 1493938460);  // times may come as strings
  CHECK(p.not_before == 5);
  CHECK(p.expires == 6);
  CHECK(p.recovery_level == "Recoverable+Purgeable");
  CHECK(p.recovery_id.empty());
  CHECK_FALSE(p.deleted_on);

  Properties d = parse_properties(R"({"id":"https://kv1.vault.azure.net/secrets/db-pw/)" + v1 +
                                  R"(","recoveryId":"https://kv1.vault.azure.net/deletedsecrets/db-pw","deletedDate":10,"scheduledPurgeDate":20})");
  CHECK(d.recovery_id == "https://kv1.vault.azure.net/deletedsecrets/db-pw");
  CHECK(d.deleted_on == 10);
  CHECK(d.scheduled_purge_on == 20);
  CHECK(d.enabled);

  Properties item = parse_properties(R"({"id":"http://127.0.0.1:1/keyvault/kv1/secrets/a"})");
  CHECK(item.name == "a");
  CHECK(item.version.empty());
  CHECK_THROWS_AS(parse_properties(R"({"value":"x"})"), std::runtime_error);
}

TEST_CASE("keyvault: errors carry the innermost code, the outer one and the request id", "[keyvault]") {
  http::Response r;
  r.status = 403;
  r.request_id = "rid-1";
  r.url = "https://kv1.vault.azure.net/secrets/a?api-version=7.5";
  r.body = R"({"error":{"code":"Forbidden","message":"Operation get is not allowed on a disabled secret.","innererror":{"code":"SecretDisabled"}}})";
  ServiceError e = error_of(r);
  CHECK(e.kind == "keyvault");
  CHECK(std::string(e.what()) == "Operation get is not allowed on a disabled secret.");
  CHECK(field(e, "status") == "403");
  CHECK(field(e, "code") == "SecretDisabled");
  CHECK(field(e, "outer_code") == "Forbidden");
  CHECK(field(e, "request_id") == "rid-1");
  CHECK(field(e, "url") == r.url);

  r.status = 404;
  r.body = R"({"error":{"code":"SecretNotFound","message":"A secret with (name/id) a was not found in this key vault."}})";
  e = error_of(r);
  CHECK(field(e, "code") == "SecretNotFound");
  CHECK(field(e, "outer_code") == "<none>");

  r.status = 409;  // innererror may nest; the deepest code is the most specific
  r.body = R"({"error":{"code":"Conflict","message":"m","innererror":{"code":"A","innererror":{"code":"ObjectIsDeletedButRecoverable"}}}})";
  CHECK(field(error_of(r), "code") == "ObjectIsDeletedButRecoverable");

  r.status = 502;
  r.body = "<html>bad gateway</html>";
  e = error_of(r);
  CHECK(std::string(e.what()) == "HTTP 502 Bad Gateway");
  CHECK(field(e, "code") == "<none>");
}

TEST_CASE("keyvault client: the first request goes without token or body; the challenge refreshes the authorizer",
          "[keyvault]") {
  Fixture f(false);
  f.stub.add(401, R"({"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}})",
             {{"WWW-Authenticate", challenge}});
  f.stub.add(200, bundle(f.stub.vault(), "db-pw", v1, R"(,"value":"s3cret value")"));
  f.stub.add(200, bundle(f.stub.vault(), "db-pw", v2));
  Properties p = f.client().set("db-pw", "s3cret value", {.content_type = "text/plain", .tags = {{{"k", "v"}}}});
  CHECK(p.version == v1);
  auto seen = f.stub.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].method == "PUT");
  CHECK(seen[0].authorization.empty());
  CHECK(seen[0].body.empty());
  CHECK(seen[1].authorization == "Bearer token-2");
  CHECK(nlohmann::json::parse(seen[1].body) ==
        nlohmann::json::parse(R"({"value":"s3cret value","contentType":"text/plain","tags":{"k":"v"}})"));
  CHECK(seen[1].query == "api-version=7.5");
  CHECK(f.auth->refreshed == 1);
  CHECK(f.auth->challenge == challenge);
  CHECK(f.vault->challenged);

  // The vault's challenge is known now: later requests carry the token from the start.
  CHECK(f.client().update("db-pw", "", {.enabled = false}).version == v2);
  seen = f.stub.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[2].method == "PATCH");
  CHECK(seen[2].path == "/kv/secrets/db-pw/");
  CHECK(seen[2].authorization == "Bearer token-2");
  CHECK(nlohmann::json::parse(seen[2].body) == nlohmann::json::parse(R"({"attributes":{"enabled":false}})"));
}

TEST_CASE("keyvault client: a bodiless first request answered without a challenge is not sent twice", "[keyvault]") {
  Fixture f(false);
  f.stub.add(204, "");
  f.client().purge("gone");
  auto seen = f.stub.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "DELETE");
  CHECK(seen[0].path == "/kv/deletedsecrets/gone");
  CHECK(f.auth->refreshed == 0);
  CHECK(f.vault->challenged);
}

TEST_CASE("keyvault client: get returns the value and its properties; failures keep Key Vault's codes", "[keyvault]") {
  Fixture f;
  f.stub.add(200, bundle(f.stub.vault(), "a", v2, R"(,"value":"the value")"));
  Secret s = f.client().get("a", v2);
  CHECK(s.value == "the value");
  CHECK(s.properties.version == v2);
  CHECK(f.stub.requests().back().path == "/kv/secrets/a/" + v2);

  f.stub.add(404, R"({"error":{"code":"SecretNotFound","message":"A secret with (name/id) b was not found in this key vault."}})",
             {{"x-ms-request-id", "rid-404"}});
  try {
    f.client().get("b");
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(e.kind == "keyvault");
    CHECK(field(e, "code") == "SecretNotFound");
    CHECK(field(e, "status") == "404");
    CHECK(field(e, "request_id") == "rid-404");
  }
  CHECK_THROWS_AS(f.client().get("b_c"), std::invalid_argument);  // nothing sent for a bad name
  CHECK(f.stub.requests().size() == 2);
}

TEST_CASE("keyvault client: exists is false only for SecretNotFound, true for a disabled secret", "[keyvault]") {
  Fixture f;
  f.stub.add(200, bundle(f.stub.vault(), "a", v1, R"(,"value":"x")"));
  f.stub.add(404, R"({"error":{"code":"SecretNotFound","message":"not found"}})");
  f.stub.add(403, R"({"error":{"code":"Forbidden","message":"disabled","innererror":{"code":"SecretDisabled"}}})");
  f.stub.add(403, R"({"error":{"code":"Forbidden","message":"The user, group or application does not have secrets get permission.","innererror":{"code":"AccessDenied"}}})");
  f.stub.add(404, R"({"error":{"code":"VaultNotFound","message":"no vault"}})");
  CHECK(f.client().exists("a"));
  CHECK_FALSE(f.client().exists("a"));
  CHECK(f.client().exists("a"));
  CHECK_THROWS_WITH(f.client().exists("a"), "The user, group or application does not have secrets get permission.");
  CHECK_THROWS_WITH(f.client().exists("a"), "no vault");
}

TEST_CASE("keyvault client: list_versions follows nextLink on the vault's host and sorts oldest first", "[keyvault]") {
  Fixture f;
  std::string vault = f.stub.vault();
  std::string item_new = R"({"id":")" + vault + "/secrets/a/" + v2 + R"(","attributes":{"enabled":true,"created":20}})";
  std::string item_old = R"({"id":")" + vault + "/secrets/a/" + v1 + R"(","attributes":{"enabled":false,"created":10}})";
  // The service writes the default port in nextLink; it is still the vault's host.
  std::string next = "http://127.0.0.1:" + std::to_string(f.stub.port) + "/kv/secrets/a/versions?api-version=7.5&maxresults=1&$skiptoken=abc";
  f.stub.add(200, R"({"value":[)" + item_new + R"(],"nextLink":")" + next + "\"}");
  f.stub.add(200, R"({"value":[)" + item_old + R"(],"nextLink":null})");
  auto list = f.client().list_versions("a", 1);
  REQUIRE(list.size() == 2);
  CHECK(list[0].version == v1);
  CHECK_FALSE(list[0].enabled);
  CHECK(list[1].version == v2);
  auto seen = f.stub.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].query == "api-version=7.5&maxresults=1");
  CHECK(seen[1].query == "api-version=7.5&maxresults=1&$skiptoken=abc");
  CHECK(seen[1].authorization == "Bearer token-1");

  f.stub.add(200, R"({"value":[],"nextLink":"https://elsewhere.example/secrets?$skiptoken=x"})");
  CHECK_THROWS_WITH(f.client().list_versions("a"),
                    "Key Vault's nextLink leads away from the vault's host: https://elsewhere.example/secrets?$skiptoken=x");
  CHECK(f.stub.requests().size() == 3);
}

TEST_CASE("keyvault client: delete waits until the deleted secret can be read, within its time", "[keyvault]") {
  Fixture f;
  std::string deleted = bundle(f.stub.vault(), "a", v1, R"(,"recoveryId":")" + f.stub.vault() + R"(/deletedsecrets/a","deletedDate":7)");
  f.stub.add(200, deleted);
  f.stub.add(404, R"({"error":{"code":"SecretNotFound","message":"Deleted Secret not found"}})");
  f.stub.add(404, R"({"error":{"code":"SecretNotFound","message":"Deleted Secret not found"}})");
  f.stub.add(200, deleted);
  Properties p = f.client().remove("a", {.timeout = 5, .interval = 0.01});
  CHECK(p.deleted_on == 7);
  auto seen = f.stub.requests();
  REQUIRE(seen.size() == 4);
  CHECK(seen[0].method == "DELETE");
  for (int i = 1; i < 4; ++i) CHECK(seen[i].path == "/kv/deletedsecrets/a");

  // Not visible in time: a Timeout error.
  f.stub.add(200, deleted);
  for (int i = 0; i < 50; ++i) f.stub.add(404, R"({"error":{"code":"SecretNotFound","message":"Deleted Secret not found"}})");
  try {
    f.client().remove("a", {.timeout = 0.05, .interval = 0.02});
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(field(e, "code") == "Timeout");
    CHECK_THAT(e.what(), Catch::StartsWith("deleting the secret 'a' did not finish within 0.05 s (Key Vault still answers 404 for "));
  }

  // wait = 0: the DELETE alone.
  Fixture g;
  g.stub.add(200, deleted);
  g.client().remove("a", {.timeout = 0});
  CHECK(g.stub.requests().size() == 1);
}

TEST_CASE("keyvault client: recover waits until the secret reads again; a disabled one counts", "[keyvault]") {
  Fixture f;
  f.stub.add(200, bundle(f.stub.vault(), "a", v1));
  f.stub.add(404, R"({"error":{"code":"SecretNotFound","message":"not yet"}})");
  f.stub.add(403, R"({"error":{"code":"Forbidden","message":"disabled","innererror":{"code":"SecretDisabled"}}})");
  CHECK(f.client().recover("a", {.timeout = 5, .interval = 0.01}).version == v1);
  auto seen = f.stub.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].path == "/kv/deletedsecrets/a/recover");
  CHECK(seen[2].path == "/kv/secrets/a");

  f.stub.add(404, R"({"error":{"code":"SecretNotFound","message":"Deleted Secret not found"}})");
  CHECK_FALSE(f.client().deleted("zz"));
  f.stub.add(500, R"({"error":{"code":"InternalError","message":"boom"}})");
  CHECK_THROWS_WITH(f.client().deleted("zz"), "boom");
}
