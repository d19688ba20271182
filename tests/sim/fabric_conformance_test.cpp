// The simulator against the Fabric REST API specs (TARN_SHARED_DIR/specs/fabric, default
// ../shared beside the clone). Every example an operation's x-ms-examples names is replayed
// when the simulator serves that operation (it has a route for the method and path): the
// state is seeded so the example's request can succeed (a fixture per operationId), the
// example's request is sent with its path, query and body parameters, a 202 is followed to its
// result, and the answer must have every field of the example's response with the same JSON
// type, recursively (extra fields are allowed; an example's null only asks for the field; an
// array element of the example must match some element of the answer). The headers the example
// shows must be sent too. A served operation without a fixture, a missing specs folder, or an
// example the simulator refuses fails the test; the few examples whose request the service
// itself would refuse are listed with the error the simulator must answer instead.
// FABRIC_CONFORMANCE_DEBUG=1 prints each example's seeded state on stderr.
#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "fabric_support.hpp"

namespace fs = std::filesystem;
using fabrictest::FabricSim;
using fabrictest::json;
using fabrictest::Reply;

namespace {

fs::path specs_dir() {
  const char* env = std::getenv("TARN_SHARED_DIR");
  fs::path shared = env && *env ? fs::path(env) : fs::path(__FILE__).parent_path() / "../../../shared";
  return fs::weakly_canonical(shared / "specs" / "fabric");
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

struct Example {
  std::string name;      // the example file, relative to the specs folder
  std::string op_id;
  std::string method;    // upper case
  std::string path;      // the swagger path without its query part
  std::string fixed_query;  // "beta=true" when the swagger path carries it
  json op;               // the swagger operation
  fs::path file;
  json data;             // the example file: {parameters, responses}, read when the operation is served
};

std::vector<Example> load_examples() {
  std::vector<Example> out;
  fs::path dir = specs_dir();
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().filename() != "swagger.json") continue;
    json swagger = read_json(entry.path());
    for (const auto& [path, ops] : swagger["paths"].items())
      for (const auto& [method, op] : ops.items()) {
        if (!op.is_object() || !op.contains("x-ms-examples")) continue;
        for (const auto& [title, ref] : op["x-ms-examples"].items()) {
          fs::path file = fs::weakly_canonical(entry.path().parent_path() / ref["$ref"].get<std::string>());
          Example e;
          e.name = fs::relative(file, dir).string();
          e.op_id = op.value("operationId", title);
          e.method = method;
          std::transform(e.method.begin(), e.method.end(), e.method.begin(), ::toupper);
          auto q = path.find('?');
          e.path = path.substr(0, q);
          if (q != std::string::npos) e.fixed_query = path.substr(q + 1);
          e.op = op;
          e.file = file;
          out.push_back(std::move(e));
        }
      }
  }
  return out;
}

std::string fill_path(const Example& e, const json& params, const std::string& missing = "") {
  std::string p = "/fabric/v1" + e.path;
  std::size_t open;
  while ((open = p.find('{')) != std::string::npos) {
    std::size_t close = p.find('}', open);
    std::string name = p.substr(open + 1, close - open - 1);
    std::string value = params.contains(name) ? (params[name].is_string() ? params[name].get<std::string>() : params[name].dump())
                                              : missing.empty() ? name : missing;
    p.replace(open, close - open + 1, value);
  }
  return p;
}

std::string query_of(const Example& e) {
  std::string q = e.fixed_query;
  const json& params = e.data["parameters"];
  for (const auto& p : e.op.value("parameters", json::array())) {
    if (p.value("in", "") != "query" || !params.contains(p["name"].get<std::string>())) continue;
    const json& v = params[p["name"].get<std::string>()];
    std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    q += (q.empty() ? "" : "&") + p["name"].get<std::string>() + "=" + httplib::detail::encode_query_param(text);
  }
  return q;
}

// The example's body parameter: by the swagger's name, else (some examples name it differently,
// e.g. initializeConnectionRequest for gitInitializeConnectionRequest) the one example
// parameter the operation declares nowhere else.
json body_param(const Example& e) {
  std::set<std::string> declared;
  bool has_body = false;
  for (const auto& p : e.op.value("parameters", json::array())) {
    declared.insert(p["name"].get<std::string>());
    has_body = has_body || p.value("in", "") == "body";
    if (p.value("in", "") == "body" && e.data["parameters"].contains(p["name"].get<std::string>()))
      return e.data["parameters"][p["name"].get<std::string>()];
  }
  if (!has_body) return nullptr;
  for (const auto& [k, v] : e.data["parameters"].items())
    if (!declared.count(k) && v.is_object()) return v;
  return nullptr;
}

// ---- Fixtures: a state in which the example's request can succeed --------------------------

using Seed = json;  // the "fabric" key, plus "operations" for the core's operation routes
const std::string kConn = "c0c0c0c0-0000-4000-8000-00000000c0c0";

json pick(const json& from, std::initializer_list<const char*> keys) {
  json out = json::object();
  for (const char* k : keys)
    if (from.is_object() && from.contains(k)) out[k] = from[k];
  return out;
}

