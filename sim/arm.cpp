// Azure Resource Manager under {base}/arm (management.azure.com): the router, the resource
// store, resource groups, and the state validator. The resource types are in sim/arm_*.cpp.
#include "sim/arm.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include "sim/services.hpp"

namespace sim::arm {
namespace {

const std::vector<std::string> kGroupVersions = {"2019-10-01", "2020-06-01", "2021-04-01",
                                                 "2022-09-01", "2023-07-01", "2024-03-01"};

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}

// Splits an id into its segments.
std::vector<std::string> segments(std::string_view id) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < id.size()) {
    std::size_t slash = id.find('/', start);
    if (slash == std::string_view::npos) slash = id.size();
    if (slash > start) out.emplace_back(id.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

std::string group_id(const Call& c) { return "/subscriptions/" + c.arg(1) + "/resourceGroups/" + c.arg(2); }

void get_group(Call& c) {
  auto g = get(c.ex.sim, group_id(c));
  if (!g) return arm_error(c.ex, 404, "ResourceGroupNotFound", "Resource group '" + c.arg(2) + "' could not be found.");
  c.ex.reply(200, *g);
}

void put_group(Call& c) {
  auto body = json_body(c.ex);
  if (!body) return;
  if (!body->is_object() || !(*body).contains("location") || !(*body)["location"].is_string())
    return arm_error(c.ex, 400, "LocationRequired", "The location property is required for this definition.");
  std::string id = group_id(c);
  auto [created, key] = c.ex.sim.write([&](json& s) {
    auto k = find_key(s, id);
    json& res = resources(s);
    json& g = res[k.value_or(id)];
    g = {{"location", (*body)["location"]},
         {"tags", body->value("tags", json::object())},
         {"properties", {{"provisioningState", "Succeeded"}}}};
    return std::pair{!k.has_value(), k.value_or(id)};
  });
  c.ex.reply(created ? 201 : 200, *get(c.ex.sim, key));
}

void patch_group(Call& c) {
  auto body = json_body(c.ex);
  if (!body) return;
  std::string id = group_id(c);
  bool found = c.ex.sim.write([&](json& s) {
    auto k = find_key(s, id);
    if (!k) return false;
    if (body->contains("tags")) resources(s)[*k]["tags"] = (*body)["tags"];
    return true;
  });
  if (!found) return arm_error(c.ex, 404, "ResourceGroupNotFound", "Resource group '" + c.arg(2) + "' could not be found.");
  c.ex.reply(200, *get(c.ex.sim, id));
}

// Deleting a group deletes what is in it; ARM answers 202 with only a Location to poll.
void delete_group(Call& c) {
  std::string id = group_id(c);
  bool found = c.ex.sim.write([&](json& s) {
    auto k = find_key(s, id);
    if (!k) return false;
    json& res = resources(s);
    std::string prefix = lower(*k) + "/";
    for (auto it = res.begin(); it != res.end();) {
      if (lower(it.key()) == lower(*k) || lower(it.key()).rfind(prefix, 0) == 0) it = res.erase(it);
      else ++it;
    }
    return true;
  });
  if (!found) return arm_error(c.ex, 404, "ResourceGroupNotFound", "Resource group '" + c.arg(2) + "' could not be found.");
  arm_accepted(c.ex, Operation{}, 202);
  c.ex.res.headers.erase("Azure-AsyncOperation");
}

void list_groups(Call& c) {
  std::string sub = c.arg(1);
  json items = c.ex.sim.read([&](const json& s) {
    json out = json::array();
    for (auto& [key, stored] : all_of_type(s, "Microsoft.Resources/resourceGroups"))
      if (same_id(segments(key)[1], sub)) out.push_back(present(key, stored));
    return out;
  });
  nextlink_list(c.ex, items, page_size(c.ex.sim));
}

void validate(const json& state) {
  if (!state.contains("arm")) return;
  const json& a = state["arm"];
  shape::object(a, "arm");
  shape::keys(a, "arm", {"resources"});
  if (!a.contains("resources")) return;
  shape::object(a["resources"], "arm.resources");
  for (auto it = a["resources"].begin(); it != a["resources"].end(); ++it) {
    std::string where = "arm.resources[\"" + it.key() + "\"]";
    if (lower(it.key()).rfind("/subscriptions/", 0) != 0)
      throw std::invalid_argument(where + ": expected a resource id starting with /subscriptions/");
    shape::object(it.value(), where);
    if (it.value().contains("properties")) shape::object(it.value()["properties"], where + ".properties");
  }
  validate_authorization(a["resources"]);
}

}  // namespace

// ---- the router -------------------------------------------------------------------------

void Router::add(std::string method, const std::string& pattern, std::string type, std::vector<std::string> versions,
                 Handler handler) {
  routes_.push_back(Route{std::move(method), std::regex(pattern, std::regex::ECMAScript | std::regex::icase),
                          std::move(type), std::move(versions), std::move(handler)});
}

void Router::dispatch(Exchange& ex) const {
  auto claims = ex.sim.check_bearer(ex, {arm_audience, arm_audience_classic});
  if (!claims) return;
  std::string path = ex.req.path.substr(4);  // without "/arm"
  const Route* chosen = nullptr;
  bool path_known = false;
  std::smatch m;
  for (const auto& r : routes_) {
    std::smatch mm;
    if (!std::regex_match(path, mm, r.pattern)) continue;
    path_known = true;
    if (r.method == ex.req.method || (ex.req.method == "HEAD" && r.method == "GET" && !chosen)) {
      chosen = &r;
      m = std::move(mm);
      if (r.method == ex.req.method) break;
    }
  }
  if (!chosen) {
    if (path_known)
      return arm_error(ex, 405, "MethodNotAllowed", "The requested resource does not support http method '" + ex.req.method + "'.");
    return send_error(ex, 404, "NotFound", "tarn-sim has no route for " + ex.req.method + " " + ex.req.path);
  }
  if (!ex.req.has_param("api-version"))
    return arm_error(ex, 400, "MissingApiVersionParameter",
                     "The api-version query parameter (?api-version=) is required for all requests.");
  std::string version = ex.req.get_param_value("api-version");
  if (std::find(chosen->versions.begin(), chosen->versions.end(), version) == chosen->versions.end())
    return arm_error(ex, 400, "NoRegisteredProviderFound",
                     "No registered resource provider found for API version '" + version + "' and type '" +
                         chosen->type + "'. The supported api-versions are '" + join(chosen->versions, ", ") + "'.");
  Call call{ex, std::move(m), path, std::move(*claims)};
  chosen->handler(call);
}

// ---- the store --------------------------------------------------------------------------

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool is_guid(std::string_view t) {
  if (t.size() != 36) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? t[i] != '-' : !std::isxdigit(static_cast<unsigned char>(t[i]))) return false;
  }
  return true;
}

