// The family helpers and the core, in-process: error bodies, 401 challenges, paging,
// long-running operations, fault specs and JWT encoding. Requests go through Sim::handle()
// exactly as httplib delivers them, without a socket.
#include <catch2/catch.hpp>

#include <regex>

#include "sim/families.hpp"
#include "sim/jwt.hpp"
#include "sim/services.hpp"
#include "support.hpp"

using sim::json;

namespace {

httplib::Request request(const std::string& method, const std::string& target,
                         std::initializer_list<std::pair<std::string, std::string>> headers = {}) {
  httplib::Request req;
  req.method = method;
  req.target = target;
  auto q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) httplib::detail::parse_query_text(target.substr(q + 1), req.params);
  req.set_header("Host", "sim.test:8080");
  for (const auto& [k, v] : headers) req.set_header(k, v);
  return req;
}

// One exchange on a request, for calling a helper directly.
struct Call {
  httplib::Request req;
  httplib::Response res;
  sim::Exchange ex;
  Call(sim::Sim& s, const httplib::Request& r, sim::Family family)
      : req(r), ex{s, req, res, family, "http", "11111111-2222-4333-8444-555555555555", {}} {}
  json body() const { return json::parse(res.body); }
};

httplib::Response handle(sim::Sim& s, const httplib::Request& req) {
  httplib::Response res;
  s.handle(req, res, "http");
  return res;
}

std::string token(const sim::Sim& s, const std::string& aud, std::int64_t exp_in = 3600) {
  std::int64_t now = sim::unix_now();
  return s.sign_token({{"aud", aud}, {"tid", "t1"}, {"appid", "a1"}, {"oid", "o1"}, {"iat", now}, {"nbf", now},
                       {"exp", now + exp_in}});
}

sim::Sim::Options seeded(json seed) { return {std::move(seed), ""}; }

json items(int n) {
  json a = json::array();
  for (int i = 0; i < n; ++i) a.push_back({{"id", i}});
  return a;
}

}  // namespace

TEST_CASE("base64url follows RFC 4648 without padding and rejects other alphabets", "[jwt]") {
  CHECK(sim::jwt::b64url_encode("f") == "Zg");
  CHECK(sim::jwt::b64url_encode("foob") == "Zm9vYg");
  CHECK(sim::jwt::b64url_encode("foobar") == "Zm9vYmFy");
  CHECK(sim::jwt::b64url_encode(std::string("\xfb\xff", 2)) == "-_8");
  CHECK(sim::jwt::b64url_decode("-_8") == std::string("\xfb\xff", 2));
  CHECK(sim::jwt::b64url_decode("Zm9vYg==") == std::string("foob"));
  CHECK_FALSE(sim::jwt::b64url_decode("+/8"));
  CHECK_FALSE(sim::jwt::b64url_decode("Z"));
}

TEST_CASE("HS256 tokens verify only with their key and unaltered", "[jwt]") {
  std::string t = sim::jwt::sign_hs256({{"aud", "x"}}, "key-one");
  auto parsed = sim::jwt::parse(t);
  REQUIRE(parsed);
  CHECK(parsed->header == json({{"alg", "HS256"}, {"typ", "JWT"}}));
  CHECK(parsed->payload == json({{"aud", "x"}}));
  CHECK(sim::jwt::verify_hs256(*parsed, "key-one"));
  CHECK_FALSE(sim::jwt::verify_hs256(*parsed, "key-two"));
  std::string forged = t.substr(0, t.find('.') + 1) + sim::jwt::b64url_encode(R"({"aud":"y"})") + t.substr(t.rfind('.'));
  CHECK_FALSE(sim::jwt::verify_hs256(*sim::jwt::parse(forged), "key-one"));
  CHECK_FALSE(sim::jwt::parse("a.b"));
  CHECK_FALSE(sim::jwt::parse("e30.e30.e30.e30"));
  CHECK_FALSE(sim::jwt::parse("bm90IGpzb24.e30.AA"));
}