json workspace(const std::string& id, const json& from = json::object()) {
  json w = pick(from, {"displayName", "description", "type", "capacityId", "domainId", "capacityRegion", "tags",
                       "workspaceIdentity"});
  w["id"] = id;
  if (!w.contains("displayName")) w["displayName"] = "workspace " + id;
  return w;
}

json item(const std::string& ws, const std::string& id, const std::string& type, const json& from = json::object()) {
  json i = pick(from, {"displayName", "description", "folderId", "tags", "sensitivityLabel", "defaultIdentity"});
  i["id"] = id;
  i["workspaceId"] = ws;
  i["type"] = from.value("type", type);
  if (!i.contains("displayName")) i["displayName"] = type + " " + id;
  return i;
}

json mirrored_db(const std::string& ws, const std::string& id, const json& from = json::object()) {
  json i = item(ws, id, "MirroredDatabase", from);
  std::string schema = from.contains("properties") ? from["properties"].value("defaultSchema", "dbo") : "dbo";
  i["definition"] = fabrictest::mirroring(kConn, "appdb", schema);
  i["mirroring"] = {{"status", "Initialized"}};
  return i;
}

json catalog_content(const json& props = json::object()) {
  json c = {{"catalogName", props.value("catalogName", "catalog_1")},
            {"databricksWorkspaceConnectionId", props.value("databricksWorkspaceConnectionId", kConn)},
            {"mirroringMode", props.value("mirroringMode", "Full")},
            {"autoSync", props.value("autoSync", "Enabled")}};
  if (props.contains("storageConnectionId")) c["storageConnectionId"] = props["storageConnectionId"];
  return c;
}

json databricks(const std::string& ws, const std::string& id, const json& from = json::object()) {
  json i = item(ws, id, "MirroredAzureDatabricksCatalog", from);
  i["definition"] = {{"parts", json::array({fabrictest::part("definition.json", catalog_content(from.value("properties", json::object())))})}};
  i["catalogSync"] = {{"status", "Success"}, {"last_ms", 1700000000000}};
  return i;
}

// The elements of a list example, plus one more (a copy) and the page size that makes the
// answer continue, when the example shows a continuation.
json paged(json& fabric, json values, const json& body) {
  if (body.contains("continuationToken") && body["continuationToken"].is_string() && !values.empty()) {
    json extra = values.back();
    for (const char* k : {"id", "itemId", "name"})
      if (extra.contains(k) && extra[k].is_string()) extra[k] = extra[k].get<std::string>() + "-more";
    values.push_back(extra);
    fabric["config"]["page_size"] = values.size() - 1;
  }
  return values;
}

// A reference into the example (which outlives every use), so range-for over its members is safe.
const json& body_of(const Example& e, const char* status = "200") {
  static const json none = json::object();
  const json& r = e.data["responses"];
  return r.contains(status) && r[status].contains("body") ? r[status]["body"] : none;
}

std::string param(const Example& e, const char* name) {
  const json& p = e.data["parameters"];
  return p.contains(name) && p[name].is_string() ? p[name].get<std::string>() : "";
}

// The git situation that makes git/status answer the example's changes.
void git_status_fixture(json& f, const std::string& ws, const json& status) {
  std::string base_hash = status.value("workspaceHead", "1111111111111111111111111111111111111111");
  std::string remote_hash = status.value("remoteCommitHash", base_hash);
  json base = json::array(), remote = json::array();
  int n = 0;
  for (const auto& c : status.value("changes", json::array())) {
    const json& meta = c["itemMetadata"];
    const json& ident = meta["itemIdentifier"];
    std::string logical = ident.value("logicalId", fabrictest::json(sim::uuid_from("logical " + std::to_string(n))).get<std::string>());
    std::string object = ident.value("objectId", sim::uuid_from("object " + std::to_string(n)));
    ++n;
    std::string wsc = c.value("workspaceChange", ""), rc = c.value("remoteChange", "");
    json snap = {{"logicalId", logical}, {"type", meta["itemType"]}, {"displayName", meta["displayName"]},
                 {"description", "base"}, {"definition", json::object()}};
    json changed = snap, other = snap;
    changed["description"] = "workspace";
    other["description"] = "remote";
    bool in_base = wsc == "Modified" || wsc == "Deleted" || rc == "Modified" || rc == "Deleted";
    if (in_base) base.push_back(snap);
    if (rc == "Added" || rc == "Modified") remote.push_back(rc == "Added" && wsc == "Added" ? snap : other);
    else if (rc.empty() && in_base) remote.push_back(snap);
    json ws_item = nullptr;
    if (wsc == "Added" || wsc == "Modified") ws_item = wsc == "Modified" || c.value("conflictType", "") != "SameChanges" ? changed : other;
    else if (wsc.empty() && in_base) ws_item = snap;
    if (c.value("conflictType", "") == "SameChanges" && !ws_item.is_null()) ws_item = other;
    if (!ws_item.is_null()) {
      json i = {{"id", object}, {"workspaceId", ws}, {"type", ws_item["type"]}, {"displayName", ws_item["displayName"]},
                {"description", ws_item["description"]}, {"logicalId", logical}, {"definition", json::object()}};
      f["items"].push_back(i);
    }
  }
  json commits = json::array({{{"hash", base_hash}, {"items", base}}});
  if (remote_hash != base_hash) commits.push_back({{"hash", remote_hash}, {"items", remote}});
  f["git_remotes"]["conformance"] = {{"commits", commits}};
  json& w = f["workspaces"][0];
  w["git"] = {{"gitProviderDetails", {{"gitProviderType", "AzureDevOps"}, {"organizationName", "o"}, {"projectName", "p"},
                                      {"repositoryName", "r"}, {"branchName", "main"}, {"directoryName", ""}}},
              {"credentials", {{"source", "Automatic"}}},
              {"state", "ConnectedAndInitialized"},
              {"head", base_hash},
              {"lastSyncTime", "2024-01-01T00:00:00Z"},
              {"remote", "conformance"}};
}