bool same_id(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a.back() == '/') a.remove_suffix(1);
  while (b.size() > 1 && b.back() == '/') b.remove_suffix(1);
  return lower(std::string(a)) == lower(std::string(b));
}

std::optional<std::string> find_key(const json& state, const std::string& id) {
  if (!state.contains("arm") || !state["arm"].contains("resources")) return std::nullopt;
  for (auto it = state["arm"]["resources"].begin(); it != state["arm"]["resources"].end(); ++it)
    if (same_id(it.key(), id)) return it.key();
  return std::nullopt;
}

json& resources(json& state) {
  if (!state.contains("arm") || !state["arm"].is_object()) state["arm"] = json::object();
  if (!state["arm"].contains("resources") || !state["arm"]["resources"].is_object())
    state["arm"]["resources"] = json::object();
  return state["arm"]["resources"];
}

std::string type_of(std::string_view id) {
  auto seg = segments(id);
  std::size_t p = 0;
  for (std::size_t i = seg.size(); i-- > 0;)
    if (lower(seg[i]) == "providers") {
      p = i + 1;
      break;
    }
  if (p == 0) return seg.size() == 4 ? "Microsoft.Resources/resourceGroups" : "Microsoft.Resources/subscriptions";
  std::string type = p < seg.size() ? seg[p] : "";
  for (std::size_t i = p + 1; i < seg.size(); i += 2) type += "/" + seg[i];
  return type;
}

std::string name_of(std::string_view id) {
  auto seg = segments(id);
  return seg.empty() ? std::string() : seg.back();
}

json present(const std::string& key, const json& stored) {
  json out = json::object();
  out["id"] = key;
  out["name"] = name_of(key);
  out["type"] = type_of(key);
  for (auto it = stored.begin(); it != stored.end(); ++it)
    if (it.key().empty() || it.key()[0] != '_') out[it.key()] = it.value();
  return out;
}

std::optional<json> get(const Sim& sim, const std::string& id) {
  return sim.read([&](const json& s) -> std::optional<json> {
    auto k = find_key(s, id);
    if (!k) return std::nullopt;
    return present(*k, s["arm"]["resources"][*k]);
  });
}

std::vector<std::pair<std::string, json>> all_of_type(const json& state, std::string_view type) {
  std::vector<std::pair<std::string, json>> out;
  if (!state.contains("arm") || !state["arm"].contains("resources")) return out;
  std::string want = lower(std::string(type));
  for (auto it = state["arm"]["resources"].begin(); it != state["arm"]["resources"].end(); ++it)
    if (lower(type_of(it.key())) == want) out.emplace_back(it.key(), it.value());
  return out;
}

void not_found(Exchange& ex, const std::string& id) {
  auto seg = segments(id);
  std::string group = seg.size() > 3 ? seg[3] : "";
  std::string type = type_of(id);
  ex.res.set_header("x-ms-failure-cause", "gateway");
  arm_error(ex, 404, "ResourceNotFound",
            "The Resource '" + type + "/" + name_of(id) + "' under resource group '" + group +
                "' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
}

void parent_not_found(Exchange& ex, const std::string& parent) {
  arm_error(ex, 404, "ParentResourceNotFound",
            "Can not perform requested operation on nested resource. Parent resource '" + name_of(parent) +
                "' not found.");
}

void add_resource_groups(Router& r) {
  std::string group = std::string(subscription_re) + group_re;
  const std::string type = "Microsoft.Resources/resourceGroups";
  r.add("GET", group + "/?", type, kGroupVersions, get_group);
  r.add("PUT", group + "/?", type, kGroupVersions, put_group);
  r.add("PATCH", group + "/?", type, kGroupVersions, patch_group);
  r.add("DELETE", group + "/?", type, kGroupVersions, delete_group);
  r.add("GET", std::string(subscription_re) + "/resourcegroups/?", type, kGroupVersions, list_groups);
}

}  // namespace sim::arm

namespace sim {

void register_arm(Sim& sim) {
  auto r = std::make_shared<arm::Router>();
  arm::add_resource_groups(*r);
  arm::add_authorization(*r);
  arm::add_storage(*r);
  arm::add_postgres(*r);
  arm::add_keyvault(*r);
  sim.add_validator(arm::validate);
  // One route per method sends every /arm/subscriptions/... request to the ARM router.
  for (const char* method : {"GET", "PUT", "PATCH", "DELETE", "POST"})
    sim.route(method, "/arm/[Ss][Uu][Bb][Ss][Cc][Rr][Ii][Pp][Tt][Ii][Oo][Nn][Ss]/.*",
              [r](Exchange& ex) { r->dispatch(ex); });
}

}  // namespace sim
