// The chain and its BearerAuthorizer against an in-process Entra / IMDS / Key Vault stand-in
// (cpp-httplib on loopback): a token per (tenant, scope), renewal by the injected clock, a
// configured method that fails ending the chain, the IMDS probe, and a Key Vault challenge
// re-targeting tenant and resource where allowed.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "bindings/auth/authorizer.hpp"

using namespace tarn;
using namespace tarn::auth;

namespace {

struct Stub {
  httplib::Server svr;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::vector<std::string> token_requests;  // "tenant|scope"
  int imds_requests = 0;
  std::string vault_tenant = "T2";
  std::string imds_status = "200";
  std::string authority;  // in Key Vault's challenge; the simulator's {base}/entra unless set

  Stub() {
    // Entra's token endpoint, under the simulator's /entra or at the root (a public-style authority).
    svr.Post(R"((?:/entra)?/([^/]+)/oauth2/v2\.0/token)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      std::string tenant = req.matches[1].str(), scope = req.get_param_value("scope");
      if (req.get_param_value("client_secret") != "s3cret value&") {
        res.status = 401;
        res.set_content(R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})",
                        "application/json");
        return;
      }
      token_requests.push_back(tenant + "|" + scope);
      std::string token = "tok|" + tenant + "|" + scope + "|" + std::to_string(token_requests.size());
      res.set_content(R"({"token_type":"Bearer","expires_in":3600,"access_token":")" + token + "\"}", "application/json");
    });
    svr.Get("/imds/metadata/identity/oauth2/token", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      ++imds_requests;
      if (imds_status == "400") {
        res.status = 400;
        res.set_content(R"({"error":"invalid_request","error_description":"Identity not found"})", "application/json");
        return;
      }
      res.set_content(R"({"access_token":"mi-token-for-)" + req.get_param_value("resource") +
                          R"(","expires_in":"3599","expires_on":"1","token_type":"Bearer"})",
                      "application/json");
    });
    // Key Vault: a token for the vault resource in vault_tenant, else the challenge.
    svr.Get("/keyvault/kv1/secrets/s", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      std::string want = "Bearer tok|" + vault_tenant + "|https://vault.azure.net/.default|";
      if (req.get_header_value("Authorization").rfind(want, 0) == 0) {
        res.set_content(R"({"value":"v"})", "application/json");
        return;
      }
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer authorization=\"" + (authority.empty() ? base() + "/entra" : authority) + "/" + vault_tenant +
                                             "\", resource=\"https://vault.azure.net\"");
    });
    port = svr.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { svr.listen_after_bind(); });
    while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Stub() {
    svr.stop();
    thread.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }
  int imds() {
    std::lock_guard lock(mu);
    return imds_requests;
  }
  void set(std::string& field, const std::string& value) {
    std::lock_guard lock(mu);
    field = value;
  }
  std::vector<std::string> tokens() {
    std::lock_guard lock(mu);
    return token_requests;
  }
};