TEST_CASE("RSA assertions verify against the certificate or public key, RS256 and PS256", "[jwt]") {
  simtest::KeyPair key, other;
  json payload = {{"iss", "me"}};
  for (bool pss : {false, true}) {
    auto t = sim::jwt::parse(simtest::sign_jwt({{"alg", pss ? "PS256" : "RS256"}}, payload, key, pss));
    REQUIRE(t);
    CHECK(sim::jwt::verify_rsa(*t, key.cert_pem) == sim::jwt::Check::ok);
    CHECK(sim::jwt::verify_rsa(*t, key.public_key_pem) == sim::jwt::Check::ok);
    CHECK(sim::jwt::verify_rsa(*t, other.cert_pem) == sim::jwt::Check::bad_signature);
  }
  auto hs = sim::jwt::parse(sim::jwt::sign_hs256(payload, "k"));
  CHECK(sim::jwt::verify_rsa(*hs, key.cert_pem) == sim::jwt::Check::unsupported_alg);
  auto rs = sim::jwt::parse(simtest::sign_jwt({{"alg", "RS256"}}, payload, key));
  CHECK(sim::jwt::verify_rsa(*rs, "not a pem") == sim::jwt::Check::bad_key);
  CHECK(sim::jwt::x5t(key.cert_pem) == key.x5t);
  CHECK_FALSE(sim::jwt::x5t(key.public_key_pem));
}

TEST_CASE("families pick their request-id header and error shape from the first path segment", "[families]") {
  CHECK(sim::family_for_path("/fabric/v1/workspaces") == sim::Family::fabric);
  CHECK(sim::family_for_path("/fabricx") == sim::Family::sim);
  CHECK(sim::family_for_path("/imds/metadata/identity/oauth2/token") == sim::Family::imds);
  CHECK(sim::family_for_path("/msi/token") == sim::Family::imds);
  CHECK(sim::family_for_path("/keyvault/v1/secrets/x") == sim::Family::keyvault);
  CHECK(sim::family_for_path("/dfs/account/fs/dir") == sim::Family::adls);
  CHECK(sim::request_id_header(sim::Family::fabric) == "RequestId");
  CHECK(sim::request_id_header(sim::Family::arm) == "x-ms-request-id");

  sim::Sim s({});
  sim::register_all(s);
  auto fabric = handle(s, request("GET", "/fabric/v1/nothing-here"));
  CHECK(fabric.status == 404);
  json fb = json::parse(fabric.body);
  CHECK(fb["errorCode"] == "EntityNotFound");
  CHECK(fb["requestId"] == fabric.get_header_value("RequestId"));
  CHECK(fabric.get_header_value("x-ms-public-api-error-code") == "EntityNotFound");
  auto arm = handle(s, request("GET", "/arm/subscriptions"));
  CHECK(arm.status == 404);
  CHECK(json::parse(arm.body)["error"]["code"] == "NotFound");
  CHECK(arm.has_header("x-ms-request-id"));
  auto wrong_method = handle(s, request("DELETE", "/fabric/v1/workspaces"));
  CHECK(wrong_method.status == 405);
  CHECK(json::parse(wrong_method.body)["errorCode"] == "MethodNotAllowed");
}

