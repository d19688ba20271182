// The control API and the process: start-up time, faults, request log, seed/reset, state
// saved to --state and reloaded, and the command line's refusals.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support.hpp"

using simtest::json;

namespace {

const json kSeed = {{"entra", {{"principals", json::array({{{"tenant", "t1"}, {"client_id", "app"}, {"client_secret", "pw"}}})}}}};

httplib::Headers fabric_auth(httplib::Client& c) {
  return {{"Authorization", "Bearer " + simtest::secret_token(c, "t1", "app", "pw", "https://api.fabric.microsoft.com/.default")}};
}

httplib::Result add_fault(httplib::Client& c, const json& spec) {
  return c.Post("/_sim/faults", spec.dump(), "application/json");
}

json requests(httplib::Client& c, const std::string& query = "") {
  return simtest::body_of(c.Get("/_sim/requests" + query))["requests"];
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("tarn-sim starts and answers within a second", "[process]") {
  simtest::SimProcess sim;
  auto c = sim.client();
  auto t0 = std::chrono::steady_clock::now();
  json health = simtest::body_of(c.Get("/_sim/health"));
  double first_request = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("tarn-sim start-up (spawn to 'listening' line): " << sim.startup_seconds * 1000 << " ms; first request "
                                                         << first_request * 1000 << " ms");
  CHECK(sim.startup_seconds < 3.0);  // generous for sanitizer builds on a loaded machine
  CHECK(health["status"] == "ok");
}

TEST_CASE("SIGTERM right after the listening line stops tarn-sim cleanly", "[process]") {
  // httplib ignores stop() until its accept loop runs; the line must not come before that.
  for (int i = 0; i < 10; ++i) {
    simtest::SimProcess sim;
    CHECK(sim.stop() == 0);
  }
}

TEST_CASE("SIGTERM stops tarn-sim at once, even with an idle keep-alive connection open", "[process]") {
  simtest::SimProcess sim;
  auto c = sim.client();
  c.set_keep_alive(true);
  REQUIRE(c.Get("/_sim/health")->status == 200);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(sim.stop() == 0);
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 1.0);
}

TEST_CASE("faults: N injected 429s with Retry-After, then the real answer", "[faults]") {
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", kSeed.dump())});
  auto c = sim.client();
  auto auth = fabric_auth(c);
  auto added = add_fault(c, {{"method", "GET"}, {"path", "^/fabric/v1/workspaces$"}, {"status", 429}, {"count", 2},
                             {"retry_after", "1"}});
  REQUIRE(added);
  CHECK(added->status == 201);
  CHECK(json::parse(added->body)["remaining"] == 2);
  // The fault is for GET only: a POST to the same path gets the route's own answer.
  auto post = c.Post("/fabric/v1/workspaces", "{}", "application/json");
  REQUIRE(post);
  CHECK(post->status != 429);
  c.Delete("/_sim/requests");

  for (int i = 0; i < 2; ++i) {
    auto r = c.Get("/fabric/v1/workspaces", auth);
    REQUIRE(r);
    CHECK(r->status == 429);
    CHECK(r->get_header_value("Retry-After") == "1");
    json b = json::parse(r->body);
    CHECK(b["errorCode"] == "TooManyRequests");
    CHECK(b["message"] == "The service rate limit was exceeded. Retry after 1 seconds.");
    CHECK(b["requestId"] == r->get_header_value("RequestId"));
  }
  auto ok = c.Get("/fabric/v1/workspaces", auth);
  REQUIRE(ok);
  CHECK(ok->status == 200);

  json log = requests(c, "?path=^/fabric/");
  REQUIRE(log.size() == 3);
  CHECK(log[0]["status"] == 429);
  CHECK(log[0]["fault"] == "status");
  CHECK(log[1]["status"] == 429);
  CHECK(log[2]["status"] == 200);
  CHECK(log[2]["fault"].is_null());
  CHECK(log[2]["id"] == ok->get_header_value("RequestId"));
  CHECK(log[2]["method"] == "GET");
  CHECK(log[2]["duration_ms"].is_number());
  json faults = simtest::body_of(c.Get("/_sim/faults"))["faults"];
  CHECK(faults[0]["hits"] == 2);
  CHECK(faults[0]["remaining"] == 0);
}

TEST_CASE("faults: retry-after-ms headers, custom body, method filter, unlimited count", "[faults]") {
  simtest::SimProcess sim;
  auto c = sim.client();
  REQUIRE(add_fault(c, json::array({{{"method", "POST"}, {"path", "^/arm/"}, {"status", 503}, {"retry_after_ms", 250}, {"count", nullptr}},
                                    {{"path", "^/keyvault/"}, {"status", 500}, {"body", {{"custom", true}}}}}))->status == 201);
  for (int i = 0; i < 3; ++i) {
    auto r = c.Post("/arm/x", "{}", "application/json");
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->get_header_value("retry-after-ms") == "250");
    CHECK(r->get_header_value("x-ms-retry-after-ms") == "250");
    CHECK_FALSE(r->has_header("Retry-After"));
    CHECK(json::parse(r->body)["error"]["code"] == "ServiceUnavailable");
  }
  CHECK(c.Get("/arm/x")->status == 404);  // GET is not faulted; the sim has no such route
  auto custom = c.Get("/keyvault/v/secrets/a");
  CHECK(custom->status == 500);
  CHECK(json::parse(custom->body) == json({{"custom", true}}));
  CHECK(c.Get("/keyvault/v/secrets/a")->status == 404);

