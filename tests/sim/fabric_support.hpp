#pragma once
// In-process tarn-sim for the Fabric tests: requests go through Sim::handle() exactly as
// httplib delivers them, with a valid Fabric token, and long-running operations are followed.
#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

#include "sim/fabric.hpp"
#include "sim/services.hpp"

namespace fabrictest {

using sim::json;

inline constexpr const char* kCaller = "9d0f0000-0000-4000-8000-00000000ca11";  // the token's oid

struct Reply {
  int status = 0;
  json body;  // null when the body is empty
  httplib::Headers headers;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class FabricSim {
 public:
  // `seed` gets lro.running_polls 0 and retry_after_seconds 0 unless it sets them.
  explicit FabricSim(json seed = json::object()) : sim_(options(std::move(seed))) {
    sim::register_all(sim_);
    sim_.validate();
    std::int64_t now = sim::unix_now();
    token_ = sim_.sign_token({{"aud", std::string(sim::fabric_audience)}, {"tid", "t1"}, {"appid", "app-1"},
                              {"oid", kCaller}, {"iat", now}, {"nbf", now}, {"exp", now + 3600}});
  }

  sim::Sim& sim() { return sim_; }

  // Back to an empty state, then `seed` (as the constructor takes it): cheaper than a new
  // simulator, whose route table compiles ~150 regular expressions.
  void reseed(json seed) {
    sim_.reset();
    sim_.merge(options(std::move(seed)).seed);
  }

  Reply call(const std::string& method, const std::string& target, const json& body = nullptr,
             const std::string& token = "") {
    httplib::Request req;
    req.method = method;
    req.target = target;
    auto q = target.find('?');
    req.path = httplib::detail::decode_url(target.substr(0, q), false);
    if (q != std::string::npos) httplib::detail::parse_query_text(target.substr(q + 1), req.params);
    req.set_header("Host", "sim.test:8080");
    req.set_header("Authorization", "Bearer " + (token.empty() ? token_ : token));
    if (!body.is_null()) {
      req.body = body.is_string() ? body.get<std::string>() : body.dump();
      req.set_header("Content-Type", "application/json");
    }
    httplib::Response res;
    sim_.handle(req, res, "http");
    Reply r{res.status, res.body.empty() ? json() : json::parse(res.body, nullptr, false), res.headers};
    return r;
  }

  // A 202's operation followed to its end: the result body (null without one). 200/201 pass
  // through. Fails the test on anything else.
  Reply finish(const Reply& r) {
    if (r.status != 202) return r;
    std::string url = r.header("Location");
    std::string path = url.substr(url.find("/fabric/"));
    for (int i = 0; i < 50; ++i) {
      Reply state = call("GET", path);
      if (state.status != 200) return state;
      std::string status = state.body.value("status", "");
      if (status == "Failed") return state;
      if (status == "Succeeded") {
        std::string result = state.header("Location");
        if (result.empty()) return Reply{200, nullptr, {}};
        return call("GET", result.substr(result.find("/fabric/")));
      }
    }
    return Reply{0, "operation did not finish", {}};
  }

  Reply run(const std::string& method, const std::string& target, const json& body = nullptr) {
    return finish(call(method, target, body));
  }

 private:
  static sim::Sim::Options options(json seed) {
    if (!seed.contains("lro")) seed["lro"] = {{"running_polls", 0}, {"retry_after_seconds", 0}};
    return {std::move(seed), ""};
  }
  sim::Sim sim_;
  std::string token_;
};

inline std::string b64(const std::string& text) { return sim::fabric::b64_encode(text); }

inline json part(const std::string& path, const json& content) {
  return {{"path", path}, {"payload", b64(content.dump())}, {"payloadType", "InlineBase64"}};
}

// mirroring.json for an Azure PostgreSQL source; `tables` = [[schema, table], ...] or null (all).
inline json mirroring(const std::string& connection, const std::string& database = "appdb",
                      const std::string& schema = "public", const json& tables = nullptr) {
  json m = {{"properties",
             {{"source", {{"type", "AzurePostgreSql"}, {"typeProperties", {{"connection", connection}, {"database", database}}}}},
              {"target", {{"type", "MountedRelationalDatabase"},
                          {"typeProperties", {{"defaultSchema", schema}, {"format", "Delta"}}}}}}}};
  if (tables.is_array()) {
    json mounted = json::array();
    for (const auto& t : tables)
      mounted.push_back({{"source", {{"typeProperties", {{"schemaName", t[0]}, {"tableName", t[1]}}}}}});
    m["properties"]["mountedTables"] = mounted;
  }
  return {{"parts", json::array({part("mirroring.json", m)})}};
}

inline void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace fabrictest
