// tarn::arm::Client against an in-process cpp-httplib server on loopback: URLs and
// api-versions, ARM error bodies, the three kinds of long-running operation, their pacing,
// Ctrl-C and timeouts, and URLs outside the ARM base that must not be followed.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "bindings/arm/client.hpp"

using namespace tarn;

namespace {

struct Server {
  httplib::Server svr;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::vector<std::string> seen;  // "METHOD path?query"
  int polls_left = 2;

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port) + "/arm"; }

  void record(const httplib::Request& req) {
    std::lock_guard lock(mu);
    std::string q;
    for (const auto& [k, v] : req.params) q += (q.empty() ? "?" : "&") + k + "=" + v;
    seen.push_back(req.method + " " + req.path + q);
  }

  Server() {
    auto json = [](httplib::Response& res, int status, const std::string& body) {
      res.status = status;
      res.set_content(body, "application/json");
    };
    svr.Get("/arm/items/x", [&, json](const httplib::Request& req, httplib::Response& res) {
      record(req);
      json(res, 200, R"({"id":"/items/x","properties":{"provisioningState":"Succeeded","v":1}})");
    });
    // PUT answered 201 + Azure-AsyncOperation; the status URL says InProgress twice.
    svr.Put("/arm/items/x", [&, json](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_header("Azure-AsyncOperation", base() + "/ops/1?api-version=2023-01-01");
      res.set_header("Retry-After", "0");
      json(res, 201, R"({"id":"/items/x","properties":{"provisioningState":"Accepted"}})");
    });
    svr.Get("/arm/ops/1", [&, json](const httplib::Request& req, httplib::Response& res) {
      record(req);
      std::lock_guard lock(mu);
      if (polls_left-- > 0) {
        res.set_header("Retry-After", "0");
        return json(res, 200, R"({"status":"InProgress"})");
      }
      json(res, 200, R"({"status":"Succeeded"})");
    });
    svr.Get("/arm/ops/failed", [&, json](const httplib::Request& req, httplib::Response& res) {
      record(req);
      json(res, 200,
           R"({"status":"Failed","error":{"code":"ServerRestartFailed","message":"the server did not come back",)"
           R"("details":[{"code":"Inner","message":"disk"}]}})");
    });
    svr.Patch("/arm/items/failing", [&, json](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_header("Azure-AsyncOperation", base() + "/ops/failed");
      json(res, 202, "");
    });
    // DELETE answered 202 + Location only: 202 twice more, then 204.
    svr.Delete("/arm/items/x", [&](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = 202;
      res.set_header("Location", base() + "/results/1");
      res.set_header("Retry-After", "0");
    });
    svr.Get("/arm/results/1", [&](const httplib::Request& req, httplib::Response& res) {
      record(req);
      std::lock_guard lock(mu);
      if (polls_left-- > 0) {
        res.status = 202;
        res.set_header("Retry-After", "0");
        return;
      }
      res.status = 204;
    });
    // POST with both headers: the result comes from Location once the operation succeeded.
    svr.Post("/arm/items/x/action", [&](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = 202;
      res.set_header("Azure-AsyncOperation", base() + "/ops/1");
      res.set_header("Location", base() + "/results/2");
      res.set_header("Retry-After", "0");
    });
    svr.Get("/arm/results/2", [&, json](const httplib::Request& req, httplib::Response& res) {
      record(req);
      json(res, 200, R"({"answer":42})");
    });
    // PUT whose body reports a provisioningState still Updating, without async headers.
    svr.Put("/arm/items/slow", [&, json](const httplib::Request& req, httplib::Response& res) {
      record(req);
      json(res, 200, R"({"properties":{"provisioningState":"Updating"}})");
    });
    svr.Get("/arm/items/slow", [&, json](const httplib::Request& req, httplib::Response& res) {
      record(req);
      std::lock_guard lock(mu);
      res.set_header("Retry-After", "0");
      json(res, 200, polls_left-- > 0 ? R"({"properties":{"provisioningState":"Updating"}})"
                                      : R"({"properties":{"provisioningState":"Succeeded","done":true}})");
    });
    svr.Put("/arm/items/evil", [&](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = 202;
      res.set_header("Azure-AsyncOperation", "http://127.0.0.1:1/elsewhere/ops/1");
    });
    svr.Put("/arm/items/forever", [&](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = 202;
      res.set_header("Location", base() + "/results/forever");
      res.set_header("Retry-After", "1");
    });
    svr.Get("/arm/results/forever", [&](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = 202;
      res.set_header("Retry-After", "1");
    });
    svr.Get("/arm/errors/full", [&, json](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_header("x-ms-request-id", "rid-1");
      res.set_header("x-ms-correlation-request-id", "cid-1");
      json(res, 409,
           R"({"error":{"code":"RoleAssignmentExists","message":"The role assignment already exists.",)"
           R"("target":"name","details":[{"code":"Dup","message":"twice"}]}})");
    });
    svr.Get("/arm/errors/toplevel", [&, json](const httplib::Request& req, httplib::Response& res) {
      record(req);
      json(res, 400, R"({"Code":"InvalidParameter","Message":"bad sku"})");
    });
    svr.Get("/arm/errors/bare", [&](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = 503;
      res.set_header("x-ms-error-code", "ServerBusy");
    });
    port = svr.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { svr.listen_after_bind(); });
    while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Server() {
    svr.stop();
    thread.join();
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu);
    return seen;
  }
};

