// tarn-sim's Key Vault secrets routes, in-process through Sim::handle(): the 401 challenge
// and tenant check, versions, enable/disable, soft delete, recover, purge, paging, the
// seed's shorthand and its validation.
#include <catch2/catch.hpp>

#include "sim/families.hpp"
#include "sim/services.hpp"

using sim::json;

namespace {

const std::string kTenant = "7d3a1f0e-5b6c-4d2e-8f90-1a2b3c4d5e6f";

struct Vaults {
  sim::Sim s;
  std::string token;

  static sim::Sim::Options options(json keyvault) {
    sim::Sim::Options o;
    o.seed = json::object();
    o.seed["entra"] = {{"default_tenant", kTenant}};
    o.seed["keyvault"] = std::move(keyvault);
    return o;
  }

  explicit Vaults(json keyvault = {{"vaults", {{"kv1", json::object()}}}}) : s(options(std::move(keyvault))) {
    sim::register_all(s);
    token = sign(kTenant, "https://vault.azure.net");
  }
  std::string sign(const std::string& tid, const std::string& aud) const {
    std::int64_t now = sim::unix_now();
    return s.sign_token({{"aud", aud}, {"tid", tid}, {"appid", "a1"}, {"oid", "o1"}, {"iat", now}, {"nbf", now},
                         {"exp", now + 3600}});
  }
  httplib::Response call(const std::string& method, const std::string& target, const std::string& body = "",
                         const std::string& bearer = "-") {
    httplib::Request req;
    req.method = method;
    req.target = target;
    auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) httplib::detail::parse_query_text(target.substr(q + 1), req.params);
    req.set_header("Host", "sim.test:8080");
    std::string t = bearer == "-" ? token : bearer;
    if (!t.empty()) req.set_header("Authorization", "Bearer " + t);
    req.body = body;
    httplib::Response res;
    s.handle(req, res, "http");
    return res;
  }
  json ok(const std::string& method, const std::string& target, const std::string& body = "") {
    auto r = call(method, target, body);
    INFO(method << " " << target << ": " << r.status << " " << r.body);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }
};

json error_of(const httplib::Response& r) { return json::parse(r.body)["error"]; }

std::string version_of(const json& bundle) {
  std::string id = bundle["id"];
  return id.substr(id.rfind('/') + 1);
}

const std::string kV = "?api-version=7.5";

}  // namespace

TEST_CASE("keyvault: a request without a token gets Key Vault's 401 challenge for the vault's tenant", "[keyvault]") {
  Vaults v;
  auto r = v.call("GET", "/keyvault/kv1/secrets/a" + kV, "", "");
  CHECK(r.status == 401);
  CHECK(r.get_header_value("WWW-Authenticate") ==
        "Bearer authorization=\"http://sim.test:8080/entra/" + kTenant + "\", resource=\"https://vault.azure.net\"");
  CHECK(json::parse(r.body) ==
        json::parse(R"({"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}})"));
  CHECK(r.has_header("x-ms-request-id"));

  auto fabric = v.call("GET", "/keyvault/kv1/secrets/a" + kV, "", v.sign(kTenant, "https://api.fabric.microsoft.com"));
  CHECK(fabric.status == 401);
  CHECK(error_of(fabric)["message"] ==
        "AKV10022: Invalid audience. Expected https://vault.azure.net, found: https://api.fabric.microsoft.com.");

  auto stranger = v.call("GET", "/keyvault/kv1/secrets/a" + kV, "", v.sign("other-tenant", "https://vault.azure.net"));
  CHECK(stranger.status == 401);
  CHECK(stranger.get_header_value("WWW-Authenticate") == r.get_header_value("WWW-Authenticate"));
  CHECK(error_of(stranger)["message"] ==
        "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/" + kTenant +
            "/, found https://sts.windows.net/other-tenant/.");
}