TEST_CASE("error helpers write each service's body shape", "[families]") {
  sim::Sim s({});
  {
    Call c(s, request("GET", "/fabric/v1/x"), sim::Family::fabric);
    sim::FabricError e;
    e.code = "ItemDisplayNameAlreadyInUse";
    e.message = "taken";
    e.related_resource = {{"resourceId", "r1"}, {"resourceType", "Item"}};
    e.is_retriable = false;
    sim::fabric_error(c.ex, 400, e);
    CHECK(c.res.status == 400);
    CHECK(c.body() == json({{"requestId", c.ex.request_id}, {"errorCode", "ItemDisplayNameAlreadyInUse"},
                            {"message", "taken"}, {"relatedResource", {{"resourceId", "r1"}, {"resourceType", "Item"}}},
                            {"isRetriable", false}}));
    CHECK(c.res.get_header_value("x-ms-public-api-error-code") == "ItemDisplayNameAlreadyInUse");
  }
  {
    Call c(s, request("PUT", "/keyvault/v/secrets/a"), sim::Family::keyvault);
    sim::keyvault_error(c.ex, 409, "Conflict", "deleted but recoverable", "ObjectIsDeletedButRecoverable");
    CHECK(c.body() == json::parse(R"({"error":{"code":"Conflict","message":"deleted but recoverable",
                                      "innererror":{"code":"ObjectIsDeletedButRecoverable"}}})"));
  }
  {
    Call c(s, request("PUT", "/arm/x"), sim::Family::arm);
    sim::arm_error(c.ex, 409, "RoleAssignmentExists", "The role assignment already exists.");
    CHECK(c.body() == json::parse(R"({"error":{"code":"RoleAssignmentExists","message":"The role assignment already exists."}})"));
  }
  {
    Call c(s, request("HEAD", "/dfs/acct/fs/p"), sim::Family::adls);
    sim::adls_error(c.ex, 404, "PathNotFound", "The specified path does not exist.");
    CHECK(c.res.get_header_value("x-ms-error-code") == "PathNotFound");
    CHECK(c.body()["error"]["code"] == "PathNotFound");
  }
  {
    Call c(s, request("POST", "/entra/t/oauth2/v2.0/token", {{"client-request-id", "corr-1"}}), sim::Family::entra);
    sim::entra_error(c.ex, 400, "invalid_scope", 70011, "bad scope");
    json b = c.body();
    CHECK(b["error"] == "invalid_scope");
    CHECK(b["error_codes"] == json::array({70011}));
    CHECK(b["trace_id"] == c.ex.request_id);
    CHECK(b["correlation_id"] == "corr-1");
    CHECK(b["error_uri"] == "http://sim.test:8080/entra/error?code=70011");
    CHECK(std::regex_match(b["timestamp"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)")));
    CHECK(b["error_description"] == "AADSTS70011: bad scope\r\nTrace ID: " + c.ex.request_id +
                                        "\r\nCorrelation ID: corr-1\r\nTimestamp: " + b["timestamp"].get<std::string>());
  }
}

TEST_CASE("json_body answers 400 in the family's shape for a body that is not JSON", "[families]") {
  sim::Sim s({});
  auto req = request("POST", "/arm/x");
  req.body = "{not json";
  Call c(s, req, sim::Family::arm);
  CHECK_FALSE(sim::json_body(c.ex));
  CHECK(c.res.status == 400);
  CHECK(c.body()["error"]["code"] == "InvalidRequestContent");
}

TEST_CASE("check_bearer accepts a valid token and answers each family's 401 otherwise", "[families][bearer]") {
  sim::Sim s(seeded({{"entra", {{"default_tenant", "tenant-kv"}}}}));
  auto call = [&](sim::Family f, const std::string& path, const std::string& auth, std::string_view aud) {
    auto c = std::make_unique<Call>(s, auth.empty() ? request("GET", path) : request("GET", path, {{"Authorization", auth}}), f);
    auto claims = s.check_bearer(c->ex, aud);
    return std::make_pair(std::move(c), claims);
  };

  auto [ok, claims] = call(sim::Family::arm, "/arm/x", "Bearer " + token(s, "https://management.azure.com/"), sim::arm_audience);
  REQUIRE(claims);
  CHECK((*claims)["oid"] == "o1");
  CHECK(ok->res.status == -1);  // untouched: the route answers

  SECTION("ARM") {
    auto [expired, c1] = call(sim::Family::arm, "/arm/x", "Bearer " + token(s, "https://management.azure.com", -5), sim::arm_audience);
    CHECK_FALSE(c1);
    CHECK(expired->res.status == 401);
    CHECK(expired->body()["error"]["code"] == "ExpiredAuthenticationToken");
    CHECK(expired->res.get_header_value("WWW-Authenticate").find("error=\"invalid_token\"") != std::string::npos);
    auto [aud, c2] = call(sim::Family::arm, "/arm/x", "Bearer " + token(s, "https://vault.azure.net"), sim::arm_audience);
    CHECK(aud->body()["error"]["code"] == "InvalidAuthenticationTokenAudience");
    auto [none, c3] = call(sim::Family::arm, "/arm/x", "", sim::arm_audience);
    CHECK(none->body() == json::parse(R"({"error":{"code":"AuthenticationFailed",
                                          "message":"Authentication failed. The 'Authorization' header is missing."}})"));
    auto [forged, c4] = call(sim::Family::arm, "/arm/x", "Bearer " + sim::jwt::sign_hs256({{"aud", "https://management.azure.com"}, {"exp", sim::unix_now() + 60}}, "not-the-key"), sim::arm_audience);
    CHECK(forged->body()["error"]["code"] == "InvalidAuthenticationToken");
  }
  SECTION("Key Vault challenge names the authority and resource") {
    auto [none, c1] = call(sim::Family::keyvault, "/keyvault/v/secrets/a", "", sim::keyvault_audience);
    CHECK(none->res.status == 401);
    CHECK(none->res.get_header_value("WWW-Authenticate") ==
          "Bearer authorization=\"http://sim.test:8080/entra/tenant-kv\", resource=\"https://vault.azure.net\"");
    CHECK(none->body()["error"]["code"] == "Unauthorized");
    CHECK(none->body()["error"]["message"] == "AKV10000: Request is missing a Bearer or PoP token.");
  }
  SECTION("Fabric says TokenExpired in body and header") {
    auto [expired, c1] = call(sim::Family::fabric, "/fabric/v1/x", "Bearer " + token(s, "https://api.fabric.microsoft.com", 0), sim::fabric_audience);
    CHECK(expired->res.status == 401);
    CHECK(expired->body()["errorCode"] == "TokenExpired");
    CHECK(expired->res.get_header_value("x-ms-public-api-error-code") == "TokenExpired");
    auto [garbage, c2] = call(sim::Family::fabric, "/fabric/v1/x", "Bearer abc", sim::fabric_audience);
    CHECK(garbage->body()["errorCode"] == "Unauthorized");
  }
  SECTION("ADLS") {
    auto [none, c1] = call(sim::Family::adls, "/dfs/a/f", "", sim::storage_audience);
    CHECK(none->res.status == 401);
    CHECK(none->res.get_header_value("x-ms-error-code") == "NoAuthenticationInformation");
    CHECK(none->res.get_header_value("WWW-Authenticate") ==
          "Bearer authorization_uri=http://sim.test:8080/entra/tenant-kv/oauth2/authorize resource_id=https://storage.azure.com");
  }
}

