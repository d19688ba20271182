// Microsoft.Storage/storageAccounts: GET, PATCH (properties.networkAcls replaced as a whole,
// as Add-AzStorageAccountNetworkRule relies on) and the list in a resource group. Accounts
// are seeded; what the seed leaves out is filled with the defaults of a new StorageV2 account.
#include <cctype>

#include "sim/arm.hpp"

namespace sim::arm {
namespace {

const std::vector<std::string> kVersions = {"2023-01-01", "2023-05-01", "2024-01-01", "2025-01-01", "2025-06-01"};
const std::string kType = "Microsoft.Storage/storageAccounts";

json account(const Exchange& ex, const std::string& key, const json& stored) {
  std::string name = name_of(key);
  std::string base = ex.base_url();
  json out = {{"kind", "StorageV2"},
              {"location", "westeurope"},
              {"sku", {{"name", "Standard_LRS"}, {"tier", "Standard"}}},
              {"tags", json::object()},
              {"properties",
               {{"provisioningState", "Succeeded"},
                {"isHnsEnabled", true},
                {"publicNetworkAccess", "Enabled"},
                {"minimumTlsVersion", "TLS1_2"},
                {"allowBlobPublicAccess", false},
                {"networkAcls",
                 {{"bypass", "AzureServices"},
                  {"defaultAction", "Allow"},
                  {"ipRules", json::array()},
                  {"virtualNetworkRules", json::array()},
                  {"resourceAccessRules", json::array()}}},
                {"primaryEndpoints",
                 {{"dfs", base + "/dfs/" + name + "/"}, {"blob", base + "/blob/" + name + "/"}}}}}};
  json shown = present(key, stored);
  // A seeded networkAcls replaces the default one whole, as a PATCH does.
  if (shown.contains("properties") && shown["properties"].contains("networkAcls"))
    out["properties"].erase("networkAcls");
  out.merge_patch(shown);
  return out;
}

std::string account_id(const Call& c) {
  return "/subscriptions/" + c.arg(1) + "/resourceGroups/" + c.arg(2) + "/providers/Microsoft.Storage/storageAccounts/" +
         c.arg(3);
}

// The reason a networkAcls object is refused, or "" when it is valid (NetworkRuleSet, 2025-01-01).
std::string check_acls(const json& acls) {
  if (!acls.is_object()) return "networkAcls must be an object.";
  if (!acls.contains("defaultAction") || !acls["defaultAction"].is_string())
    return "networkAcls.defaultAction is required (Allow or Deny).";
  std::string action = lower(acls["defaultAction"]);
  if (action != "allow" && action != "deny") return "networkAcls.defaultAction must be Allow or Deny.";
  for (const char* list : {"ipRules", "virtualNetworkRules", "resourceAccessRules", "ipv6Rules"})
    if (acls.contains(list) && !acls[list].is_array()) return std::string("networkAcls.") + list + " must be an array.";
  if (acls.contains("resourceAccessRules")) {
    const json& rules = acls["resourceAccessRules"];
    if (rules.size() > 200) return "A storage account can have at most 200 resource access rules.";
    for (const auto& rule : rules) {
      if (!rule.is_object() || !rule.value("tenantId", json()).is_string() || !is_guid(rule["tenantId"].get<std::string>()))
        return "Each resource access rule needs tenantId, a GUID.";
      if (!rule.value("resourceId", json()).is_string() || rule["resourceId"].get<std::string>().rfind('/', 0) != 0)
        return "Each resource access rule needs resourceId, a resource id.";
    }
  }
  if (acls.contains("ipRules"))
    for (const auto& rule : acls["ipRules"])
      if (!rule.is_object() || !rule.value("value", json()).is_string()) return "Each IP rule needs value, an address or range.";
  return "";
}

void get_account(Call& c) {
  std::string id = account_id(c);
  auto found = c.ex.sim.read([&](const json& s) -> std::optional<json> {
    auto k = find_key(s, id);
    if (!k) return std::nullopt;
    return account(c.ex, *k, s["arm"]["resources"][*k]);
  });
  if (!found) return not_found(c.ex, id);
  c.ex.reply(200, *found);
}

void patch_account(Call& c) {
  std::string id = account_id(c);
  auto body = json_body(c.ex);
  if (!body) return;
  if (!body->is_object()) return arm_error(c.ex, 400, "InvalidRequestContent", "The request body must be a JSON object.");
  json props = body->value("properties", json::object());
  if (!props.is_object()) return arm_error(c.ex, 400, "InvalidRequestContent", "properties must be an object.");
  if (props.contains("networkAcls"))
    if (std::string why = check_acls(props["networkAcls"]); !why.empty())
      return arm_error(c.ex, 400, "InvalidValuesForRequestParameters", "Values for request parameters are invalid: " + why);
  auto shown = c.ex.sim.write([&](json& s) -> std::optional<json> {
    auto k = find_key(s, id);
    if (!k) return std::nullopt;
    json& stored = resources(s)[*k];
    if (!stored.contains("properties")) stored["properties"] = json::object();
    for (auto it = props.begin(); it != props.end(); ++it) {
      if (it.key() == "networkAcls") stored["properties"]["networkAcls"] = it.value();  // whole, not merged
      else if (it.value().is_null()) stored["properties"].erase(it.key());
      else stored["properties"][it.key()] = it.value();
    }
    if (body->contains("tags")) stored["tags"] = (*body)["tags"];
    return account(c.ex, *k, stored);
  });
  if (!shown) return not_found(c.ex, id);
  c.ex.reply(200, *shown);
}

void list_accounts(Call& c) {
  std::string group = "/subscriptions/" + c.arg(1) + "/resourceGroups/" + c.arg(2) + "/";
  json items = c.ex.sim.read([&](const json& s) {
    json out = json::array();
    for (auto& [k, a] : all_of_type(s, kType))
      if (lower(k).rfind(lower(group), 0) == 0) out.push_back(account(c.ex, k, a));
    return out;
  });
  nextlink_list(c.ex, items, page_size(c.ex.sim));
}

}  // namespace

void add_storage(Router& r) {
  const std::string accounts = std::string(subscription_re) + group_re + "/providers/microsoft\\.storage/storageaccounts";
  r.add("GET", accounts + "/([^/]+)/?", kType, kVersions, get_account);
  r.add("PATCH", accounts + "/([^/]+)/?", kType, kVersions, patch_account);
  r.add("GET", accounts + "/?", kType, kVersions, list_accounts);
}

}  // namespace sim::arm