json pipeline_stage(const json& given, const std::string& id, int order) {
  json from = given.is_object() ? given : json::object();
  json st = pick(from, {"displayName", "description", "isPublic", "workspaceId"});
  st["id"] = id;
  st["order"] = from.value("order", order);
  return st;
}

// Each fixture fills `f` (the "fabric" key) and may set `root` keys ("operations").
using Fixture = std::function<void(const Example&, json& f, json& root)>;

std::map<std::string, Fixture> fixtures() {
  std::map<std::string, Fixture> m;
  auto ws_param = [](const Example& e, json& f) {
    std::string id = param(e, "workspaceId");
    if (!id.empty()) f["workspaces"].push_back(workspace(id));
    return id;
  };
  // Workspaces, role assignments, identity.
  m["Workspaces_CreateWorkspace"] = [](const Example&, json&, json&) {};
  m["Workspaces_ListWorkspaces"] = [](const Example& e, json& f, json&) {
    json b = body_of(e);
    json all = json::array();
    for (const auto& w : b["value"]) all.push_back(workspace(w["id"], w));
    f["workspaces"] = paged(f, all, b);
  };
  m["Workspaces_GetWorkspace"] = m["Workspaces_UpdateWorkspace"] = [](const Example& e, json& f, json&) {
    f["workspaces"].push_back(workspace(param(e, "workspaceId"), body_of(e)));
  };
  for (const char* op : {"Workspaces_DeleteWorkspace", "Workspaces_AddWorkspaceRoleAssignment",
                         "Workspaces_ProvisionIdentity", "Workspaces_DeprovisionIdentity", "Items_CreateItem",
                         "Items_CreateMirroredDatabase", "Items_CreateMirroredAzureDatabricksCatalog", "Git_Connect"})
    m[op] = [ws_param](const Example& e, json& f, json&) { ws_param(e, f); };
  m["Workspaces_ListWorkspaceRoleAssignments"] = [ws_param](const Example& e, json& f, json&) {
    ws_param(e, f);
    f["workspaces"][0]["roleAssignments"] = paged(f, body_of(e)["value"], body_of(e));
  };
  for (const char* op : {"Workspaces_GetWorkspaceRoleAssignment", "Workspaces_UpdateWorkspaceRoleAssignment",
                         "Workspaces_DeleteWorkspaceRoleAssignment"})
    m[op] = [ws_param](const Example& e, json& f, json&) {
      ws_param(e, f);
      std::string id = param(e, "workspaceRoleAssignmentId");
      json b = body_of(e);
      f["workspaces"][0]["roleAssignments"] = json::array(
          {{{"id", id}, {"principal", b.value("principal", json{{"id", id}, {"type", "User"}})}, {"role", b.value("role", "Member")}}});
    };
  // Items.
  m["Items_ListItems"] = [ws_param](const Example& e, json& f, json&) {
    std::string ws = ws_param(e, f);
    json all = json::array();
    for (const auto& i : body_of(e)["value"]) all.push_back(item(ws, i["id"], "Lakehouse", i));
    f["items"] = paged(f, all, body_of(e));
  };
  for (const char* op : {"Items_GetItem", "Items_UpdateItem", "Items_DeleteItem", "Items_GetItemDefinition",
                         "Items_UpdateItemDefinition"})
    m[op] = [ws_param](const Example& e, json& f, json&) {
      std::string ws = ws_param(e, f);
      json i = item(ws, param(e, "itemId"), "Report", body_of(e));
      json def = body_of(e).value("definition", json());
      if (def.is_object()) i["definition"] = {{"parts", sim::fabric::content_parts(def)}};
      f["items"].push_back(i);
    };
  // Mirrored databases.
  m["Items_ListMirroredDatabases"] = [ws_param](const Example& e, json& f, json&) {
    std::string ws = ws_param(e, f);
    json all = json::array();
    for (const auto& i : body_of(e)["value"]) all.push_back(mirrored_db(ws, i["id"], i));
    f["items"] = paged(f, all, body_of(e));
  };
  for (const char* op : {"Items_GetMirroredDatabase", "Items_UpdateMirroredDatabase", "Items_DeleteMirroredDatabase",
                         "Items_GetMirroredDatabaseDefinition", "Items_UpdateMirroredDatabaseDefinition",
                         "Mirroring_StartMirroring", "Mirroring_StopMirroring", "Mirroring_GetMirroringStatus",
                         "Mirroring_GetTablesMirroringStatus"})
    m[op] = [ws_param, op = std::string(op)](const Example& e, json& f, json&) {
      std::string ws = ws_param(e, f);
      json db = mirrored_db(ws, param(e, "mirroredDatabaseId"), body_of(e));
      if (op == "Mirroring_StopMirroring" || op == "Mirroring_GetMirroringStatus" || op == "Mirroring_GetTablesMirroringStatus")
        db["mirroring"] = {{"status", "Running"}};  // running since long ago: tables are replicating
      if (op == "Mirroring_GetTablesMirroringStatus") {
        json tables = json::array();
        for (const auto& t : body_of(e)["data"])
          tables.push_back({{"schema", t["sourceSchemaName"]}, {"table", t["sourceTableName"]},
                            {"type", t.value("sourceObjectType", "Table")}});
        f["source_tables"][kConn] = tables;
      }
      f["items"].push_back(db);
    };
  // Databricks catalogs.
  m["Items_ListMirroredAzureDatabricksCatalogs"] = [ws_param](const Example& e, json& f, json&) {
    std::string ws = ws_param(e, f);
    json all = json::array();
    for (const auto& i : body_of(e)["value"]) all.push_back(databricks(ws, i["id"], i));
    f["items"] = paged(f, all, body_of(e));
  };
  for (const char* op : {"Items_GetMirroredAzureDatabricksCatalog", "Items_UpdateMirroredAzureDatabricksCatalog",
                         "Items_DeleteMirroredAzureDatabricksCatalog", "Items_GetMirroredAzureDatabricksCatalogDefinition",
                         "Items_UpdateMirroredAzureDatabricksCatalogDefinition", "Refresh_RefreshCatalogMetadata"})
    m[op] = [ws_param](const Example& e, json& f, json&) {
      std::string ws = ws_param(e, f);
      f["items"].push_back(databricks(ws, param(e, "mirroredAzureDatabricksCatalogId"), body_of(e)));
    };
  m["Discovery_DiscoverCatalogs"] = [ws_param](const Example& e, json& f, json&) {
    ws_param(e, f);
    f["unity_catalog"][param(e, "databricksWorkspaceConnectionId")]["catalogs"] = body_of(e)["value"];
  };
  m["Discovery_DiscoverSchemas"] = [ws_param](const Example& e, json& f, json&) {
    ws_param(e, f);
    f["unity_catalog"][param(e, "databricksWorkspaceConnectionId")]["catalogs"] =
        json::array({{{"name", param(e, "catalogName")}, {"schemas", body_of(e)["value"]}}});
  };
  m["Discovery_DiscoverTables"] = [ws_param](const Example& e, json& f, json&) {
    ws_param(e, f);
    f["unity_catalog"][param(e, "databricksWorkspaceConnectionId")]["catalogs"] = json::array(
        {{{"name", param(e, "catalogName")},
          {"schemas", json::array({{{"name", param(e, "schemaName")}, {"tables", body_of(e)["value"]}}})}}});
  };
  // Connections.
  m["Connections_CreateConnection"] = [](const Example&, json&, json&) {};
  m["Connections_ListSupportedConnectionTypes"] = [](const Example& e, json& f, json&) {
    if (body_of(e).contains("continuationToken")) f["config"]["page_size"] = body_of(e)["value"].size();
  };
  m["Connections_ListConnections"] = [](const Example& e, json& f, json&) {
    f["connections"] = paged(f, body_of(e)["value"], body_of(e));
  };
  for (const char* op : {"Connections_GetConnection", "Connections_UpdateConnection", "Connections_DeleteConnection",
                         "Connections_TestConnection"})
    m[op] = [](const Example& e, json& f, json&) {
      json c = body_of(e);
      if (!c.contains("connectivityType")) {
        c = {{"connectivityType", "ShareableCloud"}, {"displayName", "connection"},
             {"connectionDetails", {{"type", "SQL"}, {"path", "server;db"}}}};
        if (body_of(e).contains("errors") && !body_of(e)["errors"].empty()) c["test_errors"] = body_of(e)["errors"];
      }
      c["id"] = param(e, "connectionId");
      f["connections"].push_back(c);
    };
  // Deployment pipelines.
  m["DeploymentPipelines_CreateDeploymentPipeline"] = [](const Example&, json&, json&) {};
  m["DeploymentPipelines_ListDeploymentPipelines"] = [](const Example& e, json& f, json&) {
    f["deploymentPipelines"] = paged(f, body_of(e)["value"], body_of(e));
  };
  auto pipeline = [](const Example& e, json& f, json stages) {
    for (auto& st : stages)
      if (st.contains("workspaceId"))
        f["workspaces"].push_back(workspace(st["workspaceId"], {{"displayName", st.value("workspaceName", "stage workspace")}}));
    json p = {{"id", param(e, "deploymentPipelineId")}, {"displayName", "pipeline"}, {"stages", stages}};
    f["deploymentPipelines"].push_back(p);
    return &f["deploymentPipelines"].back();
  };
  auto two_stages = [] {
    return json::array({pipeline_stage({}, "stage-0", 0), pipeline_stage({}, "stage-1", 1)});
  };
  m["DeploymentPipelines_GetDeploymentPipeline"] = [pipeline](const Example& e, json& f, json&) {
    json stages = json::array();
    for (const auto& st : body_of(e)["stages"]) stages.push_back(pipeline_stage(st, st["id"], stages.size()));
    pipeline(e, f, stages);
  };
  for (const char* op : {"DeploymentPipelines_UpdateDeploymentPipeline", "DeploymentPipelines_DeleteDeploymentPipeline"})
    m[op] = [pipeline, two_stages](const Example& e, json& f, json&) { pipeline(e, f, two_stages()); };
  m["DeploymentPipelines_ListDeploymentPipelineOperations"] = [pipeline, two_stages](const Example& e, json& f, json&) {
    (*pipeline(e, f, two_stages()))["operations"] = paged(f, body_of(e)["value"], body_of(e));
  };
  m["DeploymentPipelines_GetDeploymentPipelineOperation"] = [pipeline, two_stages](const Example& e, json& f, json&) {
    (*pipeline(e, f, two_stages()))["operations"] = json::array({body_of(e)});
  };
  m["DeploymentPipelines_ListDeploymentPipelineStages"] = [pipeline](const Example& e, json& f, json&) {
    json stages = json::array();
    for (const auto& st : body_of(e)["value"]) stages.push_back(pipeline_stage(st, st["id"], stages.size()));
    pipeline(e, f, paged(f, stages, body_of(e)));
  };
  for (const char* op : {"DeploymentPipelines_GetDeploymentPipelineStage", "DeploymentPipelines_UpdateDeploymentPipelineStage",
                         "DeploymentPipelines_AssignWorkspaceToStage", "DeploymentPipelines_UnassignWorkspaceFromStage"})
    m[op] = [pipeline](const Example& e, json& f, json&) {
      json st = pipeline_stage(body_of(e), param(e, "stageId"), 0);
      if (!st.contains("workspaceId")) st["workspaceId"] = "stage-workspace";
      st["workspaceName"] = body_of(e).value("workspaceName", "stage workspace");
      pipeline(e, f, json::array({st, pipeline_stage({}, "stage-next", 1)}));
      json assign = body_param(e);
      if (assign.is_object() && assign.contains("workspaceId")) f["workspaces"].push_back(workspace(assign["workspaceId"]));
    };
  m["DeploymentPipelines_ListDeploymentPipelineStageItems"] = [pipeline](const Example& e, json& f, json&) {
    json st = pipeline_stage({}, param(e, "stageId"), 1);
    st["workspaceId"] = "stage-workspace";
    json* p = pipeline(e, f, json::array({pipeline_stage({}, "before", 0), st, pipeline_stage({}, "after", 2)}));
    json values = json::array(), links = json::array();
    for (const auto& i : body_of(e)["value"]) values.push_back(i);
    values = paged(f, values, body_of(e));
    for (const auto& i : values) {
      f["items"].push_back(item("stage-workspace", i["itemId"], i["itemType"], {{"displayName", i["itemDisplayName"]}}));
      if (i.contains("sourceItemId"))
        links.push_back({{"sourceItemId", i["sourceItemId"]}, {"targetItemId", i["itemId"]},
                         {"time", i.value("lastDeploymentTime", "2024-01-01T00:00:00Z")}});
      if (i.contains("targetItemId"))
        links.push_back({{"sourceItemId", i["itemId"]}, {"targetItemId", i["targetItemId"]}, {"time", "2024-01-01T00:00:00Z"}});
    }
    (*p)["links"] = links;
  };
  m["DeploymentPipelines_DeployStageContent"] = [pipeline](const Example& e, json& f, json&) {
    json req = body_param(e);
    json source = pipeline_stage({}, req["sourceStageId"], 0), target = pipeline_stage({}, req["targetStageId"], 1);
    source["workspaceId"] = "source-workspace";
    target["workspaceId"] = "target-workspace";
    pipeline(e, f, json::array({source, target}));
    json items = req.value("items", json::array({{{"sourceItemId", "item-1"}, {"itemType", "Report"}}}));
    for (const auto& i : items) f["items"].push_back(item("source-workspace", i["sourceItemId"], i["itemType"]));
  };
  // Git.
  auto git_ws = [ws_param](const Example& e, json& f) {
    ws_param(e, f);
    git_status_fixture(f, param(e, "workspaceId"), {{"workspaceHead", "eaa737b48cda41b37ffefac772ea48f6fed3eac4"}});
  };
  m["Git_GetConnection"] = [ws_param](const Example& e, json& f, json&) {
    ws_param(e, f);
    json b = body_of(e);
    if (b.value("gitConnectionState", "") == "NotConnected") return;
    git_status_fixture(f, param(e, "workspaceId"), {{"workspaceHead", b["gitSyncDetails"]["head"]}});
    f["workspaces"][0]["git"]["gitProviderDetails"] = b["gitProviderDetails"];
  };
  for (const char* op : {"Git_Disconnect", "Git_GetMyGitCredentials", "Git_UpdateMyGitCredentials"})
    m[op] = [git_ws](const Example& e, json& f, json&) {
      git_ws(e, f);
      json b = body_of(e);
      if (b.contains("source")) f["workspaces"][0]["git"]["credentials"] = b;
    };
  m["Git_InitializeConnection"] = [ws_param](const Example& e, json& f, json&) {
    ws_param(e, f);
    json b = body_of(e);
    // A remote with content and a workspace with content: PreferRemote asks for UpdateFromGit.
    git_status_fixture(f, param(e, "workspaceId"),
                       {{"workspaceHead", b["remoteCommitHash"]},
                        {"changes", json::array({{{"itemMetadata", {{"itemIdentifier", json::object()}, {"itemType", "Report"},
                                                                   {"displayName", "r"}}},
                                                  {"workspaceChange", "Added"}}})}});
    f["workspaces"][0]["git"]["state"] = "Connected";
    f["workspaces"][0]["git"]["head"] = nullptr;
    f["git_remotes"]["conformance"]["commits"][0]["items"].push_back(
        {{"logicalId", "remote-item"}, {"type", "Report"}, {"displayName", "remote"}, {"description", ""},
         {"definition", json::object()}});
  };
  m["Git_GetStatus"] = [ws_param](const Example& e, json& f, json&) {
    ws_param(e, f);
    git_status_fixture(f, param(e, "workspaceId"), body_of(e));
  };
  m["Git_CommitToGit"] = [ws_param](const Example& e, json& f, json&) {
    ws_param(e, f);
    json req = body_param(e);
    json changes = json::array();
    for (const auto& i : req.value("items", json::array({json::object()})))
      changes.push_back({{"itemMetadata", {{"itemIdentifier", i}, {"itemType", "Report"}, {"displayName", "r"}}},
                         {"workspaceChange", i.contains("logicalId") ? "Modified" : "Added"}});
    git_status_fixture(f, param(e, "workspaceId"), {{"workspaceHead", req["workspaceHead"]}, {"changes", changes}});
  };
  m["Git_UpdateFromGit"] = [ws_param](const Example& e, json& f, json&) {
    ws_param(e, f);
    json req = body_param(e);
    git_status_fixture(f, param(e, "workspaceId"),
                       {{"workspaceHead", req["workspaceHead"]}, {"remoteCommitHash", req["remoteCommitHash"]},
                        {"changes", json::array({{{"itemMetadata", {{"itemIdentifier", {{"logicalId", "l1"}}},
                                                                   {"itemType", "Report"}, {"displayName", "r"}}},
                                                  {"remoteChange", "Modified"}, {"workspaceChange", "Modified"},
                                                  {"conflictType", "Conflict"}}})}});
  };
  // Shortcuts.
  auto lakehouse = [ws_param](const Example& e, json& f) -> json& {
    std::string ws = ws_param(e, f);
    f["items"].push_back(item(ws, param(e, "itemId"), "Lakehouse"));
    return f["items"].back();
  };
  m["OneLakeShortcuts_CreateShortcut"] = [lakehouse](const Example& e, json& f, json&) {
    json& lh = lakehouse(e, f);
    // An example that only shows 200 overwrites an existing shortcut.
    if (!e.data["responses"].contains("201")) {
      json req = body_param(e);
      lh["shortcuts"] = json::array({{{"path", req["path"]}, {"name", req["name"]}, {"target", {{"type", "OneLake"}}}}});
    }
  };
  m["OneLakeShortcuts_ListShortcuts"] = [lakehouse](const Example& e, json& f, json&) {
    json& lh = lakehouse(e, f);
    lh["shortcuts"] = body_of(e)["value"];
    lh["shortcuts"] = paged(f, lh["shortcuts"], body_of(e));
  };
  for (const char* op : {"OneLakeShortcuts_GetShortcut", "OneLakeShortcuts_DeleteShortcut"})
    m[op] = [lakehouse](const Example& e, json& f, json&) {
      json& lh = lakehouse(e, f);
      json sc = body_of(e);
      if (!sc.contains("path")) sc = {{"target", {{"type", "OneLake"}}}};
      sc["path"] = param(e, "shortcutPath");
      sc["name"] = param(e, "shortcutName");
      lh["shortcuts"] = json::array({sc});
    };
  // Long-running operations (the core's routes).
  auto operation = [](const Example& e, json& root, const std::string& status, const json& result) {
    root["operations"][param(e, "operationId")] = {{"family", "fabric"}, {"status", status}, {"polls", 0},
                                                   {"running_polls", status == "Running" ? 1000 : 0},
                                                   {"createdTimeUtc", "2024-01-01T00:00:00.000Z"},
                                                   {"lastUpdatedTimeUtc", "2024-01-01T00:00:00.000Z"},
                                                   {"result", result}, {"error", nullptr}};
  };
  m["LongRunningOperations_GetOperationState"] = [operation](const Example& e, json&, json& root) {
    std::string status = body_of(e).value("status", "Succeeded");
    operation(e, root, status, status == "Succeeded" ? json{{"done", true}} : json());
  };
  m["LongRunningOperations_GetOperationResult"] = [operation](const Example& e, json&, json& root) {
    operation(e, root, "Succeeded", body_of(e));
  };
  return m;
}

