// bindings/auth/chain and the credentials' parsers: which methods the environment allows
// and in what order, forcing one, tenants after a challenge, what token endpoints and the
// CLIs print, and running a CLI without a shell. The environment is a map here, never the
// process's.
#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <map>

#include "bindings/auth/chain.hpp"
#include "bindings/auth/process.hpp"
#include "tarn/redact.hpp"

using namespace tarn;
using namespace tarn::auth;

namespace {

Env env_of(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

// "token:-,env:client-secret,..." with the skip reason in place of the kind when skipped.
std::string shape(const std::vector<Candidate>& plan) {
  std::string out;
  for (const auto& c : plan) {
    if (!out.empty()) out += ",";
    out += std::string(name_of(c.method)) + ":" + (c.skip.empty() ? c.kind : "skip(" + c.skip + ")");
  }
  return out;
}

const std::map<std::string, std::string> app = {{"AZURE_TENANT_ID", "t1"}, {"AZURE_CLIENT_ID", "c1"}};

std::map<std::string, std::string> with(std::map<std::string, std::string> vars) {
  vars.insert(app.begin(), app.end());
  return vars;
}

struct FixedCredential : Credential {
  std::string home;
  bool switches = true;
  AccessToken get(const std::string&, const std::string&) override { return {}; }
  Method method() const override { return Method::env; }
  std::string kind() const override { return "client-secret"; }
  std::string home_tenant() const override { return home; }
  bool switches_tenant() const override { return switches; }
};

}  // namespace

TEST_CASE("auth chain: with nothing configured every method is tried, in the SDKs' order", "[auth][chain]") {
  CHECK(method_names() == std::vector<std::string>{"token", "env", "managed-identity", "azure-cli", "azd"});
  CHECK(shape(plan(env_of({}), "", "")) ==
        "token:skip(TARN_ACCESS_TOKEN is not set),"
        "env:skip(not configured (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH and AZURE_FEDERATED_TOKEN_FILE are unset)),"
        "managed-identity:imds,azure-cli:azure-cli,azd:azd");
}

TEST_CASE("auth chain: the env method is a secret, else a certificate, else a federated token", "[auth][chain]") {
  auto env_step = [](std::map<std::string, std::string> vars) { return shape({plan(env_of(vars), "", "")[1]}); };
  CHECK(env_step(with({{"AZURE_CLIENT_SECRET", "s"}})) == "env:client-secret");
  CHECK(env_step(with({{"AZURE_CLIENT_SECRET", "s"}, {"AZURE_CLIENT_CERTIFICATE_PATH", "/c.pem"},
                       {"AZURE_FEDERATED_TOKEN_FILE", "/f"}})) == "env:client-secret");
  CHECK(env_step(with({{"AZURE_CLIENT_CERTIFICATE_PATH", "/c.pem"}, {"AZURE_FEDERATED_TOKEN_FILE", "/f"}})) ==
        "env:client-certificate");
  CHECK(env_step(with({{"AZURE_FEDERATED_TOKEN_FILE", "/f"}})) == "env:workload-identity");
  CHECK(env_step({{"AZURE_CLIENT_SECRET", "s"}, {"AZURE_CLIENT_ID", "c"}}) ==
        "env:skip(AZURE_CLIENT_SECRET is set but AZURE_TENANT_ID is not)");
  CHECK(env_step({{"AZURE_FEDERATED_TOKEN_FILE", "/f"}}) ==
        "env:skip(AZURE_FEDERATED_TOKEN_FILE is set but AZURE_TENANT_ID and AZURE_CLIENT_ID are not)");
  // AZURE_CLIENT_ID alone names a user-assigned managed identity: env does not apply.
  CHECK(env_step({{"AZURE_CLIENT_ID", "c"}}).starts_with("env:skip(not configured"));
  auto cfg = env_config(env_of(with({{"AZURE_CLIENT_SECRET", "s"}})));
  CHECK(cfg.tenant == "t1");
  CHECK(cfg.client_id == "c1");
}

TEST_CASE("auth chain: managed identity is App Service's endpoint when set, else IMDS", "[auth][chain]") {
  auto mi_step = [](std::map<std::string, std::string> vars) { return shape({plan(env_of(vars), "", "")[2]}); };
  CHECK(mi_step({}) == "managed-identity:imds");
  CHECK(mi_step({{"IDENTITY_ENDPOINT", "http://127.0.0.1:41000/msi/token"}, {"IDENTITY_HEADER", "h"}}) ==
        "managed-identity:app-service");
  CHECK(mi_step({{"IDENTITY_ENDPOINT", "http://127.0.0.1:41000/msi/token"}}) ==
        "managed-identity:skip(IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not)");
  CHECK(mi_step({{"IDENTITY_ENDPOINT", "http://localhost:40342/x"}, {"IMDS_ENDPOINT", "http://localhost:40342"}}) ==
        "managed-identity:skip(IDENTITY_ENDPOINT and IMDS_ENDPOINT name an Azure Arc identity, which tarn does not support)");
  CHECK(mi_step({{"MSI_ENDPOINT", "http://localhost:50342/oauth2/token"}}).starts_with("managed-identity:skip(MSI_ENDPOINT"));
}

TEST_CASE("auth chain: TARN_ACCESS_TOKEN comes first; --auth / TARN_AUTH keep one method", "[auth][chain]") {
  auto all = with({{"TARN_ACCESS_TOKEN", "tok"}, {"AZURE_CLIENT_SECRET", "s"}});
  CHECK(shape(plan(env_of(all), "", "")) ==
        "token:token,env:client-secret,managed-identity:imds,azure-cli:azure-cli,azd:azd");
  CHECK(shape(plan(env_of(all), "azure-cli", "--auth")) == "azure-cli:azure-cli");
  CHECK(shape(plan(env_of(all), "env", "--auth")) == "env:client-secret");
  CHECK(shape(plan(env_of({}), "env", "--auth")).starts_with("env:skip(not configured"));
  CHECK(shape(plan(env_of({}), "token", "TARN_AUTH")) == "token:skip(TARN_ACCESS_TOKEN is not set)");
  CHECK_THROWS_WITH(plan(env_of({}), "cli", "TARN_AUTH"),
                    "unknown sign-in method 'cli' (from TARN_AUTH): known methods are token, env, managed-identity, azure-cli, azd");
  CHECK_THROWS_WITH(parse_method("Env", "--auth"), Catch::StartsWith("unknown sign-in method 'Env' (from --auth)"));
  CHECK(parse_method("managed-identity", "") == Method::managed_identity);
}

TEST_CASE("auth chain: which tenants a credential may follow a challenge to", "[auth][chain]") {
  FixedCredential fixed;
  fixed.home = "T1";
  CHECK(tenant_allowed(fixed, "t1", env_of({})));  // its own, in any case
  CHECK_FALSE(tenant_allowed(fixed, "t2", env_of({})));
  CHECK(tenant_allowed(fixed, "t2", env_of({{"AZURE_ADDITIONALLY_ALLOWED_TENANTS", "t3; T2"}})));
  CHECK(tenant_allowed(fixed, "t9", env_of({{"AZURE_ADDITIONALLY_ALLOWED_TENANTS", "t3,*"}})));
  CHECK_FALSE(tenant_allowed(fixed, "t9", env_of({{"AZURE_ADDITIONALLY_ALLOWED_TENANTS", "t3,t4"}})));
  FixedCredential cli;  // signed in to whatever tenant: follows any
  CHECK(tenant_allowed(cli, "t2", env_of({})));
  FixedCredential mi;
  mi.switches = false;
  CHECK_FALSE(tenant_allowed(mi, "t2", env_of({{"AZURE_ADDITIONALLY_ALLOWED_TENANTS", "*"}})));
}

TEST_CASE("auth chain: token endpoint answers, numbers or strings, registered with the redactor", "[auth][chain]") {
  auto t = parse_token_response(R"({"token_type":"Bearer","expires_in":3599,"access_token":"entra-token-1"})", 1000);
  CHECK(t.token == "entra-token-1");
  CHECK(t.expires_on == 4599);
  CHECK(t.obtained == 1000);
  CHECK(redact::scrub("x entra-token-1 y") == "x *** y");
  // IMDS sends strings; expires_in wins over expires_on.
  t = parse_token_response(R"({"access_token":"imds-token-1","expires_in":"60","expires_on":"99999"})", 1000);
  CHECK(t.expires_on == 1060);
  t = parse_token_response(R"({"access_token":"app-service-token","expires_on":"1700003600"})", 1000);
  CHECK(t.expires_on == 1700003600);
  t = parse_token_response(R"({"access_token":"no-expiry-token"})", 1000);
  CHECK(t.expires_on == 0);
  CHECK_THROWS_WITH(parse_token_response(R"({"token_type":"Bearer"})", 0), "the token endpoint's answer has no access_token");
  CHECK_THROWS_WITH(parse_token_response("<html>", 0), "the token endpoint answered with something that is not JSON");
}

TEST_CASE("auth chain: az output, with expires_on or only the local expiresOn", "[auth][chain]") {
  auto t = parse_az_output(R"({"accessToken":"az-token-1","expiresOn":"2020-06-29 17:22:16.443545","expires_on":1593451336,
    "subscription":"s","tenant":"t","tokenType":"Bearer"})", 5);
  CHECK(t.token == "az-token-1");
  CHECK(t.expires_on == 1593451336);
  CHECK(parse_az_output(R"({"accessToken":"az-token-2","expires_on":"1593451336"})", 5).expires_on == 1593451336);
  std::tm tm{};
  tm.tm_year = 2020 - 1900;
  tm.tm_mon = 5;
  tm.tm_mday = 29;
  tm.tm_hour = 17;
  tm.tm_min = 22;
  tm.tm_sec = 16;
  tm.tm_isdst = -1;
  double local = static_cast<double>(std::mktime(&tm));
  auto old = parse_az_output(R"({"accessToken":"az-token-3","expiresOn":"2020-06-29 17:22:16.5"})", 5);
  CHECK(old.expires_on == Approx(local + 0.5));
  CHECK_THROWS_WITH(parse_az_output(R"({"accessToken":"az-token-4","expiresOn":"tomorrow"})", 5),
                    "az printed an expiresOn that is not a date: 'tomorrow'");
  CHECK_THROWS_WITH(parse_az_output(R"({"expires_on":1})", 5), "az printed JSON without accessToken");
  CHECK_THROWS_WITH(parse_az_output("ERROR: Please run 'az login' to setup account.", 5),
                    "az printed no JSON object (got 'ERROR: Please run 'az login' to setup account.')");
}

