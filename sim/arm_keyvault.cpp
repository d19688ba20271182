// Microsoft.KeyVault/vaults (the management plane): GET, PATCH of properties
// (publicNetworkAccess; networkAcls replaced as a whole) and the list in a resource group.
// Vaults are seeded; what the seed leaves out is filled with a new vault's defaults. The
// vault's data plane is sim/keyvault.cpp; vaultUri points there.
#include "sim/arm.hpp"

namespace sim::arm {
namespace {

const std::vector<std::string> kVersions = {"2022-07-01", "2023-02-01", "2023-07-01", "2024-11-01"};
const std::string kType = "Microsoft.KeyVault/vaults";

// tenant: Sim::default_tenant(), read before taking the state lock (it takes it too).
json vault(const Exchange& ex, const std::string& tenant, const std::string& key, const json& stored) {
  json out = {{"location", "westeurope"},
              {"tags", json::object()},
              {"properties",
               {{"tenantId", tenant},
                {"sku", {{"family", "A"}, {"name", "standard"}}},
                {"accessPolicies", json::array()},
                {"enabledForDeployment", false},
                {"enableSoftDelete", true},
                {"softDeleteRetentionInDays", 90},
                {"enableRbacAuthorization", true},
                {"vaultUri", ex.base_url() + "/keyvault/" + name_of(key) + "/"},
                {"provisioningState", "Succeeded"},
                {"publicNetworkAccess", "Enabled"},
                {"networkAcls",
                 {{"bypass", "AzureServices"},
                  {"defaultAction", "Allow"},
                  {"ipRules", json::array()},
                  {"virtualNetworkRules", json::array()}}}}}};
  json shown = present(key, stored);
  if (shown.contains("properties") && shown["properties"].contains("networkAcls")) out["properties"].erase("networkAcls");
  out.merge_patch(shown);
  return out;
}

std::string vault_id(const Call& c) {
  return "/subscriptions/" + c.arg(1) + "/resourceGroups/" + c.arg(2) + "/providers/Microsoft.KeyVault/vaults/" + c.arg(3);
}

// The reason a PATCH's properties are refused, or "".
std::string check(const json& props) {
  if (props.contains("publicNetworkAccess")) {
    const json& v = props["publicNetworkAccess"];
    if (!v.is_string() || (lower(v) != "enabled" && lower(v) != "disabled"))
      return "publicNetworkAccess must be Enabled or Disabled.";
  }
  if (!props.contains("networkAcls")) return "";
  const json& acls = props["networkAcls"];
  if (!acls.is_object()) return "networkAcls must be an object.";
  if (acls.contains("defaultAction")) {
    std::string a = acls["defaultAction"].is_string() ? lower(acls["defaultAction"]) : "";
    if (a != "allow" && a != "deny") return "networkAcls.defaultAction must be Allow or Deny.";
  }
  if (acls.contains("bypass")) {
    std::string b = acls["bypass"].is_string() ? lower(acls["bypass"]) : "";
    if (b != "azureservices" && b != "none") return "networkAcls.bypass must be AzureServices or None.";
  }
  static const std::regex ip(R"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(/\d{1,2})?)");
  if (acls.contains("ipRules")) {
    if (!acls["ipRules"].is_array()) return "networkAcls.ipRules must be an array.";
    for (const auto& rule : acls["ipRules"])
      if (!rule.is_object() || !rule.value("value", json()).is_string() ||
          !std::regex_match(rule["value"].get<std::string>(), ip))
        return "Each networkAcls.ipRules entry needs value, an IPv4 address or CIDR range.";
  }
  if (acls.contains("virtualNetworkRules") && !acls["virtualNetworkRules"].is_array())
    return "networkAcls.virtualNetworkRules must be an array.";
  return "";
}

void get_vault(Call& c) {
  std::string id = vault_id(c), tenant = c.ex.sim.default_tenant();
  auto found = c.ex.sim.read([&](const json& s) -> std::optional<json> {
    auto k = find_key(s, id);
    if (!k) return std::nullopt;
    return vault(c.ex, tenant, *k, s["arm"]["resources"][*k]);
  });
  if (!found) return not_found(c.ex, id);
  c.ex.reply(200, *found);
}

void patch_vault(Call& c) {
  std::string id = vault_id(c), tenant = c.ex.sim.default_tenant();
  auto body = json_body(c.ex);
  if (!body) return;
  json props = body->is_object() ? body->value("properties", json::object()) : json();
  if (!props.is_object()) return arm_error(c.ex, 400, "BadRequest", "The request body must be {\"properties\": {...}}.");
  if (std::string why = check(props); !why.empty()) return arm_error(c.ex, 400, "BadRequest", why);
  auto shown = c.ex.sim.write([&](json& s) -> std::optional<json> {
    auto k = find_key(s, id);
    if (!k) return std::nullopt;
    json& stored = resources(s)[*k];
    if (!stored.contains("properties")) stored["properties"] = json::object();
    for (auto it = props.begin(); it != props.end(); ++it) {
      if (it.value().is_null()) stored["properties"].erase(it.key());
      else stored["properties"][it.key()] = it.value();  // networkAcls too: replaced whole
    }
    if (body->contains("tags")) stored["tags"] = (*body)["tags"];
    return vault(c.ex, tenant, *k, stored);
  });
  if (!shown) return not_found(c.ex, id);
  c.ex.reply(200, *shown);
}

void list_vaults(Call& c) {
  std::string group = lower("/subscriptions/" + c.arg(1) + "/resourceGroups/" + c.arg(2) + "/");
  std::string tenant = c.ex.sim.default_tenant();
  json items = c.ex.sim.read([&](const json& s) {
    json out = json::array();
    for (auto& [k, v] : all_of_type(s, kType))
      if (lower(k).rfind(group, 0) == 0) out.push_back(vault(c.ex, tenant, k, v));
    return out;
  });
  nextlink_list(c.ex, items, page_size(c.ex.sim));
}

}  // namespace

void add_keyvault(Router& r) {
  const std::string vaults = std::string(subscription_re) + group_re + "/providers/microsoft\\.keyvault/vaults";
  r.add("GET", vaults + "/([^/]+)/?", kType, kVersions, get_vault);
  r.add("PATCH", vaults + "/([^/]+)/?", kType, kVersions, patch_vault);
  r.add("GET", vaults + "/?", kType, kVersions, list_vaults);
}

}  // namespace sim::arm