// ---- Requests: the example's, with placeholder payloads made real ----------------------------

json platform_for(const std::string& type) {
  return {{"$schema", "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/platformProperties/2.0.0/schema.json"},
          {"metadata", {{"type", type}, {"displayName", "from .platform"}}},
          {"config", {{"version", "2.0"}, {"logicalId", "00000000-0000-0000-0000-000000000000"}}}};
}

// The examples' definition payloads are placeholders ("eyAicHJvcGVydGllcy..."), so parts the
// simulator reads are replaced with valid content of the same path.
void repair_definition(json& body, const std::string& type) {
  if (!body.is_object() || !body.contains("definition")) return;
  for (auto& part : body["definition"]["parts"]) {
    std::string path = part.value("path", "");
    if (path == "mirroring.json") part = fabrictest::mirroring(kConn)["parts"][0];
    else if (path == "definition.json") part = fabrictest::part("definition.json", catalog_content());
    else if (path == ".platform") part = fabrictest::part(".platform", platform_for(type));
  }
}

std::string type_of(const Example& e) {
  if (e.path.find("mirroredDatabases") != std::string::npos) return "MirroredDatabase";
  if (e.path.find("mirroredAzureDatabricksCatalogs") != std::string::npos) return "MirroredAzureDatabricksCatalog";
  json b = body_param(e);
  return b.is_object() && b.contains("type") ? b["type"].get<std::string>() : "Report";
}