  auto bad = add_fault(c, {{"path", "^/x"}, {"status", 429}, {"retryafter", 1}});
  CHECK(bad->status == 400);
  CHECK(json::parse(bad->body)["error"]["message"].get<std::string>().rfind("unknown field 'retryafter'", 0) == 0);
  REQUIRE(c.Delete("/_sim/faults")->status == 204);
  CHECK(simtest::body_of(c.Get("/_sim/faults"))["faults"].empty());
  CHECK(c.Post("/arm/x", "{}", "application/json")->status == 404);
}

TEST_CASE("faults: a dropped connection gets no response at all, then service resumes", "[faults]") {
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", kSeed.dump())});
  auto c = sim.client();
  auto auth = fabric_auth(c);
  REQUIRE(add_fault(c, {{"path", "^/fabric/v1/workspaces$"}, {"drop", true}})->status == 201);
  c.Delete("/_sim/requests");
  httplib::Client fresh("127.0.0.1", sim.port);
  fresh.set_read_timeout(5);
  auto dropped = fresh.Get("/fabric/v1/workspaces", auth);
  CHECK_FALSE(dropped);
  CHECK(dropped.error() == httplib::Error::Read);
  auto ok = fresh.Get("/fabric/v1/workspaces", auth);
  REQUIRE(ok);
  CHECK(ok->status == 200);
  json log = requests(c);
  REQUIRE(log.size() == 2);
  CHECK(log[0]["fault"] == "drop");
  CHECK(log[0]["status"].is_null());
  CHECK(log[1]["status"] == 200);
}

TEST_CASE("faults: a delay holds the real handler back", "[faults]") {
  simtest::SimProcess sim;
  auto c = sim.client();
  REQUIRE(add_fault(c, {{"path", "^/imds/"}, {"delay_ms", 400}})->status == 201);
  auto t0 = std::chrono::steady_clock::now();
  auto r = c.Get("/imds/metadata/identity/oauth2/token?api-version=2018-02-01&resource=x", {{"Metadata", "true"}});
  double slow = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(slow >= 0.4);
  t0 = std::chrono::steady_clock::now();
  CHECK(c.Get("/imds/metadata/identity/oauth2/token?api-version=2018-02-01&resource=x", {{"Metadata", "true"}})->status == 200);
  double fast = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(fast < 0.4);
  json log = requests(c);
  REQUIRE(log.size() == 2);
  CHECK(log[0]["fault"] == "delay");
  CHECK(log[0]["duration_ms"].get<double>() >= 400);
}

TEST_CASE("request log: filters, clearing, and control calls left out", "[log]") {
  simtest::SimProcess sim;
  auto c = sim.client();
  c.Get("/fabric/v1/workspaces?a=1");
  c.Get("/arm/subscriptions");
  c.Get("/_sim/health");
  json all = requests(c);
  REQUIRE(all.size() == 2);
  CHECK(all[0]["path"] == "/fabric/v1/workspaces");
  CHECK(all[0]["query"] == "a=1");
  CHECK(all[0]["status"] == 401);
  CHECK(all[0]["family"] == "fabric");
  CHECK(all[0]["scheme"] == "http");
  CHECK(requests(c, "?path=^/arm").size() == 1);
  CHECK(requests(c, "?method=POST").empty());
  CHECK(c.Get("/_sim/requests?path=(")->status == 400);
  CHECK(c.Delete("/_sim/requests")->status == 204);
  CHECK(requests(c).empty());
}

