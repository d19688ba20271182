// Fabric mirrored Azure Databricks catalogs: create with creationPayload or a definition.json
// definition (a long-running operation), get/list/update (mirroringMode, autoSync,
// storageConnectionId), get/update definition, refreshCatalogMetadata, and the discovery of
// catalogs, schemas and tables, answered from the Unity Catalog seeded per Databricks
// workspace connection id in fabric.unity_catalog.
#include <algorithm>
#include <charconv>
#include <set>

#include "sim/fabric.hpp"
#include "sim/services.hpp"

namespace sim::fabric {
namespace {

constexpr const char* kType = "MirroredAzureDatabricksCatalog";
constexpr const char* kPart = "definition.json";
constexpr const char* kSchema =
    "https://developer.microsoft.com/json-schemas/fabric/item/mirroredAzureDatabricksCatalog/definition/"
    "mirroredAzureDatabricksCatalogDefinition/1.0.0/schema.json";

Failure corrupted(const std::string& message) { return {400, "CorruptedPayload", message}; }

bool one_of(const json& v, std::initializer_list<const char*> allowed) {
  if (!v.is_string()) return false;
  for (const char* a : allowed)
    if (v.get<std::string>() == a) return true;
  return false;
}

std::optional<Failure> check_catalog_json(const json& d, const std::string& where) {
  for (const char* k : {"catalogName", "databricksWorkspaceConnectionId"})
    if (!d.contains(k) || !d[k].is_string() || d[k].get<std::string>().empty())
      return corrupted(where + "." + k + ": required, expected a string");
  if (!d.contains("mirroringMode") || !one_of(d["mirroringMode"], {"Full", "Partial"}))
    return corrupted(where + ".mirroringMode: required, expected Full or Partial");
  if (d.contains("autoSync") && !one_of(d["autoSync"], {"Enabled", "Disabled"}))
    return corrupted(where + ".autoSync: expected Enabled or Disabled");
  if (d.contains("storageConnectionId") && !d["storageConnectionId"].is_string() && !d["storageConnectionId"].is_null())
    return corrupted(where + ".storageConnectionId: expected a connection id");
  if (!d.contains("mirrorConfiguration")) return std::nullopt;
  const json& mc = d["mirrorConfiguration"];
  if (!mc.is_object() || !mc.contains("schemas") || !mc["schemas"].is_array())
    return corrupted(where + ".mirrorConfiguration.schemas: expected an array");
  bool catalog_full = d["mirroringMode"] == "Full";
  for (std::size_t i = 0; i < mc["schemas"].size(); ++i) {
    const json& s = mc["schemas"][i];
    std::string at = where + ".mirrorConfiguration.schemas[" + std::to_string(i) + "]";
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string()) return corrupted(at + ".name: required");
    if (!s.contains("mirroringMode") || !one_of(s["mirroringMode"], {"Full", "Partial", "Exclude"}))
      return corrupted(at + ".mirroringMode: expected Full, Partial or Exclude");
    if (s["mirroringMode"] == "Exclude" && !catalog_full)
      return corrupted(at + ".mirroringMode: Exclude is only allowed when the catalog's mirroringMode is Full");
    if (!s.contains("tables")) continue;
    if (!s["tables"].is_array()) return corrupted(at + ".tables: expected an array");
    for (std::size_t j = 0; j < s["tables"].size(); ++j) {
      const json& t = s["tables"][j];
      std::string tat = at + ".tables[" + std::to_string(j) + "]";
      if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) return corrupted(tat + ".name: required");
      if (!t.contains("mirroringMode") || !one_of(t["mirroringMode"], {"Full", "Exclude"}))
        return corrupted(tat + ".mirroringMode: expected Full or Exclude");
      if (t["mirroringMode"] == "Exclude" && s["mirroringMode"] != "Full")
        return corrupted(tat + ".mirroringMode: Exclude is only allowed when the schema's mirroringMode is Full");
    }
  }
  return std::nullopt;
}

json catalog_json(const json& item) {
  PartJson p = part_json(item.value("definition", json::object()), kPart);
  return p.value ? *p.value : json::object();
}

json part_of(const json& content) {
  return {{"parts", json::array({{{"path", kPart}, {"payload", b64_encode(content.dump(2))}, {"payloadType", "InlineBase64"}}})}};
}

std::optional<json> payload_definition(const json& payload, Failure& failure) {
  if (auto f = check_catalog_json(payload, "creationPayload")) {
    failure = *f;
    failure.code = "InvalidInput";
    return std::nullopt;
  }
  json content = {{"$schema", kSchema}};
  for (const char* k : {"catalogName", "databricksWorkspaceConnectionId", "mirroringMode", "autoSync",
                        "storageConnectionId", "mirrorConfiguration"})
    if (payload.contains(k)) content[k] = payload[k];
  if (!content.contains("autoSync")) content["autoSync"] = "Enabled";
  return part_of(content);
}