// ---- Comparison --------------------------------------------------------------------------------

void compare(const json& want, const json& got, const std::string& at, std::vector<std::string>& problems) {
  if (want.is_null()) return;  // the field must be there (checked by the caller); any type
  auto kind = [](const json& v) -> std::string {
    if (v.is_number()) return "number";
    return v.type_name();
  };
  if (kind(want) != kind(got)) {
    problems.push_back(at + ": expected " + kind(want) + ", got " + kind(got) + " " + got.dump().substr(0, 80));
    return;
  }
  if (want.is_object()) {
    for (const auto& [k, v] : want.items()) {
      if (!got.contains(k)) {
        problems.push_back(at + "." + k + ": missing");
        continue;
      }
      compare(v, got[k], at + "." + k, problems);
    }
  } else if (want.is_array()) {
    if (!want.empty() && got.empty()) problems.push_back(at + ": empty, the example has elements");
    for (std::size_t i = 0; i < want.size() && !got.empty(); ++i) {
      std::vector<std::string> best;
      bool matched = false;
      for (std::size_t j = 0; j < got.size() && !matched; ++j) {
        std::vector<std::string> p;
        compare(want[i], got[j], at + "[" + std::to_string(i) + "]", p);
        if (p.empty()) matched = true;
        else if (best.empty() || p.size() < best.size()) best = p;
      }
      if (!matched) problems.insert(problems.end(), best.begin(), best.end());
    }
  }
}

