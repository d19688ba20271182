// Fixtures of the Fabric conformance test (fabric_conformance.hpp): from each example, the state
// in which its request can succeed — the entities its path names, the elements of the list it
// shows (one more, and a page size, when it shows a continuation), the status a mirroring call
// needs, or the Git situation whose status it answers.
#include "fabric_conformance.hpp"

#include <set>

namespace fabricconf {

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

namespace {

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

}  // namespace

json catalog_content(const json& props) {
  json c = {{"catalogName", props.value("catalogName", "catalog_1")},
            {"databricksWorkspaceConnectionId", props.value("databricksWorkspaceConnectionId", kConn)},
            {"mirroringMode", props.value("mirroringMode", "Full")},
            {"autoSync", props.value("autoSync", "Enabled")}};
  if (props.contains("storageConnectionId")) c["storageConnectionId"] = props["storageConnectionId"];
  return c;
}

namespace {

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

}  // namespace

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


}  // namespace fabricconf