TEST_CASE("continuation tokens round-trip and reject strangers", "[paging]") {
  CHECK(sim::decode_continuation(sim::encode_continuation(0)) == std::size_t{0});
  CHECK(sim::decode_continuation(sim::encode_continuation(12345)) == std::size_t{12345});
  CHECK_FALSE(sim::decode_continuation("LDEsMTAwMDAwLDA"));
  CHECK_FALSE(sim::decode_continuation("%%"));
  CHECK_FALSE(sim::decode_continuation(sim::jwt::b64url_encode("tarn-sim:12x")));
  auto p = sim::page_of(items(5), 2, 2);
  CHECK(p.items == json::parse(R"([{"id":2},{"id":3}])"));
  CHECK(p.next_offset == std::size_t{4});
  CHECK_FALSE(sim::page_of(items(5), 4, 2).next_offset);
  CHECK(sim::page_of(items(4), 2, 2).next_offset == std::nullopt);
}

TEST_CASE("fabric_list pages with continuationToken and continuationUri", "[paging]") {
  sim::Sim s({});
  std::string target = "/fabric/v1/workspaces?roles=Admin";
  json all = json::array();
  for (int page = 0; page < 5; ++page) {
    Call c(s, request("GET", target), sim::Family::fabric);
    sim::fabric_list(c.ex, items(5), 2);
    REQUIRE(c.res.status == 200);
    json b = c.body();
    for (const auto& i : b["value"]) all.push_back(i);
    if (!b.contains("continuationUri")) {
      CHECK_FALSE(b.contains("continuationToken"));
      break;
    }
    std::string uri = b["continuationUri"];
    CHECK(uri == "http://sim.test:8080/fabric/v1/workspaces?roles=Admin&continuationToken=" +
                     b["continuationToken"].get<std::string>());
    target = uri.substr(std::string("http://sim.test:8080").size());
  }
  CHECK(all == items(5));

  Call bad(s, request("GET", "/fabric/v1/workspaces?continuationToken=bogus"), sim::Family::fabric);
  sim::fabric_list(bad.ex, items(5), 2);
  CHECK(bad.res.status == 400);
  CHECK(bad.body()["errorCode"] == "InvalidContinuationToken");
}

TEST_CASE("nextlink_list pages ARM and Key Vault lists with $skiptoken", "[paging]") {
  sim::Sim s({});
  Call first(s, request("GET", "/keyvault/v/secrets?api-version=7.5&maxresults=2"), sim::Family::keyvault);
  sim::nextlink_list(first.ex, items(3), 2);
  json b = first.body();
  CHECK(b["value"].size() == 2);
  std::string next = b["nextLink"];
  CHECK(next.rfind("http://sim.test:8080/keyvault/v/secrets?api-version=7.5&maxresults=2&$skiptoken=", 0) == 0);
  Call second(s, request("GET", next.substr(20)), sim::Family::keyvault);
  sim::nextlink_list(second.ex, items(3), 2);
  CHECK(second.body() == json::parse(R"({"value":[{"id":2}]})"));
}

