// fabric::Client against an in-process cpp-httplib server on loopback that answers as the
// Fabric API does: error bodies, 429 with Retry-After, long-running operations (202,
// /operations/{id}, /result) and paged lists.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "bindings/fabric/client.hpp"
#include "tarn/runtime.hpp"

using namespace tarn;
using nlohmann::json;

namespace {

struct Seen {
  std::string method, path, query, body;
};

// A Fabric stand-in: routes are set per test; every request is recorded.
struct Fake {
  httplib::Server svr;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::vector<Seen> seen;
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  std::map<std::string, Handler> routes;  // "GET /v1/x" (path without the query)

  Fake() {
    auto any = [this](const httplib::Request& req, httplib::Response& res) {
      std::string q;
      for (const auto& [k, v] : req.params) q += (q.empty() ? "" : "&") + k + "=" + v;
      Handler h;
      {
        std::lock_guard lock(mu);
        seen.push_back({req.method, req.path, q, req.body});
        auto it = routes.find(req.method + " " + req.path);
        if (it != routes.end()) h = it->second;
      }
      if (h) return h(req, res);
      res.status = 404;
      res.set_header("x-ms-public-api-error-code", "EntityNotFound");
      res.set_content(R"({"errorCode":"EntityNotFound","message":"no route"})", "application/json");
    };
    svr.Get(".*", any);
    svr.Post(".*", any);
    svr.Patch(".*", any);
    svr.Delete(".*", any);
    port = svr.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { svr.listen_after_bind(); });
    while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Fake() {
    svr.stop();
    thread.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port) + "/v1"; }
  void on(const std::string& key, Handler h) {
    std::lock_guard lock(mu);
    routes[key] = std::move(h);
  }
  std::vector<Seen> requests() {
    std::lock_guard lock(mu);
    return seen;
  }
};

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  if (!body.is_null()) res.set_content(body.dump(), "application/json");
}

struct Recorder {
  std::vector<std::string> lines;
  int cleared = 0;
  fabric::Progress progress() {
    return {[this](std::string_view s) { lines.emplace_back(s); }, [this] { ++cleared; }};
  }
};

// Progress that goes nowhere (a temporary Recorder would leave its lambdas dangling).
fabric::Progress quiet() {
  return {[](std::string_view) {}, [] {}};
}

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string field(const ServiceError& e, const std::string& key) {
  for (const auto& [k, v] : e.fields)
    if (k == key) return v;
  return "(none)";
}

// A call; designated initializers would leave members unnamed (-Wmissing-field-initializers).
fabric::Call make(std::string method, std::string path, std::optional<std::string> body = std::nullopt,
                  std::string label = "") {
  fabric::Call c;
  c.method = std::move(method);
  c.path = std::move(path);
  c.body = std::move(body);
  c.label = std::move(label);
  return c;
}

// The body of the spec's error example (platform/examples/platform/ModifyOneLakeImmutabilityPolicyError.json).
const json error_example = json::parse(R"({
  "requestId": "e7d4be9d-423c-4b26-b4e4-35de77c89e26",
  "errorCode": "BadRequest",
  "message": "The request could not be processed due to missing or invalid information",
  "moreDetails": [{"errorCode": "RetentionDaysReductionNotAllowed ", "message": "",
                   "relatedResource": {"resourceId": "4a0afce7-ccd8-4e0a-9c44-d9c6e5f1e2c3", "resourceType": "Workspace"}}],
  "relatedResource": {"resourceId": "4a0afce7-ccd8-4e0a-9c44-d9c6e5f1e2c3", "resourceType": "Workspace"},
  "isRetriable": false
})");

}  // namespace

TEST_CASE("fabric: a Fabric error body becomes the fields of a fabric error", "[fabric][client]") {
  Fake fake;
  fake.on("PATCH /v1/workspaces/w1", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("RequestId", "header-request-id");
    res.set_header("x-ms-public-api-error-code", "BadRequest");
    reply(res, 400, error_example);
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr, quiet());
  fabric::Call call = make("PATCH", "/workspaces/w1", "{}");
  try {
    client.call(call);
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(e.kind == "fabric");
    CHECK(std::string(e.what()) == "The request could not be processed due to missing or invalid information");
    CHECK(field(e, "status") == "400");
    CHECK(field(e, "code") == "BadRequest");
    CHECK(field(e, "request_id") == "e7d4be9d-423c-4b26-b4e4-35de77c89e26");  // the body's, over the header's
    CHECK(field(e, "method") == "PATCH");
    CHECK(field(e, "url") == fake.base() + "/workspaces/w1");
    CHECK(json::parse(field(e, "more_details")) == error_example["moreDetails"]);
    CHECK(json::parse(field(e, "related_resource")) == error_example["relatedResource"]);
    CHECK(field(e, "is_retriable") == "false");
  }
}

