// Microsoft.DBforPostgreSQL/flexibleServers: GET and PATCH of the server (identity and
// properties.authConfig; PATCH is a long-running operation), POST restart (long-running), and
// firewallRules PUT / GET / DELETE / list. Servers are seeded; what the seed leaves out is
// filled with a General Purpose server's defaults. Server parameters: arm_postgres_params.cpp.
#include "sim/arm.hpp"

namespace sim::arm {
namespace {

const std::string kType = "Microsoft.DBforPostgreSQL/flexibleServers";
const std::string kRuleType = "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules";

json server(const std::string& key, const json& stored) {
  std::string name = name_of(key);
  json out = {{"location", "westeurope"},
              {"tags", json::object()},
              {"sku", {{"name", "Standard_D2ds_v5"}, {"tier", "GeneralPurpose"}}},
              {"properties",
               {{"administratorLogin", "pgadmin"},
                {"version", "16"},
                {"state", "Ready"},
                {"fullyQualifiedDomainName", name + ".postgres.database.azure.com"},
                {"storage", {{"storageSizeGB", 128}, {"autoGrow", "Disabled"}}},
                {"authConfig", {{"activeDirectoryAuth", "Disabled"}, {"passwordAuth", "Enabled"}}},
                {"highAvailability", {{"mode", "Disabled"}}},
                {"network", {{"publicNetworkAccess", "Enabled"}}},
                {"replicationRole", "Primary"},
                {"availabilityZone", "1"}}}};
  out.merge_patch(present(key, stored));
  return out;
}

std::optional<json> find_server(const Sim& sim, const std::string& id) {
  return sim.read([&](const json& s) -> std::optional<json> {
    auto k = find_key(s, id);
    if (!k || lower(type_of(*k)) != lower(kType)) return std::nullopt;
    return server(*k, s["arm"]["resources"][*k]);
  });
}

void get_server(Call& c) {
  std::string id = server_id(c);
  auto s = find_server(c.ex.sim, id);
  if (!s) return not_found(c.ex, id);
  c.ex.reply(200, *s);
}

bool enabled_or_disabled(const json& v) {
  return v.is_string() && (lower(v) == "enabled" || lower(v) == "disabled");
}

// PATCH: identity {type[, userAssignedIdentities]}, properties.authConfig, tags; other
// properties are accepted and ignored (administratorLoginPassword is never stored).
void patch_server(Call& c) {
  std::string id = server_id(c);
  auto body = json_body(c.ex);
  if (!body) return;
  if (!body->is_object()) return arm_error(c.ex, 400, "InvalidRequestContent", "The request body must be a JSON object.");
  std::string identity_type;
  if (body->contains("identity")) {
    const json& ident = (*body)["identity"];
    identity_type = ident.is_object() && ident.value("type", json()).is_string() ? ident["type"].get<std::string>() : "";
    std::string t = lower(identity_type);
    if (t != "none" && t != "systemassigned" && t != "userassigned" && t != "systemassigned,userassigned")
      return arm_error(c.ex, 400, "InvalidIdentityType",
                       "identity.type must be None, SystemAssigned, UserAssigned or 'SystemAssigned,UserAssigned'.");
  }
  json auth = body->value("properties", json::object()).value("authConfig", json());
  if (!auth.is_null()) {
    if (!auth.is_object()) return arm_error(c.ex, 400, "InvalidRequestContent", "properties.authConfig must be an object.");
    for (const char* k : {"activeDirectoryAuth", "passwordAuth"})
      if (auth.contains(k) && !enabled_or_disabled(auth[k]))
        return arm_error(c.ex, 400, "InvalidParameterValue", std::string("authConfig.") + k + " must be Enabled or Disabled.");
  }
  std::string tenant = c.ex.sim.default_tenant();
  auto result = c.ex.sim.write([&](json& s) -> std::optional<json> {
    auto k = find_key(s, id);
    if (!k || lower(type_of(*k)) != lower(kType)) return std::nullopt;
    json& stored = resources(s)[*k];
    json current = server(*k, stored);
    if (!auth.is_null()) {
      json merged = current["properties"]["authConfig"];
      merged.merge_patch(auth);
      if (lower(merged.value("activeDirectoryAuth", "")) == "disabled" && lower(merged.value("passwordAuth", "")) == "disabled")
        return json{{"error", "Both Microsoft Entra and password authentication cannot be disabled."}};
      stored["properties"]["authConfig"] = merged;
    }
    if (!identity_type.empty()) {
      json ident = {{"type", identity_type}};
      bool system = lower(identity_type).find("systemassigned") != std::string::npos;
      const json old = current.value("identity", json::object());
      if (system) {
        // A newly enabled system identity is a new principal, as on the real service.
        bool had = lower(old.value("type", "")).find("systemassigned") != std::string::npos;
        ident["principalId"] = had ? old.value("principalId", new_uuid()) : new_uuid();
        ident["tenantId"] = had ? old.value("tenantId", tenant) : tenant;
      }
      if (lower(identity_type).find("userassigned") != std::string::npos)
        ident["userAssignedIdentities"] = (*body)["identity"].value("userAssignedIdentities", old.value("userAssignedIdentities", json::object()));
      stored["identity"] = ident;
    }
    if (body->contains("tags")) stored["tags"] = (*body)["tags"];
    return server(*k, stored);
  });
  if (!result) return not_found(c.ex, id);
  if (result->contains("error")) return arm_error(c.ex, 400, "InvalidParameterValue", (*result)["error"].get<std::string>());
  arm_accepted(c.ex, Operation{*result}, 202);
}

void list_servers(Call& c) {
  std::string group = lower("/subscriptions/" + c.arg(1) + "/resourceGroups/" + c.arg(2) + "/");
  json items = c.ex.sim.read([&](const json& s) {
    json out = json::array();
    for (auto& [k, v] : all_of_type(s, kType))
      if (lower(k).rfind(group, 0) == 0) out.push_back(server(k, v));
    return out;
  });
  nextlink_list(c.ex, items, page_size(c.ex.sim));
}

// Restart: static parameters set since the last restart take effect (isConfigPendingRestart
// goes back to false).
void restart_server(Call& c) {
  std::string id = server_id(c);
  bool found = c.ex.sim.write([&](json& s) {
    auto k = find_key(s, id);
    if (!k || lower(type_of(*k)) != lower(kType)) return false;
    apply_restart(s, *k);
    return true;
  });
  if (!found) return not_found(c.ex, id);
  arm_accepted(c.ex, Operation{}, 202);
}

// ---- firewall rules -----------------------------------------------------------------------

std::optional<unsigned long> ipv4(const json& v) {
  static const std::regex re(R"((\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}))");
  std::smatch m;
  if (!v.is_string()) return std::nullopt;
  std::string s = v;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  unsigned long out = 0;
  for (int i = 1; i <= 4; ++i) {
    unsigned long part = std::stoul(m[i].str());
    if (part > 255) return std::nullopt;
    out = out * 256 + part;
  }
  return out;
}

std::string rule_id(const Call& c) { return server_id(c) + "/firewallRules/" + c.arg(4); }

void put_rule(Call& c) {
  std::string sid = server_id(c), id = rule_id(c);
  if (!find_server(c.ex.sim, sid)) return parent_not_found(c.ex, sid);
  auto body = json_body(c.ex);
  if (!body) return;
  json props = body->is_object() ? body->value("properties", json::object()) : json::object();
  auto start = ipv4(props.value("startIpAddress", json())), end = ipv4(props.value("endIpAddress", json()));
  if (!start || !end)
    return arm_error(c.ex, 400, "InvalidParameterValue",
                     "properties.startIpAddress and properties.endIpAddress must be IPv4 addresses.");
  if (*start > *end)
    return arm_error(c.ex, 400, "InvalidParameterValue", "The start IP address must not be greater than the end IP address.");
  json shown = c.ex.sim.write([&](json& s) {
    auto k = find_key(s, id);
    std::string key = k.value_or(id);
    resources(s)[key] = {{"properties",
                          {{"startIpAddress", props["startIpAddress"]}, {"endIpAddress", props["endIpAddress"]}}}};
    return present(key, resources(s)[key]);
  });
  arm_accepted(c.ex, Operation{shown}, 202);
}

void get_rule(Call& c) {
  std::string id = rule_id(c);
  auto r = get(c.ex.sim, id);
  if (!r) return not_found(c.ex, id);
  c.ex.reply(200, *r);
}

void delete_rule(Call& c) {
  std::string id = rule_id(c);
  bool found = c.ex.sim.write([&](json& s) {
    auto k = find_key(s, id);
    if (!k) return false;
    resources(s).erase(*k);
    return true;
  });
  if (!found) {
    c.ex.res.status = 204;
    return;
  }
  arm_accepted(c.ex, Operation{}, 202);
}

void list_rules(Call& c) {
  std::string prefix = lower(server_id(c) + "/firewallRules/");
  json items = c.ex.sim.read([&](const json& s) {
    json out = json::array();
    for (auto& [k, v] : all_of_type(s, kRuleType))
      if (lower(k).rfind(prefix, 0) == 0) out.push_back(present(k, v));
    return out;
  });
  nextlink_list(c.ex, items, page_size(c.ex.sim));
}

}  // namespace

std::string server_id(const Call& c) {
  return "/subscriptions/" + c.arg(1) + "/resourceGroups/" + c.arg(2) +
         "/providers/Microsoft.DBforPostgreSQL/flexibleServers/" + c.arg(3);
}

std::optional<std::string> server_key(const json& state, const std::string& id) {
  auto k = find_key(state, id);
  if (!k || lower(type_of(*k)) != lower(kType)) return std::nullopt;
  return k;
}

void add_postgres(Router& r) {
  const std::string servers =
      std::string(subscription_re) + group_re + "/providers/microsoft\\.dbforpostgresql/flexibleservers";
  const std::string one = servers + "/([^/]+)";
  r.add("GET", one + "/?", kType, postgres_versions, get_server);
  r.add("PATCH", one + "/?", kType, postgres_versions, patch_server);
  r.add("GET", servers + "/?", kType, postgres_versions, list_servers);
  r.add("POST", one + "/restart/?", kType, postgres_versions, restart_server);
  r.add("PUT", one + "/firewallrules/([^/]+)/?", kRuleType, postgres_versions, put_rule);
  r.add("GET", one + "/firewallrules/([^/]+)/?", kRuleType, postgres_versions, get_rule);
  r.add("DELETE", one + "/firewallrules/([^/]+)/?", kRuleType, postgres_versions, delete_rule);
  r.add("GET", one + "/firewallrules/?", kRuleType, postgres_versions, list_rules);
  add_postgres_parameters(r, one);
}

}  // namespace sim::arm
