#pragma once
// tarn-sim's Azure Resource Manager, shared by sim/arm*.cpp: one router for
// {base}/arm/subscriptions/... (ARM compares paths without case, std::regex routes do not),
// the bearer and api-version checks every route gets, and the resource store.
//
// The store is the state's arm.resources: resource JSON by resource id (ids compared without
// case). A stored resource holds what ARM returns except id, name and type, which come from
// its key; members whose names start with '_' are the simulator's own and never shown.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/families.hpp"

namespace sim::arm {

// One routed ARM request.
struct Call {
  Exchange& ex;
  std::smatch m;     // the route's captures over path
  std::string path;  // the decoded path without the /arm prefix: "/subscriptions/..."
  json claims;       // the bearer token's claims (oid, tid, ...)
  std::string arg(std::size_t i) const { return m[static_cast<int>(i)].str(); }
  std::string api_version() const { return ex.req.get_param_value("api-version"); }
};

using Handler = std::function<void(Call&)>;

class Router {
 public:
  // pattern: an ECMAScript regex matched case-insensitively against the whole path (without
  // /arm); type: the resource type named in api-version errors; versions: those accepted.
  void add(std::string method, const std::string& pattern, std::string type, std::vector<std::string> versions,
           Handler handler);
  void dispatch(Exchange& ex) const;

 private:
  struct Route {
    std::string method;
    std::regex pattern;
    std::string type;
    std::vector<std::string> versions;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// The resource types (sim/arm_*.cpp; resource groups in arm.cpp).
void add_resource_groups(Router& r);
void add_authorization(Router& r);
void add_storage(Router& r);
void add_postgres(Router& r);
void add_keyvault(Router& r);
void add_postgres_parameters(Router& r, const std::string& server_pattern);  // arm_postgres_params.cpp
void validate_authorization(const json& resources);  // role assignments in a seed

// PostgreSQL flexible servers: the api-versions accepted; the id of the server a route's
// captures 1-3 name; the store key of a server; a restart's effect on its parameters.
inline const std::vector<std::string> postgres_versions = {"2022-12-01", "2023-06-01-preview", "2023-12-01-preview",
                                                           "2024-08-01", "2025-08-01"};
std::string server_id(const Call& c);
std::optional<std::string> server_key(const json& state, const std::string& id);
void apply_restart(json& state, const std::string& server_key);

// ---- the store (call inside Sim::read / Sim::write) --------------------------------------

inline constexpr const char* subscription_re = "/subscriptions/([^/]+)";
inline constexpr const char* group_re = "/resourcegroups/([^/]+)";
inline constexpr const char* name_re = "([^/]+)";

std::string lower(std::string s);
bool is_guid(std::string_view text);  // 8-4-4-4-12 hexadecimal
bool same_id(std::string_view a, std::string_view b);  // without case, trailing '/' ignored
// The key under which id is stored, or nullopt.
std::optional<std::string> find_key(const json& state, const std::string& id);
json& resources(json& state);  // arm.resources, made when missing
// "Microsoft.Storage/storageAccounts" for .../providers/Microsoft.Storage/storageAccounts/x,
// "Microsoft.Resources/resourceGroups" for a group.
std::string type_of(std::string_view id);
std::string name_of(std::string_view id);
// The resource as ARM shows it: id, name and type from key; '_' members dropped.
json present(const std::string& key, const json& stored);
// The stored resource at id shown, or nullopt.
std::optional<json> get(const Sim& sim, const std::string& id);
// Every stored resource whose type is `type` (without case), as {key, stored} pairs.
std::vector<std::pair<std::string, json>> all_of_type(const json& state, std::string_view type);

// 404 ResourceNotFound naming the resource and its group, as ARM words it.
void not_found(Exchange& ex, const std::string& id);
// 404 ParentResourceNotFound for a child of a missing resource.
void parent_not_found(Exchange& ex, const std::string& parent);

}  // namespace sim::arm