// The simulator's answer to one example, checked; returns its problems.
std::vector<std::string> replay(FabricSim& f, const Example& e, const Fixture& fixture) {
  json fabric = {{"workspaces", json::array()}, {"items", json::array()}};
  json root = json::object();
  fixture(e, fabric, root);
  root["fabric"] = fabric;
  f.reseed(root);
  if (std::getenv("FABRIC_CONFORMANCE_DEBUG")) std::cerr << e.name << ": " << f.sim().state().dump() << "\n";
  std::string target = fill_path(e, e.data["parameters"]);
  std::string q = query_of(e);
  if (!q.empty()) target += "?" + q;
  json body = body_param(e);
  repair_definition(body, type_of(e));
  Reply r = f.call(e.method, target, body.is_null() && e.method == "POST" ? json("") : body);

  std::vector<std::string> problems;
  const json& responses = e.data["responses"];
  std::string status = std::to_string(r.status);
  if (!responses.contains(status)) {
    problems.push_back(e.method + " " + target + " answered " + status + " " + r.body.dump().substr(0, 200) +
                       "; the example shows " + [&] {
                         std::string s;
                         for (const auto& [k, v] : responses.items()) s += k + " ";
                         return s;
                       }());
    return problems;
  }
  json headers = responses[status].value("headers", json::object());
  for (const auto& [h, v] : headers.items())
    if (r.header(h).empty()) problems.push_back("header " + h + ": missing from the " + status + " answer");
  if (r.status == 202) {
    Reply done = f.finish(r);
    if (done.status != 200) {
      problems.push_back("the operation did not succeed: " + std::to_string(done.status) + " " + done.body.dump());
      return problems;
    }
    r = done;
    status = responses.contains("200") ? "200" : "201";
    if (!responses.contains(status)) return problems;
  }
  json want = responses[status].value("body", json());
  if (want.is_null()) return problems;
  // A created item's sensitivityLabel comes from the tenant's label policy when the request
  // sets none; the simulator does not model label policies.
  if (e.method == "POST" && want.contains("sensitivityLabel") && !(body.is_object() && body.contains("sensitivityLabelSettings")))
    want.erase("sensitivityLabel");
  if (r.body.is_null()) problems.push_back("the answer has no body; the example has " + want.dump().substr(0, 80));
  else compare(want, r.body, "body", problems);
  return problems;
}

