// Microsoft.Authorization/roleAssignments at any scope: PUT (GUID name, 409
// RoleAssignmentExists when the same role is given to the same principal at the same scope
// under another name), GET, DELETE and the list with $filter (atScope(), principalId eq,
// assignedTo). Shapes from the 2022-04-01 spec (../shared/reference/azure_rest.md §2).
#include <algorithm>
#include <cctype>

#include "sim/arm.hpp"

namespace sim::arm {
namespace {

const std::vector<std::string> kVersions = {"2015-07-01",         "2018-01-01-preview", "2018-09-01-preview",
                                            "2020-04-01-preview", "2020-10-01-preview", "2022-04-01"};
const std::string kType = "Microsoft.Authorization/roleAssignments";
const std::string kMarker = "/providers/microsoft.authorization/roleassignments/";

// The built-in roles the simulator knows (docs "Azure built-in roles").
const std::vector<std::string> kRoles = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",  // Owner
    "b24988ac-6180-42a0-ab88-20f7382dd24c",  // Contributor
    "acdd72a7-3385-48ef-bd42-f606fba81ae7",  // Reader
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",  // Storage Blob Data Owner
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe",  // Storage Blob Data Contributor
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",  // Storage Blob Data Reader
    "db58b8e5-c6ad-4a2a-8342-4190687cbf4a",  // Storage Blob Delegator
};

std::string role_of(const json& props) {
  std::string id = props.value("roleDefinitionId", "");
  return lower(id.substr(id.rfind('/') + 1));
}

// The scope of the assignment stored under key: the id before /providers/Microsoft.Authorization/...
std::string scope_of(const std::string& key) { return key.substr(0, lower(key).rfind(kMarker)); }

json show(const std::string& key, const json& stored) {
  json out = present(key, stored);
  out["properties"]["scope"] = scope_of(key);
  return out;
}

std::string no_dashes(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '-'), s.end());
  return s;
}

void put_assignment(Call& c) {
  std::string scope = c.arg(1), name = c.arg(2);
  if (!is_guid(name))
    return arm_error(c.ex, 400, "InvalidRoleAssignmentId",
                     "The role assignment ID '" + name + "' is not valid. The role assignment ID must be a GUID.");
  auto body = json_body(c.ex);
  if (!body) return;
  const json props = body->is_object() ? body->value("properties", json()) : json();
  if (!props.is_object() || !props.value("roleDefinitionId", json()).is_string() ||
      !props.value("principalId", json()).is_string())
    return arm_error(c.ex, 400, "InvalidRequestContent",
                     "The request content was invalid: properties.roleDefinitionId and properties.principalId are required.");
  std::string role = role_of(props), principal = lower(props["principalId"]);
  if (std::find(kRoles.begin(), kRoles.end(), role) == kRoles.end())
    return arm_error(c.ex, 400, "RoleDefinitionDoesNotExist",
                     "The specified role definition with ID '" + role + "' does not exist.");
  if (!is_guid(principal))
    return arm_error(c.ex, 400, "InvalidPrincipalId", "A valid principal ID must be provided for role assignment.");
  std::string id = scope + "/providers/Microsoft.Authorization/roleAssignments/" + name;
  std::string now = iso_time(std::chrono::system_clock::now());
  std::string oid = c.claims.value("oid", "");
  enum { created, same, conflict, update } outcome = created;
  std::string existing, key = id;
  c.ex.sim.write([&](json& s) {
    json& res = resources(s);
    for (auto& [k, a] : all_of_type(s, kType)) {
      const json& p = a.value("properties", json::object());
      bool same_assignment = same_id(scope_of(k), scope) && lower(p.value("principalId", "")) == principal &&
                             role_of(p) == role;
      if (same_id(k, id)) {
        key = k;
        outcome = same_assignment ? same : update;
        return;
      }
      if (same_assignment) {
        existing = name_of(k);
        outcome = conflict;
        return;
      }
    }
    res[id] = {{"properties",
                {{"roleDefinitionId", props["roleDefinitionId"]},
                 {"principalId", props["principalId"]},
                 {"principalType", props.value("principalType", "User")},
                 {"condition", props.value("condition", json())},
                 {"conditionVersion", props.value("conditionVersion", json())},
                 {"description", props.value("description", json())},
                 {"delegatedManagedIdentityResourceId", nullptr},
                 {"createdOn", now},
                 {"updatedOn", now},
                 {"createdBy", oid},
                 {"updatedBy", oid}}}};
  });
  if (outcome == conflict)
    return arm_error(c.ex, 409, "RoleAssignmentExists",
                     "The role assignment already exists.\nThe ID of the existing role assignment is " +
                         no_dashes(existing) + ".");
  if (outcome == update)
    return arm_error(c.ex, 400, "RoleAssignmentUpdateNotPermitted",
                     "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.");
  auto stored = c.ex.sim.read([&](const json& s) { return s["arm"]["resources"][key]; });
  c.ex.reply(outcome == created ? 201 : 200, show(key, stored));
}