TEST_CASE("seed merges into the state, bad seeds are refused, reset returns to the seed file", "[state]") {
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", kSeed.dump())});
  auto c = sim.client();
  auto merged = c.Post("/_sim/seed", R"({"fabric":{"workspaces":[{"id":"w1"}]}})", "application/json");
  CHECK(merged->status == 200);
  json state = simtest::body_of(c.Get("/_sim/state"));
  CHECK(state["fabric"]["workspaces"][0]["id"] == "w1");
  CHECK(state["entra"]["principals"][0]["client_id"] == "app");

  auto bad = c.Post("/_sim/seed", R"({"entra":{"principals":[{"client_id":"x"}]}})", "application/json");
  CHECK(bad->status == 400);
  CHECK(json::parse(bad->body)["error"]["message"] == "entra.principals[0].tenant: required, expected a string");
  CHECK(c.Post("/_sim/seed", "not json", "application/json")->status == 400);
  CHECK(simtest::body_of(c.Get("/_sim/state"))["entra"]["principals"][0]["client_id"] == "app");

  CHECK(c.Post("/_sim/reset", "", "application/json")->status == 200);
  CHECK(simtest::body_of(c.Get("/_sim/state")) == kSeed);
  CHECK(c.Post("/_sim/save", "", "application/json")->status == 409);
}

TEST_CASE("state file (--state): saved on every change and at exit, reloaded after a restart", "[state]") {
  simtest::TempDir dir;
  std::string file = dir.file("state.json");
  std::string token;
  {
    simtest::SimProcess sim({"--seed", dir.write("seed.json", kSeed.dump()), "--state", file});
    auto c = sim.client();
    REQUIRE(c.Post("/_sim/seed", R"({"fabric":{"workspaces":[{"id":"kept"}]}})", "application/json")->status == 200);
    json saved = json::parse(read_file(file));  // written by the change, before any shutdown
    CHECK(saved["format"] == "tarn-sim-state");
    CHECK(saved["state"]["fabric"]["workspaces"][0]["id"] == "kept");
    token = fabric_auth(c).begin()->second;
    CHECK(sim.stop() == 0);
  }
  CHECK(std::filesystem::status(file).permissions() ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  simtest::SimProcess again({"--seed", dir.file("seed.json"), "--state", file});
  auto c = again.client();
  json state = simtest::body_of(c.Get("/_sim/state"));
  CHECK(state["fabric"]["workspaces"][0]["id"] == "kept");
  auto r = c.Get("/fabric/v1/workspaces", {{"Authorization", token}});
  REQUIRE(r);
  CHECK(r->status == 200);  // the signing key is part of the saved state
  CHECK(json::parse(r->body)["value"][0]["id"] == "kept");
  auto saved = c.Post("/_sim/save", "", "application/json");
  CHECK(saved->status == 200);
  CHECK(json::parse(saved->body)["file"] == file);
}

TEST_CASE("command line: non-loopback hosts and incomplete HTTPS options are refused", "[process]") {
  auto open = simtest::run_expecting_exit({"--host", "0.0.0.0", "--port", "0"});
  CHECK(open.exit_code == 2);
  CHECK(open.err.find("--host 0.0.0.0 is not a loopback address") != std::string::npos);
  auto tls = simtest::run_expecting_exit({"--https-port", "0"});
  CHECK(tls.exit_code == 2);
  CHECK(tls.err.find("--https-port needs --cert FILE and --key FILE") != std::string::npos);
  simtest::TempDir dir;
  auto seed = simtest::run_expecting_exit({"--seed", dir.write("bad.json", "{oops"), "--port", "0"});
  CHECK(seed.exit_code == 2);
  CHECK(seed.err.find("--seed " + dir.file("bad.json") + ": not valid JSON") != std::string::npos);
  auto field = simtest::run_expecting_exit({"--seed", dir.write("field.json", R"({"entra":{"principal":[]}})"), "--port", "0"});
  CHECK(field.exit_code == 2);
  CHECK(field.err.find("seed: entra: unknown field 'principal'") != std::string::npos);
  auto state = simtest::run_expecting_exit({"--state", dir.write("other.json", R"({"a":1})"), "--port", "0"});
  CHECK(state.exit_code == 2);
  CHECK(state.err.find("not a tarn-sim state file") != std::string::npos);
}