// Examples whose request the service itself refuses, with the answer the simulator must give.
struct Refused {
  int status;
  std::string code;
  std::string why;
};
const std::map<std::string, Refused> kRefused = {
    {"platform/examples/connections/CreateCloudConnectionWithKeyPair.json",
     {400, "InvalidConnectionDetails",
      "a SQL connection with a 'warehouse' parameter and KeyPair credentials: SQL takes server and database, and "
      "Basic, OAuth2, ServicePrincipal or WorkspaceIdentity credentials"}},
};

bool served(FabricSim& f, const Example& e) {
  Reply r = f.call(e.method, fill_path(e, json::object(), "00000000-0000-4000-8000-000000000000") + (e.fixed_query.empty() ? "" : "?" + e.fixed_query),
                   e.method == "GET" || e.method == "DELETE" ? json() : json("{}"));
  std::string message = r.body.is_object() ? r.body.value("message", "") : "";
  return message.rfind("tarn-sim has no route", 0) != 0 && message.find("is not supported on") == std::string::npos;
}

}  // namespace

TEST_CASE("fabric conformance: the Fabric specs are present", "[fabric][conformance]") {
  INFO("specs folder: " << specs_dir().string() << " (set TARN_SHARED_DIR to the shared/ folder)");
  REQUIRE(fs::is_directory(specs_dir()));
  REQUIRE(fs::exists(specs_dir() / "platform" / "swagger.json"));
  REQUIRE(fs::exists(specs_dir() / "mirroredDatabase" / "swagger.json"));
}

