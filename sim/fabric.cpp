// Microsoft Fabric REST API under {base}/fabric/v1 (api.fabric.microsoft.com/v1): what the
// route files share (sim/fabric.hpp) and the validator of the state's "fabric" key. The routes
// are in fabric_workspaces.cpp, fabric_items.cpp, fabric_mirroring.cpp, fabric_databricks.cpp,
// fabric_connections.cpp, fabric_pipelines.cpp, fabric_git.cpp and fabric_shortcuts.cpp.
#include "sim/fabric.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <set>

#include "sim/services.hpp"

namespace sim::fabric {
namespace {

const json& empty_array() {
  static const json a = json::array();
  return a;
}

const json& empty_object() {
  static const json o = json::object();
  return o;
}

std::int64_t int_setting(const Sim& sim, const char* name, std::int64_t fallback) {
  json v = sim.setting(std::string("/fabric/config/") + name, fallback);
  return v.is_number_integer() ? v.get<std::int64_t>() : fallback;
}

constexpr const char* kPlatformSchema =
    "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/platformProperties/2.0.0/schema.json";

}  // namespace

Config config(const Sim& sim) {
  Config c;
  c.page_size = static_cast<std::size_t>(int_setting(sim, "page_size", static_cast<std::int64_t>(page_size(sim))));
  c.provision_delay_ms = int_setting(sim, "provision_delay_ms", c.provision_delay_ms);
  c.start_delay_ms = int_setting(sim, "start_delay_ms", c.start_delay_ms);
  c.stop_delay_ms = int_setting(sim, "stop_delay_ms", c.stop_delay_ms);
  c.table_progress_ms = int_setting(sim, "table_progress_ms", c.table_progress_ms);
  return c;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string time_text(std::int64_t ms) {
  return iso_time(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

std::optional<json> authorize(Exchange& ex) { return ex.sim.check_bearer(ex, fabric_audience); }

const json& list(const json& state, const char* key) {
  if (!state.contains("fabric") || !state["fabric"].is_object()) return empty_array();
  const json& f = state["fabric"];
  return f.contains(key) && f[key].is_array() ? f[key] : empty_array();
}

json& list(json& state, const char* key) {
  if (!state.contains("fabric") || !state["fabric"].is_object()) state["fabric"] = json::object();
  json& f = state["fabric"];
  if (!f.contains(key) || !f[key].is_array()) f[key] = json::array();
  return f[key];
}

const json& object(const json& state, const char* key) {
  if (!state.contains("fabric") || !state["fabric"].is_object()) return empty_object();
  const json& f = state["fabric"];
  return f.contains(key) && f[key].is_object() ? f[key] : empty_object();
}

json& object(json& state, const char* key) {
  if (!state.contains("fabric") || !state["fabric"].is_object()) state["fabric"] = json::object();
  json& f = state["fabric"];
  if (!f.contains(key) || !f[key].is_object()) f[key] = json::object();
  return f[key];
}

const json* find(const json& array, std::string_view key, std::string_view value) {
  if (!array.is_array()) return nullptr;
  for (const auto& e : array) {
    auto it = e.find(key);
    if (it != e.end() && it->is_string() && it->get_ref<const std::string&>() == value) return &e;
  }
  return nullptr;
}

json* find(json& array, std::string_view key, std::string_view value) {
  return const_cast<json*>(find(static_cast<const json&>(array), key, value));
}

const json* find_item(const json& state, std::string_view workspace, std::string_view id) {
  const json* item = find(list(state, "items"), "id", id);
  return item && item->value("workspaceId", "") == workspace ? item : nullptr;
}

json* find_item(json& state, std::string_view workspace, std::string_view id) {
  return const_cast<json*>(find_item(static_cast<const json&>(state), workspace, id));
}

Failure workspace_not_found(std::string_view id) {
  return {404, "WorkspaceNotFound", "The requested workspace '" + std::string(id) + "' was not found"};
}

Failure item_not_found(std::string_view id) {
  return {404, "ItemNotFound", "The requested item '" + std::string(id) + "' was not found"};
}

std::optional<json> workspace_or_404(Exchange& ex, const std::string& id) {
  auto ws = ex.sim.read([&](const json& s) -> std::optional<json> {
    const json* w = find(list(s, "workspaces"), "id", id);
    return w ? std::optional<json>(*w) : std::nullopt;
  });
  if (!ws) workspace_not_found(id).send(ex);
  return ws;
}

std::optional<json> item_or_404(Exchange& ex, const std::string& workspace, const std::string& id,
                                std::string_view type) {
  std::optional<Failure> failure;
  auto item = ex.sim.read([&](const json& s) -> std::optional<json> {
    if (!find(list(s, "workspaces"), "id", workspace)) {
      failure = workspace_not_found(workspace);
      return std::nullopt;
    }
    const json* i = find_item(s, workspace, id);
    if (!i || (!type.empty() && i->value("type", "") != type)) {
      failure = item_not_found(id);
      return std::nullopt;
    }
    return *i;
  });
  if (failure) failure->send(ex);
  return item;
}

json workspace_body(const Exchange& ex, const json& ws, bool info) {
  json b = {{"id", ws["id"]}, {"displayName", ws.value("displayName", "")},
            {"description", ws.value("description", "")}, {"type", ws.value("type", "Workspace")}};
  for (const char* k : {"capacityId", "domainId", "capacityRegion", "tags"})
    if (ws.contains(k)) b[k] = ws[k];
  if (info) {
    if (ws.contains("capacityId")) b["capacityAssignmentProgress"] = ws.value("capacityAssignmentProgress", "Completed");
    if (ws.contains("workspaceIdentity")) b["workspaceIdentity"] = ws["workspaceIdentity"];
    b["oneLakeEndpoints"] = {{"blobEndpoint", "https://onelake.blob.fabric.microsoft.com"},
                             {"dfsEndpoint", "https://onelake.dfs.fabric.microsoft.com"}};
  }
  // Workspace-specific endpoints lead back to this simulator, so a client that follows them
  // stays on loopback.
  if (ex.req.get_param_value("preferWorkspaceSpecificEndpoints") == "true") b["apiEndpoint"] = ex.base_url() + "/fabric";
  return b;
}

json item_body(const json& item, bool with_identity) {
  json b = {{"id", item["id"]}, {"type", item["type"]}, {"displayName", item.value("displayName", "")},
            {"description", item.value("description", "")}, {"workspaceId", item["workspaceId"]}};
  for (const char* k : {"folderId", "tags", "sensitivityLabel"})
    if (item.contains(k)) b[k] = item[k];
  if (with_identity && item.contains("defaultIdentity")) b["defaultIdentity"] = item["defaultIdentity"];
  return b;
}

std::string caller_role(const json& ws, const json& claims) {
  const json& assignments = ws.contains("roleAssignments") ? ws["roleAssignments"] : empty_array();
  if (assignments.empty()) return "Admin";
  std::string oid = claims.value("oid", "");
  for (const auto& a : assignments)
    if (a.contains("principal") && a["principal"].value("id", "") == oid) return a.value("role", "");
  return "";
}

// ---- Definitions ---------------------------------------------------------------------------

std::string b64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(std::max(n, 0)));
  return out;
}

std::optional<std::string> b64_decode(std::string_view text) {
  std::string padded(text);
  std::size_t pad = 0;
  while (!padded.empty() && padded.back() == '=' && pad < 2) {
    padded.pop_back();
    ++pad;
  }
  for (char c : padded)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) return std::nullopt;
  if (padded.size() % 4 == 1) return std::nullopt;
  pad = (4 - padded.size() % 4) % 4;
  padded.append(pad, '=');
  std::string out(padded.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(padded.data()), static_cast<int>(padded.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::optional<Failure> check_definition_shape(const json& definition) {
  auto bad = [](std::string message) { return Failure{400, "InvalidDefinition", std::move(message)}; };
  if (!definition.is_object()) return bad("definition: expected an object with 'parts'");
  if (definition.contains("format") && !definition["format"].is_string() && !definition["format"].is_null())
    return bad("definition.format: expected a string");
  if (!definition.contains("parts") || !definition["parts"].is_array())
    return bad("definition.parts: required, expected an array of {path, payload, payloadType}");
  std::set<std::string> paths;
  for (std::size_t i = 0; i < definition["parts"].size(); ++i) {
    const json& p = definition["parts"][i];
    std::string where = "definition.parts[" + std::to_string(i) + "]";
    if (!p.is_object()) return bad(where + ": expected an object");
    for (const char* k : {"path", "payload", "payloadType"})
      if (!p.contains(k) || !p[k].is_string())
        return bad(where + "." + k + ": required, expected a string");
    if (p["payloadType"] != "InlineBase64")
      return bad(where + ".payloadType: '" + p["payloadType"].get<std::string>() + "' is not supported; expected InlineBase64");
    if (!paths.insert(p["path"].get<std::string>()).second)
      return bad(where + ".path: '" + p["path"].get<std::string>() + "' appears more than once");
    if (!b64_decode(p["payload"].get<std::string>()))
      return Failure{400, "CorruptedPayload", where + ".payload: not valid base64"};
  }
  return std::nullopt;
}

PartJson part_json(const json& definition, std::string_view path) {
  PartJson r;
  if (!definition.is_object() || !definition.contains("parts")) return r;
  const json* part = find(definition["parts"], "path", path);
  if (!part) return r;
  auto text = b64_decode(part->value("payload", ""));
  json parsed = text ? json::parse(*text, nullptr, false) : json(json::value_t::discarded);
  if (parsed.is_discarded() || !parsed.is_object())
    r.failure = Failure{400, "CorruptedPayload", "The payload of part '" + std::string(path) + "' is not a JSON object"};
  else
    r.value = std::move(parsed);
  return r;
}

json content_parts(const json& definition) {
  json parts = json::array();
  if (definition.is_object() && definition.contains("parts"))
    for (const auto& p : definition["parts"])
      if (p.value("path", "") != ".platform") parts.push_back(p);
  return parts;
}

json definition_with_platform(const json& item) {
  json def = item.contains("definition") && item["definition"].is_object() ? item["definition"] : json::object();
  json parts = content_parts(def);
  json metadata = {{"type", item["type"]}, {"displayName", item.value("displayName", "")}};
  if (!item.value("description", "").empty()) metadata["description"] = item["description"];
  std::string logical = item.value("logicalId", uuid_from("tarn-sim logical " + item.value("id", "")));
  json platform = {{"$schema", kPlatformSchema},
                   {"metadata", metadata},
                   {"config", {{"version", "2.0"}, {"logicalId", logical}}}};
  parts.push_back({{"path", ".platform"}, {"payload", b64_encode(platform.dump(2))}, {"payloadType", "InlineBase64"}});
  json out = {{"parts", parts}};
  if (def.contains("format") && def["format"].is_string()) out["format"] = def["format"];
  return out;
}

std::optional<json> platform_metadata(const json& definition) {
  PartJson p = part_json(definition, ".platform");
  if (!p.value || !p.value->contains("metadata") || !(*p.value)["metadata"].is_object()) return std::nullopt;
  json out = json::object();
  for (const char* k : {"displayName", "description"})
    if ((*p.value)["metadata"].contains(k) && (*p.value)["metadata"][k].is_string()) out[k] = (*p.value)["metadata"][k];
  return out;
}

std::optional<Failure> check_type_definition(const std::string& type, const json& item, const json& definition,
                                             const Config& cfg, std::int64_t now) {
  if (type == "MirroredDatabase") return check_mirroring_definition(item, definition, cfg, now);
  if (type == "MirroredAzureDatabricksCatalog") return check_databricks_definition(definition);
  return std::nullopt;
}

void init_type_state(json& item, const Config& cfg, std::int64_t now) {
  std::string type = item.value("type", "");
  if (type == "MirroredDatabase") init_mirroring_state(item, cfg, now);
  else if (type == "MirroredAzureDatabricksCatalog") init_databricks_state(item, now);
}

bool known_item_type(std::string_view type) {
  static const std::set<std::string, std::less<>> types = {
      "Dashboard", "Report", "SemanticModel", "PaginatedReport", "Datamart", "Lakehouse", "Eventhouse",
      "Environment", "KQLDatabase", "KQLQueryset", "KQLDashboard", "DataPipeline", "Notebook",
      "SparkJobDefinition", "MLExperiment", "MLModel", "Warehouse", "Eventstream", "SQLEndpoint",
      "MirroredWarehouse", "MirroredDatabase", "Reflex", "GraphQLApi", "MountedDataFactory", "SQLDatabase",
      "CopyJob", "VariableLibrary", "Dataflow", "ApacheAirflowJob", "WarehouseSnapshot", "DigitalTwinBuilder",
      "DigitalTwinBuilderFlow", "MirroredAzureDatabricksCatalog", "Map", "AnomalyDetector", "UserDataFunction",
      "GraphModel", "GraphQuerySet", "SnowflakeDatabase", "OperationsAgent", "CosmosDBDatabase", "Ontology",
      "EventSchemaSet", "DataAgent", "MirroredCatalog", "AppBackend", "OrgApp", "OrgAppAudience",
      "DataBuildToolJob", "AzureDatabricksStorage", "Plan"};
  return types.count(type) > 0;
}

// ---- State validation --------------------------------------------------------------------

namespace {

void require_strings(const json& obj, const std::string& where, std::initializer_list<const char*> keys) {
  for (const char* k : keys) shape::string_field(obj, k, where, true);
}

void validate_entities(const json& f, const char* key, std::initializer_list<const char*> required) {
  if (!f.contains(key)) return;
  std::string where = std::string("fabric.") + key;
  shape::array(f[key], where);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < f[key].size(); ++i) {
    std::string at = where + "[" + std::to_string(i) + "]";
    shape::object(f[key][i], at);
    require_strings(f[key][i], at, required);
    for (const char* text : {"displayName", "description"}) shape::string_field(f[key][i], text, at, false);
    if (!ids.insert(f[key][i]["id"].get<std::string>()).second)
      throw std::invalid_argument(at + ".id: '" + f[key][i]["id"].get<std::string>() + "' is used twice");
  }
}

void validate(const json& state) {
  if (!state.contains("fabric")) return;
  const json& f = state["fabric"];
  shape::object(f, "fabric");
  shape::keys(f, "fabric", {"config", "workspaces", "items", "connections", "deploymentPipelines", "unity_catalog",
                            "source_tables", "git_remotes"});
  if (f.contains("config")) {
    shape::object(f["config"], "fabric.config");
    shape::keys(f["config"], "fabric.config",
                {"page_size", "provision_delay_ms", "start_delay_ms", "stop_delay_ms", "table_progress_ms"});
    shape::int_field(f["config"], "page_size", "fabric.config", 1);
    for (const char* k : {"provision_delay_ms", "start_delay_ms", "stop_delay_ms", "table_progress_ms"})
      shape::int_field(f["config"], k, "fabric.config", 0);
  }
  validate_entities(f, "workspaces", {"id"});
  validate_entities(f, "items", {"id", "workspaceId", "type"});
  validate_entities(f, "connections", {"id"});
  validate_entities(f, "deploymentPipelines", {"id"});
  if (f.contains("items"))
    for (std::size_t i = 0; i < f["items"].size(); ++i) {
      const json& item = f["items"][i];
      std::string at = "fabric.items[" + std::to_string(i) + "]";
      if (item.contains("mirroring")) {
        shape::object(item["mirroring"], at + ".mirroring");
        static const std::set<std::string> states = {"Initializing", "Initialized", "Starting", "Running",
                                                     "Paused",       "Stopping",    "Stopped"};
        if (item["mirroring"].contains("status") &&
            (!item["mirroring"]["status"].is_string() || !states.count(item["mirroring"]["status"].get<std::string>())))
          throw std::invalid_argument(at + ".mirroring.status: expected one of Initializing, Initialized, Starting, "
                                           "Running, Paused, Stopping, Stopped");
      }
    }
  if (f.contains("deploymentPipelines"))
    for (std::size_t i = 0; i < f["deploymentPipelines"].size(); ++i) {
      const json& p = f["deploymentPipelines"][i];
      std::string at = "fabric.deploymentPipelines[" + std::to_string(i) + "]";
      if (!p.contains("stages")) continue;
      shape::array(p["stages"], at + ".stages");
      for (std::size_t j = 0; j < p["stages"].size(); ++j) {
        std::string st = at + ".stages[" + std::to_string(j) + "]";
        shape::object(p["stages"][j], st);
        require_strings(p["stages"][j], st, {"id"});
        shape::int_field(p["stages"][j], "order", st, 0);
      }
    }
  if (f.contains("unity_catalog")) {
    shape::object(f["unity_catalog"], "fabric.unity_catalog");
    for (const auto& [conn, uc] : f["unity_catalog"].items()) {
      std::string at = "fabric.unity_catalog." + conn;
      shape::object(uc, at);
      shape::keys(uc, at, {"catalogs"});
      if (!uc.contains("catalogs")) continue;
      shape::array(uc["catalogs"], at + ".catalogs");
      for (std::size_t i = 0; i < uc["catalogs"].size(); ++i) {
        const json& c = uc["catalogs"][i];
        std::string cat = at + ".catalogs[" + std::to_string(i) + "]";
        shape::object(c, cat);
        require_strings(c, cat, {"name"});
        if (!c.contains("schemas")) continue;
        shape::array(c["schemas"], cat + ".schemas");
        for (std::size_t j = 0; j < c["schemas"].size(); ++j) {
          std::string sch = cat + ".schemas[" + std::to_string(j) + "]";
          shape::object(c["schemas"][j], sch);
          require_strings(c["schemas"][j], sch, {"name"});
          if (!c["schemas"][j].contains("tables")) continue;
          shape::array(c["schemas"][j]["tables"], sch + ".tables");
          for (std::size_t k = 0; k < c["schemas"][j]["tables"].size(); ++k) {
            std::string tab = sch + ".tables[" + std::to_string(k) + "]";
            shape::object(c["schemas"][j]["tables"][k], tab);
            require_strings(c["schemas"][j]["tables"][k], tab, {"name"});
          }
        }
      }
    }
  }
  if (f.contains("source_tables")) {
    shape::object(f["source_tables"], "fabric.source_tables");
    for (const auto& [conn, tables] : f["source_tables"].items()) {
      std::string at = "fabric.source_tables." + conn;
      shape::array(tables, at);
      for (std::size_t i = 0; i < tables.size(); ++i) {
        std::string t = at + "[" + std::to_string(i) + "]";
        shape::object(tables[i], t);
        shape::keys(tables[i], t, {"schema", "table", "rows", "fail", "type"});
        require_strings(tables[i], t, {"schema", "table"});
        shape::int_field(tables[i], "rows", t, 0);
        if (tables[i].contains("fail")) {
          shape::object(tables[i]["fail"], t + ".fail");
          require_strings(tables[i]["fail"], t + ".fail", {"errorCode", "message"});
        }
      }
    }
  }
  if (f.contains("git_remotes")) shape::object(f["git_remotes"], "fabric.git_remotes");
}

}  // namespace
}  // namespace sim::fabric

namespace sim {

void register_fabric(Sim& sim) { sim.add_validator(fabric::validate); }

}  // namespace sim
