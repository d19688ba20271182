// Microsoft Entra ID as tarn sees it: the v2.0 token endpoint (client secret, certificate
// assertion, federated assertion) and managed identity in its IMDS and App Service shapes.
// Principals and the managed identity come from the state's "entra" and "managed_identity".
#include <algorithm>
#include <cctype>
#include <openssl/crypto.h>

#include "sim/families.hpp"
#include "sim/jwt.hpp"
#include "sim/services.hpp"

namespace sim {
namespace {

constexpr const char* kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr const char* kFederatedAudience = "api://AzureADTokenExchange";
constexpr const char* kMiClientId = "00000000-0000-4000-8000-00000000c11e";
constexpr const char* kMiObjectId = "00000000-0000-4000-8000-000000000b1d";
constexpr const char* kIdentityHeader = "tarn-sim-identity-header";
constexpr std::int64_t kDefaultLifetime = 3599;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool same_id(const std::string& a, const std::string& b) { return lower(a) == lower(b); }

bool equal_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string strip_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

const json& entra_config(const json& state) {
  static const json empty = json::object();
  return state.contains("entra") && state["entra"].is_object() ? state["entra"] : empty;
}

json principals(const json& state) {
  const json& e = entra_config(state);
  return e.contains("principals") ? e["principals"] : json::array();
}

bool tenant_known(const json& state, const std::string& tenant) {
  for (const auto& p : principals(state))
    if (same_id(p.value("tenant", ""), tenant)) return true;
  const json& e = entra_config(state);
  if (same_id(e.value("default_tenant", ""), tenant)) return true;
  for (const auto& t : e.value("tenants", json::array()))
    if (t.is_string() && same_id(t.get<std::string>(), tenant)) return true;
  if (state.contains("managed_identity") && same_id(state["managed_identity"].value("tenant", ""), tenant)) return true;
  return false;
}

std::optional<json> find_principal(const json& state, const std::string& tenant, const std::string& client_id) {
  for (const auto& p : principals(state))
    if (same_id(p.value("tenant", ""), tenant) && same_id(p.value("client_id", ""), client_id)) return p;
  return std::nullopt;
}

std::string object_id_of(const json& principal) {
  std::string oid = principal.value("object_id", "");
  return oid.empty() ? uuid_from("tarn-sim object id of " + lower(principal.value("client_id", ""))) : oid;
}

struct Issued {
  std::string token;
  std::int64_t now = 0, exp = 0, lifetime = 0;
};

Issued issue(Exchange& ex, const std::string& tenant, const std::string& client_id, const std::string& object_id,
             const std::string& audience) {
  json v = ex.sim.setting("/entra/token_lifetime_seconds", kDefaultLifetime);
  Issued out;
  out.lifetime = v.get<std::int64_t>();
  out.now = unix_now();
  out.exp = out.now + out.lifetime;
  json claims = {{"aud", audience},
                 {"iss", ex.base_url() + "/entra/" + tenant + "/v2.0"},
                 {"iat", out.now},
                 {"nbf", out.now},
                 {"exp", out.exp},
                 {"tid", tenant},
                 {"appid", client_id},
                 {"azp", client_id},
                 {"oid", object_id},
                 {"sub", object_id},
                 {"idtyp", "app"},
                 {"uti", new_uuid()}};
  out.token = ex.sim.sign_token(claims);
  return out;
}

// ---- the token endpoint ------------------------------------------------------------------

struct TokenRequest {
  Exchange& ex;
  std::string tenant;
  httplib::Params form;