TEST_CASE("keyvault: each set makes a version; get reads the latest or a given one", "[keyvault]") {
  Vaults v;
  json first = v.ok("PUT", "/keyvault/kv1/secrets/db-pw" + kV, R"({"value":"one","contentType":"text/plain","tags":{"env":"dev"}})");
  CHECK(first["value"] == "one");
  CHECK(first["contentType"] == "text/plain");
  CHECK(first["tags"] == json({{"env", "dev"}}));
  CHECK(first["attributes"]["enabled"] == true);
  CHECK(first["attributes"]["recoveryLevel"] == "Recoverable+Purgeable");
  std::string v1 = version_of(first);
  CHECK(v1.size() == 32);
  CHECK(first["id"] == "http://sim.test:8080/keyvault/kv1/secrets/db-pw/" + v1);
  json second = v.ok("PUT", "/keyvault/kv1/secrets/db-pw" + kV, R"({"value":"two"})");
  std::string v2 = version_of(second);
  CHECK(v2 != v1);
  CHECK(v.ok("GET", "/keyvault/kv1/secrets/db-pw" + kV)["value"] == "two");
  CHECK(v.ok("GET", "/keyvault/kv1/secrets/db-pw/" + kV)["value"] == "two");
  CHECK(v.ok("GET", "/keyvault/kv1/secrets/db-pw/" + v1 + kV)["value"] == "one");
  auto missing = v.call("GET", "/keyvault/kv1/secrets/db-pw/00000000000000000000000000000000" + kV);
  CHECK(missing.status == 404);
  CHECK(error_of(missing)["code"] == "SecretNotFound");
  auto nothing = v.call("GET", "/keyvault/kv1/secrets/nothing" + kV);
  CHECK(nothing.status == 404);
  CHECK(error_of(nothing)["message"].get<std::string>().rfind("A secret with (name/id) nothing was not found in this key vault.", 0) == 0);

  auto bad = v.call("PUT", "/keyvault/kv1/secrets/db_pw" + kV, R"({"value":"x"})");
  CHECK(bad.status == 400);
  CHECK(error_of(bad)["code"] == "BadParameter");
  CHECK(v.call("PUT", "/keyvault/kv1/secrets/db-pw" + kV, R"({"contentType":"x"})").status == 400);
  CHECK(v.call("PUT", "/keyvault/kv1/secrets/db-pw" + kV, "not json").status == 400);
}

TEST_CASE("keyvault: versions page by nextLink; maxresults is 1 to 25", "[keyvault]") {
  Vaults v(json::parse(R"({"vaults":{"kv1":{}},"page_size":2})"));
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i)
    made.push_back(version_of(v.ok("PUT", "/keyvault/kv1/secrets/s" + kV, R"({"value":"v)" + std::to_string(i) + "\"}")));
  std::vector<std::string> listed;
  std::string next = "/keyvault/kv1/secrets/s/versions" + kV;
  int pages = 0;
  while (!next.empty()) {
    json page = v.ok("GET", next);
    ++pages;
    for (const auto& item : page["value"]) {
      CHECK_FALSE(item.contains("value"));
      listed.push_back(version_of(item));
    }
    next = page.contains("nextLink") ? page["nextLink"].get<std::string>().substr(std::string("http://sim.test:8080").size()) : "";
  }
  CHECK(pages == 3);
  CHECK(listed == made);
  json one = v.ok("GET", "/keyvault/kv1/secrets/s/versions" + kV + "&maxresults=1");
  CHECK(one["value"].size() == 1);
  CHECK(one["nextLink"].get<std::string>().find("maxresults=1") != std::string::npos);
  CHECK(v.call("GET", "/keyvault/kv1/secrets/s/versions" + kV + "&maxresults=26").status == 400);
  CHECK(v.ok("GET", "/keyvault/kv1/secrets/unknown/versions" + kV)["value"] == json::array());
  json all = v.ok("GET", "/keyvault/kv1/secrets" + kV);
  REQUIRE(all["value"].size() == 1);
  CHECK(all["value"][0]["id"] == "http://sim.test:8080/keyvault/kv1/secrets/s");
}