http::Config quick() {
  http::Config c;
  c.policy.max_attempts = 1;  // the bare 503 must come back, not be retried
  return c;
}

struct Recorder {
  std::vector<double> sleeps;
  std::vector<std::string> statuses;
  int done = 0;
  bool interrupt = false;
  arm::Hooks hooks() {
    return {[this](double s) {
              sleeps.push_back(s);
              return !interrupt;
            },
            [this](std::string_view t) { statuses.emplace_back(t); }, [this] { ++done; }};
  }
};

arm::Call make(std::string method, std::string target, std::string version, std::optional<std::string> body = {}) {
  arm::Call c;
  c.method = std::move(method);
  c.target = std::move(target);
  c.api_version = std::move(version);
  c.body = std::move(body);
  return c;
}

std::string field(const ServiceError& e, const std::string& key) {
  for (const auto& [k, v] : e.fields)
    if (k == key) return v;
  return "<none>";
}

}  // namespace

TEST_CASE("arm client: URLs from resource ids, api-version and query", "[arm][client]") {
  http::Client http(quick());
  arm::Client c(http, "https://management.azure.com/", nullptr);
  arm::Call call;
  call.target = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments";
  call.api_version = "2022-04-01";
  call.query = {{"$filter", "principalId eq 'abc'"}};
  CHECK(c.url(call) ==
        "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments"
        "?api-version=2022-04-01&$filter=principalId%20eq%20%27abc%27");
  call.query.clear();
  call.target = "/subscriptions/s/resourceGroups/my rg/x#1";
  CHECK(c.url(call) == "https://management.azure.com/subscriptions/s/resourceGroups/my%20rg/x%231?api-version=2022-04-01");
  // A nextLink keeps its own query and api-version.
  call.target = "https://management.azure.com/subscriptions/s/x?api-version=2021-01-01&$skiptoken=abc";
  CHECK(c.url(call) == "https://management.azure.com/subscriptions/s/x?api-version=2021-01-01&$skiptoken=abc");
  call.target = "/subscriptions/s/x?API-VERSION=2020-01-01";
  CHECK(c.url(call) == "https://management.azure.com/subscriptions/s/x?API-VERSION=2020-01-01");
}