TEST_CASE("Fabric long-running operations: 202, Running, Succeeded, result", "[lro]") {
  sim::Sim s(seeded({{"lro", {{"retry_after_seconds", 7}}}}));
  sim::register_all(s);
  s.route("POST", "/fabric/v1/test/create", [](sim::Exchange& ex) {
    sim::fabric_accepted(ex, {json{{"id", "item-1"}, {"type", "MirroredDatabase"}}, nullptr, 1});
  });
  s.route("POST", "/fabric/v1/test/update", [](sim::Exchange& ex) { sim::fabric_accepted(ex, {nullptr, nullptr, 0}); });
  s.route("POST", "/fabric/v1/test/fail", [](sim::Exchange& ex) {
    sim::fabric_accepted(ex, {nullptr, json{{"code", "InvalidDefinition"}, {"message", "bad part"}}, 0});
  });
  std::string auth = "Bearer " + token(s, "https://api.fabric.microsoft.com");
  auto get = [&](const std::string& url) {
    return handle(s, request("GET", url.substr(std::string("http://sim.test:8080").size()), {{"Authorization", auth}}));
  };

  auto accepted = handle(s, request("POST", "/fabric/v1/test/create", {{"Authorization", auth}}));
  CHECK(accepted.status == 202);
  CHECK(accepted.body.empty());
  std::string id = accepted.get_header_value("x-ms-operation-id");
  CHECK(accepted.get_header_value("Location") == "http://sim.test:8080/fabric/v1/operations/" + id);
  CHECK(accepted.get_header_value("Retry-After") == "7");

  auto running = get(accepted.get_header_value("Location"));
  CHECK(running.status == 200);
  CHECK(json::parse(running.body)["status"] == "Running");
  CHECK(running.get_header_value("Retry-After") == "7");
  auto early = get("http://sim.test:8080/fabric/v1/operations/" + id + "/result");
  CHECK(json::parse(early.body)["errorCode"] == "OperationNotCompleted");

  auto done = get(running.get_header_value("Location"));
  json state = json::parse(done.body);
  CHECK(state["status"] == "Succeeded");
  CHECK(state["percentComplete"] == 100);
  CHECK(state["error"].is_null());
  CHECK(done.get_header_value("Location") == "http://sim.test:8080/fabric/v1/operations/" + id + "/result");
  auto result = get(done.get_header_value("Location"));
  CHECK(result.status == 200);
  CHECK(json::parse(result.body) == json({{"id", "item-1"}, {"type", "MirroredDatabase"}}));

  auto update = handle(s, request("POST", "/fabric/v1/test/update", {{"Authorization", auth}}));
  auto update_state = get(update.get_header_value("Location"));
  CHECK(json::parse(update_state.body)["status"] == "Succeeded");
  CHECK_FALSE(update_state.has_header("Location"));
  auto no_result = get(update.get_header_value("Location") + "/result");
  CHECK(no_result.status == 400);
  CHECK(json::parse(no_result.body)["errorCode"] == "OperationHasNoResult");

  auto fail = handle(s, request("POST", "/fabric/v1/test/fail", {{"Authorization", auth}}));
  json failed = json::parse(get(fail.get_header_value("Location")).body);
  CHECK(failed["status"] == "Failed");
  CHECK(failed["error"] == json({{"errorCode", "InvalidDefinition"}, {"message", "bad part"}}));

  auto unknown = get("http://sim.test:8080/fabric/v1/operations/00000000-0000-4000-8000-000000000000");
  CHECK(unknown.status == 404);
  auto anonymous = handle(s, request("GET", "/fabric/v1/operations/" + id));
  CHECK(anonymous.status == 401);
}