  std::string param(const char* key) const {
    auto it = form.find(key);
    return it == form.end() ? std::string() : it->second;
  }
  bool fail(int status, const char* error, int code, const std::string& message) const {
    entra_error(ex, status, error, code, message);
    return false;
  }
  bool missing(const char* name) const {
    return fail(400, "invalid_request", 900144,
                std::string("The request body must contain the following parameter: '") + name + "'.");
  }
};

std::string time_text(std::int64_t t) {
  return iso_time(std::chrono::system_clock::time_point(std::chrono::seconds(t)), false);
}

bool check_assertion_time(const TokenRequest& r, const json& claims) {
  if (!claims.contains("exp") || !claims["exp"].is_number())
    return r.fail(401, "invalid_client", 50027, "JWT token is invalid or malformed. [Reason - the assertion has no 'exp' claim.]");
  std::int64_t now = unix_now(), exp = claims["exp"].get<std::int64_t>();
  std::int64_t nbf = claims.contains("nbf") && claims["nbf"].is_number() ? claims["nbf"].get<std::int64_t>() : 0;
  if (now < exp && nbf <= now) return true;
  return r.fail(401, "invalid_client", 700024,
                "Client assertion is not within its valid time range. Current time: " + time_text(now) +
                    ", assertion valid from " + time_text(nbf) + ", expiry time of assertion " + time_text(exp) + ".");
}

bool audience_has(const json& aud, const std::string& want) {
  if (aud.is_string()) return strip_slash(aud.get<std::string>()) == strip_slash(want);
  if (aud.is_array())
    for (const auto& a : aud)
      if (a.is_string() && strip_slash(a.get<std::string>()) == strip_slash(want)) return true;
  return false;
}

// A certificate credential: iss = sub = client_id, signed with the principal's key.
bool check_certificate_assertion(const TokenRequest& r, const jwt::Token& t, const json& principal,
                                 const std::string& client_id) {
  std::string pem = principal.value("certificate_pem", principal.value("public_key_pem", ""));
  std::string used = t.header.value("x5t", t.header.value("x5t#S256", "(none)"));
  if (pem.empty())
    return r.fail(401, "invalid_client", 700027,
                  "Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key "
                  "used by client: '" + used + "'] No certificate is registered for application '" + client_id + "'.");
  if (t.payload.value("sub", "") != t.payload.value("iss", ""))
    return r.fail(401, "invalid_client", 50027,
                  "JWT token is invalid or malformed. [Reason - the assertion's 'sub' must equal its 'iss' and the client_id.]");
  auto sha1 = jwt::x5t(pem);
  auto sha256 = jwt::x5t_s256(pem);
  bool key_matches = true;
  if (t.header.contains("x5t") && sha1) key_matches = t.header["x5t"] == *sha1;
  if (t.header.contains("x5t#S256") && sha256) key_matches = key_matches && t.header["x5t#S256"] == *sha256;
  if (!key_matches)
    return r.fail(401, "invalid_client", 700027,
                  "Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key "
                  "used by client: '" + used + "']");
  switch (jwt::verify_rsa(t, pem)) {
    case jwt::Check::ok: break;
    case jwt::Check::unsupported_alg:
      return r.fail(401, "invalid_client", 50027,
                    "JWT token is invalid or malformed. [Reason - alg '" + t.header.value("alg", "") +
                        "' is not supported; expected RS256 or PS256.]");
    case jwt::Check::bad_key:
    case jwt::Check::bad_signature:
      return r.fail(401, "invalid_client", 700027,
                    "Client assertion contains an invalid signature. [Reason - The provided signature value did not "
                    "match the expected signature value., Thumbprint of key used by client: '" + used + "']");
  }
  std::string endpoint = r.ex.base_url() + r.ex.req.path;
  if (!audience_has(t.payload.value("aud", json()), endpoint))
    return r.fail(401, "invalid_client", 50027,
                  "JWT token is invalid or malformed. [Reason - the assertion's audience " +
                      t.payload.value("aud", json()).dump() + " is not the token endpoint '" + endpoint + "'.]");
  return check_assertion_time(r, t.payload);
}

// A federated credential: a token from a configured issuer and subject, audience
// api://AzureADTokenExchange unless configured; signature checked only when a key is set.
bool check_federated_assertion(const TokenRequest& r, const jwt::Token& t, const json& principal) {
  json entries = principal.value("federated", json::array());
  if (entries.is_object()) entries = json::array({entries});
  std::string iss = t.payload.value("iss", ""), sub = t.payload.value("sub", "");
  json aud = t.payload.value("aud", json());
  for (const auto& f : entries) {
    if (f.value("issuer", "") != iss || f.value("subject", "") != sub) continue;
    if (!audience_has(aud, f.value("audience", kFederatedAudience))) continue;
    std::string pem = f.value("certificate_pem", f.value("public_key_pem", ""));
    if (!pem.empty() && jwt::verify_rsa(t, pem) != jwt::Check::ok)
      return r.fail(401, "invalid_client", 700027,
                    "Client assertion contains an invalid signature. [Reason - The provided signature value did not "
                    "match the expected signature value of the federated issuer '" + iss + "'.]");
    return check_assertion_time(r, t.payload);
  }
  std::string aud_text = aud.is_string() ? aud.get<std::string>() : aud.dump();
  return r.fail(400, "invalid_request", 70021,
                "No matching federated identity record found for presented assertion. Assertion Issuer: '" + iss +
                    "'. Assertion Subject: '" + sub + "'. Assertion Audience: '" + aud_text + "'.");
}

bool check_credentials(const TokenRequest& r, const json& principal, const std::string& client_id) {
  std::string secret = r.param("client_secret");
  std::string assertion = r.param("client_assertion");
  if (!secret.empty()) {
    if (equal_secret(secret, principal.value("client_secret", ""))) return true;
    return r.fail(401, "invalid_client", 7000215,
                  "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
                  "value, not the client secret ID, for a secret added to app '" + client_id + "'.");
  }
  if (assertion.empty())
    return r.fail(401, "invalid_client", 7000218,
                  "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  std::string type = r.param("client_assertion_type");
  if (type.empty()) return r.missing("client_assertion_type");
  if (type != kJwtBearer)
    return r.fail(400, "invalid_request", 50027,
                  "JWT token is invalid or malformed. [Reason - client_assertion_type must be '" + std::string(kJwtBearer) + "'.]");
  auto token = jwt::parse(assertion);
  if (!token)
    return r.fail(401, "invalid_client", 50027, "JWT token is invalid or malformed. [Reason - not a JWT.]");
  // Entra tells the two apart the same way: a certificate credential names the app as issuer.
  if (same_id(token->payload.value("iss", ""), client_id)) return check_certificate_assertion(r, *token, principal, client_id);
  return check_federated_assertion(r, *token, principal);
}

void token_endpoint(Exchange& ex) {
  TokenRequest r{ex, ex.arg(1), {}};
  httplib::detail::parse_query_text(ex.req.body, r.form);
  std::string grant = r.param("grant_type");
  if (grant.empty()) { r.missing("grant_type"); return; }
  if (grant != "client_credentials") {
    r.fail(400, "unsupported_grant_type", 70003,
           "The app requested an unsupported grant type '" + grant + "'. tarn-sim supports client_credentials only.");
    return;
  }
  std::string client_id = r.param("client_id");
  if (client_id.empty()) { r.missing("client_id"); return; }
  std::string scope = r.param("scope");
  if (scope.empty()) { r.missing("scope"); return; }
  const std::string suffix = "/.default";
  if (scope.size() <= suffix.size() || scope.compare(scope.size() - suffix.size(), suffix.size(), suffix) != 0 ||
      scope.find(' ') != std::string::npos) {
    r.fail(400, "invalid_scope", 1002012,
           "The provided value for scope " + scope + " is not valid. Client credential flows must have a scope value "
           "with /.default suffixed to the resource identifier (application ID URI).");
    return;
  }
  json state = ex.sim.state();
  if (!tenant_known(state, r.tenant)) {
    r.fail(400, "invalid_request", 90002,
           "Tenant '" + r.tenant + "' not found. Check to make sure you have the correct tenant ID and are signing "
           "into the correct cloud.");
    return;
  }
  auto principal = find_principal(state, r.tenant, client_id);
  if (!principal) {
    r.fail(400, "unauthorized_client", 700016,
           "Application with identifier '" + client_id + "' was not found in the directory '" + r.tenant +
               "'. This can happen if the application has not been installed by the administrator of the tenant or "
               "consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.");
    return;
  }
  if (!check_credentials(r, *principal, client_id)) return;
  std::string audience = scope.substr(0, scope.size() - suffix.size());
  Issued t = issue(ex, principal->value("tenant", r.tenant), principal->value("client_id", client_id),
                   object_id_of(*principal), audience);
  ex.res.set_header("Cache-Control", "no-store, no-cache");
  ex.res.set_header("Pragma", "no-cache");
  std::string correlation = ex.req.get_header_value("client-request-id");
  if (!correlation.empty()) ex.res.set_header("client-request-id", correlation);
  ex.reply(200, {{"token_type", "Bearer"},
                 {"expires_in", t.lifetime},
                 {"ext_expires_in", t.lifetime},
                 {"access_token", t.token}});
}

// ---- managed identity --------------------------------------------------------------------

struct Identity {
  std::string client_id, object_id, tenant, resource_id, header;
};

Identity managed_identity(const Sim& sim) {
  json mi = sim.setting("/managed_identity", json::object());
  Identity id;
  id.client_id = mi.value("client_id", kMiClientId);
  id.object_id = mi.value("object_id", kMiObjectId);
  id.tenant = mi.value("tenant", sim.default_tenant());
  id.resource_id = mi.value("resource_id", "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/tarn-sim/"
                                           "providers/Microsoft.ManagedIdentity/userAssignedIdentities/tarn-sim");
  id.header = mi.value("identity_header", kIdentityHeader);
  return id;
}

// The identity a request names (client_id / object_id / resource id parameters), if it is ours.
bool names_identity(const Exchange& ex, const Identity& id, const char* object_param, const char* resource_param) {
  const httplib::Request& q = ex.req;
  if (q.has_param("client_id") && !same_id(q.get_param_value("client_id"), id.client_id)) return false;
  if (q.has_param(object_param) && !same_id(q.get_param_value(object_param), id.object_id)) return false;
  if (q.has_param(resource_param) && !same_id(q.get_param_value(resource_param), id.resource_id)) return false;
  return true;
}

// GET /imds/metadata/identity/oauth2/token: numbers come back as strings, as IMDS sends them.
void imds_token(Exchange& ex) {
  if (ex.req.get_header_value("Metadata") != "true") {
    imds_error(ex, 400, "invalid_request", "Required metadata header not specified");
    return;
  }
  if (!ex.req.has_param("api-version")) {
    imds_error(ex, 400, "invalid_request", "Required query variable 'api-version' is missing");
    return;
  }
  std::string resource = ex.req.get_param_value("resource");
  if (resource.empty()) {
    imds_error(ex, 400, "invalid_request", "Required query variable 'resource' is missing");
    return;
  }
  Identity id = managed_identity(ex.sim);
  if (!names_identity(ex, id, "object_id", "msi_res_id")) {
    imds_error(ex, 400, "invalid_request", "Identity not found");
    return;
  }
  Issued t = issue(ex, id.tenant, id.client_id, id.object_id, resource);
  ex.reply(200, {{"access_token", t.token},
                 {"refresh_token", ""},
                 {"expires_in", std::to_string(t.lifetime)},
                 {"expires_on", std::to_string(t.exp)},
                 {"ext_expires_in", std::to_string(t.lifetime)},
                 {"not_before", std::to_string(t.now)},
                 {"resource", resource},
                 {"token_type", "Bearer"},
                 {"client_id", id.client_id}});
}

// GET /msi/token: App Service / Functions, api-version 2019-08-01 (IDENTITY_ENDPOINT + IDENTITY_HEADER).
void app_service_token(Exchange& ex) {
  Identity id = managed_identity(ex.sim);
  std::string header = ex.req.get_header_value("X-IDENTITY-HEADER");
  if (header.empty() || !equal_secret(header, id.header)) {
    imds_error(ex, 401, "unauthorized", "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER");
    return;
  }
  std::string version = ex.req.get_param_value("api-version");
  if (version != "2019-08-01") {
    imds_error(ex, 400, "invalid_request",
               version.empty() ? "Required query variable 'api-version' is missing"
                               : "api-version '" + version + "' is not supported; use 2019-08-01");
    return;
  }
  std::string resource = ex.req.get_param_value("resource");
  if (resource.empty()) {
    imds_error(ex, 400, "invalid_request", "Required query variable 'resource' is missing");
    return;
  }
  if (!names_identity(ex, id, "principal_id", "mi_res_id")) {
    imds_error(ex, 400, "invalid_request", "Identity not found");
    return;
  }
  Issued t = issue(ex, id.tenant, id.client_id, id.object_id, resource);
  ex.reply(200, {{"access_token", t.token},
                 {"expires_on", std::to_string(t.exp)},
                 {"resource", resource},
                 {"token_type", "Bearer"},
                 {"client_id", id.client_id}});
}

// ---- seed validation ---------------------------------------------------------------------

void validate_key_pem(const json& obj, const char* key, const std::string& where) {
  shape::string_field(obj, key, where, false);
  if (obj.contains(key) && !jwt::is_public_key_pem(obj[key].get<std::string>()))
    throw std::invalid_argument(where + "." + key + ": expected a PEM certificate or public key that OpenSSL can read");
}

void validate(const json& state) {
  if (state.contains("entra")) {
    const json& e = state["entra"];
    shape::object(e, "entra");
    shape::keys(e, "entra", {"principals", "token_lifetime_seconds", "default_tenant", "tenants"});
    shape::int_field(e, "token_lifetime_seconds", "entra", 1);
    shape::string_field(e, "default_tenant", "entra", false);
    if (e.contains("tenants")) {
      shape::array(e["tenants"], "entra.tenants");
      for (const auto& t : e["tenants"])
        if (!t.is_string()) throw std::invalid_argument("entra.tenants: expected an array of strings");
    }
    if (e.contains("principals")) {
      shape::array(e["principals"], "entra.principals");
      for (std::size_t i = 0; i < e["principals"].size(); ++i) {
        const json& p = e["principals"][i];
        std::string where = "entra.principals[" + std::to_string(i) + "]";
        shape::object(p, where);
        shape::keys(p, where, {"tenant", "client_id", "client_secret", "certificate_pem", "public_key_pem", "federated",
                               "object_id", "name"});
        shape::string_field(p, "tenant", where, true);
        shape::string_field(p, "client_id", where, true);
        for (const char* k : {"client_secret", "object_id", "name"}) shape::string_field(p, k, where, false);
        validate_key_pem(p, "certificate_pem", where);
        validate_key_pem(p, "public_key_pem", where);
        if (!p.contains("federated")) continue;
        json fed = p["federated"].is_object() ? json::array({p["federated"]}) : p["federated"];
        shape::array(fed, where + ".federated");
        for (std::size_t j = 0; j < fed.size(); ++j) {
          std::string fw = where + ".federated" + (p["federated"].is_object() ? "" : "[" + std::to_string(j) + "]");
          shape::object(fed[j], fw);
          shape::keys(fed[j], fw, {"issuer", "subject", "audience", "certificate_pem", "public_key_pem"});
          shape::string_field(fed[j], "issuer", fw, true);
          shape::string_field(fed[j], "subject", fw, true);
          shape::string_field(fed[j], "audience", fw, false);
          validate_key_pem(fed[j], "certificate_pem", fw);
          validate_key_pem(fed[j], "public_key_pem", fw);
        }
      }
    }
  }
  if (state.contains("managed_identity")) {
    const json& mi = state["managed_identity"];
    shape::object(mi, "managed_identity");
    shape::keys(mi, "managed_identity", {"client_id", "object_id", "tenant", "resource_id", "identity_header"});
    for (const char* k : {"client_id", "object_id", "tenant", "resource_id", "identity_header"})
      shape::string_field(mi, k, "managed_identity", false);
  }
}

}  // namespace

void register_entra(Sim& sim) {
  sim.add_validator(validate);
  sim.route("POST", "/entra/([^/]+)/oauth2/v2\\.0/token", token_endpoint);
  sim.route("GET", "/imds/metadata/identity/oauth2/token", imds_token);
  sim.route("GET", "/msi/token", app_service_token);
}

}  // namespace sim
