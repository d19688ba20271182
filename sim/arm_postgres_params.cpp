// Server parameters of a PostgreSQL flexible server (flexibleServers/configurations): GET,
// PUT (a long-running operation) and the list. A small catalog gives each parameter its
// default, type, allowed values and whether it is dynamic; a static parameter set to another
// value reports isConfigPendingRestart until POST restart. Values set or seeded are stored as
// resources at {server}/configurations/{name}; a seeded name outside the catalog is a string.
#include "sim/arm.hpp"

namespace sim::arm {
namespace {

const std::string kType = "Microsoft.DBforPostgreSQL/flexibleServers/configurations";

struct Param {
  const char* name;
  const char* default_value;
  const char* data_type;  // Integer, Boolean, Enumeration, String
  const char* allowed;    // "lo-hi", "a,b", or ""
  bool dynamic;
  const char* unit;
  const char* description;
  const char* doc;  // the PostgreSQL manual page
};

// Defaults and kinds as Azure documents them for PostgreSQL 16; the Fabric ones from
// concepts-fabric-mirroring.md (../shared/reference/pg_databricks.md §1.2). Azure does not
// say whether azure.fabric_mirror_enabled and azure.mirror_databases are static; the
// simulator makes them dynamic (a client should read isDynamicConfig rather than assume).
const Param kParams[] = {
    {"wal_level", "replica", "Enumeration", "replica,logical", false, "",
     "Sets the level of information written to the WAL.", "runtime-config-wal.html"},
    {"max_worker_processes", "8", "Integer", "8-262143", false, "",
     "Sets the maximum number of background processes that the system can support.", "runtime-config-resource.html"},
    {"max_replication_slots", "10", "Integer", "2-262143", false, "",
     "Specifies the maximum number of replication slots that the server can support.", "runtime-config-replication.html"},
    {"max_wal_senders", "10", "Integer", "5-100", false, "",
     "Sets the maximum number of simultaneously running WAL sender processes.", "runtime-config-replication.html"},
    {"max_parallel_workers", "8", "Integer", "0-1024", true, "",
     "Sets the maximum number of parallel workers that can be active at one time.", "runtime-config-resource.html"},
    {"work_mem", "4096", "Integer", "64-2097151", true, "KB",
     "Sets the amount of memory to be used by internal sort operations and hash tables.", "runtime-config-resource.html"},
    {"require_secure_transport", "on", "Boolean", "on,off", true, "",
     "Whether client connections to the server are required to use some form of secure transport.", ""},
    {"azure.fabric_mirror_enabled", "off", "Boolean", "on,off", true, "",
     "Specifies the flag indicating whether mirroring is enabled on server.", ""},
    {"azure.mirror_databases", "", "String", "", true, "", "List of databases enabled for mirroring.", ""},
};

const Param* find_param(const std::string& name) {
  for (const auto& p : kParams)
    if (lower(p.name) == lower(name)) return &p;
  return nullptr;
}

// Why value is not allowed for p, or "".
std::string check_value(const Param& p, const std::string& value) {
  std::string type = p.data_type, allowed = p.allowed;
  if (type == "Integer") {
    if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) return "an integer";
    auto dash = allowed.find('-');
    if (dash != std::string::npos && value.size() < 12) {
      long long v = std::stoll(value), lo = std::stoll(allowed.substr(0, dash)), hi = std::stoll(allowed.substr(dash + 1));
      if (v < lo || v > hi) return "an integer from " + allowed.substr(0, dash) + " to " + allowed.substr(dash + 1);
    }
    return "";
  }
  if (type == "Boolean" || type == "Enumeration") {
    std::string v = lower(value);
    std::string list = type == "Boolean" ? "on,off,true,false" : lower(allowed);
    std::size_t start = 0;
    while (start <= list.size()) {
      std::size_t comma = list.find(',', start);
      if (list.substr(start, comma == std::string::npos ? std::string::npos : comma - start) == v) return "";
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return "one of " + allowed;
  }
  return "";
}

json show(const std::string& server_key, const std::string& name, const json* stored) {
  const Param* p = find_param(name);
  std::string canonical = p ? p->name : name;
  json sp = stored ? stored->value("properties", json::object()) : json::object();
  std::string value = sp.value("value", p ? p->default_value : "");
  bool pending = stored && stored->contains("_effective") && (*stored)["_effective"] != value;
  json props = {{"value", value},
                {"description", p ? p->description : ""},
                {"defaultValue", p ? p->default_value : ""},
                {"dataType", p ? p->data_type : "String"},
                {"allowedValues", p ? p->allowed : ""},
                {"source", stored ? sp.value("source", "user-override") : "system-default"},
                {"isDynamicConfig", p ? p->dynamic : true},
                {"isReadOnly", false},
                {"isConfigPendingRestart", pending}};
  if (p && *p->unit) props["unit"] = p->unit;
  if (p && *p->doc) props["documentationLink"] = std::string("https://www.postgresql.org/docs/16/") + p->doc;
  std::string id = server_key + "/configurations/" + canonical;
  return {{"id", id}, {"name", canonical}, {"type", kType}, {"properties", props}};
}

struct Found {
  std::string server;          // the server's store key
  std::optional<json> stored;  // the parameter's stored resource
};

// The server's key and the parameter's stored resource; nullopt when the server is missing.
std::optional<Found> lookup(const json& s, const Call& c, const std::string& name) {
  auto k = server_key(s, server_id(c));
  if (!k) return std::nullopt;
  Found f{*k, std::nullopt};
  if (auto pk = find_key(s, *k + "/configurations/" + name)) f.stored = s["arm"]["resources"][*pk];
  return f;
}

void get_param(Call& c) {
  std::string name = c.arg(4);
  auto f = c.ex.sim.read([&](const json& s) { return lookup(s, c, name); });
  if (!f) return parent_not_found(c.ex, server_id(c));
  if (!f->stored && !find_param(name)) return not_found(c.ex, server_id(c) + "/configurations/" + name);
  c.ex.reply(200, show(f->server, name, f->stored ? &*f->stored : nullptr));
}

void put_param(Call& c) {
  std::string name = c.arg(4);
  auto body = json_body(c.ex);
  if (!body) return;
  json props = body->is_object() ? body->value("properties", json::object()) : json::object();
  if (!props.value("value", json()).is_string())
    return arm_error(c.ex, 400, "InvalidParameterValue", "properties.value is required for parameter " + name + " (a string).");
  std::string value = props["value"];
  const Param* p = find_param(name);
  if (p)
    if (std::string want = check_value(*p, value); !want.empty())
      return arm_error(c.ex, 400, "InvalidParameterValue",
                       "Invalid value given for parameter " + std::string(p->name) + ". Specify a valid parameter value (" +
                           want + ").");
  std::optional<json> shown = c.ex.sim.write([&](json& s) -> std::optional<json> {
    auto f = lookup(s, c, name);
    if (!f) return std::nullopt;
    if (!f->stored && !p) return json();  // unknown parameter
    std::string key = find_key(s, f->server + "/configurations/" + name)
                          .value_or(f->server + "/configurations/" + (p ? p->name : name));
    json& stored = resources(s)[key];
    std::string before = show(f->server, name, f->stored ? &*f->stored : nullptr)["properties"]["value"];
    if (!stored.is_object()) stored = json::object();
    // A static parameter keeps the value in effect until the next restart.
    if (p && !p->dynamic && !stored.contains("_effective")) stored["_effective"] = before;
    if (stored.contains("_effective") && stored["_effective"] == value) stored.erase("_effective");
    stored["properties"] = {{"value", value}, {"source", props.value("source", "user-override")}};
    return show(f->server, name, &stored);
  });
  if (!shown) return parent_not_found(c.ex, server_id(c));
  if (shown->is_null()) return not_found(c.ex, server_id(c) + "/configurations/" + name);
  arm_accepted(c.ex, Operation{*shown}, 202);
}

void list_params(Call& c) {
  auto items = c.ex.sim.read([&](const json& s) -> std::optional<json> {
    auto k = server_key(s, server_id(c));
    if (!k) return std::nullopt;
    json out = json::array();
    std::string prefix = lower(*k + "/configurations/");
    for (const auto& p : kParams) {
      auto pk = find_key(s, *k + "/configurations/" + p.name);
      out.push_back(show(*k, p.name, pk ? &s["arm"]["resources"][*pk] : nullptr));
    }
    for (auto& [key, v] : all_of_type(s, kType))
      if (lower(key).rfind(prefix, 0) == 0 && !find_param(name_of(key))) out.push_back(show(*k, name_of(key), &v));
    return out;
  });
  if (!items) return parent_not_found(c.ex, server_id(c));
  nextlink_list(c.ex, *items, page_size(c.ex.sim));
}

}  // namespace

void apply_restart(json& state, const std::string& key) {
  std::string prefix = lower(key + "/configurations/");
  for (auto it = resources(state).begin(); it != resources(state).end(); ++it)
    if (lower(it.key()).rfind(prefix, 0) == 0) it.value().erase("_effective");
}

void add_postgres_parameters(Router& r, const std::string& server) {
  r.add("GET", server + "/configurations/([^/]+)/?", kType, postgres_versions, get_param);
  r.add("PUT", server + "/configurations/([^/]+)/?", kType, postgres_versions, put_param);
  r.add("GET", server + "/configurations/?", kType, postgres_versions, list_params);
}

}  // namespace sim::arm
