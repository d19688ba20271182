#include "bindings/auth/authorizer.hpp"

#include <strings.h>

#include <utility>

#include "bindings/auth/challenge.hpp"
#include "bindings/auth/jwt.hpp"

namespace tarn::auth {

BearerAuthorizer::BearerAuthorizer(std::shared_ptr<Chain> chain, std::string scope, std::string tenant)
    : chain_(std::move(chain)), scope_(std::move(scope)), tenant_(std::move(tenant)) {}

void BearerAuthorizer::authorize(http::Request& request) {
  AccessToken t = chain_->token(scope_, tenant_);
  last_tenant_ = jwt::identity(t.token).tenant;
  if (!pending_tenant_.empty()) {
    // The challenge came before any token (Key Vault's first request goes without one): now
    // that the chain has chosen a credential, its tenant can be judged.
    std::string pending = std::exchange(pending_tenant_, std::string());
    if (follow_tenant(pending)) {
      t = chain_->token(scope_, tenant_);
      last_tenant_ = jwt::identity(t.token).tenant;
    }
  }
  request.headers["Authorization"] = "Bearer " + t.token;
}

bool BearerAuthorizer::refresh(const http::Response& unauthorized) {
  chain_->drop(scope_, tenant_);
  if (!chain_->renewable()) return false;  // a given token: asking again gives the same one
  auto header = http::header(unauthorized.headers, "WWW-Authenticate");
  if (!header) return true;
  const cloud::Profile& profile = chain_->context().profile;
  auto c = bearer_target(*header, profile.authority);
  // Fabric and ARM name no resource: a fresh token is all there is to try.
  if (!c || c->scope.empty()) return true;
  if (c->scope != scope_) {
    if (scope_fits_request(c->scope, unauthorized.url, profile.sim)) {
      note("auth: the 401 challenge asks for " + c->scope + " instead of " + scope_);
      scope_ = c->scope;
    } else {
      note("auth: ignoring the 401 challenge's resource " + c->scope + ": " + unauthorized.url + " is not on its host");
    }
  }
  if (!c->tenant.empty() && chain_->current() == nullptr) pending_tenant_ = c->tenant;
  else if (!c->tenant.empty()) follow_tenant(c->tenant);
  return true;
}

bool BearerAuthorizer::follow_tenant(const std::string& tenant) {
  std::string ours = tenant_;
  if (ours.empty()) ours = last_tenant_;
  if (ours.empty() && chain_->current() != nullptr) ours = chain_->current()->home_tenant();
  if (::strcasecmp(tenant.c_str(), ours.c_str()) == 0) return false;
  if (!chain_->allows_tenant(tenant)) {
    note("auth: the 401 challenge names tenant " + tenant +
         ", which this credential may not sign in to (see AZURE_ADDITIONALLY_ALLOWED_TENANTS)");
    return false;
  }
  note("auth: the 401 challenge names tenant " + tenant + "; signing in there");
  tenant_ = tenant;
  return true;
}

void BearerAuthorizer::note(const std::string& line) {
  const auto& debug = chain_->context().debug;
  if (debug) debug(line + "\n");
}

}  // namespace tarn::auth