TEST_CASE("auth chain: azd output, expiresOn in RFC 3339", "[auth][chain]") {
  CHECK(parse_azd_output(R"({"token":"azd-token-1","expiresOn":"2024-01-01T00:00:00Z"})", 0).expires_on == 1704067200);
  CHECK(parse_azd_output(R"({"token":"azd-token-2","expiresOn":"2024-01-01T02:00:00+02:00"})", 0).expires_on == 1704067200);
  CHECK(parse_azd_output(R"({"token":"azd-token-3","expiresOn":"2023-12-31T23:30:00.25-00:30"})", 0).expires_on ==
        Approx(1704067200.25));
  CHECK_THROWS_WITH(parse_azd_output(R"({"token":"azd-token-4","expiresOn":"2024-01-01 00:00"})", 0),
                    "azd printed an expiresOn that is not an RFC 3339 time: '2024-01-01 00:00'");
  CHECK_THROWS_WITH(parse_azd_output(R"({"accessToken":"x"})", 0), "azd printed JSON without token");
}

TEST_CASE("auth process: arguments reach the program as they are, output and status come back", "[auth][process]") {
  auto r = run_process({"sh", "-c", "printf '[%s]' \"$@\"; echo err >&2; exit 3", "sh", "a b", "$(id)", ";", "'"}, 5);
  CHECK(r.started);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 3);
  CHECK(r.out == "[a b][$(id)][;][']");
  CHECK(r.err == "err\n");
  auto missing = run_process({"tarn-no-such-program-here"}, 5);
  CHECK_FALSE(missing.started);
  CHECK(missing.start_error == "not found on PATH");
  auto stdin_closed = run_process({"cat"}, 5);
  CHECK(stdin_closed.exit_code == 0);
  CHECK(stdin_closed.out.empty());
}

TEST_CASE("auth process: a program past its timeout is killed with what it started", "[auth][process]") {
  auto t0 = std::chrono::steady_clock::now();
  // The shell's child keeps the pipe open: only killing the whole group ends it.
  auto r = run_process({"sh", "-c", "sleep 30 & sleep 30; echo never"}, 0.3);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(r.timed_out);
  CHECK(r.out.empty());
  CHECK(took < 3);
}