TEST_CASE("keyvault: a disabled version answers 403 SecretDisabled until enabled again", "[keyvault]") {
  Vaults v;
  std::string v1 = version_of(v.ok("PUT", "/keyvault/kv1/secrets/s" + kV, R"({"value":"x"})"));
  json patched = v.ok("PATCH", "/keyvault/kv1/secrets/s/" + v1 + kV, R"({"attributes":{"enabled":false}})");
  CHECK_FALSE(patched.contains("value"));
  CHECK(patched["attributes"]["enabled"] == false);
  auto r = v.call("GET", "/keyvault/kv1/secrets/s" + kV);
  CHECK(r.status == 403);
  CHECK(json::parse(r.body) == json::parse(R"({"error":{"code":"Forbidden","message":"Operation get is not allowed on a disabled secret.","innererror":{"code":"SecretDisabled"}}})"));
  CHECK(v.ok("GET", "/keyvault/kv1/secrets/s/versions" + kV)["value"][0]["attributes"]["enabled"] == false);
  v.ok("PATCH", "/keyvault/kv1/secrets/s/" + kV, R"({"attributes":{"enabled":true},"contentType":"text/plain"})");
  json back = v.ok("GET", "/keyvault/kv1/secrets/s" + kV);
  CHECK(back["value"] == "x");
  CHECK(back["contentType"] == "text/plain");
}

TEST_CASE("keyvault: delete, the 409 on reuse, recover and purge", "[keyvault]") {
  Vaults v;
  v.ok("PUT", "/keyvault/kv1/secrets/s" + kV, R"({"value":"old"})");
  std::string latest = version_of(v.ok("PUT", "/keyvault/kv1/secrets/s" + kV, R"({"value":"new"})"));
  json deleted = v.ok("DELETE", "/keyvault/kv1/secrets/s" + kV);
  CHECK(deleted["recoveryId"] == "http://sim.test:8080/keyvault/kv1/deletedsecrets/s");
  CHECK(version_of(deleted) == latest);
  CHECK(deleted["scheduledPurgeDate"].get<std::int64_t>() - deleted["deletedDate"].get<std::int64_t>() == 90 * 86400);
  CHECK_FALSE(deleted.contains("value"));
  CHECK(error_of(v.call("GET", "/keyvault/kv1/secrets/s" + kV))["code"] == "SecretNotFound");
  CHECK(v.ok("GET", "/keyvault/kv1/deletedsecrets/s" + kV)["recoveryId"] == deleted["recoveryId"]);

  auto reuse = v.call("PUT", "/keyvault/kv1/secrets/s" + kV, R"({"value":"again"})");
  CHECK(reuse.status == 409);
  CHECK(json::parse(reuse.body) == json::parse(R"({"error":{"code":"Conflict","message":"Secret s is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.","innererror":{"code":"ObjectIsDeletedButRecoverable"}}})"));

  CHECK(version_of(v.ok("POST", "/keyvault/kv1/deletedsecrets/s/recover" + kV)) == latest);
  CHECK(v.ok("GET", "/keyvault/kv1/secrets/s" + kV)["value"] == "new");
  CHECK(v.ok("GET", "/keyvault/kv1/secrets/s/versions" + kV)["value"].size() == 2);
  auto gone = v.call("GET", "/keyvault/kv1/deletedsecrets/s" + kV);
  CHECK(gone.status == 404);
  CHECK(json::parse(gone.body) == json::parse(R"({"error":{"code":"SecretNotFound","message":"Deleted Secret not found"}})"));
  CHECK(v.call("POST", "/keyvault/kv1/deletedsecrets/s/recover" + kV).status == 404);

  v.ok("DELETE", "/keyvault/kv1/secrets/s" + kV);
  CHECK(v.call("DELETE", "/keyvault/kv1/deletedsecrets/s" + kV).status == 204);
  CHECK(v.call("DELETE", "/keyvault/kv1/deletedsecrets/s" + kV).status == 404);
  json fresh = v.ok("PUT", "/keyvault/kv1/secrets/s" + kV, R"({"value":"fresh"})");
  CHECK(v.ok("GET", "/keyvault/kv1/secrets/s/versions" + kV)["value"].size() == 1);
  CHECK(v.call("DELETE", "/keyvault/kv1/secrets/never" + kV).status == 404);
}