json catalog_body(const Exchange&, const json& item, const Config&, std::int64_t) {
  json b = item_body(item);
  json d = catalog_json(item);
  std::string id = item["id"], ws = item["workspaceId"];
  json sync = item.value("catalogSync", json::object());
  std::string host = uuid_from("tarn-sim sql endpoint host " + id);
  host.erase(std::remove(host.begin(), host.end(), '-'), host.end());
  b["properties"] = {
      {"catalogName", d.value("catalogName", "")},
      {"databricksWorkspaceConnectionId", d.value("databricksWorkspaceConnectionId", "")},
      {"mirroringMode", d.value("mirroringMode", "Full")},
      {"autoSync", d.value("autoSync", "Enabled")},
      {"storageConnectionId", d.value("storageConnectionId", json())},
      {"oneLakeTablesPath", "https://onelake.dfs.fabric.microsoft.com/" + ws + "/" + id + "/Tables"},
      {"sqlEndpointProperties",
       {{"connectionString", host + ".datawarehouse.fabric.microsoft.com"},
        {"id", item.value("sqlEndpointId", uuid_from("tarn-sim sql endpoint " + id))}}},
      {"syncDetails",
       {{"status", sync.value("status", "Success")},
        {"lastSyncDateTime", sync.contains("last_ms") ? json(time_text(sync["last_ms"].get<std::int64_t>())) : json()},
        {"errorInfo", sync.value("errorInfo", json())}}},
      {"mirrorStatus", "Mirrored"}};
  return b;
}

std::optional<Failure> patch_catalog(json& item, const json& body) {
  if (!body.contains("properties")) return std::nullopt;
  const json& p = body["properties"];
  if (!p.is_object()) return Failure{400, "InvalidRequest", "properties: expected an object"};
  json d = catalog_json(item);
  if (p.contains("autoSync")) {
    if (!one_of(p["autoSync"], {"Enabled", "Disabled"}))
      return Failure{400, "InvalidRequest", "properties.autoSync: expected Enabled or Disabled"};
    d["autoSync"] = p["autoSync"];
  }
  if (p.contains("mirroringMode")) {
    if (!one_of(p["mirroringMode"], {"Full", "Partial"}))
      return Failure{400, "InvalidRequest", "properties.mirroringMode: expected Full or Partial"};
    d["mirroringMode"] = p["mirroringMode"];
  }
  if (p.contains("storageConnectionId")) {
    if (!p["storageConnectionId"].is_string() && !p["storageConnectionId"].is_null())
      return Failure{400, "InvalidRequest", "properties.storageConnectionId: expected a connection id or null"};
    d["storageConnectionId"] = p["storageConnectionId"];
  }
  item["definition"] = part_of(d);
  return std::nullopt;
}

void create_catalog(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!workspace_or_404(ex, ex.arg(1))) return;
  if (body->is_object() && !body->contains("definition") && !body->contains("creationPayload"))
    return fabric_error(ex, 400, "InvalidInput", "creationPayload or definition: one of them is required");
  create_item(ex, ex.arg(1), *body, kType, true, payload_definition);
}

void refresh_metadata(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string ws = ex.arg(1), id = ex.arg(2);
  if (!item_or_404(ex, ws, id, kType)) return;
  std::int64_t now = now_ms();
  ex.sim.write([&](json& s) {
    if (json* item = find_item(s, ws, id)) (*item)["catalogSync"] = {{"status", "Success"}, {"last_ms", now}};
  });
  fabric_accepted(ex, {nullptr, nullptr, -1});
}

// ---- Discovery -------------------------------------------------------------------------------

// Like fabric_list, but the end of the list is explicit nulls, as these APIs send it; the
// page size is ?maxResults when given.
void discovery_list(Exchange& ex, const json& items) {
  std::size_t size = config(ex.sim).page_size;
  if (ex.req.has_param("maxResults")) {
    std::string v = ex.req.get_param_value("maxResults");
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n == 0)
      return fabric_error(ex, 400, "InvalidParameter", "maxResults: expected a positive integer");
    size = n;
  }
  std::size_t offset = 0;
  if (ex.req.has_param("continuationToken")) {
    auto o = decode_continuation(ex.req.get_param_value("continuationToken"));
    if (!o) return fabric_error(ex, 400, "InvalidContinuationToken", "The continuation token is not valid");
    offset = *o;
  }
  Page page = page_of(items, offset, size);
  json body = {{"value", page.items}, {"continuationToken", nullptr}, {"continuationUri", nullptr}};
  if (page.next_offset) {
    std::string token = encode_continuation(*page.next_offset);
    body["continuationToken"] = token;
    body["continuationUri"] = url_with_param(ex, "continuationToken", token);
  }
  ex.reply(200, body);
}