TEST_CASE("ARM asynchronous operations: Azure-AsyncOperation status and Location result", "[lro]") {
  sim::Sim s(seeded({{"lro", {{"running_polls", 1}}}}));
  sim::register_all(s);
  s.route("PUT", "/arm/test/thing", [](sim::Exchange& ex) {
    sim::arm_accepted(ex, {json{{"id", "/thing"}, {"properties", {{"provisioningState", "Succeeded"}}}}, nullptr, -1}, 201,
                      json{{"id", "/thing"}, {"properties", {{"provisioningState", "Creating"}}}});
  });
  std::string auth = "Bearer " + token(s, "https://management.core.windows.net/");
  auto get = [&](const std::string& url) {
    return handle(s, request("GET", url.substr(std::string("http://sim.test:8080").size()), {{"Authorization", auth}}));
  };
  auto created = handle(s, request("PUT", "/arm/test/thing", {{"Authorization", auth}}));
  CHECK(created.status == 201);
  CHECK(json::parse(created.body)["properties"]["provisioningState"] == "Creating");
  std::string status_url = created.get_header_value("Azure-AsyncOperation");
  std::string result_url = created.get_header_value("Location");
  CHECK(status_url.find("/arm/providers/Tarn.Sim/locations/local/operationStatuses/") != std::string::npos);

  auto polling = get(status_url);
  CHECK(json::parse(polling.body)["status"] == "InProgress");
  CHECK(polling.has_header("Retry-After"));
  auto finished = get(status_url);
  json st = json::parse(finished.body);
  CHECK(st["status"] == "Succeeded");
  CHECK(st.contains("endTime"));
  auto result = get(result_url);
  CHECK(result.status == 200);
  CHECK(json::parse(result.body)["properties"]["provisioningState"] == "Succeeded");
}

TEST_CASE("fault specs are validated with messages that name the field", "[faults]") {
  auto error_of = [](const json& spec) {
    try {
      sim::Fault::from_json(spec);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(error_of({{"path", "^/x$"}, {"status", 429}}) == "accepted");
  CHECK(error_of({{"path", "^/x$"}, {"status", 429}, {"retryafter", 1}}).rfind("unknown field 'retryafter'", 0) == 0);
  CHECK(error_of({{"path", "([unclosed"}, {"status", 500}}).rfind("path: not a valid regular expression", 0) == 0);
  CHECK(error_of({{"path", "^/x$"}, {"status", 700}}) == "status: expected an integer from 100 to 599");
  CHECK(error_of({{"path", "^/x$"}, {"status", 500}, {"drop", true}}).rfind("drop and status exclude each other", 0) == 0);
  CHECK(error_of({{"path", "^/x$"}}) == "a fault needs status, drop or delay_ms");
  CHECK(error_of({{"path", "^/x$"}, {"status", 500}, {"method", "FETCH"}}).rfind("method: expected", 0) == 0);
  CHECK(error_of({{"status", 500}}).rfind("path: expected a regular expression", 0) == 0);
  sim::Fault unlimited = sim::Fault::from_json({{"path", "x"}, {"status", 503}, {"count", nullptr}});
  CHECK_FALSE(unlimited.remaining);
}

TEST_CASE("seed validation names the bad field and a bad merge changes nothing", "[state]") {
  sim::Sim s(seeded({{"entra", {{"principals", json::array({{{"tenant", "t"}, {"client_id", "c"}}})}}}}));
  sim::register_all(s);
  s.validate();
  auto reject = [&](const json& patch) {
    try {
      s.merge(patch);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(reject({{"entra", {{"principals", json::array({{{"tenant", "t"}}})}}}}) ==
        "entra.principals[0].client_id: required, expected a string");
  CHECK(reject({{"entra", {{"token_lifetime", 5}}}}).rfind("entra: unknown field 'token_lifetime'", 0) == 0);
  CHECK(reject({{"entra", {{"principals", json::array({{{"tenant", "t"}, {"client_id", "c"}, {"certificate_pem", "nope"}}})}}}}) ==
        "entra.principals[0].certificate_pem: expected a PEM certificate or public key that OpenSSL can read");
  CHECK(reject({{"managed_identity", "x"}}) == "managed_identity: expected an object, got string");
  CHECK(s.state()["entra"]["principals"][0]["client_id"] == "c");
  CHECK(reject({{"entra", {{"token_lifetime_seconds", 1}}}}) == "accepted");
  CHECK(s.state()["entra"]["token_lifetime_seconds"] == 1);
  s.reset();
  CHECK_FALSE(s.state()["entra"].contains("token_lifetime_seconds"));
}