TEST_CASE("fabric: without a JSON body the code comes from x-ms-public-api-error-code", "[fabric][client]") {
  Fake fake;
  fake.on("GET /v1/workspaces", [](const httplib::Request&, httplib::Response& res) {
    res.status = 401;
    res.set_header("x-ms-public-api-error-code", "TokenExpired");
    res.set_header("RequestId", "rid-1");
    res.set_content("<html>expired</html>", "text/html");
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr);
  try {
    client.send(make("GET", "/workspaces"));
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(std::string(e.what()) == "HTTP 401 Unauthorized");
    CHECK(field(e, "code") == "TokenExpired");
    CHECK(field(e, "request_id") == "rid-1");
    CHECK(field(e, "is_retriable") == "(none)");
  }
}

TEST_CASE("fabric: a 429 with a Fabric body is retried after its Retry-After, POST included", "[fabric][client]") {
  Fake fake;
  std::atomic<int> calls{0};
  fake.on("POST /v1/workspaces/w1/items", [&](const httplib::Request&, httplib::Response& res) {
    if (++calls == 1) {
      res.set_header("Retry-After", "1");
      res.set_header("x-ms-public-api-error-code", "TooManyRequests");
      reply(res, 429, {{"errorCode", "TooManyRequests"}, {"message", "The service rate limit was exceeded."}, {"isRetriable", true}});
      return;
    }
    reply(res, 201, {{"id", "i1"}, {"displayName", "x"}});
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr);
  auto t0 = std::chrono::steady_clock::now();
  fabric::Result r = client.call(make("POST", "/workspaces/w1/items", R"({"displayName":"x"})"));
  CHECK(since(t0) >= 0.95);
  CHECK(r.status == 201);
  CHECK(json::parse(r.body)["id"] == "i1");
  CHECK(calls == 2);
}

TEST_CASE("fabric: a 429 that outlasts the retries is a fabric error saying it is retriable", "[fabric][client]") {
  Fake fake;
  fake.on("GET /v1/connections", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Retry-After", "0");
    reply(res, 429, {{"errorCode", "TooManyRequests"}, {"message", "The service rate limit was exceeded."}, {"isRetriable", true}});
  });
  http::Config config;
  config.policy.max_attempts = 2;
  http::Client http(config);
  fabric::Client client(http, fake.base(), nullptr);
  try {
    client.page(make("GET", "/connections"));
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(field(e, "status") == "429");
    CHECK(field(e, "code") == "TooManyRequests");
    CHECK(field(e, "is_retriable") == "true");
  }
  CHECK(fake.requests().size() == 2);
}

TEST_CASE("fabric: a 202 is followed at the Retry-After pace to its result, progress shown", "[fabric][client][lro]") {
  Fake fake;
  int polls = 0;
  fake.on("POST /v1/workspaces/w1/items", [](const httplib::Request&, httplib::Response& res) {
    // As the spec writes it: Location without /v1, on the public host.
    res.set_header("Location", "https://api.fabric.microsoft.com/operations/op-1");
    res.set_header("x-ms-operation-id", "op-1");
    res.set_header("Retry-After", "1");
    res.status = 202;
  });
  fake.on("GET /v1/operations/op-1", [&](const httplib::Request&, httplib::Response& res) {
    ++polls;
    if (polls == 1) {
      res.set_header("Retry-After", "0");
      res.set_header("Location", "https://api.fabric.microsoft.com/operations/op-1");
      reply(res, 200, {{"status", "Running"}, {"percentComplete", 40}});
    } else {
      res.set_header("Location", "https://api.fabric.microsoft.com/operations/op-1/result");
      reply(res, 200, {{"status", "Succeeded"}, {"percentComplete", 100}});
    }
  });
  fake.on("GET /v1/operations/op-1/result", [](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, {{"id", "item-1"}, {"type", "Lakehouse"}});
  });
  http::Client http(http::Config{});
  Recorder rec;
  fabric::Client client(http, fake.base(), nullptr, rec.progress());
  auto t0 = std::chrono::steady_clock::now();
  fabric::Result r = client.call(make("POST", "/workspaces/w1/items", "{}", "create Lakehouse 'x'"));
  double took = since(t0);
  CHECK(took >= 0.95);  // the 202's Retry-After: 1 before the first poll
  CHECK(took < 3);
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["id"] == "item-1");
  CHECK(rec.lines == std::vector<std::string>{"create Lakehouse 'x': Running 40%", "create Lakehouse 'x': Succeeded"});
  CHECK(rec.cleared == 1);
  auto seen = fake.requests();
  REQUIRE(seen.size() == 4);
  CHECK(seen[1].path == "/v1/operations/op-1");
  CHECK(seen[3].path == "/v1/operations/op-1/result");
}

