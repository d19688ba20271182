#pragma once
// The sign-in methods. Each Credential turns (scope, tenant) into an access token; the chain
// (chain.hpp) decides which one to use. Every token, and every secret a credential reads
// (client secret, federated token, identity header), is registered with the redactor the
// moment it enters the process.
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bindings/auth/cache.hpp"
#include "bindings/cloud/cloud.hpp"
#include "bindings/http/client.hpp"

namespace tarn::auth {

using Env = cloud::Env;

// The methods, in the order the chain tries them.
enum class Method { token, env, managed_identity, azure_cli, azd };
std::string_view name_of(Method m);

// A method that does not apply here (not configured, no endpoint, CLI missing or signed
// out): the chain notes the reason and tries the next one. Anything else a credential
// throws (a ServiceError of kind "auth") is a failure that ends the chain.
struct Unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What every credential shares: the cloud, the environment, the clock and the transport.
struct Context {
  cloud::Profile profile;
  Env env = cloud::process_env;
  Clock clock = system_clock;
  std::function<http::Client&()> client;  // token requests
  std::function<http::Client&()> probe;   // the first IMDS request: 1 s to connect, no retries
  std::function<void(const std::string&)> debug;  // may be empty
  double cli_timeout = 13;                // seconds for az / azd, as the Azure SDKs allow
};

class Credential {
 public:
  virtual ~Credential() = default;
  // A fresh token for scope (a .default scope) in tenant ("" = the credential's own).
  virtual AccessToken get(const std::string& scope, const std::string& tenant) = 0;
  virtual Method method() const = 0;
  // Which form of the method: client-secret, client-certificate, workload-identity,
  // app-service, imds, azure-cli, azd, token.
  virtual std::string kind() const = 0;
  // The tenant the credential is configured for; "" when it takes whatever it is signed in to.
  virtual std::string home_tenant() const { return {}; }
  // Whether it can sign in to a tenant other than its own (managed identity and a given
  // token cannot).
  virtual bool switches_tenant() const { return true; }
  // Whether asking again can give a different token (not so for TARN_ACCESS_TOKEN).
  virtual bool renewable() const { return true; }
};

// e as an error of kind "auth" whose message starts with `what` (its fields kept).
ServiceError as_auth(const ServiceError& e, const std::string& what);

// The parts of a token endpoint's JSON answer tarn uses: access_token and its expiry from
// expires_in (seconds from now) or expires_on (Unix seconds), numbers or numeric strings,
// as Entra, IMDS and App Service send them; else the token's exp claim. Registers the
// token with the redactor. Throws std::runtime_error when there is no access_token.
AccessToken parse_token_response(std::string_view body, double now);

// `az account get-access-token --output json`: accessToken, expires_on (POSIX seconds,
// Azure CLI 2.54+), else expiresOn (local time "2024-05-06 07:08:09.123456").
AccessToken parse_az_output(std::string_view out, double now);
// `azd auth token --output json`: token and expiresOn (RFC 3339, "2024-05-06T07:08:09Z").
AccessToken parse_azd_output(std::string_view out, double now);

// What the environment configures for the env method: AZURE_TENANT_ID and AZURE_CLIENT_ID
// with AZURE_CLIENT_SECRET (client-secret), else AZURE_CLIENT_CERTIFICATE_PATH
// (client-certificate), else AZURE_FEDERATED_TOKEN_FILE (workload-identity).
struct EnvConfig {
  std::string kind;     // "" when not configured
  std::string why_not;  // then: what is missing, for the chain's message
  std::string tenant, client_id;
};
EnvConfig env_config(const Env& env);

// Which managed identity endpoint the environment points at: App Service / Functions
// (IDENTITY_ENDPOINT + IDENTITY_HEADER, kind "app-service") or the VM's IMDS ("imds").
// `why_not` is set for forms tarn does not speak (Azure Arc, App Service 2017, Cloud Shell).
struct ManagedIdentityConfig {
  std::string kind;
  std::string why_not;
};
ManagedIdentityConfig managed_identity_config(const Env& env);

// The credentials. Configuration comes from ctx.env; the factories throw Unavailable when
// the environment does not configure the method, and a ServiceError (kind "auth") when it
// configures it wrongly (an unreadable certificate file).
std::unique_ptr<Credential> make_static_token(Context& ctx);
std::unique_ptr<Credential> make_env_credential(Context& ctx);
std::unique_ptr<Credential> make_managed_identity(Context& ctx);
std::unique_ptr<Credential> make_cli_credential(Context& ctx, Method which);  // azure_cli or azd

}  // namespace tarn::auth