TEST_CASE("fabric conformance: every example of a served operation is answered with the example's shape",
          "[fabric][conformance]") {
  REQUIRE(fs::is_directory(specs_dir()));
  auto all = load_examples();
  REQUIRE(all.size() > 100);
  auto table = fixtures();
  std::set<std::string> served_ops;
  std::vector<std::string> failures;
  int replayed = 0;
  FabricSim f;
  for (auto& e : all) {
    f.reseed(json::object());
    if (!served(f, e)) continue;
    served_ops.insert(e.op_id);
    try {
      e.data = read_json(e.file);
    } catch (const std::exception& ex) {
      failures.push_back(e.name + ": " + e.op_id + " is served, but its example cannot be read: " + ex.what());
      continue;
    }
    auto fixture = table.find(e.op_id);
    if (fixture == table.end()) {
      failures.push_back(e.name + ": the simulator serves " + e.op_id + " but this test has no fixture for it");
      continue;
    }
    auto refused = kRefused.find(e.name);
    std::vector<std::string> problems;
    try {
      if (refused != kRefused.end()) {
        f.reseed({{"fabric", {{"workspaces", json::array()}}}});
        json body = body_param(e);
        Reply r = f.call(e.method, fill_path(e, e.data["parameters"]), body);
        if (r.status != refused->second.status || r.body.value("errorCode", "") != refused->second.code)
          problems.push_back("expected " + std::to_string(refused->second.status) + " " + refused->second.code + " (" +
                             refused->second.why + "), got " + std::to_string(r.status) + " " + r.body.dump());
      } else {
        problems = replay(f, e, fixture->second);
      }
    } catch (const std::exception& ex) {
      problems.push_back(std::string("threw: ") + ex.what());
    }
    ++replayed;
    for (const auto& p : problems) failures.push_back(e.name + " (" + e.op_id + "): " + p);
  }
  std::string report;
  for (const auto& f : failures) report += "\n  " + f;
  INFO(replayed << " examples replayed over " << served_ops.size() << " served operations" << report);
  CHECK(failures.empty());
  // What tarn relies on must stay served: losing a route must not shrink this test quietly.
  for (const char* op : {"Workspaces_ListWorkspaces", "Workspaces_GetWorkspace", "Workspaces_AddWorkspaceRoleAssignment",
                         "Workspaces_ProvisionIdentity", "Items_ListItems", "Items_CreateItem", "Items_GetItemDefinition",
                         "Items_UpdateItemDefinition", "Items_CreateMirroredDatabase", "Mirroring_StartMirroring",
                         "Mirroring_GetMirroringStatus", "Mirroring_GetTablesMirroringStatus",
                         "Items_CreateMirroredAzureDatabricksCatalog", "Discovery_DiscoverTables",
                         "Refresh_RefreshCatalogMetadata", "Connections_CreateConnection",
                         "Connections_ListSupportedConnectionTypes", "Connections_TestConnection",
                         "DeploymentPipelines_DeployStageContent", "DeploymentPipelines_ListDeploymentPipelineStageItems",
                         "Git_GetStatus", "Git_CommitToGit", "Git_UpdateFromGit", "Git_InitializeConnection",
                         "OneLakeShortcuts_CreateShortcut", "LongRunningOperations_GetOperationState"})
  {
    INFO(op << " is not served");
    CHECK(served_ops.count(op) == 1);
  }
  for (const auto& [op, fixture] : table) {
    INFO("a fixture for " << op << ", which the simulator does not serve");
    CHECK(served_ops.count(op) == 1);
  }
}
