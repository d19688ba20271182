// HTTPS with a throwaway CA made by the openssl CLI (gen-certs.sh): the client verifies the
// sim's certificate against that CA, and tokens and assertions work over TLS.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>

#include "support.hpp"

using simtest::json;

namespace {

void make_certs(const simtest::TempDir& dir) {
  std::string cmd = std::string("sh '") + TARN_SIM_GEN_CERTS + "' '" + dir.path + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

std::unique_ptr<httplib::SSLClient> tls_client(const simtest::SimProcess& sim, const std::string& ca) {
  auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", sim.https_port);
  c->set_ca_cert_path(ca.c_str());
  c->enable_server_certificate_verification(true);
  c->set_connection_timeout(5);
  c->set_read_timeout(10);
  return c;
}

}  // namespace

TEST_CASE("HTTPS: served beside HTTP, verified against the test CA", "[https]") {
  simtest::TempDir dir;
  make_certs(dir);
  simtest::KeyPair key;
  json seed = {{"entra", {{"principals", json::array({{{"tenant", "t1"}, {"client_id", "app"}, {"client_secret", "pw"},
                                                        {"certificate_pem", key.cert_pem}}})}}}};
  simtest::SimProcess sim({"--seed", dir.write("seed.json", seed.dump()), "--https-port", "0", "--cert",
                           dir.file("server.pem"), "--key", dir.file("server.key")});
  REQUIRE(sim.https_port > 0);
  CHECK(sim.https_port != sim.port);
  auto tls = tls_client(sim, dir.file("ca.pem"));
  httplib::SSLClient& c = *tls;
  auto health = c.Get("/_sim/health");
  REQUIRE(health);
  CHECK(health->status == 200);

  // A certificate assertion's audience is the token endpoint as the client reached it: https.
  long long now = std::time(nullptr);
  std::string endpoint = sim.https_base() + "/entra/t1/oauth2/v2.0/token";
  std::string assertion = simtest::sign_jwt({{"alg", "RS256"}, {"x5t", key.x5t}},
                                            {{"aud", endpoint}, {"iss", "app"}, {"sub", "app"}, {"exp", now + 300}}, key);
  auto token = c.Post("/entra/t1/oauth2/v2.0/token",
                      httplib::Params{{"grant_type", "client_credentials"},
                                      {"client_id", "app"},
                                      {"scope", "https://api.fabric.microsoft.com/.default"},
                                      {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                                      {"client_assertion", assertion}});
  REQUIRE(token);
  INFO(token->body);
  REQUIRE(token->status == 200);
  json claims = simtest::claims_of(json::parse(token->body)["access_token"]);
  CHECK(claims["iss"] == sim.https_base() + "/entra/t1/v2.0");

  auto list = c.Get("/fabric/v1/workspaces",
                    {{"Authorization", "Bearer " + json::parse(token->body)["access_token"].get<std::string>()}});
  REQUIRE(list);
  CHECK(list->status == 200);
  auto plain = sim.client();
  json log = simtest::body_of(plain.Get("/_sim/requests"))["requests"];
  REQUIRE(log.size() == 2);
  CHECK(log[1]["scheme"] == "https");

  SECTION("a client that does not trust the test CA refuses the connection") {
    httplib::SSLClient strict("127.0.0.1", sim.https_port);
    strict.enable_server_certificate_verification(true);
    strict.set_ca_cert_path(dir.file("server.pem").c_str());  // not a CA: nothing chains to it
    auto r = strict.Get("/_sim/health");
    CHECK_FALSE(r);
    CHECK(r.error() == httplib::Error::SSLServerVerification);
  }
  SECTION("a dropped connection over TLS ends without a response") {
    REQUIRE(plain.Post("/_sim/faults", R"({"path":"^/fabric/","drop":true})", "application/json")->status == 201);
    auto r = c.Get("/fabric/v1/workspaces");
    CHECK_FALSE(r);
    CHECK(c.Get("/_sim/health")->status == 200);
  }
}

TEST_CASE("HTTPS: an unusable certificate is refused at start", "[https][process]") {
  simtest::TempDir dir;
  auto r = simtest::run_expecting_exit({"--port", "0", "--https-port", "0", "--cert", dir.write("c.pem", "junk"), "--key",
                                        dir.write("k.pem", "junk")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("cannot use --cert " + dir.file("c.pem")) != std::string::npos);
}
