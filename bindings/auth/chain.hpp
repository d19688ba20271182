#pragma once
// The credential chain: which sign-in methods to try, in which order, and the one that is
// then used for the rest of the run, with its tokens cached per (tenant, scope).
//
// The order is the one the Azure SDKs' DefaultAzureCredential uses, with a token given in
// TARN_ACCESS_TOKEN first: token, env, managed-identity, azure-cli, azd. --auth METHOD (or
// TARN_AUTH) tries only that method. The first method that gives a token is kept; a method
// that does not apply here (Unavailable) passes to the next, while a configured method that
// fails (Entra refusing a client secret) ends the chain with its error, so a wrong secret is
// never papered over by another identity.
#include <memory>
#include <string>
#include <vector>

#include "bindings/auth/cache.hpp"
#include "bindings/auth/credential.hpp"

namespace tarn::auth {

// The method names, in chain order.
const std::vector<std::string>& method_names();
// Throws std::invalid_argument for an unknown name, listing the known ones; `source` says
// where it came from ("--auth", "TARN_AUTH").
Method parse_method(std::string_view name, std::string_view source);

// One step of the plan: a method, the form the environment configures for it (kind, as in
// Credential::kind, "" when only trying tells), and why it is skipped when the
// environment alone already says it cannot work.
struct Candidate {
  Method method;
  std::string kind;
  std::string skip;
};

// The plan for this environment: every method in order, or only `forced` (a method name,
// "" for none). Reads the environment only through env; throws std::invalid_argument
// for an unknown forced name.
std::vector<Candidate> plan(const Env& env, const std::string& forced, const std::string& forced_source);

// Tenants a credential with a tenant of its own may also sign in to after a challenge:
// AZURE_ADDITIONALLY_ALLOWED_TENANTS (separated by ';' or ',', "*" for any), as in the SDKs.
bool tenant_allowed(const Credential& c, const std::string& tenant, const Env& env);

class Chain {
 public:
  // forced: a method name or "" (from --auth, else TARN_AUTH: see source).
  Chain(Context ctx, std::string forced, std::string forced_source);

  // A token for scope in tenant ("" = the credential's own): the cached one while it is
  // fresh, else a new one. Throws ServiceError (kind "auth") naming what each method said.
  AccessToken token(const std::string& scope, const std::string& tenant);
  // Forgets the cached token (after a 401), so the next token() asks again.
  void drop(const std::string& scope, const std::string& tenant);

  // The credential in use; null until a token was first obtained.
  const Credential* current() const { return current_.get(); }
  bool renewable() const { return !current_ || current_->renewable(); }
  bool allows_tenant(const std::string& tenant) const;
  Context& context() { return ctx_; }

 private:
  std::unique_ptr<Credential> make(const Candidate& c);
  void debug(const std::string& line) const;

  Context ctx_;
  std::string forced_, forced_source_;
  Cache cache_;
  std::unique_ptr<Credential> current_;
};

}  // namespace tarn::auth