TEST_CASE("fabric: an operation named only by its Location is polled under the API base", "[fabric][client][lro]") {
  Fake fake;
  fake.on("POST /v1/connections/c1/testConnection", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Location", "https://other.example/v1/operations/op-2");
    res.set_header("Retry-After", "0");
    res.status = 202;
  });
  fake.on("GET /v1/operations/op-2", [](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, {{"status", "Succeeded"}});  // no Location: the call expects a result, so /result is asked
  });
  fake.on("GET /v1/operations/op-2/result", [](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, {{"status", "Online"}, {"errors", json::array()}});
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr, quiet());
  fabric::Result r = client.call(make("POST", "/connections/c1/testConnection"));
  CHECK(json::parse(r.body)["status"] == "Online");
}

TEST_CASE("fabric: OperationHasNoResult from /result is success without a result", "[fabric][client][lro]") {
  Fake fake;
  fake.on("POST /v1/workspaces/w1/git/commitToGit", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("x-ms-operation-id", "op-3");
    res.set_header("Retry-After", "0");
    res.status = 202;
  });
  fake.on("GET /v1/operations/op-3", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Location", "https://api.fabric.microsoft.com/v1/operations/op-3/result");
    reply(res, 200, {{"status", "Succeeded"}});
  });
  fake.on("GET /v1/operations/op-3/result", [](const httplib::Request&, httplib::Response& res) {
    reply(res, 400, {{"errorCode", "OperationHasNoResult"}, {"message", "The operation has no result"}});
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr, quiet());
  fabric::Result r = client.call(make("POST", "/workspaces/w1/git/commitToGit", "{}"));
  CHECK(r.status == 0);
  CHECK(r.body.empty());
}

TEST_CASE("fabric: an operation that expects no result is not asked for one", "[fabric][client][lro]") {
  Fake fake;
  fake.on("POST /v1/x/updateDefinition", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("x-ms-operation-id", "op-4");
    res.status = 202;
  });
  fake.on("GET /v1/operations/op-4", [](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, {{"status", "Succeeded"}});
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr, quiet());
  fabric::Call call = make("POST", "/x/updateDefinition");
  call.expect_result = false;
  fabric::Result r = client.call(call);
  CHECK(r.status == 0);
  CHECK(fake.requests().size() == 2);
}

TEST_CASE("fabric: a Failed operation raises its error code, message and request id", "[fabric][client][lro]") {
  Fake fake;
  fake.on("POST /v1/workspaces/w1/mirroredDatabases", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("x-ms-operation-id", "op-5");
    res.set_header("RequestId", "rid-accepted");
    res.status = 202;
  });
  fake.on("GET /v1/operations/op-5", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("RequestId", "rid-state");
    reply(res, 200, {{"status", "Failed"},
                     {"error", {{"errorCode", "ItemDisplayNameAlreadyInUse"}, {"message", "The name is in use"},
                                {"requestId", "rid-op"}, {"isRetriable", false}}}});
  });
  http::Client http(http::Config{});
  Recorder rec;
  fabric::Client client(http, fake.base(), nullptr, rec.progress());
  try {
    client.call(make("POST", "/workspaces/w1/mirroredDatabases", std::nullopt, "create mirrored database 'm'"));
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(e.kind == "fabric");
    CHECK(std::string(e.what()) == "create mirrored database 'm' failed: The name is in use");
    CHECK(field(e, "code") == "ItemDisplayNameAlreadyInUse");
    CHECK(field(e, "request_id") == "rid-op");
    CHECK(field(e, "operation_id") == "op-5");
    CHECK(field(e, "is_retriable") == "false");
  }
  CHECK(rec.cleared == 1);  // the status line is cleared on the way out too
}

