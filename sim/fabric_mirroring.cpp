// Fabric mirrored databases with the service's status machine: a new database is Initialized
// (Initializing first when fabric.config.provision_delay_ms is set), startMirroring goes
// Starting -> Running after start_delay_ms, stopMirroring Stopping -> Stopped after
// stop_delay_ms. Status is worked out from timestamps when asked, so it survives --state.
// Tables come from the definition's mountedTables (else every seeded source table of the
// connection, fabric.source_tables) and progress Snapshotting -> Replicating with growing row
// counts; a source table with "fail" ends Failed with that error.
#include <algorithm>
#include <set>

#include "sim/fabric.hpp"
#include "sim/services.hpp"

namespace sim::fabric {
namespace {

constexpr const char* kType = "MirroredDatabase";
constexpr std::int64_t kDefaultRows = 1000;
constexpr std::int64_t kBytesPerRow = 64;

const std::set<std::string> kSourceTypes = {"AzureMySql",   "AzurePostgreSql", "AzureSqlDatabase", "AzureSqlMI",
                                            "CosmosDb",     "GenericMirror",   "GoogleBigQuery",   "MSSQL",
                                            "Oracle",       "SAP",             "SharePointList",   "Snowflake",
                                            "SqlServer2025"};

Failure corrupted(const std::string& message) { return {400, "CorruptedPayload", "mirroring.json: " + message}; }

Failure not_now(const std::string& status, const std::string& what) {
  return {400, "OperationNotAllowedInCurrentStatus",
          what + " is not allowed while the mirrored database is " + status};
}

std::optional<Failure> check_mirroring_json(const json& m) {
  if (!m.contains("properties") || !m["properties"].is_object()) return corrupted("'properties' is required");
  const json& p = m["properties"];
  if (!p.contains("source") || !p["source"].is_object()) return corrupted("properties.source is required");
  const json& src = p["source"];
  if (!src.contains("type") || !src["type"].is_string() || !kSourceTypes.count(src["type"].get<std::string>()))
    return corrupted("properties.source.type: expected a source type such as AzurePostgreSql");
  std::string type = src["type"];
  json tp = src.value("typeProperties", json::object());
  if (!tp.is_object()) return corrupted("properties.source.typeProperties: expected an object");
  bool needs_connection = type != "GenericMirror" && type != "SAP";
  if (needs_connection && (!tp.contains("connection") || !tp["connection"].is_string() ||
                           tp["connection"].get<std::string>().empty()))
    return corrupted("properties.source.typeProperties.connection: required for " + type + ", expected a connection id");
  if (tp.contains("database") && !tp["database"].is_string())
    return corrupted("properties.source.typeProperties.database: expected a string");
  if ((type == "Snowflake" || type == "CosmosDb") && !tp.contains("database"))
    return corrupted("properties.source.typeProperties.database: required for " + type);
  if (!p.contains("target") || !p["target"].is_object() || p["target"].value("type", "") != "MountedRelationalDatabase")
    return corrupted("properties.target.type: required, expected MountedRelationalDatabase");
  json ttp = p["target"].value("typeProperties", json::object());
  if (!ttp.is_object() || ttp.value("format", "") != "Delta")
    return corrupted("properties.target.typeProperties.format: required, expected Delta");
  if (ttp.contains("defaultSchema") && !ttp["defaultSchema"].is_string())
    return corrupted("properties.target.typeProperties.defaultSchema: expected a string");
  if (ttp.contains("retentionInDays") &&
      (!ttp["retentionInDays"].is_number_integer() || ttp["retentionInDays"].get<int>() < 1 ||
       ttp["retentionInDays"].get<int>() > 30))
    return corrupted("properties.target.typeProperties.retentionInDays: expected an integer from 1 to 30");
  if (p.contains("mountedTables")) {
    if (!p["mountedTables"].is_array()) return corrupted("properties.mountedTables: expected an array");
    for (std::size_t i = 0; i < p["mountedTables"].size(); ++i) {
      const json& t = p["mountedTables"][i];
      json ttp2 = t.is_object() && t.contains("source") && t["source"].is_object()
                      ? t["source"].value("typeProperties", json())
                      : json();
      if (!ttp2.is_object() || !ttp2.contains("schemaName") || !ttp2["schemaName"].is_string() ||
          !ttp2.contains("tableName") || !ttp2["tableName"].is_string())
        return corrupted("properties.mountedTables[" + std::to_string(i) +
                         "].source.typeProperties: schemaName and tableName are required");
    }
  }
  return std::nullopt;
}

// The mirroring.json of a stored item ({} when it has none).
json mirroring_json(const json& item) {
  PartJson p = part_json(item.value("definition", json::object()), "mirroring.json");
  return p.value ? *p.value : json::object();
}

std::string at_path(const json& m, const char* pointer) {
  json::json_pointer ptr(pointer);
  return m.contains(ptr) && m[ptr].is_string() ? m[ptr].get<std::string>() : std::string();
}

// Where a database is in its status machine right now.
struct Now {
  std::string status;
  std::int64_t running_since = 0;  // 0: long ago (a seeded Running database)
  std::int64_t frozen_at = 0;      // when replication stopped (Stopping/Stopped), else 0
};

Now effective(const json& item, const Config& cfg, std::int64_t now) {
  json m = item.value("mirroring", json::object());
  Now n{m.value("status", "Initialized"), m.value("running_since_ms", std::int64_t{0}), m.value("stopped_ms", std::int64_t{0})};
  bool timed = m.contains("since_ms");
  std::int64_t since = m.value("since_ms", std::int64_t{0});
  if (n.status == "Initializing" && timed && now >= m.value("ready_ms", since + cfg.provision_delay_ms)) {
    n.status = "Initialized";
  } else if (n.status == "Starting" && timed && now >= since + cfg.start_delay_ms) {
    n.status = "Running";
    n.running_since = since + cfg.start_delay_ms;
  } else if (n.status == "Stopping" && timed && now >= since + cfg.stop_delay_ms) {
    n.status = "Stopped";
  }
  return n;
}

json table_status(const json& source, const Now& db, const Config& cfg, std::int64_t now) {
  std::int64_t rows = source.value("rows", kDefaultRows);
  std::int64_t step = std::max<std::int64_t>(cfg.table_progress_ms, 1);
  std::int64_t until = db.frozen_at ? db.frozen_at : now;
  std::int64_t elapsed = db.running_since == 0 ? std::int64_t{1} << 40 : std::max<std::int64_t>(until - db.running_since, 0);
  json t = {{"sourceObjectType", source.value("type", "Table")},
            {"sourceSchemaName", source.value("schema", "")},
            {"sourceTableName", source.value("table", "")}};
  std::int64_t processed = 0;
  json metrics = json::object();
  if (source.contains("fail") && elapsed >= step / 2) {
    processed = rows / 2;
    t["status"] = "Failed";
    t["error"] = {{"errorCode", source["fail"].value("errorCode", "")}, {"message", source["fail"].value("message", "")}};
  } else if (elapsed < step) {
    processed = rows * elapsed / step;
    t["status"] = "Snapshotting";
  } else {
    std::int64_t batches = (elapsed - step) / step;
    processed = rows + batches * std::max<std::int64_t>(1, rows / 100);
    t["status"] = "Replicating";
    std::int64_t synced = db.running_since == 0 ? until - 1000 : db.running_since + step + batches * step;
    metrics["lastSyncDateTime"] = time_text(synced);
    metrics["lastSyncLatencyInSeconds"] = 1;
  }
  if (db.frozen_at && t["status"] != "Failed") t["status"] = "Stopped";
  metrics["processedRows"] = processed;
  metrics["processedBytes"] = processed * kBytesPerRow;
  t["metrics"] = metrics;
  return t;
}

// The source tables a database mirrors: its mountedTables, else all of its connection's.
json mirrored_tables(const json& state, const json& item) {
  json m = mirroring_json(item);
  std::string conn = at_path(m, "/properties/source/typeProperties/connection");
  const json& sources = object(state, "source_tables");
  json known = sources.contains(conn) ? sources[conn] : json::array();
  json out = json::array();
  json::json_pointer mounted_ptr("/properties/mountedTables");
  if (!m.contains(mounted_ptr)) return known;
  for (const auto& t : m[mounted_ptr]) {
    const json& tp = t["source"]["typeProperties"];
    json entry = {{"schema", tp["schemaName"]}, {"table", tp["tableName"]}};
    for (const auto& k : known)
      if (k.value("schema", "") == tp["schemaName"] && k.value("table", "") == tp["tableName"]) entry = k;
    out.push_back(entry);
  }
  return out;
}

json database_body(const Exchange& ex, const json& item, const Config& cfg, std::int64_t now) {
  json b = item_body(item);
  std::string id = item["id"], ws = item["workspaceId"];
  std::string status = effective(item, cfg, now).status;
  std::string host = uuid_from("tarn-sim sql endpoint host " + id);
  host.erase(std::remove(host.begin(), host.end(), '-'), host.end());
  json props = {{"oneLakeTablesPath", "https://onelake.dfs.fabric.microsoft.com/" + ws + "/" + id + "/Tables"},
                {"sqlEndpointProperties",
                 {{"connectionString", host + ".datawarehouse.fabric.microsoft.com"},
                  {"id", item.value("sqlEndpointId", uuid_from("tarn-sim sql endpoint " + id))},
                  {"provisioningStatus", status == "Initializing" ? "InProgress" : "Success"}}}};
  std::string schema = at_path(mirroring_json(item), "/properties/target/typeProperties/defaultSchema");
  if (!schema.empty()) props["defaultSchema"] = schema;
  b["properties"] = props;
  (void)ex;
  return b;
}

// Runs `change` on the database's mirroring state under the state lock; answers failures.
template <class F>
bool transition(Exchange& ex, F change) {
  std::string ws = ex.arg(1), id = ex.arg(2);
  Config cfg = config(ex.sim);
  std::int64_t now = now_ms();
  std::optional<Failure> failure;
  ex.sim.write([&](json& s) {
    if (!find(list(s, "workspaces"), "id", ws)) return void(failure = workspace_not_found(ws));
    json* item = find_item(s, ws, id);
    if (!item || item->value("type", "") != kType) return void(failure = item_not_found(id));
    if (!item->contains("mirroring") || !(*item)["mirroring"].is_object()) (*item)["mirroring"] = json::object();
    failure = change((*item)["mirroring"], effective(*item, cfg, now), now);
  });
  if (failure) failure->send(ex);
  return !failure;
}

void start_mirroring(Exchange& ex) {
  if (!authorize(ex)) return;
  bool ok = transition(ex, [](json& m, const Now& n, std::int64_t now) -> std::optional<Failure> {
    if (n.status == "Starting" || n.status == "Running") return std::nullopt;  // already on its way
    if (n.status != "Initialized" && n.status != "Stopped" && n.status != "Paused")
      return not_now(n.status, "Starting mirroring");
    m = {{"status", "Starting"}, {"since_ms", now}};
    return std::nullopt;
  });
  if (ok) ex.res.status = 200;
}

void stop_mirroring(Exchange& ex) {
  if (!authorize(ex)) return;
  bool ok = transition(ex, [](json& m, const Now& n, std::int64_t now) -> std::optional<Failure> {
    if (n.status == "Stopping" || n.status == "Stopped") return std::nullopt;
    if (n.status != "Running" && n.status != "Starting" && n.status != "Paused")
      return not_now(n.status, "Stopping mirroring");
    json next = {{"status", "Stopping"}, {"since_ms", now}, {"stopped_ms", now}};
    if (n.status == "Running") next["running_since_ms"] = n.running_since;
    else next["running_since_ms"] = now;  // stopped before replication began: no progress
    if (m.contains("error")) next["error"] = m["error"];
    m = next;
    return std::nullopt;
  });
  if (ok) ex.res.status = 200;
}

void mirroring_status(Exchange& ex) {
  if (!authorize(ex)) return;
  auto item = item_or_404(ex, ex.arg(1), ex.arg(2), kType);
  if (!item) return;
  json body = {{"status", effective(*item, config(ex.sim), now_ms()).status}};
  json m = item->value("mirroring", json::object());
  if (m.contains("error") && m["error"].is_object()) body["error"] = m["error"];
  ex.reply(200, body);
}

void tables_status(Exchange& ex) {
  if (!authorize(ex)) return;
  auto item = item_or_404(ex, ex.arg(1), ex.arg(2), kType);
  if (!item) return;
  Config cfg = config(ex.sim);
  std::int64_t now = now_ms();
  Now db = effective(*item, cfg, now);
  json out = json::array();
  // Table status exists once mirroring has run: while Running, and frozen after a stop.
  if (db.status == "Running" || db.status == "Stopping" || db.status == "Stopped") {
    json sources = ex.sim.read([&](const json& s) { return mirrored_tables(s, *item); });
    for (const auto& src : sources) out.push_back(table_status(src, db, cfg, now));
  }
  fabric_list(ex, out, cfg.page_size, "data");
}

void create_database(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!workspace_or_404(ex, ex.arg(1))) return;
  create_item(ex, ex.arg(1), *body, kType, false, nullptr);
}

}  // namespace

