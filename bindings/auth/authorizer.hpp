#pragma once
// The bearer-token Authorizer the C++ clients get from tarn::auth::authorizer() (auth.hpp):
// a token from the chain before every attempt, and after a 401 a fresh one, re-targeted
// where a Key Vault or Storage challenge asks (see auth.hpp for the rules).
#include <memory>
#include <string>

#include "bindings/auth/chain.hpp"
#include "bindings/http/client.hpp"

namespace tarn::auth {

class BearerAuthorizer : public http::Authorizer {
 public:
  // scope: a .default scope (see scope.hpp); tenant: "" for the credential's own.
  BearerAuthorizer(std::shared_ptr<Chain> chain, std::string scope, std::string tenant = "");

  void authorize(http::Request& request) override;
  bool refresh(const http::Response& unauthorized) override;

  const std::string& scope() const { return scope_; }
  const std::string& tenant() const { return tenant_; }

 private:
  void note(const std::string& line);
  // Signs in to `tenant` from now on when the credential may; false when nothing changed.
  bool follow_tenant(const std::string& tenant);

  std::shared_ptr<Chain> chain_;
  std::string scope_, tenant_;
  std::string last_tenant_;  // the tid of the last token sent, to tell a new tenant from ours
  std::string pending_tenant_;  // a challenge's tenant seen before any credential was chosen
};

}  // namespace tarn::auth
