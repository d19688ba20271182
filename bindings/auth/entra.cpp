// The env method (client secret, certificate assertion, workload identity federation, all
// through Entra's v2.0 token endpoint) and TARN_ACCESS_TOKEN.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bindings/auth/credential.hpp"
#include "bindings/auth/jwt.hpp"
#include "tarn/redact.hpp"

namespace tarn::auth {
namespace {

constexpr const char* jwt_bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

std::string escape(const std::string& s) {
  // The handle argument of curl_easy_escape is unused since libcurl 7.82.
  std::unique_ptr<char, decltype(&curl_free)> e(curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size())),
                                                curl_free);
  if (!e) throw std::bad_alloc();
  return e.get();
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += escape(k) + "=" + escape(v);
  }
  return out;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trimmed(std::string s) {
  auto notspace = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), notspace));
  s.erase(std::find_if(s.rbegin(), s.rend(), notspace).base(), s.end());
  return s;
}

// A number or a numeric string; nullopt otherwise.
std::optional<double> number(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && end != nullptr && *end == '\0' && std::isfinite(v)) return v;
  }
  return std::nullopt;
}

std::string time_text(double t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

ServiceError as_auth(const ServiceError& e, const std::string& what) {
  ServiceError out("auth", what + ": " + e.what());
  for (const auto& f : e.fields) out.with(f.first, f.second);
  return out;
}

namespace {

// A token endpoint's refusal as an auth failure: Entra's error_description and code kept.
ServiceError refusal(const http::Response& r, const std::string& what) { return as_auth(r.error(), what); }

class EntraCredential : public Credential {
 public:
  EntraCredential(Context& ctx, EnvConfig cfg) : ctx_(ctx), cfg_(std::move(cfg)) {
    const Env& env = ctx_.env;
    if (cfg_.kind == "client-secret") {
      secret_ = env("AZURE_CLIENT_SECRET").value_or("");
      redact::add(secret_);
    } else if (cfg_.kind == "client-certificate") {
      std::string path = env("AZURE_CLIENT_CERTIFICATE_PATH").value_or("");
      std::string password = env("AZURE_CLIENT_CERTIFICATE_PASSWORD").value_or("");
      redact::add(password);
      auto pem = read_file(path);
      if (!pem)
        throw ServiceError("auth", "env: cannot read the client certificate '" + path +
                                       "' (AZURE_CLIENT_CERTIFICATE_PATH): " + std::strerror(errno))
            .with("code", "bad_certificate");
      try {
        cert_ = jwt::Certificate::from_pem(*pem, password, "'" + path + "' (AZURE_CLIENT_CERTIFICATE_PATH)");
      } catch (const std::runtime_error& e) {
        throw ServiceError("auth", std::string("env: ") + e.what()).with("code", "bad_certificate");
      }
    } else {
      token_file_ = env("AZURE_FEDERATED_TOKEN_FILE").value_or("");
    }
  }

  AccessToken get(const std::string& scope, const std::string& tenant) override {
    std::string t = tenant.empty() ? cfg_.tenant : tenant;
    std::string endpoint = ctx_.profile.authority + "/" + t + "/oauth2/v2.0/token";
    std::vector<std::pair<std::string, std::string>> fields = {
        {"client_id", cfg_.client_id}, {"scope", scope}, {"grant_type", "client_credentials"}};
    if (cfg_.kind == "client-secret") {
      fields.emplace_back("client_secret", secret_);
    } else {
      std::string assertion;
      if (cfg_.kind == "client-certificate") {
        assertion = jwt::client_assertion(*cert_, cfg_.client_id, endpoint, static_cast<std::int64_t>(ctx_.clock()),
                                          jwt::new_uuid());
      } else {
        // Kubernetes rotates the projected token: read it again for every request.
        auto text = read_file(token_file_);
        if (!text)
          throw ServiceError("auth", "env: cannot read the federated token file '" + token_file_ +
                                         "' (AZURE_FEDERATED_TOKEN_FILE): " + std::strerror(errno))
              .with("code", "bad_federated_token");
        assertion = trimmed(*text);
        if (assertion.empty())
          throw ServiceError("auth", "env: the federated token file '" + token_file_ + "' (AZURE_FEDERATED_TOKEN_FILE) is empty")
              .with("code", "bad_federated_token");
      }
      redact::add(assertion);
      fields.emplace_back("client_assertion_type", jwt_bearer);
      fields.emplace_back("client_assertion", assertion);
    }
    http::Request req;
    req.method = "POST";
    req.url = endpoint;
    req.headers["Content-Type"] = "application/x-www-form-urlencoded";
    req.headers["Accept"] = "application/json";
    req.body = form(fields);
    http::Response r;
    try {
      r = ctx_.client().send(std::move(req));
    } catch (const ServiceError& e) {  // transport: DNS, connect, TLS, a refused URL
      throw as_auth(e, "env (" + cfg_.kind + "): cannot reach Entra").with("method", "env");
    }
    if (!r.ok())
      throw refusal(r, "env (" + cfg_.kind + "): Entra refused app " + cfg_.client_id + " in tenant " + t)
          .with("method", "env");
    try {
      return parse_token_response(r.body, ctx_.clock());
    } catch (const std::runtime_error& e) {
      throw ServiceError("auth", std::string("env: ") + e.what()).with("method", "env");
    }
  }

  Method method() const override { return Method::env; }
  std::string kind() const override { return cfg_.kind; }
  std::string home_tenant() const override { return cfg_.tenant; }

 private:
  Context& ctx_;
  EnvConfig cfg_;
  std::string secret_, token_file_;
  std::optional<jwt::Certificate> cert_;
};

class StaticToken : public Credential {
 public:
  explicit StaticToken(Context& ctx, std::string token) : ctx_(ctx), token_(std::move(token)) { redact::add(token_); }

  AccessToken get(const std::string&, const std::string&) override {
    AccessToken t{token_, 0, ctx_.clock()};
    if (auto exp = jwt::identity(token_).expires_on) {
      t.expires_on = static_cast<double>(*exp);
      if (t.expires_on <= t.obtained)
        throw ServiceError("auth", "token: TARN_ACCESS_TOKEN expired at " + time_text(t.expires_on) +
                                       "; get a new one or unset it to use another sign-in method")
            .with("code", "token_expired")
            .with("method", "token");
    }
    return t;
  }
  Method method() const override { return Method::token; }
  std::string kind() const override { return "token"; }
  bool switches_tenant() const override { return false; }
  bool renewable() const override { return false; }

 private:
  Context& ctx_;
  std::string token_;
};

}  // namespace

AccessToken parse_token_response(std::string_view body, double now) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) throw std::runtime_error("the token endpoint answered with something that is not JSON");
  auto it = j.find("access_token");
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    throw std::runtime_error("the token endpoint's answer has no access_token");
  AccessToken t{it->get<std::string>(), 0, now};
  redact::add(t.token);
  if (auto in = number(j, "expires_in")) t.expires_on = now + *in;
  else if (auto on = number(j, "expires_on")) t.expires_on = *on;
  else if (auto exp = jwt::identity(t.token).expires_on) t.expires_on = static_cast<double>(*exp);
  return t;
}