Env env_of(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const std::map<std::string, std::string> secret_app = {
    {"AZURE_TENANT_ID", "T1"}, {"AZURE_CLIENT_ID", "app-1"}, {"AZURE_CLIENT_SECRET", "s3cret value&"}};

// A chain over the stub with its own token client (as the auth module has), a clock the
// test moves, and the local profile pointing at the stub unless `profile` is given.
struct Setup {
  Stub& stub;
  double now = 1'000'000'000;
  http::Client token_client{http::Config{}};
  http::Client service{http::Config{}};
  std::shared_ptr<Chain> chain;

  Setup(Stub& s, std::map<std::string, std::string> vars, std::string forced = "",
        std::optional<cloud::Profile> profile = std::nullopt)
      : stub(s) {
    token_client.config().policy.max_attempts = 1;
    Context ctx;
    ctx.profile = profile ? *profile : cloud::make("local", env_of({{"TARN_SIM_URL", s.base()}}));
    ctx.env = env_of(std::move(vars));
    ctx.clock = [this] { return now; };
    ctx.client = [this]() -> http::Client& { return token_client; };
    ctx.probe = [this]() -> http::Client& { return token_client; };
    chain = std::make_shared<Chain>(std::move(ctx), forced, forced.empty() ? "" : "--auth");
  }
  http::Response get(const std::shared_ptr<http::Authorizer>& auth, const std::string& path) {
    http::Request req;
    req.url = stub.base() + path;
    req.auth = auth;
    return service.send(req);
  }
};

std::map<std::string, std::string> plus(std::map<std::string, std::string> a, std::map<std::string, std::string> b) {
  a.insert(b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("auth chain: tokens are fetched once per (tenant, scope) and renewed by the clock", "[auth][authorizer]") {
  Stub stub;
  Setup s(stub, secret_app);
  CHECK(s.chain->current() == nullptr);
  auto a = s.chain->token("https://management.azure.com/.default", "");
  CHECK(a.token == "tok|T1|https://management.azure.com/.default|1");
  CHECK(a.expires_on == s.now + 3600);
  CHECK(s.chain->token("https://management.azure.com/.default", "").token == a.token);
  CHECK(s.chain->token("https://vault.azure.net/.default", "").token == "tok|T1|https://vault.azure.net/.default|2");
  REQUIRE(s.chain->current() != nullptr);
  CHECK(s.chain->current()->method() == Method::env);
  CHECK(s.chain->current()->kind() == "client-secret");
  s.now += 3600 - 300 - 1;
  CHECK(s.chain->token("https://management.azure.com/.default", "").token == a.token);
  s.now += 1;
  CHECK(s.chain->token("https://management.azure.com/.default", "").token == "tok|T1|https://management.azure.com/.default|3");
  s.chain->drop("https://vault.azure.net/.default", "");
  CHECK(s.chain->token("https://vault.azure.net/.default", "").token == "tok|T1|https://vault.azure.net/.default|4");
  CHECK(stub.tokens().size() == 4);
  CHECK(stub.imds() == 0);
}

TEST_CASE("auth chain: a configured method that is refused ends the chain with its error", "[auth][authorizer]") {
  Stub stub;
  Setup s(stub, plus({{"AZURE_CLIENT_SECRET", "wrong"}}, secret_app));
  try {
    s.chain->token("https://management.azure.com/.default", "");
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(e.kind == "auth");
    CHECK(std::string(e.what()) ==
          "env (client-secret): Entra refused app app-1 in tenant T1: AADSTS7000215: Invalid client secret provided.");
  }
  CHECK(stub.imds() == 0);  // managed identity was not tried
  CHECK(s.chain->current() == nullptr);
}

TEST_CASE("auth chain: managed identity through IMDS; forced, its refusal is the error", "[auth][authorizer]") {
  Stub stub;
  Setup s(stub, {});
  auto t = s.chain->token("https://vault.azure.net/.default", "");
  CHECK(t.token == "mi-token-for-https://vault.azure.net");
  CHECK(t.expires_on == s.now + 3599);  // expires_in wins over expires_on
  CHECK(s.chain->current()->kind() == "imds");
  CHECK_FALSE(s.chain->allows_tenant("T9"));  // a managed identity has one tenant

  stub.set(stub.imds_status, "400");
  Setup forced(stub, {}, "managed-identity");
  CHECK_THROWS_WITH(forced.chain->token("https://vault.azure.net/.default", ""),
                    "cannot sign in with managed-identity (chosen by --auth): IMDS at " + stub.base() +
                        "/imds has no identity: Identity not found");
}

TEST_CASE("auth chain: where nothing listens at IMDS the probe gives up at once", "[auth][authorizer]") {
  Stub stub;
  auto profile = cloud::make("local", env_of({{"TARN_SIM_URL", "http://127.0.0.1:1"}}));
  Setup s(stub, {}, "managed-identity", profile);
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(s.chain->token("https://vault.azure.net/.default", ""),
                    Catch::StartsWith("cannot sign in with managed-identity (chosen by --auth): no managed identity "
                                      "endpoint: IMDS at http://127.0.0.1:1/imds did not answer ("));
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 2);
}

TEST_CASE("auth authorizer: a Key Vault challenge re-targets tenant and resource when allowed", "[auth][authorizer]") {
  Stub stub;
  Setup s(stub, plus({{"AZURE_ADDITIONALLY_ALLOWED_TENANTS", "T2"}}, secret_app));
  auto auth = std::make_shared<BearerAuthorizer>(s.chain, "https://management.azure.com/.default");
  auto r = s.get(auth, "/keyvault/kv1/secrets/s");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"value":"v"})");
  CHECK(stub.tokens() == std::vector<std::string>{"T1|https://management.azure.com/.default", "T2|https://vault.azure.net/.default"});
  CHECK(auth->tenant() == "T2");
  CHECK(auth->scope() == "https://vault.azure.net/.default");
  // The next request goes straight through with the cached token.
  CHECK(s.get(auth, "/keyvault/kv1/secrets/s").status == 200);
  CHECK(stub.tokens().size() == 2);
}

