// A token-bearing service route (Fabric's workspace list) over HTTP: good tokens pass,
// wrong audience and expired tokens get Fabric's 401, and lists page.
#include <catch2/catch.hpp>

#include <thread>

#include "support.hpp"

using simtest::json;

namespace {

json seed(int lifetime = 3599) {
  return {{"entra",
           {{"token_lifetime_seconds", lifetime},
            {"principals", json::array({{{"tenant", "t1"}, {"client_id", "app"}, {"client_secret", "pw"}}})}}}};
}

void check_fabric_401(const httplib::Result& r, const std::string& code) {
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 401);
  json b = json::parse(r->body);
  CHECK(b["errorCode"] == code);
  CHECK(b["requestId"] == r->get_header_value("RequestId"));
  CHECK(b["message"].is_string());
  CHECK(r->get_header_value("x-ms-public-api-error-code") == code);
  CHECK(r->get_header_value("WWW-Authenticate").rfind("Bearer authorization_uri=\"", 0) == 0);
}

}  // namespace

TEST_CASE("Fabric route: a Fabric token gets 200, others get Fabric's 401", "[bearer]") {
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", seed().dump())});
  auto c = sim.client();
  std::string fabric = simtest::secret_token(c, "t1", "app", "pw", "https://api.fabric.microsoft.com/.default");
  std::string storage = simtest::secret_token(c, "t1", "app", "pw", "https://storage.azure.com/.default");

  auto ok = c.Get("/fabric/v1/workspaces", {{"Authorization", "Bearer " + fabric}});
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(json::parse(ok->body) == json::parse(R"({"value":[]})"));
  CHECK(ok->has_header("RequestId"));

  check_fabric_401(c.Get("/fabric/v1/workspaces", {{"Authorization", "Bearer " + storage}}), "Unauthorized");
  check_fabric_401(c.Get("/fabric/v1/workspaces"), "Unauthorized");
  std::string tampered = fabric;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  check_fabric_401(c.Get("/fabric/v1/workspaces", {{"Authorization", "Bearer " + tampered}}), "Unauthorized");
}

TEST_CASE("Fabric route: an expired token gets 401 TokenExpired", "[bearer]") {
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", seed(1).dump())});
  auto c = sim.client();
  std::string token = simtest::secret_token(c, "t1", "app", "pw", "https://api.fabric.microsoft.com/.default");
  CHECK(simtest::claims_of(token)["exp"].get<long long>() - simtest::claims_of(token)["iat"].get<long long>() == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  check_fabric_401(c.Get("/fabric/v1/workspaces", {{"Authorization", "Bearer " + token}}), "TokenExpired");
}

TEST_CASE("Fabric route: a managed identity token for the Fabric resource is accepted", "[bearer][imds]") {
  simtest::SimProcess sim;
  auto c = sim.client();
  auto r = c.Get("/imds/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://api.fabric.microsoft.com",
                 {{"Metadata", "true"}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  std::string token = json::parse(r->body)["access_token"];
  auto ok = c.Get("/fabric/v1/workspaces", {{"Authorization", "Bearer " + token}});
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("Fabric route: seeded workspaces page by continuationUri", "[bearer][paging]") {
  json s = seed();
  s["paging"] = {{"page_size", 2}};
  s["fabric"] = {{"workspaces", json::array()}};
  for (int i = 0; i < 5; ++i) s["fabric"]["workspaces"].push_back({{"id", "ws-" + std::to_string(i)}, {"displayName", "W" + std::to_string(i)}});
  simtest::TempDir dir;
  simtest::SimProcess sim({"--seed", dir.write("seed.json", s.dump())});
  auto c = sim.client();
  httplib::Headers auth{{"Authorization", "Bearer " + simtest::secret_token(c, "t1", "app", "pw", "https://api.fabric.microsoft.com/.default")}};
  std::vector<std::string> ids;
  std::string path = "/fabric/v1/workspaces";
  int pages = 0;
  while (!path.empty() && pages < 10) {
    json b = simtest::body_of(c.Get(path, auth));
    ++pages;
    for (const auto& w : b["value"]) ids.push_back(w["id"]);
    path = b.contains("continuationUri") ? b["continuationUri"].get<std::string>().substr(sim.base().size()) : "";
  }
  CHECK(pages == 3);
  CHECK(ids == std::vector<std::string>{"ws-0", "ws-1", "ws-2", "ws-3", "ws-4"});
}