TEST_CASE("keyvault: seeded secrets in shorthand keep their versions; bad seeds are refused", "[keyvault]") {
  Vaults v(json::parse(R"({"vaults":{"kv1":{
    "secrets":{"plain":"p4ss",
               "off":{"value":"x","enabled":false,"contentType":"text/plain"},
               "two":{"versions":[{"value":"a"},{"value":"b","created":1700000000}]}},
    "deleted":{"gone":{"versions":[{"value":"g"}]}}}}})"));
  json plain = v.ok("GET", "/keyvault/kv1/secrets/plain" + kV);
  CHECK(plain["value"] == "p4ss");
  CHECK(v.ok("GET", "/keyvault/kv1/secrets/plain" + kV)["id"] == plain["id"]);  // stable across requests
  CHECK(v.call("GET", "/keyvault/kv1/secrets/off" + kV).status == 403);
  json two = v.ok("GET", "/keyvault/kv1/secrets/two/versions" + kV);
  REQUIRE(two["value"].size() == 2);
  CHECK(two["value"][1]["attributes"]["created"] == 1700000000);
  CHECK(v.ok("GET", "/keyvault/kv1/secrets/two" + kV)["value"] == "b");
  CHECK(v.call("PUT", "/keyvault/kv1/secrets/gone" + kV, R"({"value":"x"})").status == 409);
  // The state now holds the full form, which is itself a valid seed.
  json state = v.s.state();
  CHECK(state["keyvault"]["vaults"]["kv1"]["secrets"]["plain"]["versions"][0]["value"] == "p4ss");
  CHECK_NOTHROW(v.s.merge(state));

  CHECK_THROWS_WITH(v.s.merge({{"keyvault", {{"vaults", {{"k_1", json::object()}}}}}}),
                    "keyvault.vaults.k_1: expected a vault name of 3-24 letters, digits and single hyphens, starting "
                    "with a letter");
  CHECK_THROWS_WITH(v.s.merge({{"keyvault", {{"vaults", {{"kv1", {{"secrets", {{"a_b", "x"}}}}}}}}}}),
                    "keyvault.vaults.kv1.secrets.a_b: expected a secret name of 1-127 letters, digits and hyphens");
  CHECK_THROWS_WITH(v.s.merge({{"keyvault", {{"vaults", {{"kv1", {{"secret", json::object()}}}}}}}}),
                    "keyvault.vaults.kv1: unknown field 'secret'; expected one of secrets, deleted");
  CHECK_THROWS_WITH(v.s.merge({{"keyvault", {{"vaults", {{"kv1", {{"secrets", {{"a", {{"enabled", true}}}}}}}}}}}}),
                    "keyvault.vaults.kv1.secrets.a.value: required, expected a string");
  CHECK_THROWS_WITH(v.s.merge({{"keyvault", {{"vault", json::object()}}}}),
                    "keyvault: unknown field 'vault'; expected one of vaults, page_size");
}

TEST_CASE("keyvault: an unknown vault, a missing api-version", "[keyvault]") {
  Vaults v;
  auto unknown = v.call("GET", "/keyvault/kv2/secrets/a" + kV);
  CHECK(unknown.status == 404);
  CHECK(error_of(unknown)["code"] == "VaultNotFound");
  auto no_version = v.call("GET", "/keyvault/kv1/secrets/a");
  CHECK(no_version.status == 400);
  CHECK(error_of(no_version)["code"] == "BadParameter");
  CHECK(v.call("GET", "/keyvault/kv1/secrets/a?api-version=2016-10-01").status == 400);
}
