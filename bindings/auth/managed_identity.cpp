// Managed identity: App Service / Functions (IDENTITY_ENDPOINT + IDENTITY_HEADER, api-version
// 2019-08-01) or the Instance Metadata Service of a VM, VM scale set or AKS node. A
// user-assigned identity is chosen with AZURE_CLIENT_ID.
#include <curl/curl.h>

#include <memory>
#include <utility>
#include <vector>

#include "bindings/auth/credential.hpp"
#include "bindings/auth/scope.hpp"
#include "tarn/redact.hpp"

namespace tarn::auth {
namespace {

std::string query(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    std::unique_ptr<char, decltype(&curl_free)> e(curl_easy_escape(nullptr, v.data(), static_cast<int>(v.size())),
                                                  curl_free);
    if (!e) throw std::bad_alloc();
    out += (out.empty() ? "" : "&") + k + "=" + e.get();
  }
  return out;
}

// IMDS answers these while it is starting or updating (410 for up to 70 s); worth waiting for.
bool transient(int status) { return status == 404 || status == 410 || status == 429 || status >= 500; }

class ManagedIdentity : public Credential {
 public:
  ManagedIdentity(Context& ctx, std::string kind) : ctx_(ctx), kind_(std::move(kind)) {
    client_id_ = ctx_.env("AZURE_CLIENT_ID").value_or("");
    if (kind_ == "app-service") {
      endpoint_ = ctx_.env("IDENTITY_ENDPOINT").value_or("");
      header_ = ctx_.env("IDENTITY_HEADER").value_or("");
      redact::add(header_);
    } else {
      endpoint_ = ctx_.profile.imds + "/metadata/identity/oauth2/token";
    }
  }

  AccessToken get(const std::string& scope, const std::string&) override {
    std::vector<std::pair<std::string, std::string>> fields;
    http::Request req;
    if (kind_ == "app-service") {
      fields = {{"api-version", "2019-08-01"}, {"resource", resource_of(scope)}};
      req.headers["X-IDENTITY-HEADER"] = header_;
    } else {
      fields = {{"api-version", "2018-02-01"}, {"resource", resource_of(scope)}};
      req.headers["Metadata"] = "true";
    }
    if (!client_id_.empty()) fields.emplace_back("client_id", client_id_);
    req.url = endpoint_ + (endpoint_.find('?') == std::string::npos ? "?" : "&") + query(fields);
    std::string where = kind_ == "app-service" ? "the App Service identity endpoint (IDENTITY_ENDPOINT)"
                                               : "IMDS at " + ctx_.profile.imds;
    http::Response r;
    if (!probed_) {
      // The first request is a probe: where there is no IMDS it must fail fast, not after
      // the retry policy's minutes. Once anything answered, the endpoint is known to exist.
      http::Request probe = req;
      probe.max_attempts = 1;
      probe.timeout = 5;
      try {
        r = (kind_ == "imds" ? ctx_.probe() : ctx_.client()).send(std::move(probe));
      } catch (const ServiceError& e) {
        throw Unavailable("no managed identity endpoint: " + where + " did not answer (" + e.what() + ")");
      }
      probed_ = true;
    }
    try {
      if (!r.status || transient(r.status)) r = ctx_.client().send(req);
    } catch (const ServiceError& e) {
      throw as_auth(e, "managed-identity: " + where).with("method", "managed-identity");
    }
    if (!r.ok()) {
      std::string id = client_id_.empty() ? "" : " for client id " + client_id_ + " (AZURE_CLIENT_ID)";
      std::string raw = r.error().what();
      std::string said = raw.rfind("HTTP ", 0) == 0 ? raw : "HTTP " + std::to_string(r.status) + ": " + raw;
      // 400: no identity assigned (or not the one AZURE_CLIENT_ID names). Until the endpoint
      // has given a token, any refusal means managed identity does not work here (Docker
      // Desktop and some networks answer 403 for the IMDS address), and the chain goes on.
      if (r.status == 400) throw Unavailable(where + " has no identity" + id + ": " + raw);
      if (!delivered_) throw Unavailable(where + " gave no token" + id + " (" + said + ")");
      ServiceError e = r.error();
      ServiceError out("auth", "managed-identity: " + where + " refused a token for " + resource_of(scope) + ": " + said);
      for (const auto& f : e.fields) out.with(f.first, f.second);
      throw out.with("method", "managed-identity");
    }
    AccessToken t;
    try {
      t = parse_token_response(r.body, ctx_.clock());
    } catch (const std::runtime_error& e) {
      throw ServiceError("auth", "managed-identity: " + where + ": " + e.what()).with("method", "managed-identity");
    }
    delivered_ = true;
    return t;
  }

  Method method() const override { return Method::managed_identity; }
  std::string kind() const override { return kind_; }
  bool switches_tenant() const override { return false; }

 private:
  Context& ctx_;
  std::string kind_, client_id_, endpoint_, header_;
  bool probed_ = false;     // something answered at the endpoint
  bool delivered_ = false;  // and it has given a token
};

}  // namespace

ManagedIdentityConfig managed_identity_config(const Env& env) {
  bool endpoint = env("IDENTITY_ENDPOINT").has_value();
  if (endpoint && env("IDENTITY_HEADER")) return {"app-service", ""};
  if (endpoint && env("IMDS_ENDPOINT"))
    return {"", "IDENTITY_ENDPOINT and IMDS_ENDPOINT name an Azure Arc identity, which tarn does not support"};
  if (endpoint) return {"", "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not"};
  if (env("MSI_ENDPOINT"))
    return {"", "MSI_ENDPOINT (App Service 2017 or Cloud Shell) is not supported; in Cloud Shell use azure-cli"};
  return {"imds", ""};
}

std::unique_ptr<Credential> make_managed_identity(Context& ctx) {
  ManagedIdentityConfig cfg = managed_identity_config(ctx.env);
  if (cfg.kind.empty()) throw Unavailable(cfg.why_not);
  return std::make_unique<ManagedIdentity>(ctx, cfg.kind);
}

}  // namespace tarn::auth
