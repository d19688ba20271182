// Fabric connections: list (paged), get, create (checked against the supported connection
// types as the service does), update, delete, testConnection (a long-running operation) and
// supportedConnectionTypes, which lists the PostgreSQL types tarn uses. Credentials are
// checked and then dropped: the state never holds a connection's secret.
#include <algorithm>
#include <cctype>
#include <set>

#include "sim/fabric.hpp"
#include "sim/services.hpp"

namespace sim::fabric {
namespace {

// GET /connections/supportedConnectionTypes for cloud connections. PostgreSQL and
// AzurePostgreSQL as Microsoft's generated dump of this API lists them (docs/simulator.md).
const json& supported_types() {
  static const json types = [] {
    auto param = [](const char* name, bool required) {
      return json{{"name", name}, {"dataType", "Text"}, {"required", required}};
    };
    auto type = [](const char* name, const char* method, json params, json creds, json enc, bool skip, json user) {
      return json{{"type", name},
                  {"creationMethods", json::array({{{"name", method}, {"parameters", std::move(params)}}})},
                  {"supportedCredentialTypes", std::move(creds)},
                  {"supportedConnectionEncryptionTypes", std::move(enc)},
                  {"supportsSkipTestConnection", skip},
                  {"supportedCredentialTypesForUsageInUserControlledCode", std::move(user)}};
    };
    json both = {"NotEncrypted", "Encrypted"};
    return json::array({
        type("PostgreSQL", "PostgreSql", {param("server", true), param("database", true)}, {"Basic"}, both, false,
             {"Basic"}),
        type("AzurePostgreSQL", "AzurePostgreSQL.Database", {param("server", true), param("database", true)},
             {"Basic"}, both, false, {"Basic"}),
        type("SQL", "Sql", {param("server", true), param("database", false)},
             {"Basic", "OAuth2", "ServicePrincipal", "WorkspaceIdentity"}, both, false, {"Basic", "WorkspaceIdentity"}),
        type("AzureDatabricksWorkspace", "AzureDatabricksWorkspace.Actions", {param("url", true)},
             {"Key", "OAuth2", "ServicePrincipal"}, {"NotEncrypted"}, false, {"Key", "ServicePrincipal"}),
        type("AzureDataLakeStorage", "AzureDataLakeStorage", {param("server", true), param("path", true)},
             {"Key", "OAuth2", "ServicePrincipal", "SharedAccessSignature", "WorkspaceIdentity"}, {"NotEncrypted"},
             false, {"Key", "ServicePrincipal", "WorkspaceIdentity"}),
        type("GitHubSourceControl", "GitHubSourceControl.Contents", {param("url", false)}, {"Key"}, {"NotEncrypted"},
             false, {"Key"}),
        type("Web", "Web", {param("url", true)}, {"Anonymous", "Basic", "Key", "OAuth2", "WorkspaceIdentity"},
             {"NotEncrypted"}, true, {"Anonymous", "Basic", "Key"}),
    });
  }();
  return types;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const json* by_name_ci(const json& array, const char* key, const std::string& name) {
  for (const auto& e : array)
    if (lower(e.value(key, "")) == lower(name)) return &e;
  return nullptr;
}

bool in(const json& array, const json& v) { return std::find(array.begin(), array.end(), v) != array.end(); }

const std::set<std::string> kCreatable = {"ShareableCloud", "OnPremisesGateway", "VirtualNetworkGateway",
                                          "StreamingVirtualNetworkGateway"};
const std::set<std::string> kConnectivity = {"ShareableCloud", "PersonalCloud", "OnPremisesGateway",
                                             "OnPremisesGatewayPersonal", "VirtualNetworkGateway",
                                             "StreamingVirtualNetworkGateway", "Automatic", "None"};
const std::set<std::string> kPrivacy = {"None", "Private", "Organizational", "Public"};
const std::set<std::string> kSso = {"None", "Kerberos", "MicrosoftEntraID", "SecurityAssertionMarkupLanguage",
                                    "KerberosDirectQueryAndRefresh"};

Failure details(const std::string& m) { return {400, "InvalidConnectionDetails", m}; }
Failure credentials(const std::string& m) { return {400, "InvalidCredentialDetails", m}; }

bool has_string(const json& o, const char* k) { return o.contains(k) && o[k].is_string() && !o[k].get<std::string>().empty(); }

// The fields each credential type needs ("a|b": either). Secrets are checked, never kept.
std::optional<Failure> check_credentials(const json& c, const json& type_meta, bool gateway) {
  if (!c.is_object() || !has_string(c, "credentialType"))
    return credentials("credentialDetails.credentials.credentialType: required");
  std::string kind = c["credentialType"];
  if (gateway && c.contains("values")) return std::nullopt;  // encrypted with the gateway's key
  if (!in(type_meta["supportedCredentialTypes"], kind))
    return credentials("credentialDetails.credentials.credentialType: " + kind + " is not supported for " +
                       type_meta["type"].get<std::string>() + "; expected one of " +
                       type_meta["supportedCredentialTypes"].dump());
  static const std::map<std::string, std::vector<std::string>> needs = {
      {"Basic", {"username", "password|passwordReference"}},
      {"Windows", {"username", "password"}},
      {"Key", {"key|keyReference"}},
      {"ServicePrincipal", {"tenantId", "servicePrincipalClientId", "servicePrincipalSecret|servicePrincipalSecretReference"}},
      {"SharedAccessSignature", {"token|tokenReference"}},
      {"KeyPair", {"identifier", "privateKey"}}};
  auto it = needs.find(kind);
  if (it == needs.end()) return std::nullopt;
  for (const auto& need : it->second) {
    std::size_t bar = need.find('|');
    std::string a = need.substr(0, bar), b = bar == std::string::npos ? "" : need.substr(bar + 1);
    bool ok = c.contains(a) || (!b.empty() && c.contains(b));
    if (!ok) return credentials("credentialDetails.credentials." + a + (b.empty() ? "" : " or " + b) + ": required for " + kind);
  }
  return std::nullopt;
}

// Checks a create request; fills `stored` with the connection to keep (no secrets).
std::optional<Failure> check_create(const json& b, json& stored) {
  if (!b.is_object()) return Failure{400, "InvalidInput", "Expected a JSON object"};
  std::string kind = b.value("connectivityType", "");
  if (!kConnectivity.count(kind))
    return Failure{400, "InvalidInput", "connectivityType: required, expected ShareableCloud, OnPremisesGateway, "
                                        "VirtualNetworkGateway or StreamingVirtualNetworkGateway"};
  if (!kCreatable.count(kind)) return Failure{400, "InvalidInput", "connectivityType: " + kind + " connections cannot be created through the API"};
  if (!has_string(b, "displayName") || b["displayName"].get<std::string>().size() > 200)
    return Failure{400, "InvalidInput", "displayName: required, expected a string of 1 to 200 characters"};
  bool gateway = kind != "ShareableCloud";
  if (gateway && !has_string(b, "gatewayId")) return Failure{400, "InvalidInput", "gatewayId: required for " + kind};
  if (b.contains("privacyLevel") && !(b["privacyLevel"].is_string() && kPrivacy.count(b["privacyLevel"].get<std::string>())))
    return Failure{400, "InvalidInput", "privacyLevel: expected None, Private, Organizational or Public"};

  const json cd = b.value("connectionDetails", json());
  if (!cd.is_object()) return details("connectionDetails: required, expected {type, creationMethod, parameters}");
  const json* meta = by_name_ci(supported_types(), "type", cd.value("type", ""));
  if (!meta) return details("connectionDetails.type: '" + cd.value("type", "") + "' is not a supported connection type");
  const json* method = by_name_ci((*meta)["creationMethods"], "name", cd.value("creationMethod", ""));
  if (!method)
    return details("connectionDetails.creationMethod: '" + cd.value("creationMethod", "") + "' is not a creation method of " +
                   (*meta)["type"].get<std::string>() + "; expected " + (*meta)["creationMethods"][0]["name"].get<std::string>());
  if (!cd.contains("parameters") || !cd["parameters"].is_array())
    return details("connectionDetails.parameters: required, expected an array of {dataType, name, value}");
  std::map<std::string, std::string> values;
  for (const auto& p : cd["parameters"]) {
    std::string name = p.is_object() ? p.value("name", "") : "";
    const json* decl = by_name_ci((*method)["parameters"], "name", name);
    if (!decl) return details("connectionDetails.parameters: '" + name + "' is not a parameter of " + (*method)["name"].get<std::string>());
    if (p.value("dataType", "") != (*decl)["dataType"])
      return details("connectionDetails.parameters." + name + ".dataType: expected " + (*decl)["dataType"].get<std::string>());
    if (!p.contains("value") || !p["value"].is_string())
      return details("connectionDetails.parameters." + name + ".value: expected a string");
    values[(*decl)["name"]] = p["value"];
  }
  std::string path;
  for (const auto& decl : (*method)["parameters"]) {
    std::string name = decl["name"];
    if (decl["required"] == true && !values.count(name))
      return details("connectionDetails.parameters: '" + name + "' is required for " + (*method)["name"].get<std::string>());
    if (values.count(name)) path += (path.empty() ? "" : ";") + values[name];
  }

  const json cred = b.value("credentialDetails", json());
  if (!cred.is_object()) return credentials("credentialDetails: required for " + kind + " connections");
  if (auto f = check_credentials(cred.value("credentials", json()), *meta, gateway)) return f;
  std::string sso = cred.value("singleSignOnType", "None");
  if (!kSso.count(sso)) return credentials("credentialDetails.singleSignOnType: '" + sso + "' is not a single sign-on type");
  std::string enc = cred.value("connectionEncryption", "NotEncrypted");
  if (!in((*meta)["supportedConnectionEncryptionTypes"], enc) && !(gateway && enc == "Any"))
    return credentials("credentialDetails.connectionEncryption: " + enc + " is not supported for " +
                       (*meta)["type"].get<std::string>());
  bool skip = cred.value("skipTestConnection", false);
  if (skip && !(*meta)["supportsSkipTestConnection"].get<bool>())
    return credentials("credentialDetails.skipTestConnection: " + (*meta)["type"].get<std::string>() +
                       " connections do not support skipping the test connection");

  stored = {{"id", new_uuid()},
            {"displayName", b["displayName"]},
            {"connectivityType", kind},
            {"gatewayId", gateway ? b["gatewayId"].get<std::string>() : uuid_from("tarn-sim cloud gateway")},
            {"connectionDetails", {{"type", (*meta)["type"]}, {"path", path}}},
            {"privacyLevel", b.value("privacyLevel", "Organizational")},
            {"credentialDetails",
             {{"credentialType", cred["credentials"]["credentialType"]},
              {"singleSignOnType", sso},
              {"connectionEncryption", enc},
              {"skipTestConnection", skip}}},
            {"connectionRecency", {{"createdDateTime", iso_time(std::chrono::system_clock::now(), false)}}}};
  for (const char* k : {"allowConnectionUsageInGateway", "allowUsageInUserControlledCode"})
    if (b.contains(k) && b[k].is_boolean()) stored[k] = b[k];
  return std::nullopt;
}

json connection_body(const json& c) {
  json b = json::object();
  for (const char* k : {"id", "displayName", "gatewayId", "connectivityType", "connectionDetails", "privacyLevel",
                        "credentialDetails", "connectionRecency", "allowConnectionUsageInGateway",
                        "allowUsageInUserControlledCode"})
    if (c.contains(k)) b[k] = c[k];
  return b;
}

Failure not_found(const std::string& id) { return {404, "EntityNotFound", "The connection '" + id + "' was not found"}; }

void list_connections(Exchange& ex) {
  if (!authorize(ex)) return;
  json out = json::array();
  ex.sim.read([&](const json& s) {
    for (const auto& c : list(s, "connections")) out.push_back(connection_body(c));
    return 0;
  });
  fabric_list(ex, out, config(ex.sim).page_size);
}

void supported_connection_types(Exchange& ex) {
  if (!authorize(ex)) return;
  fabric_list(ex, supported_types(), config(ex.sim).page_size);
}

void create_connection(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  json stored;
  if (auto f = check_create(*body, stored)) return f->send(ex);
  std::optional<Failure> failure;
  ex.sim.write([&](json& s) {
    json& all = list(s, "connections");
    if (find(all, "displayName", stored["displayName"].get<std::string>()))
      return void(failure = Failure{409, "DuplicateConnectionName",
                                    "A connection named '" + stored["displayName"].get<std::string>() + "' already exists"});
    all.push_back(stored);
  });
  if (failure) return failure->send(ex);
  ex.reply(201, connection_body(stored));
}

void get_connection(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string id = ex.arg(1);
  auto c = ex.sim.read([&](const json& s) -> std::optional<json> {
    const json* c = find(list(s, "connections"), "id", id);
    return c ? std::optional<json>(*c) : std::nullopt;
  });
  if (!c) return not_found(id).send(ex);
  ex.reply(200, connection_body(*c));
}

void update_connection(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object() || !has_string(*body, "connectivityType"))
    return fabric_error(ex, 400, "InvalidInput", "connectivityType: required, expected the connection's connectivity type");
  if (body->contains("privacyLevel") &&
      !((*body)["privacyLevel"].is_string() && kPrivacy.count((*body)["privacyLevel"].get<std::string>())))
    return fabric_error(ex, 400, "InvalidInput", "privacyLevel: expected None, Private, Organizational or Public");
  std::string id = ex.arg(1);
  std::optional<Failure> failure;
  json updated = ex.sim.write([&](json& s) -> json {
    json& all = list(s, "connections");
    json* c = find(all, "id", id);
    if (!c) return failure = not_found(id), nullptr;
    if (c->value("connectivityType", "") != (*body)["connectivityType"])
      return failure = Failure{400, "InvalidInput", "connectivityType: the connection is " +
                                                        c->value("connectivityType", "") + ", not " +
                                                        (*body)["connectivityType"].get<std::string>()},
             nullptr;
    if (body->contains("displayName")) {
      const json* other = find(all, "displayName", (*body)["displayName"].get<std::string>());
      if (other && other != c)
        return failure = Failure{409, "DuplicateConnectionName", "A connection with this name already exists"}, nullptr;
      (*c)["displayName"] = (*body)["displayName"];
    }
    for (const char* k : {"privacyLevel", "allowConnectionUsageInGateway", "allowUsageInUserControlledCode"})
      if (body->contains(k)) (*c)[k] = (*body)[k];
    const json cred = body->value("credentialDetails", json::object());
    json& cd = (*c)["credentialDetails"];
    if (!cd.is_object()) cd = json::object();
    for (const char* k : {"singleSignOnType", "connectionEncryption", "skipTestConnection"})
      if (cred.contains(k)) cd[k] = cred[k];
    if (cred.contains("credentials") && cred["credentials"].contains("credentialType"))
      cd["credentialType"] = cred["credentials"]["credentialType"];
    return *c;
  });
  if (failure) return failure->send(ex);
  ex.reply(200, connection_body(updated));
}

void delete_connection(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string id = ex.arg(1);
  bool found = ex.sim.write([&](json& s) {
    json& all = list(s, "connections");
    auto before = all.size();
    all.erase(std::remove_if(all.begin(), all.end(), [&](const json& c) { return c.value("id", "") == id; }), all.end());
    return all.size() != before;
  });
  if (!found) return not_found(id).send(ex);
  ex.res.status = 200;
}

// Online, unless the seed gave the connection "test_errors" ([{errorCode, message}]).
void test_connection(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string id = ex.arg(1);
  auto c = ex.sim.read([&](const json& s) -> std::optional<json> {
    const json* c = find(list(s, "connections"), "id", id);
    return c ? std::optional<json>(*c) : std::nullopt;
  });
  if (!c) return not_found(id).send(ex);
  json errors = c->value("test_errors", json::array());
  json result = {{"status", errors.empty() ? "Online" : "Offline"}, {"errors", errors}};
  fabric_accepted(ex, {result, nullptr, -1});
}

}  // namespace
}  // namespace sim::fabric

namespace sim {

void register_fabric_connections(Sim& sim) {
  const std::string one = "/fabric/v1/connections/([^/]+)";
  sim.route("GET", "/fabric/v1/connections/supportedConnectionTypes", fabric::supported_connection_types);
  sim.route("GET", "/fabric/v1/connections", fabric::list_connections);
  sim.route("POST", "/fabric/v1/connections", fabric::create_connection);
  sim.route("GET", one, fabric::get_connection);
  sim.route("PATCH", one, fabric::update_connection);
  sim.route("DELETE", one, fabric::delete_connection);
  sim.route("POST", one + "/testConnection", fabric::test_connection);
}

}  // namespace sim
