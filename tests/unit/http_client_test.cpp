// tarn::http::Client against an in-process cpp-httplib server on loopback: the Authorizer
// hook the auth module plugs in (authorize before each attempt, refresh once on 401), the
// shared client request id, and send_all's ordering.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "bindings/http/client.hpp"

using namespace tarn;

namespace {

struct Server {
  httplib::Server svr;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::vector<std::string> auth_seen, client_ids;
  std::string valid_token = "token-2";

  Server() {
    svr.Get("/protected", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      auth_seen.push_back(req.get_header_value("Authorization"));
      client_ids.push_back(req.get_header_value("x-ms-client-request-id"));
      if (req.get_header_value("Authorization") != "Bearer " + valid_token) {
        res.status = 401;
        res.set_header("WWW-Authenticate", "Bearer resource=\"https://vault.azure.net\"");
        return;
      }
      res.set_content("ok", "text/plain");
    });
    svr.Get(R"(/echo/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.matches[1].str(), "text/plain");
    });
    svr.Get("/busy", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      client_ids.push_back(req.get_header_value("x-ms-client-request-id"));
      res.status = client_ids.size() < 3 ? 503 : 200;
      res.set_header("Retry-After", "0");
    });
    port = svr.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { svr.listen_after_bind(); });
    while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Server() {
    svr.stop();
    thread.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};

// Hands out token-1, then token-2 after a refresh; records the challenge it was given.
struct TestAuthorizer : http::Authorizer {
  int token = 1, authorized = 0, refreshed = 0;
  bool agree = true;
  std::string challenge;
  void authorize(http::Request& req) override {
    ++authorized;
    req.headers["Authorization"] = "Bearer token-" + std::to_string(token);
  }
  bool refresh(const http::Response& r) override {
    ++refreshed;
    challenge = http::header(r.headers, "www-authenticate").value_or("");
    ++token;
    return agree;
  }
};

}  // namespace

TEST_CASE("client: a 401 refreshes the authorizer once and resends", "[http][client]") {
  Server server;
  http::Client client(http::Config{});
  auto auth = std::make_shared<TestAuthorizer>();
  http::Request req;
  req.url = server.url("/protected");
  req.auth = auth;
  http::Response r = client.send(req);
  CHECK(r.status == 200);
  CHECK(r.body == "ok");
  CHECK(auth->authorized == 2);
  CHECK(auth->refreshed == 1);
  CHECK(auth->challenge == "Bearer resource=\"https://vault.azure.net\"");
  CHECK(server.auth_seen == std::vector<std::string>{"Bearer token-1", "Bearer token-2"});
  // Both sends are one logical request: the same client request id.
  REQUIRE(server.client_ids.size() == 2);
  CHECK(server.client_ids[0] == server.client_ids[1]);
  CHECK(server.client_ids[0].size() == 36);
}

TEST_CASE("client: a second 401, or an authorizer that declines, returns the 401", "[http][client]") {
  Server server;
  server.valid_token = "never";
  http::Client client(http::Config{});
  auto auth = std::make_shared<TestAuthorizer>();
  http::Request req;
  req.url = server.url("/protected");
  req.auth = auth;
  CHECK(client.send(req).status == 401);
  CHECK(auth->refreshed == 1);  // once, not in a loop
  CHECK(server.auth_seen.size() == 2);
  auto declining = std::make_shared<TestAuthorizer>();
  declining->agree = false;
  req.auth = declining;
  CHECK(client.send(req).status == 401);
  CHECK(server.auth_seen.size() == 3);
}

TEST_CASE("client: retries keep the client request id and log through the debug sink", "[http][client]") {
  Server server;
  http::Config config;
  std::vector<std::string> lines;
  config.debug = [&](std::string_view s) { lines.emplace_back(s); };
  http::Client client(config);
  http::Request req;
  req.url = server.url("/busy");
  http::Response r = client.send(req);
  CHECK(r.status == 200);
  CHECK(r.attempts == 3);
  REQUIRE(server.client_ids.size() == 3);
  CHECK(server.client_ids[0] == server.client_ids[2]);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "http: GET " + server.url("/busy") + ": HTTP 503; retrying in 0.0 s (attempt 2 of 6)\n");
}

TEST_CASE("client: send_all returns results in order, failures in their slots", "[http][client]") {
  Server server;
  http::Client client(http::Config{});
  std::vector<http::Request> reqs(20);
  for (int i = 0; i < 20; ++i) reqs[i].url = server.url("/echo/" + std::to_string(i));
  reqs[7].url = "http://example.com/";
  auto results = client.send_all(std::move(reqs), 4);
  REQUIRE(results.size() == 20);
  for (int i = 0; i < 20; ++i) {
    if (i == 7) {
      auto* e = std::get_if<ServiceError>(&results[i]);
      REQUIRE(e != nullptr);
      CHECK(std::string(e->what()) == "refusing plain http:// to example.com: only loopback hosts may use http; use https://");
    } else {
      auto* r = std::get_if<http::Response>(&results[i]);
      REQUIRE(r != nullptr);
      CHECK(r->body == std::to_string(i));
    }
  }
}