TEST_CASE("arm client: a target outside the ARM base or without api-version is refused", "[arm][client]") {
  http::Client http(quick());
  arm::Client c(http, "http://127.0.0.1:8642/arm", nullptr);
  arm::Call call;
  call.api_version = "2022-04-01";
  call.target = "http://127.0.0.1:8642/fabric/v1/workspaces";
  CHECK_THROWS_WITH(c.url(call), "the URL 'http://127.0.0.1:8642/fabric/v1/workspaces' is not under the Resource "
                                 "Manager endpoint http://127.0.0.1:8642/arm");
  call.target = "http://127.0.0.1:8643/arm/subscriptions/s";
  CHECK_THROWS_AS(c.url(call), std::invalid_argument);
  call.target = "http://127.0.0.1:8642/armory/subscriptions/s";
  CHECK_THROWS_AS(c.url(call), std::invalid_argument);
  call.target = "http://127.0.0.1:8642/arm/subscriptions/s";
  CHECK(c.url(call) == "http://127.0.0.1:8642/arm/subscriptions/s?api-version=2022-04-01");
  call.target = "subscriptions/s";
  CHECK_THROWS_WITH(c.url(call), "'subscriptions/s' is not a resource id (expected /subscriptions/...) or a URL under "
                                 "http://127.0.0.1:8642/arm");
  call.target = "/subscriptions/s";
  call.api_version.clear();
  CHECK_THROWS_WITH(c.url(call), "an api-version is required for /subscriptions/s (e.g. api_version = \"2022-04-01\")");
}

TEST_CASE("arm client: ARM error bodies become arm errors with code, target and details", "[arm][client]") {
  Server s;
  http::Client http(quick());
  arm::Client c(http, s.base(), nullptr);
  arm::Call call;
  call.api_version = "1";
  call.target = "/errors/full";
  try {
    c.send(call);
    FAIL("no error");
  } catch (const arm::Error& e) {
    CHECK(e.kind == "arm");
    CHECK(std::string(e.what()) == "The role assignment already exists.");
    CHECK(field(e, "status") == "409");
    CHECK(field(e, "code") == "RoleAssignmentExists");
    CHECK(field(e, "target") == "name");
    CHECK(field(e, "request_id") == "rid-1");
    CHECK(field(e, "correlation_id") == "cid-1");
    CHECK(field(e, "url") == s.base() + "/errors/full?api-version=1");
    CHECK(e.details == R"([{"code":"Dup","message":"twice"}])");
  }
  call.target = "/errors/toplevel";
  try {
    c.send(call);
    FAIL("no error");
  } catch (const arm::Error& e) {
    CHECK(std::string(e.what()) == "bad sku");
    CHECK(field(e, "code") == "InvalidParameter");
    CHECK(field(e, "target") == "<none>");
    CHECK(e.details.empty());
  }
  call.target = "/errors/bare";
  try {
    c.send(call);
    FAIL("no error");
  } catch (const arm::Error& e) {
    CHECK(std::string(e.what()) == "HTTP 503 Service Unavailable");
    CHECK(field(e, "code") == "ServerBusy");
    CHECK(field(e, "status") == "503");
  }
}

TEST_CASE("arm client: Azure-AsyncOperation is polled at Retry-After pace, then the resource read", "[arm][client]") {
  Server s;
  http::Client http(quick());
  Recorder rec;
  arm::Client c(http, s.base(), nullptr, rec.hooks());
  arm::Call call = make("PUT", "/items/x", "2023-01-01", "{}");
  call.poll_interval = 7;
  arm::Result r = c.send(call);
  CHECK(r.status == 201);
  CHECK(r.polls == 3);
  CHECK(r.body == R"({"id":"/items/x","properties":{"provisioningState":"Succeeded","v":1}})");
  CHECK(s.requests() == std::vector<std::string>{"PUT /arm/items/x?api-version=2023-01-01",
                                                 "GET /arm/ops/1?api-version=2023-01-01",
                                                 "GET /arm/ops/1?api-version=2023-01-01",
                                                 "GET /arm/ops/1?api-version=2023-01-01",
                                                 "GET /arm/items/x?api-version=2023-01-01"});
  CHECK(rec.sleeps == std::vector<double>{0, 0});  // Retry-After: 0, not the 7 s default
  REQUIRE(rec.statuses.size() == 2);
  CHECK(rec.statuses[0] == "PUT items/x: InProgress (0s)");
  CHECK(rec.done == 1);
}

