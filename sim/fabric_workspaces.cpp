// Fabric workspaces: list (roles filter, paging), create, get, update, delete; role
// assignments; the workspace identity (provisionIdentity / deprovisionIdentity as
// long-running operations).
#include <set>

#include "sim/fabric.hpp"
#include "sim/services.hpp"

namespace sim {
namespace {

using namespace fabric;

const std::set<std::string> kRoles = {"Admin", "Member", "Contributor", "Viewer"};
const std::set<std::string> kPrincipalTypes = {"User", "ServicePrincipal", "Group", "ServicePrincipalProfile",
                                               "EntireTenant"};
constexpr const char* kDefaultRegion = "West US";

std::string ws_url(const Exchange& ex, const std::string& id) { return ex.base_url() + "/fabric/v1/workspaces/" + id; }

// The principal as role assignments show it: what was sent, plus details for service principals.
json principal_of(const json& claims) {
  json p = {{"id", claims.value("oid", "")}, {"type", "ServicePrincipal"}, {"displayName", claims.value("appid", "")}};
  p["servicePrincipalDetails"] = {{"aadAppId", claims.value("appid", "")}};
  return p;
}

void list_workspaces(Exchange& ex) {
  auto claims = authorize(ex);
  if (!claims) return;
  std::set<std::string> roles;
  if (ex.req.has_param("roles")) {
    std::string text = ex.req.get_param_value("roles");
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t comma = text.find(',', start);
      std::string role = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!kRoles.count(role))
        return fabric_error(ex, 400, "InvalidParameter",
                            "roles: '" + role + "' is not a workspace role; expected Admin, Member, Contributor or Viewer");
      roles.insert(role);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  json out = json::array();
  ex.sim.read([&](const json& s) {
    for (const auto& ws : list(s, "workspaces"))
      if (roles.empty() || roles.count(caller_role(ws, *claims))) out.push_back(workspace_body(ex, ws, false));
    return 0;
  });
  fabric_list(ex, out, config(ex.sim).page_size);
}

std::optional<Failure> check_name(const json& body, bool required) {
  if (!body.contains("displayName")) {
    if (required) return Failure{400, "InvalidInput", "displayName: required, expected a string of 1 to 256 characters"};
  } else if (!body["displayName"].is_string() || body["displayName"].get<std::string>().empty() ||
             body["displayName"].get<std::string>().size() > 256) {
    return Failure{400, "InvalidInput", "displayName: expected a string of 1 to 256 characters"};
  }
  if (body.contains("description") &&
      (!body["description"].is_string() || body["description"].get<std::string>().size() > 4000))
    return Failure{400, "InvalidInput", "description: expected a string of at most 4000 characters"};
  return std::nullopt;
}

void create_workspace(Exchange& ex) {
  auto claims = authorize(ex);
  if (!claims) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidInput", "Expected a JSON object");
  if (auto f = check_name(*body, true)) return f->send(ex);
  std::string name = (*body)["displayName"];
  if (name == "Admin monitoring")
    return fabric_error(ex, 400, "InvalidInput", "displayName: 'Admin monitoring' is reserved");
  std::optional<Failure> failure;
  json ws = {{"id", new_uuid()}, {"displayName", name}, {"description", body->value("description", "")},
             {"type", "Workspace"}, {"capacityRegion", kDefaultRegion}};
  for (const char* k : {"capacityId", "domainId"})
    if (body->contains(k) && (*body)[k].is_string()) ws[k] = (*body)[k];
  // The creator becomes the workspace's Admin, as in the service.
  ws["roleAssignments"] = json::array({{{"id", claims->value("oid", "")}, {"principal", principal_of(*claims)},
                                        {"role", "Admin"}}});
  ex.sim.write([&](json& s) {
    json& all = list(s, "workspaces");
    if (find(all, "displayName", name)) {
      failure = Failure{409, "WorkspaceNameAlreadyExists", "A workspace named '" + name + "' already exists"};
      return;
    }
    all.push_back(ws);
  });
  if (failure) return failure->send(ex);
  ex.res.set_header("Location", ws_url(ex, ws["id"]));
  ex.reply(201, workspace_body(ex, ws, false));
}

void get_workspace(Exchange& ex) {
  if (!authorize(ex)) return;
  auto ws = workspace_or_404(ex, ex.arg(1));
  if (ws) ex.reply(200, workspace_body(ex, *ws, true));
}

void update_workspace(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidInput", "Expected a JSON object");
  if (auto f = check_name(*body, false)) return f->send(ex);
  std::string id = ex.arg(1);
  std::optional<Failure> failure;
  json updated = ex.sim.write([&](json& s) -> json {
    json* ws = find(list(s, "workspaces"), "id", id);
    if (!ws) {
      failure = workspace_not_found(id);
      return nullptr;
    }
    for (const char* k : {"displayName", "description"})
      if (body->contains(k)) (*ws)[k] = (*body)[k];
    return *ws;
  });
  if (failure) return failure->send(ex);
  ex.reply(200, workspace_body(ex, updated, false));
}

void delete_workspace(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string id = ex.arg(1);
  bool found = ex.sim.write([&](json& s) {
    json& all = list(s, "workspaces");
    auto before = all.size();
    all.erase(std::remove_if(all.begin(), all.end(), [&](const json& w) { return w.value("id", "") == id; }), all.end());
    if (all.size() == before) return false;
    json& items = list(s, "items");
    items.erase(std::remove_if(items.begin(), items.end(), [&](const json& i) { return i.value("workspaceId", "") == id; }),
                items.end());
    return true;
  });
  if (!found) return workspace_not_found(id).send(ex);
  ex.res.status = 200;
}

// ---- Role assignments ----------------------------------------------------------------------

json assignment_body(const json& a) {
  return {{"id", a.value("id", "")}, {"principal", a.value("principal", json::object())}, {"role", a.value("role", "")}};
}

void list_assignments(Exchange& ex) {
  if (!authorize(ex)) return;
  auto ws = workspace_or_404(ex, ex.arg(1));
  if (!ws) return;
  json out = json::array();
  if (ws->contains("roleAssignments"))
    for (const auto& a : (*ws)["roleAssignments"]) out.push_back(assignment_body(a));
  fabric_list(ex, out, config(ex.sim).page_size);
}

std::optional<Failure> check_role(const json& body) {
  if (!body.contains("role") || !body["role"].is_string() || !kRoles.count(body["role"].get<std::string>()))
    return Failure{400, "InvalidInput", "role: required, expected Admin, Member, Contributor or Viewer"};
  return std::nullopt;
}

void add_assignment(Exchange& ex) {
  auto claims = authorize(ex);
  if (!claims) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidInput", "Expected a JSON object");
  const json principal = body->value("principal", json());
  if (!principal.is_object() || !principal.contains("id") || !principal["id"].is_string() ||
      principal["id"].get<std::string>().empty())
    return fabric_error(ex, 400, "InvalidInput", "principal.id: required, expected the principal's Entra object id");
  if (!principal.contains("type") || !principal["type"].is_string() ||
      !kPrincipalTypes.count(principal["type"].get<std::string>()))
    return fabric_error(ex, 400, "InvalidInput",
                        "principal.type: required, expected User, ServicePrincipal, Group, ServicePrincipalProfile or "
                        "EntireTenant");
  if (auto f = check_role(*body)) return f->send(ex);
  std::string id = ex.arg(1), pid = principal["id"];
  std::string role = (*body)["role"];
  std::optional<Failure> failure;
  json stored = {{"id", pid}, {"principal", {{"id", pid}, {"type", principal["type"]}}}, {"role", role}};
  ex.sim.write([&](json& s) {
    json* ws = find(list(s, "workspaces"), "id", id);
    if (!ws) return void(failure = workspace_not_found(id));
    std::string mine = caller_role(*ws, *claims);
    if (mine != "Admin" && !(mine == "Member" && role != "Admin"))
      return void(failure = Failure{403, "InsufficientWorkspaceRole",
                                    "Adding a " + role + " needs the Admin role (Member for Member or lower)"});
    if (!ws->contains("roleAssignments")) (*ws)["roleAssignments"] = json::array();
    for (const auto& a : (*ws)["roleAssignments"])
      if (a.contains("principal") && a["principal"].value("id", "") == pid)
        return void(failure = Failure{409, "PrincipalAlreadyHasWorkspaceRolePermissions",
                                      "The principal '" + pid + "' already has the role " + a.value("role", "") +
                                          " in this workspace"});
    (*ws)["roleAssignments"].push_back(stored);
  });
  if (failure) return failure->send(ex);
  ex.res.set_header("Location", ws_url(ex, id) + "/roleAssignments/" + pid);
  ex.reply(201, assignment_body(stored));
}

Failure assignment_not_found(const std::string& id) {
  return {404, "EntityNotFound", "The role assignment '" + id + "' was not found in this workspace"};
}

// Runs `f` on the assignment (answers 404s); returns its body after `f`, or nullopt.
template <class F>
std::optional<json> with_assignment(Exchange& ex, F f) {
  std::string ws_id = ex.arg(1), id = ex.arg(2);
  std::optional<Failure> failure;
  json out = ex.sim.write([&](json& s) -> json {
    json* ws = find(list(s, "workspaces"), "id", ws_id);
    if (!ws) return failure = workspace_not_found(ws_id), nullptr;
    json& all = (*ws)["roleAssignments"];
    if (!all.is_array()) all = json::array();
    json* a = find(all, "id", id);
    if (!a) return failure = assignment_not_found(id), nullptr;
    json copy = *a;
    f(all, *a);
    return copy;
  });
  if (failure) {
    failure->send(ex);
    return std::nullopt;
  }
  return out;
}

void get_assignment(Exchange& ex) {
  if (!authorize(ex)) return;
  if (auto a = with_assignment(ex, [](json&, json&) {})) ex.reply(200, assignment_body(*a));
}

void update_assignment(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidInput", "Expected a JSON object");
  if (auto f = check_role(*body)) return f->send(ex);
  auto a = with_assignment(ex, [&](json&, json& found) { found["role"] = (*body)["role"]; });
  if (!a) return;
  (*a)["role"] = (*body)["role"];
  ex.reply(200, assignment_body(*a));
}

void delete_assignment(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string id = ex.arg(2);
  auto a = with_assignment(ex, [&](json& all, json&) {
    all.erase(std::remove_if(all.begin(), all.end(), [&](const json& x) { return x.value("id", "") == id; }), all.end());
  });
  if (a) ex.res.status = 200;
}

// ---- Workspace identity --------------------------------------------------------------------

void provision_identity(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string id = ex.arg(1);
  std::optional<Failure> failure;
  json identity = ex.sim.write([&](json& s) -> json {
    json* ws = find(list(s, "workspaces"), "id", id);
    if (!ws) return failure = workspace_not_found(id), nullptr;
    if (!ws->contains("workspaceIdentity"))
      (*ws)["workspaceIdentity"] = {{"applicationId", new_uuid()}, {"servicePrincipalId", new_uuid()}};
    return (*ws)["workspaceIdentity"];
  });
  if (failure) return failure->send(ex);
  fabric_accepted(ex, {identity, nullptr, -1});
}

void deprovision_identity(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string id = ex.arg(1);
  bool found = ex.sim.write([&](json& s) {
    json* ws = find(list(s, "workspaces"), "id", id);
    if (ws) ws->erase("workspaceIdentity");
    return ws != nullptr;
  });
  if (!found) return workspace_not_found(id).send(ex);
  fabric_accepted(ex, {nullptr, nullptr, -1});
}

}  // namespace

void register_fabric_workspaces(Sim& sim) {
  const std::string ws = "/fabric/v1/workspaces/([^/]+)";
  sim.route("GET", "/fabric/v1/workspaces/?", list_workspaces);
  sim.route("POST", "/fabric/v1/workspaces/?", create_workspace);
  sim.route("GET", ws, get_workspace);
  sim.route("PATCH", ws, update_workspace);
  sim.route("DELETE", ws, delete_workspace);
  sim.route("GET", ws + "/roleAssignments", list_assignments);
  sim.route("POST", ws + "/roleAssignments", add_assignment);
  sim.route("GET", ws + "/roleAssignments/([^/]+)", get_assignment);
  sim.route("PATCH", ws + "/roleAssignments/([^/]+)", update_assignment);
  sim.route("DELETE", ws + "/roleAssignments/([^/]+)", delete_assignment);
  sim.route("POST", ws + "/provisionIdentity", provision_identity);
  sim.route("POST", ws + "/deprovisionIdentity", deprovision_identity);
}

}  // namespace sim