TEST_CASE("fabric: Undefined ends the wait with an error", "[fabric][client][lro]") {
  Fake fake;
  fake.on("POST /v1/a", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("x-ms-operation-id", "op-6");
    res.status = 202;
  });
  fake.on("GET /v1/operations/op-6", [](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, {{"status", "Undefined"}});
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr, quiet());
  try {
    client.call(make("POST", "/a", std::nullopt, "step"));
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(std::string(e.what()) == "step: the operation is in an undefined state (operation op-6)");
    CHECK(field(e, "code") == "OperationUndefined");
  }
}

TEST_CASE("fabric: wait = false hands back the operation; state and wait take it from there", "[fabric][client][lro]") {
  Fake fake;
  int polls = 0;
  fake.on("POST /v1/deploymentPipelines/p1/deploy", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Location", "https://api.fabric.microsoft.com/v1/operations/op-7");
    res.set_header("x-ms-operation-id", "op-7");
    res.set_header("deployment-id", "dep-1");
    res.set_header("Retry-After", "30");
    res.status = 202;
  });
  fake.on("GET /v1/operations/op-7", [&](const httplib::Request&, httplib::Response& res) {
    res.set_header("Retry-After", "0");
    if (++polls < 3) reply(res, 200, {{"status", "Running"}, {"percentComplete", 10 * polls}});
    else reply(res, 200, {{"status", "Succeeded"}});
  });
  fake.on("GET /v1/operations/op-7/result", [](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, {{"id", "dep-1"}, {"status", "Succeeded"}});
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr, quiet());
  fabric::Result r = client.call(make("POST", "/deploymentPipelines/p1/deploy", "{}"), false);
  REQUIRE(r.pending);
  CHECK(r.status == 202);
  CHECK(r.pending->id == "op-7");
  CHECK(r.pending->url == fake.base() + "/operations/op-7");
  CHECK(r.pending->retry_after == 30);
  CHECK(http::header(r.pending->headers, "deployment-id") == "dep-1");
  fabric::OperationState s = client.state(*r.pending);
  CHECK(s.status == "Running");
  CHECK(s.percent == 10);
  fabric::Operation later = *r.pending;
  later.retry_after = 0;  // a handle whose wait starts now
  fabric::Result done = client.wait(later);
  CHECK(json::parse(done.body)["id"] == "dep-1");
}

TEST_CASE("fabric: a wait past its timeout says so, with the operation id", "[fabric][client][lro]") {
  Fake fake;
  fake.on("GET /v1/operations/op-8", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Retry-After", "0.2");
    reply(res, 200, {{"status", "Running"}, {"percentComplete", 5}});
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr, quiet());
  fabric::Operation op;
  op.id = "op-8";
  op.url = fake.base() + "/operations/op-8";
  op.label = "slow";
  auto t0 = std::chrono::steady_clock::now();
  try {
    client.wait(op, {.timeout = 1});
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(std::string(e.what()).rfind("slow: still Running after 1 s (operation op-8)", 0) == 0);
    CHECK(field(e, "code") == "timeout");
  }
  CHECK(since(t0) < 2.5);
}

TEST_CASE("fabric: Ctrl-C ends a wait between polls", "[fabric][client][lro]") {
  Fake fake;
  fake.on("GET /v1/operations/op-9", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Retry-After", "30");
    reply(res, 200, {{"status", "Running"}});
  });
  tarn::Runtime rt;  // installs the SIGINT handler, as the tarn binary does
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr, quiet());
  fabric::Operation op;
  op.id = "op-9";
  op.url = fake.base() + "/operations/op-9";
  std::thread ctrl_c([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::raise(SIGINT);
  });
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(client.wait(op), http::Interrupted);
  ctrl_c.join();
  CHECK(since(t0) < 5);
  CHECK_FALSE(tarn::interrupt::pending());
  std::signal(SIGINT, SIG_DFL);
}

