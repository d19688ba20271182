// The Key Vault client with the real credential chain and BearerAuthorizer, against an
// in-process Entra and vault (cpp-httplib on loopback): the tokenless first request, the
// challenge's tenant followed where the credential may go, and the refusal where it may not.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <map>
#include <mutex>
#include <thread>

#include "bindings/auth/authorizer.hpp"
#include "bindings/keyvault/client.hpp"

using namespace tarn;

namespace {

// Entra hands out "tok|tenant|scope|n"; the vault kv1 lives in vault_tenant and wants a
// Key Vault token from there, else answers 401 with its challenge.
struct Cloud {
  httplib::Server svr;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::vector<std::string> tokens;  // "tenant|scope"
  std::vector<std::string> vault;   // the Authorization header of each vault request ("" = none)
  std::string vault_tenant;

  explicit Cloud(std::string tenant) : vault_tenant(std::move(tenant)) {
    svr.Post(R"(/entra/([^/]+)/oauth2/v2\.0/token)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      tokens.push_back(req.matches[1].str() + "|" + req.get_param_value("scope"));
      std::string token = "tok|" + req.matches[1].str() + "|" + req.get_param_value("scope") + "|" + std::to_string(tokens.size());
      res.set_content(R"({"token_type":"Bearer","expires_in":3600,"access_token":")" + token + "\"}", "application/json");
    });
    svr.Get("/keyvault/kv1/secrets/s", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      std::string auth = req.get_header_value("Authorization");
      vault.push_back(auth);
      if (auth.rfind("Bearer tok|" + vault_tenant + "|https://vault.azure.net/.default|", 0) == 0) {
        res.set_content(R"({"value":"v","id":")" + base() + R"(/keyvault/kv1/secrets/s/0123456789abcdef0123456789abcdef"})",
                        "application/json");
        return;
      }
      res.status = 401;
      res.set_header("WWW-Authenticate",
                     "Bearer authorization=\"" + base() + "/entra/" + vault_tenant + "\", resource=\"https://vault.azure.net\"");
      res.set_content(R"({"error":{"code":"Unauthorized","message":"AKV10032: Invalid issuer."}})", "application/json");
    });
    port = svr.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { svr.listen_after_bind(); });
    while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Cloud() {
    svr.stop();
    thread.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }
};

struct Setup {
  Cloud& cloud;
  http::Client token_client{http::Config{}};
  http::Client service{http::Config{}};
  std::shared_ptr<auth::Chain> chain;
  std::shared_ptr<keyvault::Vault> vault = std::make_shared<keyvault::Vault>();

  Setup(Cloud& c, std::map<std::string, std::string> vars) : cloud(c) {
    vars["AZURE_CLIENT_ID"] = "app-1";
    vars["AZURE_CLIENT_SECRET"] = "pw";
    vars["AZURE_TENANT_ID"] = "T1";
    auth::Context ctx;
    ctx.profile = cloud::make("local", [&](const char* n) -> std::optional<std::string> {
      if (std::string(n) == "TARN_SIM_URL") return c.base();
      return std::nullopt;
    });
    ctx.env = [vars](const char* n) -> std::optional<std::string> {
      auto it = vars.find(n);
      return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    ctx.client = [this]() -> http::Client& { return token_client; };
    ctx.probe = [this]() -> http::Client& { return token_client; };
    vault->url = keyvault::vault_url(ctx.profile, "kv1");
    chain = std::make_shared<auth::Chain>(std::move(ctx), "", "");
    vault->auth = std::make_shared<auth::BearerAuthorizer>(chain, "https://vault.azure.net/.default");
  }
  keyvault::Client client() { return keyvault::Client(service, vault); }
};

}  // namespace

TEST_CASE("keyvault challenge: the first request has no token; the vault's tenant is the credential's", "[keyvault]") {
  Cloud cloud("T1");
  Setup s(cloud, {});
  CHECK(s.client().get("s").value == "v");
  CHECK(cloud.vault.size() == 2);
  CHECK(cloud.vault[0].empty());
  CHECK(cloud.tokens == std::vector<std::string>{"T1|https://vault.azure.net/.default"});
  CHECK(s.client().get("s").value == "v");  // no second probe
  CHECK(cloud.vault.size() == 3);
  CHECK(cloud.tokens.size() == 1);
}

TEST_CASE("keyvault challenge: the tenant the vault names is used at once where the credential may go", "[keyvault]") {
  Cloud cloud("T2");
  Setup s(cloud, {{"AZURE_ADDITIONALLY_ALLOWED_TENANTS", "T2"}});
  CHECK(s.client().get("s").value == "v");
  // No request reached the vault with a token from the wrong tenant.
  REQUIRE(cloud.vault.size() == 2);
  CHECK(cloud.vault[0].empty());
  CHECK(cloud.vault[1].rfind("Bearer tok|T2|", 0) == 0);
  CHECK(cloud.tokens == std::vector<std::string>{"T1|https://vault.azure.net/.default", "T2|https://vault.azure.net/.default"});
  CHECK(static_cast<auth::BearerAuthorizer&>(*s.vault->auth).tenant() == "T2");
}

TEST_CASE("keyvault challenge: a tenant the credential may not use ends in the vault's 401", "[keyvault]") {
  Cloud cloud("T2");
  Setup s(cloud, {});
  try {
    s.client().get("s");
    FAIL("no error");
  } catch (const ServiceError& e) {
    CHECK(e.kind == "keyvault");
    CHECK(std::string(e.what()) == "AKV10032: Invalid issuer.");
  }
  CHECK(cloud.vault.size() == 3);  // the probe, then the T1 token and its one resend
  CHECK(cloud.tokens == std::vector<std::string>{"T1|https://vault.azure.net/.default", "T1|https://vault.azure.net/.default"});
}