// The seeded catalogs of ?databricksWorkspaceConnectionId=, or nullopt after answering.
std::optional<json> unity_catalogs(Exchange& ex) {
  if (!authorize(ex)) return std::nullopt;
  if (!workspace_or_404(ex, ex.arg(1))) return std::nullopt;
  std::string conn = ex.req.get_param_value("databricksWorkspaceConnectionId");
  if (conn.empty()) {
    fabric_error(ex, 400, "InvalidParameter", "databricksWorkspaceConnectionId: required, expected a connection id");
    return std::nullopt;
  }
  auto catalogs = ex.sim.read([&](const json& s) -> std::optional<json> {
    const json& uc = object(s, "unity_catalog");
    if (uc.contains(conn)) return uc[conn].value("catalogs", json::array());
    if (find(list(s, "connections"), "id", conn)) return json::array();
    return std::nullopt;
  });
  if (!catalogs) fabric_error(ex, 404, "EntityNotFound", "The connection '" + conn + "' was not found");
  return catalogs;
}

const json* named(const json& array, const std::string& name) { return find(array, "name", name); }

void discover_catalogs(Exchange& ex) {
  auto catalogs = unity_catalogs(ex);
  if (!catalogs) return;
  json out = json::array();
  for (const auto& c : *catalogs)
    out.push_back({{"name", c["name"]},
                   {"fullName", c["name"]},
                   {"catalogType", c.value("catalogType", "MANAGED_CATALOG")},
                   {"storageLocation", c.value("storageLocation", "abfss://unity@tarnsim.dfs.core.windows.net/" +
                                                                      c["name"].get<std::string>())}});
  discovery_list(ex, out);
}

void discover_schemas(Exchange& ex) {
  auto catalogs = unity_catalogs(ex);
  if (!catalogs) return;
  std::string cat = ex.arg(2);
  const json* c = named(*catalogs, cat);
  if (!c) return fabric_error(ex, 404, "EntityNotFound", "The catalog '" + cat + "' was not found");
  json out = json::array();
  for (const auto& s : c->value("schemas", json::array())) {
    json e = {{"name", s["name"]}, {"fullName", cat + "." + s["name"].get<std::string>()}};
    if (s.contains("storageLocation")) e["storageLocation"] = s["storageLocation"];
    out.push_back(e);
  }
  discovery_list(ex, out);
}

void discover_tables(Exchange& ex) {
  auto catalogs = unity_catalogs(ex);
  if (!catalogs) return;
  std::string cat = ex.arg(2), schema = ex.arg(3);
  const json* c = named(*catalogs, cat);
  if (!c) return fabric_error(ex, 404, "EntityNotFound", "The catalog '" + cat + "' was not found");
  json schemas = c->value("schemas", json::array());
  const json* s = named(schemas, schema);
  if (!s) return fabric_error(ex, 404, "EntityNotFound", "The schema '" + cat + "." + schema + "' was not found");
  // Fabric shows Delta tables only: no views, materialized views, streaming or non-Delta tables.
  static const std::set<std::string> hidden = {"VIEW", "MATERIALIZED_VIEW", "STREAMING_TABLE"};
  json out = json::array();
  for (const auto& t : s->value("tables", json::array())) {
    std::string type = t.value("tableType", "MANAGED"), format = t.value("dataSourceFormat", "DELTA");
    if (hidden.count(type) || format != "DELTA") continue;
    std::string full = cat + "." + schema + "." + t["name"].get<std::string>();
    out.push_back({{"name", t["name"]},
                   {"fullName", full},
                   {"storageLocation", t.value("storageLocation", "abfss://unity@tarnsim.dfs.core.windows.net/" + full)},
                   {"tableType", type},
                   {"dataSourceFormat", format}});
  }
  discovery_list(ex, out);
}

}  // namespace

std::optional<Failure> check_databricks_definition(const json& definition) {
  PartJson part = part_json(definition, kPart);
  if (part.failure) return part.failure;
  if (!part.value) return Failure{400, "InvalidDefinition", "definition: the part 'definition.json' is required"};
  return check_catalog_json(*part.value, "definition.json");
}

void init_databricks_state(json& item, std::int64_t now) {
  item["catalogSync"] = {{"status", "Success"}, {"last_ms", now}};
  item["sqlEndpointId"] = new_uuid();
}

}  // namespace sim::fabric

namespace sim {

void register_fabric_databricks(Sim& sim) {
  const std::string ws = "/fabric/v1/workspaces/([^/]+)";
  const std::string uc = ws + "/[aA]zure[dD]atabricks/catalogs";
  sim.route("POST", ws + "/mirroredAzureDatabricksCatalogs", fabric::create_catalog);
  sim.route("POST", ws + "/mirroredAzureDatabricksCatalogs/([^/]+)/refreshCatalogMetadata", fabric::refresh_metadata);
  fabric::register_item_routes(sim, "mirroredAzureDatabricksCatalogs", fabric::kType, fabric::catalog_body,
                               fabric::patch_catalog);
  sim.route("GET", uc, fabric::discover_catalogs);
  sim.route("GET", uc + "/([^/]+)/schemas", fabric::discover_schemas);
  sim.route("GET", uc + "/([^/]+)/schemas/([^/]+)/tables", fabric::discover_tables);
}

}  // namespace sim