TEST_CASE("fabric: a 202 that names no operation is an error", "[fabric][client][lro]") {
  Fake fake;
  fake.on("POST /v1/b", [](const httplib::Request&, httplib::Response& res) { res.status = 202; });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr);
  try {
    client.call(make("POST", "/b"));
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(field(e, "code") == "no_operation");
  }
}

TEST_CASE("fabric: 200 and 201 answers of long-running endpoints are the result at once", "[fabric][client][lro]") {
  Fake fake;
  fake.on("POST /v1/workspaces/w/provisionIdentity", [](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, {{"applicationId", "app"}, {"servicePrincipalId", "sp"}});
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr);
  fabric::Result r = client.call(make("POST", "/workspaces/w/provisionIdentity"), false);
  CHECK_FALSE(r.pending);
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["servicePrincipalId"] == "sp");
}

TEST_CASE("fabric: pages follow the token, else continuationUri re-rooted on the base", "[fabric][client][paging]") {
  Fake fake;
  fake.on("GET /v1/workspaces", [&](const httplib::Request& req, httplib::Response& res) {
    std::string token = req.get_param_value("continuationToken");
    if (token.empty()) {
      // The spec's own example: the URI on the public host, the token URL-encoded.
      reply(res, 200, {{"value", {{{"id", "a"}}}},
                       {"continuationToken", "LDEsMTAwMDAwLDA%3D"},
                       {"continuationUri", "https://api.fabric.microsoft.com/v1/workspaces?roles=Admin&continuationToken=LDEsMTAwMDAwLDA%3D"}});
    } else if (token == "LDEsMTAwMDAwLDA=") {
      reply(res, 200, {{"value", {{{"id", "b"}}}}, {"continuationToken", nullptr},
                       {"continuationUri", "https://api.fabric.microsoft.com/v1/workspaces?roles=Admin&continuationToken=t%2F2%2B"}});
    } else {
      CHECK(token == "t/2+");
      reply(res, 200, {{"value", {{{"id", "c"}}}}});
    }
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr);
  fabric::Call list = make("GET", "/workspaces");
  list.query = {{"roles", "Admin"}};
  std::vector<std::string> ids;
  std::string cursor;
  for (int i = 0; i < 5; ++i) {
    fabric::Page p = client.page(list, cursor);
    json page = json::parse(p.body);
    for (const auto& v : page["value"]) ids.push_back(v["id"]);
    if (!p.next) break;
    CHECK(p.next->rfind(fake.base() + "/workspaces?", 0) == 0);
    cursor = *p.next;
  }
  CHECK(ids == std::vector<std::string>{"a", "b", "c"});
  auto seen = fake.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].query == "roles=Admin");
  CHECK(seen[1].query == "continuationToken=LDEsMTAwMDAwLDA=&roles=Admin");  // the token, kept as sent (%3D)
  CHECK(seen[2].query == "continuationToken=t/2+&roles=Admin");               // the URI, on our base
}

TEST_CASE("fabric: a POST list pages with the same body", "[fabric][client][paging]") {
  Fake fake;
  fake.on("POST /v1/workspaces/w/mirroredDatabases/m/getTablesMirroringStatus", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("continuationToken").empty())
      reply(res, 200, {{"data", {{{"sourceTableName", "t1"}}}}, {"continuationToken", "n2"}, {"continuationUri", nullptr}});
    else
      reply(res, 200, {{"data", {{{"sourceTableName", "t2"}}}}, {"continuationToken", nullptr}});
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr);
  fabric::Call call = make("POST", "/workspaces/w/mirroredDatabases/m/getTablesMirroringStatus", "{}");
  fabric::Page p1 = client.page(call);
  REQUIRE(p1.next);
  fabric::Page p2 = client.page(call, *p1.next);
  CHECK_FALSE(p2.next);
  auto seen = fake.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].method == "POST");
  CHECK(seen[1].query == "continuationToken=n2");
  CHECK(seen[1].body == "{}");
}

TEST_CASE("fabric: a page that names itself as the next one stops the list", "[fabric][client][paging]") {
  Fake fake;
  fake.on("GET /v1/items", [](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, {{"value", json::array()}, {"continuationToken", "same"}});
  });
  http::Client http(http::Config{});
  fabric::Client client(http, fake.base(), nullptr);
  fabric::Page p = client.page(make("GET", "/items"));
  REQUIRE(p.next);
  try {
    client.page(make("GET", "/items"), *p.next);
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(field(e, "code") == "paging_loop");
  }
}