std::optional<Failure> check_mirroring_definition(const json& item, const json& definition, const Config& cfg,
                                                  std::int64_t now) {
  PartJson part = part_json(definition, "mirroring.json");
  if (part.failure) return part.failure;
  if (!part.value) return Failure{400, "InvalidDefinition", "definition: the part 'mirroring.json' is required"};
  if (auto f = check_mirroring_json(*part.value)) return f;
  if (item.is_null()) return std::nullopt;
  // The source connection, database and default schema change only while Initialized or Stopped.
  json old = mirroring_json(item);
  for (const char* ptr : {"/properties/source/typeProperties/connection", "/properties/source/typeProperties/database",
                          "/properties/target/typeProperties/defaultSchema"}) {
    if (at_path(old, ptr) == at_path(*part.value, ptr)) continue;
    std::string status = effective(item, cfg, now).status;
    if (status != "Initialized" && status != "Stopped") {
      std::string field = std::string(ptr).substr(std::string(ptr).rfind('/') + 1);
      return not_now(status, "Changing the source " + field);
    }
  }
  return std::nullopt;
}

void init_mirroring_state(json& item, const Config& cfg, std::int64_t now) {
  if (cfg.provision_delay_ms > 0)
    item["mirroring"] = {{"status", "Initializing"}, {"since_ms", now}, {"ready_ms", now + cfg.provision_delay_ms}};
  else
    item["mirroring"] = {{"status", "Initialized"}};
  item["sqlEndpointId"] = new_uuid();
}

}  // namespace sim::fabric

namespace sim {

void register_fabric_mirroring(Sim& sim) {
  const std::string one = "/fabric/v1/workspaces/([^/]+)/mirroredDatabases/([^/]+)";
  sim.route("POST", "/fabric/v1/workspaces/([^/]+)/mirroredDatabases", fabric::create_database);
  sim.route("POST", one + "/startMirroring", fabric::start_mirroring);
  sim.route("POST", one + "/stopMirroring", fabric::stop_mirroring);
  sim.route("POST", one + "/getMirroringStatus", fabric::mirroring_status);
  sim.route("POST", one + "/getTablesMirroringStatus", fabric::tables_status);
  fabric::register_item_routes(sim, "mirroredDatabases", fabric::kType, fabric::database_body, nullptr);
}

}  // namespace sim