EnvConfig env_config(const Env& env) {
  EnvConfig c;
  c.tenant = env("AZURE_TENANT_ID").value_or("");
  c.client_id = env("AZURE_CLIENT_ID").value_or("");
  const char* var = nullptr;
  if (env("AZURE_CLIENT_SECRET")) {
    c.kind = "client-secret";
    var = "AZURE_CLIENT_SECRET";
  } else if (env("AZURE_CLIENT_CERTIFICATE_PATH")) {
    c.kind = "client-certificate";
    var = "AZURE_CLIENT_CERTIFICATE_PATH";
  } else if (env("AZURE_FEDERATED_TOKEN_FILE")) {
    c.kind = "workload-identity";
    var = "AZURE_FEDERATED_TOKEN_FILE";
  } else {
    c.why_not = "not configured (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH and AZURE_FEDERATED_TOKEN_FILE are unset)";
    return c;
  }
  std::string missing;
  if (c.tenant.empty()) missing = "AZURE_TENANT_ID";
  if (c.client_id.empty()) missing += (missing.empty() ? "" : " and ") + std::string("AZURE_CLIENT_ID");
  if (!missing.empty()) {
    bool two = missing.find(" and ") != std::string::npos;
    c.why_not = std::string(var) + " is set but " + missing + (two ? " are not" : " is not");
    c.kind.clear();
  }
  return c;
}

std::unique_ptr<Credential> make_static_token(Context& ctx) {
  auto token = ctx.env("TARN_ACCESS_TOKEN");
  if (!token) throw Unavailable("TARN_ACCESS_TOKEN is not set");
  return std::make_unique<StaticToken>(ctx, *token);
}

std::unique_ptr<Credential> make_env_credential(Context& ctx) {
  EnvConfig cfg = env_config(ctx.env);
  if (cfg.kind.empty()) throw Unavailable(cfg.why_not);
  return std::make_unique<EntraCredential>(ctx, std::move(cfg));
}

}  // namespace tarn::auth