std::optional<std::pair<std::string, json>> find_assignment(const Sim& sim, const std::string& id) {
  return sim.read([&](const json& s) -> std::optional<std::pair<std::string, json>> {
    auto k = find_key(s, id);
    if (!k || lower(type_of(*k)) != lower(kType)) return std::nullopt;
    return std::pair{*k, s["arm"]["resources"][*k]};
  });
}

void get_assignment(Call& c) {
  std::string id = c.arg(1) + "/providers/Microsoft.Authorization/roleAssignments/" + c.arg(2);
  auto a = find_assignment(c.ex.sim, id);
  if (!a) return arm_error(c.ex, 404, "RoleAssignmentNotFound", "The role assignment '" + c.arg(2) + "' is not found.");
  c.ex.reply(200, show(a->first, a->second));
}

// ARM answers 200 with the deleted assignment, or 204 when there was none.
void delete_assignment(Call& c) {
  std::string id = c.arg(1) + "/providers/Microsoft.Authorization/roleAssignments/" + c.arg(2);
  auto a = find_assignment(c.ex.sim, id);
  if (!a) {
    c.ex.res.status = 204;
    return;
  }
  c.ex.sim.write([&](json& s) { resources(s).erase(a->first); });
  c.ex.reply(200, show(a->first, a->second));
}

struct Filter {
  bool at_scope = false;
  std::string principal;  // lower case; "" for any
};

// $filter: atScope(), principalId eq '{id}', assignedTo('{id}'), joined with "and".
std::optional<Filter> parse_filter(const std::string& text) {
  Filter f;
  static const std::regex term(R"(\s*(atScope\(\)|principalId\s+eq\s+'([^']*)'|assignedTo\('([^']*)'\))\s*)",
                               std::regex::icase);
  std::string rest = text;
  while (!rest.empty()) {
    std::smatch m;
    if (!std::regex_search(rest, m, term) || m.position(0) != 0) return std::nullopt;
    if (lower(m[1].str()) == "atscope()") f.at_scope = true;
    else f.principal = lower(m[2].matched ? m[2].str() : m[3].str());
    rest = m.suffix().str();
    static const std::regex conj(R"(^and\s+)", std::regex::icase);
    std::smatch a;
    if (std::regex_search(rest, a, conj)) rest = a.suffix().str();
    else if (!rest.empty()) return std::nullopt;
  }
  return f;
}

bool under(const std::string& inner, const std::string& outer) {
  std::string i = lower(inner), o = lower(outer);
  while (o.size() > 1 && o.back() == '/') o.pop_back();
  return same_id(i, o) || i.rfind(o + "/", 0) == 0;
}

void list_assignments(Call& c) {
  std::string scope = c.arg(1);
  Filter f;
  if (c.ex.req.has_param("$filter")) {
    auto parsed = parse_filter(c.ex.req.get_param_value("$filter"));
    if (!parsed)
      return arm_error(c.ex, 400, "UnsupportedQuery",
                       "The filter '" + c.ex.req.get_param_value("$filter") +
                           "' is not supported. Supported filters: atScope(), principalId eq '{id}', assignedTo('{id}').");
    f = *parsed;
  }
  json items = c.ex.sim.read([&](const json& s) {
    json out = json::array();
    for (auto& [k, a] : all_of_type(s, kType)) {
      std::string at = scope_of(k);
      // At or above the scope; without atScope() also below it.
      bool related = under(scope, at) || (!f.at_scope && under(at, scope));
      const json& p = a.value("properties", json::object());
      if (related && (f.principal.empty() || lower(p.value("principalId", "")) == f.principal))
        out.push_back(show(k, a));
    }
    return out;
  });
  nextlink_list(c.ex, items, page_size(c.ex.sim));
}

}  // namespace

void validate_authorization(const json& resources) {
  for (auto it = resources.begin(); it != resources.end(); ++it) {
    if (lower(type_of(it.key())) != lower(kType)) continue;
    std::string where = "arm.resources[\"" + it.key() + "\"].properties";
    if (!it.value().contains("properties")) throw std::invalid_argument(where + ": expected an object");
    shape::string_field(it.value()["properties"], "roleDefinitionId", where, true);
    shape::string_field(it.value()["properties"], "principalId", where, true);
  }
}

void add_authorization(Router& r) {
  const std::string at = "(/subscriptions/.*?)/providers/microsoft\\.authorization/roleassignments";
  r.add("PUT", at + "/([^/]+)", kType, kVersions, put_assignment);
  r.add("GET", at + "/([^/]+)", kType, kVersions, get_assignment);
  r.add("DELETE", at + "/([^/]+)", kType, kVersions, delete_assignment);
  r.add("GET", at + "/?", kType, kVersions, list_assignments);
}

}  // namespace sim::arm