TEST_CASE("arm client: an operation that ends Failed is an arm error without an HTTP status", "[arm][client]") {
  Server s;
  http::Client http(quick());
  Recorder rec;
  arm::Client c(http, s.base(), nullptr, rec.hooks());
  arm::Call call = make("PATCH", "/items/failing", "1", "{}");
  call.what = "restart db1";
  try {
    c.send(call);
    FAIL("no error");
  } catch (const arm::Error& e) {
    CHECK(std::string(e.what()) == "restart db1: the operation ended Failed: the server did not come back");
    CHECK(field(e, "code") == "ServerRestartFailed");
    CHECK(field(e, "operation") == "Failed");
    CHECK(field(e, "status") == "<none>");
    CHECK(e.details == R"([{"code":"Inner","message":"disk"}])");
  }
}

TEST_CASE("arm client: a 202 with only Location is polled until it stops answering 202", "[arm][client]") {
  Server s;
  http::Client http(quick());
  Recorder rec;
  arm::Client c(http, s.base(), nullptr, rec.hooks());
  arm::Result r = c.send(make("DELETE", "/items/x", "1"));
  CHECK(r.status == 202);
  CHECK(r.body.empty());
  CHECK(r.polls == 3);
  CHECK(s.requests().back() == "GET /arm/results/1");
}

TEST_CASE("arm client: a POST's result comes from Location after the operation succeeded", "[arm][client]") {
  Server s;
  http::Client http(quick());
  Recorder rec;
  arm::Client c(http, s.base(), nullptr, rec.hooks());
  arm::Result r = c.send(make("POST", "/items/x/action", "1"));
  CHECK(r.body == R"({"answer":42})");
  CHECK(s.requests().back() == "GET /arm/results/2");
}

TEST_CASE("arm client: a PUT whose provisioningState is not final is re-read until it is", "[arm][client]") {
  Server s;
  http::Client http(quick());
  Recorder rec;
  arm::Client c(http, s.base(), nullptr, rec.hooks());
  arm::Result r = c.send(make("PUT", "/items/slow", "1", "{}"));
  CHECK(r.body == R"({"properties":{"provisioningState":"Succeeded","done":true}})");
  CHECK(r.polls == 3);
  CHECK(rec.statuses.front() == "PUT items/slow: Updating (0s)");
}

TEST_CASE("arm client: wait = false returns the first answer", "[arm][client]") {
  Server s;
  http::Client http(quick());
  arm::Client c(http, s.base(), nullptr);
  arm::Call call = make("PUT", "/items/x", "1", "{}");
  call.wait = false;
  arm::Result r = c.send(call);
  CHECK(r.status == 201);
  CHECK(r.body == R"({"id":"/items/x","properties":{"provisioningState":"Accepted"}})");
  CHECK(s.requests().size() == 1);
}

TEST_CASE("arm client: an operation URL outside the ARM base is not followed", "[arm][client]") {
  Server s;
  http::Client http(quick());
  arm::Client c(http, s.base(), nullptr);
  try {
    c.send(make("PUT", "/items/evil", "1", "{}"));
    FAIL("no error");
  } catch (const arm::Error& e) {
    CHECK(field(e, "code") == "UntrustedUrl");
    CHECK(field(e, "url") == "http://127.0.0.1:1/elsewhere/ops/1");
  }
  CHECK(s.requests().size() == 1);
}

TEST_CASE("arm client: Ctrl-C during a wait and an operation past its timeout", "[arm][client]") {
  Server s;
  http::Client http(quick());
  Recorder rec;
  rec.interrupt = true;
  arm::Client c(http, s.base(), nullptr, rec.hooks());
  CHECK_THROWS_AS(c.send(make("PUT", "/items/forever", "1", "{}")),
                  http::Interrupted);
  CHECK(rec.sleeps == std::vector<double>{1});
  CHECK(rec.done == 1);  // the progress line is cleared on the way out

  // Retry-After: 1 would end past a 0.5 s budget, so the client gives up before waiting.
  Recorder patient;
  arm::Client d(http, s.base(), nullptr, patient.hooks());
  arm::Call call = make("PUT", "/items/forever", "1", "{}");
  call.timeout = 0.5;
  try {
    d.send(call);
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(e.kind == "timeout");
    CHECK(std::string(e.what()) == "PUT items/forever: gave up after 0s, the operation still Accepted");
  }
  CHECK(patient.sleeps.empty());
}