TEST_CASE("auth authorizer: a tenant the credential may not use is not followed", "[auth][authorizer]") {
  Stub stub;
  Setup s(stub, secret_app);
  auto auth = std::make_shared<BearerAuthorizer>(s.chain, "https://vault.azure.net/.default");
  auto r = s.get(auth, "/keyvault/kv1/secrets/s");
  CHECK(r.status == 401);  // resent once, with a fresh token for the same tenant, and refused again
  CHECK(stub.tokens() == std::vector<std::string>{"T1|https://vault.azure.net/.default", "T1|https://vault.azure.net/.default"});
  CHECK(auth->tenant().empty());
  // Once the vault is in the credential's tenant, the same authorizer succeeds.
  stub.set(stub.vault_tenant, "T1");
  CHECK(s.get(auth, "/keyvault/kv1/secrets/s").status == 200);
}

TEST_CASE("auth authorizer: a challenge's resource must match the request's host", "[auth][authorizer]") {
  Stub stub;
  // A public-style profile (no simulator), the authority at the stub: the request to
  // 127.0.0.1 is not on vault.azure.net, so the challenge's resource is not taken.
  auto profile = cloud::make("public", env_of({{"AZURE_AUTHORITY_HOST", stub.base()}}));
  stub.set(stub.authority, stub.base());
  Setup s(stub, plus({{"AZURE_ADDITIONALLY_ALLOWED_TENANTS", "*"}}, secret_app), "", profile);
  auto auth = std::make_shared<BearerAuthorizer>(s.chain, "https://management.azure.com/.default");
  CHECK(s.get(auth, "/keyvault/kv1/secrets/s").status == 401);
  CHECK(auth->scope() == "https://management.azure.com/.default");
  CHECK(auth->tenant() == "T2");
  CHECK(stub.tokens() == std::vector<std::string>{"T1|https://management.azure.com/.default", "T2|https://management.azure.com/.default"});
}

TEST_CASE("auth authorizer: a given token cannot be renewed, so a 401 is not resent", "[auth][authorizer]") {
  Stub stub;
  Setup s(stub, {{"TARN_ACCESS_TOKEN", "given-opaque-token"}});
  auto auth = std::make_shared<BearerAuthorizer>(s.chain, "https://vault.azure.net/.default");
  http::Response r = s.get(auth, "/keyvault/kv1/secrets/s");
  CHECK(r.status == 401);
  CHECK(r.attempts == 1);
  CHECK(s.chain->current()->kind() == "token");
  CHECK(stub.tokens().empty());
}

TEST_CASE("auth chain: an unreachable Entra is an auth error naming the method", "[auth][authorizer]") {
  Stub stub;
  auto profile = cloud::make("public", env_of({{"AZURE_AUTHORITY_HOST", "http://127.0.0.1:1"}}));
  Setup s(stub, secret_app, "", profile);
  try {
    s.chain->token("https://management.azure.com/.default", "");
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(e.kind == "auth");
    CHECK_THAT(e.what(), Catch::StartsWith("env (client-secret): cannot reach Entra: POST "
                                           "http://127.0.0.1:1/T1/oauth2/v2.0/token: could not connect"));
  }
}
