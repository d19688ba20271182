// tarn-sim's Fabric routes, in-process: workspaces and role assignments, items and
// definitions, the mirrored database status machine and table progress, Databricks catalogs and
// discovery, connections, deployment pipelines, git, shortcuts, paging, throttling and
// persistence. docs/simulator.md ("Fabric") describes what is tested here.
#include <catch2/catch.hpp>

#include <fstream>

#include "fabric_support.hpp"
#include "support.hpp"

using fabrictest::FabricSim;
using fabrictest::json;
using fabrictest::mirroring;
using fabrictest::Reply;
using fabrictest::sleep_ms;

namespace {

const std::string kWs = "/fabric/v1/workspaces/";

json workspaces(std::initializer_list<const char*> ids) {
  json a = json::array();
  for (const char* id : ids) a.push_back({{"id", id}, {"displayName", std::string("ws ") + id}});
  return a;
}

json seed(json fabric) {
  if (!fabric.contains("workspaces")) fabric["workspaces"] = workspaces({"w1", "w2"});
  return {{"fabric", fabric}};
}

std::string create_db(FabricSim& f, const std::string& ws, const json& definition, const std::string& name = "db") {
  Reply r = f.call("POST", kWs + ws + "/mirroredDatabases", {{"displayName", name}, {"definition", definition}});
  REQUIRE(r.status == 201);
  return r.body["id"];
}

std::string status_of(FabricSim& f, const std::string& db_path) {
  Reply r = f.call("POST", db_path + "/getMirroringStatus", "");
  REQUIRE(r.status == 200);
  return r.body["status"];
}

}  // namespace

TEST_CASE("fabric: routes refuse a missing or foreign token in Fabric's 401 shape", "[fabric]") {
  FabricSim f(seed({}));
  std::int64_t now = sim::unix_now();
  std::string arm = f.sim().sign_token({{"aud", "https://management.azure.com"}, {"exp", now + 60}, {"oid", "x"}});
  Reply r = f.call("GET", "/fabric/v1/workspaces", nullptr, arm);
  CHECK(r.status == 401);
  CHECK(r.body["errorCode"] == "Unauthorized");
  CHECK(r.header("x-ms-public-api-error-code") == "Unauthorized");
  CHECK(f.call("POST", kWs + "w1/items", {{"displayName", "x"}, {"type", "Lakehouse"}}, "not-a-jwt").status == 401);
}

TEST_CASE("fabric: a workspace's creator is its Admin, a second assignment of a principal is refused", "[fabric]") {
  FabricSim f(seed({}));
  Reply created = f.call("POST", "/fabric/v1/workspaces", {{"displayName", "Sales"}});
  REQUIRE(created.status == 201);
  std::string id = created.body["id"];
  CHECK(created.header("Location") == "http://sim.test:8080/fabric/v1/workspaces/" + id);
  CHECK(f.call("POST", "/fabric/v1/workspaces", {{"displayName", "Sales"}}).body["errorCode"] ==
        "WorkspaceNameAlreadyExists");

  Reply roles = f.call("GET", kWs + id + "/roleAssignments");
  REQUIRE(roles.body["value"].size() == 1);
  CHECK(roles.body["value"][0]["principal"]["id"] == fabrictest::kCaller);
  CHECK(roles.body["value"][0]["role"] == "Admin");

  json add = {{"principal", {{"id", "11111111-0000-4000-8000-000000000001"}, {"type", "ServicePrincipal"}}},
              {"role", "Contributor"}};
  Reply added = f.call("POST", kWs + id + "/roleAssignments", add);
  CHECK(added.status == 201);
  CHECK(added.body["role"] == "Contributor");
  Reply again = f.call("POST", kWs + id + "/roleAssignments", add);
  CHECK(again.status == 409);
  CHECK(again.body["errorCode"] == "PrincipalAlreadyHasWorkspaceRolePermissions");
  CHECK(f.call("POST", kWs + id + "/roleAssignments", {{"principal", add["principal"]}, {"role", "Owner"}}).status == 400);

  std::string ra = kWs + id + "/roleAssignments/11111111-0000-4000-8000-000000000001";
  CHECK(f.call("PATCH", ra, {{"role", "Viewer"}}).body["role"] == "Viewer");
  CHECK(f.call("DELETE", ra).status == 200);
  CHECK(f.call("GET", ra).status == 404);
  CHECK(f.call("GET", kWs + id + "/roleAssignments").body["value"].size() == 1);
}

TEST_CASE("fabric: the roles filter lists the caller's workspaces and refuses unknown roles", "[fabric]") {
  json ws = workspaces({"mine"});
  ws.push_back({{"id", "viewer"}, {"displayName", "v"},
                {"roleAssignments", json::array({{{"id", fabrictest::kCaller},
                                                  {"principal", {{"id", fabrictest::kCaller}, {"type", "ServicePrincipal"}}},
                                                  {"role", "Viewer"}}})}});
  ws.push_back({{"id", "other"}, {"displayName", "o"},
                {"roleAssignments", json::array({{{"id", "p"}, {"principal", {{"id", "p"}, {"type", "User"}}}, {"role", "Admin"}}})}});
  FabricSim f(seed({{"workspaces", ws}}));
  auto ids = [&](const std::string& q) {
    std::vector<std::string> out;
    Reply r = f.call("GET", "/fabric/v1/workspaces" + q);
    for (const auto& w : r.body["value"]) out.push_back(w["id"]);
    return out;
  };
  CHECK(ids("") == std::vector<std::string>{"mine", "viewer", "other"});
  CHECK(ids("?roles=Admin,Member") == std::vector<std::string>{"mine"});
  CHECK(ids("?roles=Viewer") == std::vector<std::string>{"viewer"});
  Reply bad = f.call("GET", "/fabric/v1/workspaces?roles=Owner");
  CHECK(bad.status == 400);
  CHECK(bad.body["errorCode"] == "InvalidParameter");
}

TEST_CASE("fabric: provisionIdentity is a long-running operation and GET shows the identity", "[fabric]") {
  FabricSim f(seed({}));
  CHECK_FALSE(f.call("GET", kWs + "w1").body.contains("workspaceIdentity"));
  Reply started = f.call("POST", kWs + "w1/provisionIdentity", "");
  REQUIRE(started.status == 202);
  CHECK_FALSE(started.header("x-ms-operation-id").empty());
  Reply result = f.finish(started);
  REQUIRE(result.status == 200);
  json ws = f.call("GET", kWs + "w1").body;
  CHECK(ws["workspaceIdentity"] == result.body);
  CHECK(ws["workspaceIdentity"]["applicationId"].is_string());
  CHECK(ws["workspaceIdentity"]["servicePrincipalId"].is_string());
  CHECK(f.call("GET", kWs + "nope").body["errorCode"] == "WorkspaceNotFound");
}

TEST_CASE("fabric: lists page by fabric.config.page_size with continuationToken and continuationUri", "[fabric]") {
  json items = json::array();
  for (int i = 0; i < 5; ++i)
    items.push_back({{"id", "i" + std::to_string(i)}, {"workspaceId", "w1"}, {"type", i % 2 ? "Notebook" : "Lakehouse"},
                     {"displayName", "item " + std::to_string(i)}});
  FabricSim f(seed({{"config", {{"page_size", 2}}}, {"items", items}}));
  std::vector<std::string> seen;
  std::string next = kWs + "w1/items";
  int pages = 0;
  while (!next.empty()) {
    Reply r = f.call("GET", next);
    REQUIRE(r.status == 200);
    ++pages;
    for (const auto& i : r.body["value"]) seen.push_back(i["id"]);
    next = r.body.contains("continuationUri") ? r.body["continuationUri"].get<std::string>() : "";
    if (!next.empty()) {
      CHECK(r.body["continuationToken"].is_string());
      next = next.substr(next.find("/fabric/"));
    }
  }
  CHECK(pages == 3);
  CHECK(seen == std::vector<std::string>{"i0", "i1", "i2", "i3", "i4"});
  CHECK(f.call("GET", kWs + "w1/items?type=Notebook").body["value"].size() == 2);
  CHECK(f.call("GET", kWs + "w1/items?continuationToken=bogus").body["errorCode"] == "InvalidContinuationToken");
}

TEST_CASE("fabric: items are created at once, or as an operation when they carry a definition", "[fabric]") {
  FabricSim f(seed({}));
  Reply plain = f.call("POST", kWs + "w1/items", {{"displayName", "lake"}, {"type", "Lakehouse"}});
  CHECK(plain.status == 201);
  CHECK(plain.body["type"] == "Lakehouse");
  CHECK(f.call("POST", kWs + "w1/items", {{"displayName", "lake"}, {"type", "Lakehouse"}}).body["errorCode"] ==
        "ItemDisplayNameAlreadyInUse");
  CHECK(f.call("POST", kWs + "w1/items", {{"displayName", "x"}, {"type", "Spreadsheet"}}).body["errorCode"] ==
        "InvalidItemType");
  CHECK(f.call("POST", kWs + "nope/items", {{"displayName", "x"}, {"type", "Lakehouse"}}).body["errorCode"] ==
        "WorkspaceNotFound");

  json nb = {{"parts", json::array({fabrictest::part("notebook-content.json", {{"cells", 1}})})}};
  Reply started = f.call("POST", kWs + "w1/items", {{"displayName", "nb"}, {"type", "Notebook"}, {"definition", nb}});
  REQUIRE(started.status == 202);
  Reply item = f.finish(started);
  REQUIRE(item.status == 200);
  std::string id = item.body["id"];
  CHECK(item.body["displayName"] == "nb");

  Reply def = f.run("POST", kWs + "w1/items/" + id + "/getDefinition", "");
  REQUIRE(def.status == 200);
  json parts = def.body["definition"]["parts"];
  REQUIRE(parts.size() == 2);
  CHECK(parts[0]["path"] == "notebook-content.json");
  CHECK(parts[1]["path"] == ".platform");
  json platform = json::parse(*sim::fabric::b64_decode(parts[1]["payload"].get<std::string>()));
  CHECK(platform["metadata"]["type"] == "Notebook");
  CHECK(platform["metadata"]["displayName"] == "nb");
  CHECK(platform["config"]["logicalId"].is_string());

  // .platform renames the item only with updateMetadata=true.
  json renamed = platform;
  renamed["metadata"]["displayName"] = "renamed";
  json update = {{"definition", {{"parts", json::array({parts[0], fabrictest::part(".platform", renamed)})}}}};
  CHECK(f.run("POST", kWs + "w1/items/" + id + "/updateDefinition", update).status == 200);
  CHECK(f.call("GET", kWs + "w1/items/" + id).body["displayName"] == "nb");
  CHECK(f.run("POST", kWs + "w1/items/" + id + "/updateDefinition?updateMetadata=true", update).status == 200);
  CHECK(f.call("GET", kWs + "w1/items/" + id).body["displayName"] == "renamed");

  json broken = {{"definition", {{"parts", json::array({{{"path", "x"}, {"payload", "@@@"}, {"payloadType", "InlineBase64"}}})}}}};
  Reply bad = f.call("POST", kWs + "w1/items/" + id + "/updateDefinition", broken);
  CHECK(bad.status == 400);
  CHECK(bad.body["errorCode"] == "CorruptedPayload");

  CHECK(f.call("PATCH", kWs + "w1/items/" + id, {{"description", "d"}}).body["description"] == "d");
  CHECK(f.call("DELETE", kWs + "w1/items/" + id).status == 200);
  CHECK(f.call("GET", kWs + "w1/items/" + id).body["errorCode"] == "ItemNotFound");
}

TEST_CASE("fabric: a mirrored database needs a valid mirroring.json", "[fabric][mirroring]") {
  FabricSim f(seed({}));
  Reply none = f.call("POST", kWs + "w1/mirroredDatabases", {{"displayName", "m"}});
  CHECK(none.status == 400);
  json m = mirroring("c1");
  json bad = m;
  json content = json::parse(*sim::fabric::b64_decode(bad["parts"][0]["payload"].get<std::string>()));
  content["properties"]["target"]["typeProperties"]["format"] = "Parquet";
  bad["parts"][0] = fabrictest::part("mirroring.json", content);
  Reply refused = f.call("POST", kWs + "w1/mirroredDatabases", {{"displayName", "m"}, {"definition", bad}});
  CHECK(refused.status == 400);
  CHECK(refused.body["errorCode"] == "CorruptedPayload");
  CHECK(refused.body["message"].get<std::string>().find("format") != std::string::npos);

  std::string id = create_db(f, "w1", m);
  json got = f.call("GET", kWs + "w1/mirroredDatabases/" + id).body;
  CHECK(got["properties"]["defaultSchema"] == "public");
  CHECK(got["properties"]["sqlEndpointProperties"]["provisioningStatus"] == "Success");
  CHECK(got["properties"]["oneLakeTablesPath"] ==
        "https://onelake.dfs.fabric.microsoft.com/w1/" + id + "/Tables");
  // The typed collection does not find other item types.
  Reply lake = f.call("POST", kWs + "w1/items", {{"displayName", "lake"}, {"type", "Lakehouse"}});
  CHECK(f.call("GET", kWs + "w1/mirroredDatabases/" + lake.body["id"].get<std::string>()).status == 404);
  CHECK(f.call("GET", kWs + "w1/mirroredDatabases").body["value"].size() == 1);
}

TEST_CASE("fabric: mirroring goes Initialized, Starting, Running, Stopping, Stopped on its delays", "[fabric][mirroring]") {
  FabricSim f(seed({{"config", {{"start_delay_ms", 150}, {"stop_delay_ms", 100}}}}));
  std::string db = kWs + "w1/mirroredDatabases/" + create_db(f, "w1", mirroring("c1"));
  CHECK(status_of(f, db) == "Initialized");
  CHECK(f.call("POST", db + "/stopMirroring", "").body["errorCode"] == "OperationNotAllowedInCurrentStatus");
  CHECK(f.call("POST", db + "/startMirroring", "").status == 200);
  CHECK(status_of(f, db) == "Starting");
  CHECK(f.call("POST", db + "/startMirroring", "").status == 200);  // already starting: nothing to do
  sleep_ms(200);
  CHECK(status_of(f, db) == "Running");
  CHECK(f.call("POST", db + "/stopMirroring", "").status == 200);
  CHECK(status_of(f, db) == "Stopping");
  CHECK(f.call("POST", db + "/startMirroring", "").body["errorCode"] == "OperationNotAllowedInCurrentStatus");
  sleep_ms(150);
  CHECK(status_of(f, db) == "Stopped");
  CHECK(f.call("POST", db + "/startMirroring", "").status == 200);
  CHECK(status_of(f, db) == "Starting");
}

TEST_CASE("fabric: mirroring cannot start while the database is Initializing", "[fabric][mirroring]") {
  FabricSim f(seed({{"config", {{"provision_delay_ms", 150}}}}));
  std::string db = kWs + "w1/mirroredDatabases/" + create_db(f, "w1", mirroring("c1"));
  CHECK(status_of(f, db) == "Initializing");
  CHECK(f.call("GET", db).body["properties"]["sqlEndpointProperties"]["provisioningStatus"] == "InProgress");
  Reply refused = f.call("POST", db + "/startMirroring", "");
  CHECK(refused.status == 400);
  CHECK(refused.body["errorCode"] == "OperationNotAllowedInCurrentStatus");
  CHECK(refused.header("x-ms-public-api-error-code") == "OperationNotAllowedInCurrentStatus");
  CHECK(refused.body["message"].get<std::string>().find("Initializing") != std::string::npos);
  sleep_ms(200);
  CHECK(status_of(f, db) == "Initialized");
  CHECK(f.call("POST", db + "/startMirroring", "").status == 200);
}

TEST_CASE("fabric: the source connection, database and schema change only while Initialized or Stopped",
          "[fabric][mirroring]") {
  FabricSim f(seed({{"config", {{"start_delay_ms", 0}, {"stop_delay_ms", 0}}}}));
  std::string db = kWs + "w1/mirroredDatabases/" + create_db(f, "w1", mirroring("c1"));
  CHECK(f.run("POST", db + "/updateDefinition", {{"definition", mirroring("c2")}}).status == 200);
  REQUIRE(f.call("POST", db + "/startMirroring", "").status == 200);
  CHECK(status_of(f, db) == "Running");
  for (const json& change : {mirroring("c3"), mirroring("c2", "otherdb"), mirroring("c2", "appdb", "sales")}) {
    Reply refused = f.call("POST", db + "/updateDefinition", {{"definition", change}});
    CHECK(refused.status == 400);
    CHECK(refused.body["errorCode"] == "OperationNotAllowedInCurrentStatus");
  }
  // Tables may change while running.
  json tables = mirroring("c2", "appdb", "public", json::array({json::array({"public", "orders"})}));
  CHECK(f.run("POST", db + "/updateDefinition", {{"definition", tables}}).status == 200);
  REQUIRE(f.call("POST", db + "/stopMirroring", "").status == 200);
  CHECK(f.run("POST", db + "/updateDefinition", {{"definition", mirroring("c3")}}).status == 200);
  Reply def = f.run("POST", db + "/getDefinition", "");
  json m = json::parse(*sim::fabric::b64_decode(def.body["definition"]["parts"][0]["payload"].get<std::string>()));
  CHECK(m["properties"]["source"]["typeProperties"]["connection"] == "c3");
}

TEST_CASE("fabric: tables snapshot, then replicate with growing row counts; a seeded failure fails its table",
          "[fabric][mirroring]") {
  json sources = {{"c1", json::array({{{"schema", "public"}, {"table", "orders"}, {"rows", 1000}},
                                       {{"schema", "public"}, {"table", "lines"}, {"rows", 50}},
                                       {{"schema", "public"}, {"table", "broken"}, {"rows", 10},
                                        {"fail", {{"errorCode", "SourceTableMissingPrimaryKey"}, {"message", "no key"}}}}})}};
  FabricSim f(seed({{"config", {{"start_delay_ms", 0}, {"table_progress_ms", 300}, {"page_size", 2}}},
                    {"source_tables", sources}}));
  std::string db = kWs + "w1/mirroredDatabases/" + create_db(f, "w1", mirroring("c1"));
  CHECK(f.call("POST", db + "/getTablesMirroringStatus", "").body["data"].empty());  // not started yet
  REQUIRE(f.call("POST", db + "/startMirroring", "").status == 200);
  auto tables = [&] {
    std::map<std::string, json> out;
    std::string path = db + "/getTablesMirroringStatus";
    for (int page = 0; page < 5 && !path.empty(); ++page) {
      Reply r = f.call("POST", path, "");
      REQUIRE(r.status == 200);
      for (const auto& t : r.body["data"]) out[t["sourceTableName"]] = t;
      path = r.body.contains("continuationToken")
                 ? db + "/getTablesMirroringStatus?continuationToken=" + r.body["continuationToken"].get<std::string>()
                 : "";
    }
    return out;
  };
  sleep_ms(60);
  auto early = tables();
  REQUIRE(early.size() == 3);
  CHECK(early["orders"]["status"] == "Snapshotting");
  CHECK(early["orders"]["metrics"]["processedRows"].get<int>() < 1000);
  CHECK_FALSE(early["orders"]["metrics"].contains("lastSyncDateTime"));
  sleep_ms(350);
  auto later = tables();
  CHECK(later["orders"]["status"] == "Replicating");
  CHECK(later["orders"]["metrics"]["processedRows"].get<int>() >= 1000);
  CHECK(later["orders"]["metrics"]["lastSyncDateTime"].is_string());
  CHECK(later["orders"]["metrics"]["processedBytes"].get<int>() > 0);
  CHECK(later["broken"]["status"] == "Failed");
  CHECK(later["broken"]["error"]["errorCode"] == "SourceTableMissingPrimaryKey");
  sleep_ms(650);
  CHECK(tables()["orders"]["metrics"]["processedRows"].get<int>() > later["orders"]["metrics"]["processedRows"].get<int>());

  // mountedTables narrows the list; tables unknown to the seed get a default row count.
  json only = mirroring("c1", "appdb", "public", json::array({json::array({"public", "lines"}), json::array({"s", "new"})}));
  REQUIRE(f.run("POST", db + "/updateDefinition", {{"definition", only}}).status == 200);
  auto mounted = tables();
  CHECK(mounted.size() == 2);
  CHECK(mounted.count("lines") == 1);
  CHECK(mounted.count("new") == 1);
}

TEST_CASE("fabric: Databricks catalogs are created from a creationPayload and discovered from the seeded Unity Catalog",
          "[fabric][databricks]") {
  json uc = {{"dbx", {{"catalogs", json::array({{{"name", "main"},
                                                  {"schemas", json::array({{{"name", "sales"},
                                                                            {"tables", json::array({{{"name", "orders"}},
                                                                                                    {{"name", "v"}, {"tableType", "VIEW"}},
                                                                                                    {{"name", "csv"}, {"tableType", "EXTERNAL"}, {"dataSourceFormat", "CSV"}},
                                                                                                    {{"name", "ext"}, {"tableType", "EXTERNAL"}}})}}})}},
                                                 {{"name", "other"}}})}}}};
  FabricSim f(seed({{"unity_catalog", uc}}));
  std::string base = kWs + "w1/azureDatabricks/catalogs";
  Reply cats = f.call("GET", base + "?databricksWorkspaceConnectionId=dbx");
  REQUIRE(cats.status == 200);
  CHECK(cats.body["value"].size() == 2);
  CHECK(cats.body["value"][0]["catalogType"] == "MANAGED_CATALOG");
  CHECK(cats.body["continuationToken"].is_null());
  CHECK(f.call("GET", base + "?databricksWorkspaceConnectionId=dbx&maxResults=1").body["continuationToken"].is_string());
  Reply schemas = f.call("GET", base + "/main/schemas?databricksWorkspaceConnectionId=dbx");
  CHECK(schemas.body["value"][0]["fullName"] == "main.sales");
  Reply tables = f.call("GET", kWs + "w1/azuredatabricks/catalogs/main/schemas/sales/tables?databricksWorkspaceConnectionId=dbx");
  REQUIRE(tables.body["value"].size() == 2);  // no view, no CSV table
  CHECK(tables.body["value"][0]["fullName"] == "main.sales.orders");
  CHECK(tables.body["value"][1]["tableType"] == "EXTERNAL");
  CHECK(f.call("GET", base).body["errorCode"] == "InvalidParameter");
  CHECK(f.call("GET", base + "?databricksWorkspaceConnectionId=nope").status == 404);
  CHECK(f.call("GET", base + "/none/schemas?databricksWorkspaceConnectionId=dbx").status == 404);

  json payload = {{"catalogName", "main"}, {"databricksWorkspaceConnectionId", "dbx"}, {"mirroringMode", "Full"}};
  CHECK(f.call("POST", kWs + "w1/mirroredAzureDatabricksCatalogs",
               {{"displayName", "c"}, {"creationPayload", {{"catalogName", "main"}, {"mirroringMode", "All"}}}})
            .body["errorCode"] == "InvalidInput");
  Reply started = f.call("POST", kWs + "w1/mirroredAzureDatabricksCatalogs", {{"displayName", "c"}, {"creationPayload", payload}});
  REQUIRE(started.status == 202);
  std::string id = f.finish(started).body["id"];
  std::string item = kWs + "w1/mirroredAzureDatabricksCatalogs/" + id;
  json props = f.call("GET", item).body["properties"];
  CHECK(props["catalogName"] == "main");
  CHECK(props["autoSync"] == "Enabled");
  CHECK(props["syncDetails"]["status"] == "Success");
  CHECK(props["storageConnectionId"].is_null());

  Reply patched = f.call("PATCH", item, {{"properties", {{"autoSync", "Disabled"}, {"storageConnectionId", "adls"}}}});
  CHECK(patched.body["properties"]["autoSync"] == "Disabled");
  CHECK(patched.body["properties"]["storageConnectionId"] == "adls");
  CHECK(f.call("PATCH", item, {{"properties", {{"mirroringMode", "Some"}}}}).body["errorCode"] == "InvalidRequest");
  Reply def = f.run("POST", item + "/getDefinition", "");
  CHECK(def.body["definition"]["parts"][0]["path"] == "definition.json");
  json content = json::parse(*sim::fabric::b64_decode(def.body["definition"]["parts"][0]["payload"].get<std::string>()));
  CHECK(content["autoSync"] == "Disabled");

  std::string before = props["syncDetails"]["lastSyncDateTime"];
  sleep_ms(5);
  Reply refresh = f.call("POST", item + "/refreshCatalogMetadata", "");
  CHECK(refresh.status == 202);
  CHECK(f.finish(refresh).status == 200);
  CHECK(f.call("GET", item).body["properties"]["syncDetails"]["lastSyncDateTime"] != before);
}

TEST_CASE("fabric: connections are checked like the service and never keep a secret", "[fabric][connections]") {
  FabricSim f(seed({}));
  Reply types = f.call("GET", "/fabric/v1/connections/supportedConnectionTypes");
  REQUIRE(types.status == 200);
  std::map<std::string, json> by_type;
  for (const auto& t : types.body["value"]) by_type[t["type"]] = t;
  REQUIRE(by_type.count("PostgreSQL"));
  REQUIRE(by_type.count("AzurePostgreSQL"));
  CHECK(by_type["AzurePostgreSQL"]["creationMethods"][0]["name"] == "AzurePostgreSQL.Database");
  CHECK(by_type["PostgreSQL"]["creationMethods"][0]["name"] == "PostgreSql");
  CHECK(by_type["AzurePostgreSQL"]["supportedCredentialTypes"] == json::array({"Basic"}));

  json request = {{"connectivityType", "ShareableCloud"},
                  {"displayName", "pg-prod"},
                  {"connectionDetails",
                   {{"type", "AzurePostgreSQL"},
                    {"creationMethod", "AzurePostgreSQL.Database"},
                    {"parameters", json::array({{{"dataType", "Text"}, {"name", "server"}, {"value", "pg.example"}},
                                                {{"dataType", "Text"}, {"name", "database"}, {"value", "appdb"}}})}}},
                  {"credentialDetails",
                   {{"connectionEncryption", "Encrypted"},
                    {"credentials", {{"credentialType", "Basic"}, {"username", "u"}, {"password", "hunter2-secret"}}}}}};
  Reply created = f.call("POST", "/fabric/v1/connections", request);
  REQUIRE(created.status == 201);
  CHECK(created.body["connectionDetails"]["path"] == "pg.example;appdb");
  CHECK(created.body["privacyLevel"] == "Organizational");
  CHECK(created.body["credentialDetails"]["credentialType"] == "Basic");
  CHECK(f.sim().state().dump().find("hunter2-secret") == std::string::npos);
  CHECK(f.call("POST", "/fabric/v1/connections", request).body["errorCode"] == "DuplicateConnectionName");

  auto refused = [&](const std::function<void(json&)>& change) {
    json r = request;
    r["displayName"] = "other";
    change(r);
    return f.call("POST", "/fabric/v1/connections", r).body.value("errorCode", "");
  };
  CHECK(refused([](json& r) { r["connectionDetails"]["creationMethod"] = "PostgreSQL.Database"; }) == "InvalidConnectionDetails");
  CHECK(refused([](json& r) { r["connectionDetails"]["parameters"].erase(1); }) == "InvalidConnectionDetails");
  CHECK(refused([](json& r) { r["connectionDetails"]["type"] = "Oracle9"; }) == "InvalidConnectionDetails");
  CHECK(refused([](json& r) { r["credentialDetails"]["credentials"].erase("password"); }) == "InvalidCredentialDetails");
  CHECK(refused([](json& r) { r["credentialDetails"]["credentials"]["credentialType"] = "Key"; }) == "InvalidCredentialDetails");
  CHECK(refused([](json& r) { r["credentialDetails"]["skipTestConnection"] = true; }) == "InvalidCredentialDetails");
  CHECK(refused([](json& r) { r["connectivityType"] = "PersonalCloud"; }) == "InvalidInput");
  CHECK(refused([](json& r) { r.erase("credentialDetails"); }) == "InvalidCredentialDetails");

  std::string id = created.body["id"];
  Reply tested = f.call("POST", "/fabric/v1/connections/" + id + "/testConnection", "");
  CHECK(tested.status == 202);
  CHECK(f.finish(tested).body == json({{"status", "Online"}, {"errors", json::array()}}));
  CHECK(f.call("PATCH", "/fabric/v1/connections/" + id, {{"connectivityType", "ShareableCloud"}, {"privacyLevel", "Private"}})
            .body["privacyLevel"] == "Private");
  CHECK(f.call("GET", "/fabric/v1/connections").body["value"].size() == 1);
  CHECK(f.call("DELETE", "/fabric/v1/connections/" + id).status == 200);
  CHECK(f.call("GET", "/fabric/v1/connections/" + id).body["errorCode"] == "EntityNotFound");
}

TEST_CASE("fabric: deploy copies a stage's items into the next stage's workspace and records the operation",
          "[fabric][pipelines]") {
  json items = json::array(
      {{{"id", "nb1"}, {"workspaceId", "dev"}, {"type", "Notebook"}, {"displayName", "etl"},
        {"definition", {{"parts", json::array({fabrictest::part("notebook-content.json", {{"v", 1}})})}}}},
       {{"id", "lh1"}, {"workspaceId", "dev"}, {"type", "Lakehouse"}, {"displayName", "lake"}}});
  json pipeline = {{"id", "p1"}, {"displayName", "pipe"},
                   {"stages", json::array({{{"id", "s0"}, {"order", 0}, {"displayName", "Dev"}, {"workspaceId", "dev"}},
                                           {{"id", "s1"}, {"order", 1}, {"displayName", "Test"}, {"workspaceId", "test"}},
                                           {{"id", "s2"}, {"order", 2}, {"displayName", "Prod"}}})}};
  FabricSim f(seed({{"workspaces", workspaces({"dev", "test"})}, {"items", items}, {"deploymentPipelines", json::array({pipeline})}}));
  std::string dp = "/fabric/v1/deploymentPipelines/p1";
  CHECK(f.call("GET", dp).body["stages"][0]["workspaceName"] == "ws dev");

  std::string db = create_db(f, "dev", mirroring("c1"), "mirror");
  REQUIRE(f.call("POST", kWs + "dev/mirroredDatabases/" + db + "/startMirroring", "").status == 200);

  Reply started = f.call("POST", dp + "/deploy", {{"sourceStageId", "s0"}, {"targetStageId", "s1"}, {"note", "first"}});
  REQUIRE(started.status == 202);
  std::string deployment = started.header("deployment-id");
  CHECK_FALSE(deployment.empty());
  Reply op = f.finish(started);
  REQUIRE(op.status == 200);
  CHECK(op.body["id"] == deployment);
  CHECK(op.body["preDeploymentDiffInformation"]["newItemsCount"] == 3);
  CHECK(op.body["executionPlan"]["steps"].size() == 3);

  json target = f.call("GET", kWs + "test/items").body["value"];
  REQUIRE(target.size() == 3);
  std::map<std::string, std::string> ids;
  for (const auto& i : target) ids[i["displayName"]] = i["id"];
  Reply def = f.run("POST", kWs + "test/items/" + ids["etl"] + "/getDefinition", "");
  CHECK(def.body["definition"]["parts"][0] == items[0]["definition"]["parts"][0]);
  // A deployed mirrored database is not started.
  CHECK(status_of(f, kWs + "test/mirroredDatabases/" + ids["mirror"]) == "Initialized");

  json stage_items = f.call("GET", dp + "/stages/s1/items").body["value"];
  REQUIRE(stage_items.size() == 3);
  for (const auto& i : stage_items) CHECK(i["sourceItemId"].is_string());
  CHECK(f.call("GET", dp + "/stages/s0/items").body["value"][0]["targetItemId"].is_string());

  // Again: the same targets are updated, nothing is duplicated.
  REQUIRE(f.call("PATCH", kWs + "dev/items/nb1", {{"description", "changed"}}).status == 200);
  Reply again = f.run("POST", dp + "/deploy",
                      {{"sourceStageId", "s0"}, {"targetStageId", "s1"},
                       {"items", json::array({{{"sourceItemId", "nb1"}, {"itemType", "Notebook"}}})}});
  CHECK(again.body["preDeploymentDiffInformation"]["differentItemsCount"] == 1);
  CHECK(f.call("GET", kWs + "test/items").body["value"].size() == 3);
  CHECK(f.call("GET", kWs + "test/items/" + ids["etl"]).body["description"] == "changed");
  CHECK(f.call("POST", dp + "/deploy", {{"sourceStageId", "s0"}, {"targetStageId", "s1"},
                                       {"items", json::array({{{"sourceItemId", "nb1"}, {"itemType", "Report"}}})}})
            .body["errorCode"] == "ItemNotFound");
  // A stage without a workspace needs createdWorkspaceDetails; backwards only into an empty stage.
  CHECK(f.call("POST", dp + "/deploy", {{"sourceStageId", "s1"}, {"targetStageId", "s2"}}).status == 400);
  Reply prod = f.run("POST", dp + "/deploy", {{"sourceStageId", "s1"}, {"targetStageId", "s2"},
                                              {"createdWorkspaceDetails", {{"name", "Prod ws"}}}});
  CHECK(prod.status == 200);
  CHECK(f.call("GET", dp + "/stages/s2").body["workspaceName"] == "Prod ws");
  CHECK(f.call("POST", dp + "/deploy", {{"sourceStageId", "s1"}, {"targetStageId", "s0"}}).status == 400);

  json history = f.call("GET", dp + "/operations").body["value"];
  REQUIRE(history.size() == 3);
  CHECK(history[2]["id"] == deployment);  // newest first
  CHECK_FALSE(history[0].contains("executionPlan"));
  CHECK(f.call("GET", dp + "/operations/" + deployment).body["note"]["content"] == "first");
}

TEST_CASE("fabric: deployment pipelines are created with ordered stages and workspaces are assigned to them",
          "[fabric][pipelines]") {
  FabricSim f(seed({}));
  Reply created = f.call("POST", "/fabric/v1/deploymentPipelines",
                         {{"displayName", "P"}, {"stages", json::array({{{"displayName", "A"}}, {{"displayName", "B"}}})}});
  REQUIRE(created.status == 201);
  std::string dp = "/fabric/v1/deploymentPipelines/" + created.body["id"].get<std::string>();
  std::string stage = created.body["stages"][1]["id"];
  CHECK(created.body["stages"][1]["order"] == 1);
  CHECK(f.call("POST", dp + "/stages/" + stage + "/assignWorkspace", {{"workspaceId", "w2"}}).status == 200);
  CHECK(f.call("GET", dp + "/stages/" + stage).body["workspaceId"] == "w2");
  CHECK(f.call("POST", dp + "/stages/" + stage + "/assignWorkspace", {{"workspaceId", "zz"}}).body["errorCode"] ==
        "WorkspaceNotFound");
  CHECK(f.call("POST", dp + "/stages/" + stage + "/unassignWorkspace", "").status == 200);
  CHECK_FALSE(f.call("GET", dp + "/stages/" + stage).body.contains("workspaceId"));
  CHECK(f.call("GET", "/fabric/v1/deploymentPipelines/none").body["errorCode"] == "EntityNotFound");
}

TEST_CASE("fabric: git commits one workspace's items and updates another from the same branch", "[fabric][git]") {
  json items = json::array({{{"id", "nb1"}, {"workspaceId", "w1"}, {"type", "Notebook"}, {"displayName", "etl"},
                             {"definition", {{"parts", json::array({fabrictest::part("notebook-content.json", {{"v", 1}})})}}}}});
  FabricSim f(seed({{"items", items}}));
  json connect = {{"gitProviderDetails", {{"gitProviderType", "GitHub"}, {"ownerName", "o"}, {"repositoryName", "r"},
                                          {"branchName", "main"}, {"directoryName", "fabric"}}},
                  {"myGitCredentials", {{"source", "ConfiguredConnection"}, {"connectionId", "gh"}}}};
  CHECK(f.call("GET", kWs + "w1/git/connection").body["gitConnectionState"] == "NotConnected");
  CHECK(f.call("POST", kWs + "w1/git/commitToGit", {{"mode", "All"}}).body["errorCode"] == "WorkspaceNotConnectedToGit");
  json no_creds = connect;
  no_creds.erase("myGitCredentials");
  CHECK(f.call("POST", kWs + "w1/git/connect", no_creds).status == 400);  // GitHub needs credentials
  REQUIRE(f.call("POST", kWs + "w1/git/connect", connect).status == 200);
  CHECK(f.call("POST", kWs + "w1/git/connect", connect).body["errorCode"] == "WorkspaceAlreadyConnectedToGit");
  CHECK(f.call("GET", kWs + "w1/git/myGitCredentials").body["connectionId"] == "gh");

  Reply init = f.run("POST", kWs + "w1/git/initializeConnection", {{"initializationStrategy", "PreferWorkspace"}});
  REQUIRE(init.status == 200);
  CHECK(init.body["requiredAction"] == "CommitToGit");
  Reply st = f.run("GET", kWs + "w1/git/status");
  REQUIRE(st.body["changes"].size() == 1);
  CHECK(st.body["changes"][0]["workspaceChange"] == "Added");
  CHECK(st.body["changes"][0]["itemMetadata"]["itemIdentifier"]["objectId"] == "nb1");
  CHECK(f.call("POST", kWs + "w1/git/commitToGit", {{"mode", "All"}, {"workspaceHead", "0000"}}).body["errorCode"] ==
        "WorkspaceHeadMismatch");
  REQUIRE(f.run("POST", kWs + "w1/git/commitToGit", {{"mode", "All"}, {"workspaceHead", st.body["workspaceHead"]},
                                                      {"comment", "first"}}).status == 200);
  Reply clean = f.run("GET", kWs + "w1/git/status");
  CHECK(clean.body["changes"].empty());
  CHECK(clean.body["workspaceHead"] == clean.body["remoteCommitHash"]);
  CHECK(f.call("GET", kWs + "w1/git/connection").body["gitSyncDetails"]["head"] == clean.body["workspaceHead"]);

  // The second workspace, on the same branch and folder, takes the commit.
  REQUIRE(f.call("POST", kWs + "w2/git/connect", connect).status == 200);
  Reply init2 = f.run("POST", kWs + "w2/git/initializeConnection", "");
  CHECK(init2.body["requiredAction"] == "UpdateFromGit");
  CHECK(init2.body["workspaceHead"] == "4b825dc642cb6eb9a060e54bf8d69288fbee4904");  // never synced: the empty tree
  Reply st2 = f.run("GET", kWs + "w2/git/status");
  REQUIRE(st2.body["changes"].size() == 1);
  CHECK(st2.body["changes"][0]["remoteChange"] == "Added");
  REQUIRE(f.run("POST", kWs + "w2/git/updateFromGit", {{"remoteCommitHash", st2.body["remoteCommitHash"]}}).status == 200);
  json copied = f.call("GET", kWs + "w2/items").body["value"];
  REQUIRE(copied.size() == 1);
  CHECK(copied[0]["displayName"] == "etl");
  CHECK(f.run("POST", kWs + "w2/items/" + copied[0]["id"].get<std::string>() + "/getDefinition", "")
            .body["definition"]["parts"][0] == items[0]["definition"]["parts"][0]);

  // Both sides change the item: a conflict that updateFromGit refuses without a resolution.
  REQUIRE(f.call("PATCH", kWs + "w1/items/nb1", {{"description", "from w1"}}).status == 200);
  Reply st1 = f.run("GET", kWs + "w1/git/status");
  REQUIRE(f.run("POST", kWs + "w1/git/commitToGit", {{"mode", "Selective"}, {"workspaceHead", st1.body["workspaceHead"]},
                                                     {"items", json::array({{{"objectId", "nb1"}}})}}).status == 200);
  REQUIRE(f.call("PATCH", kWs + "w2/items/" + copied[0]["id"].get<std::string>(), {{"description", "from w2"}}).status == 200);
  Reply conflict = f.run("GET", kWs + "w2/git/status");
  REQUIRE(conflict.body["changes"].size() == 1);
  CHECK(conflict.body["changes"][0]["conflictType"] == "Conflict");
  CHECK(f.call("POST", kWs + "w2/git/updateFromGit", {{"remoteCommitHash", conflict.body["remoteCommitHash"]},
                                                     {"workspaceHead", conflict.body["workspaceHead"]}})
            .body["errorCode"] == "WorkspaceHasConflicts");
  REQUIRE(f.run("POST", kWs + "w2/git/updateFromGit",
                {{"remoteCommitHash", conflict.body["remoteCommitHash"]}, {"workspaceHead", conflict.body["workspaceHead"]},
                 {"conflictResolution", {{"conflictResolutionType", "Workspace"}, {"conflictResolutionPolicy", "PreferRemote"}}}})
              .status == 200);
  CHECK(f.call("GET", kWs + "w2/items/" + copied[0]["id"].get<std::string>()).body["description"] == "from w1");
  CHECK(f.call("POST", kWs + "w2/git/disconnect", "").status == 200);
  CHECK(f.call("GET", kWs + "w2/git/connection").body["gitConnectionState"] == "NotConnected");
}

TEST_CASE("fabric: shortcuts are created under Files or Tables, listed, read and deleted", "[fabric][shortcuts]") {
  json items = json::array({{{"id", "lh"}, {"workspaceId", "w1"}, {"type", "Lakehouse"}, {"displayName", "lake"}}});
  FabricSim f(seed({{"items", items}}));
  std::string base = kWs + "w1/items/lh/shortcuts";
  json sc = {{"path", "Tables"}, {"name", "orders"},
             {"target", {{"oneLake", {{"workspaceId", "w2"}, {"itemId", "x"}, {"path", "Tables/orders"}}}}}};
  Reply created = f.call("POST", base, sc);
  REQUIRE(created.status == 201);
  CHECK(created.body["target"]["type"] == "OneLake");
  CHECK(created.header("Location") == "http://sim.test:8080" + base + "/Tables/orders");
  CHECK(f.call("POST", base, sc).status == 409);
  CHECK(f.call("POST", base + "?shortcutConflictPolicy=CreateOrOverwrite", sc).status == 200);
  CHECK(f.call("POST", base + "?shortcutConflictPolicy=GenerateUniqueName", sc).body["name"] == "orders_1");
  json adls = {{"path", "Files/landing"}, {"name", "raw"},
               {"target", {{"adlsGen2", {{"location", "https://a.dfs.core.windows.net"}, {"subpath", "/c/raw"}, {"connectionId", "c"}}}}}};
  CHECK(f.call("POST", base, adls).status == 201);
  CHECK(f.call("POST", base, {{"path", "Other"}, {"name", "x"}, {"target", adls["target"]}}).status == 400);
  CHECK(f.call("GET", base).body["value"].size() == 3);
  CHECK(f.call("GET", base + "/Files/landing/raw").body["target"]["adlsGen2"]["subpath"] == "/c/raw");
  CHECK(f.call("DELETE", base + "/Files/landing/raw").status == 200);
  CHECK(f.call("GET", base + "/Files/landing/raw").status == 404);
}

TEST_CASE("fabric: a throttled mutation answers 429 with Retry-After in Fabric's shape", "[fabric]") {
  FabricSim f(seed({}));
  f.sim().add_fault({{"method", "POST"}, {"path", "^/fabric/v1/workspaces/w1/items$"}, {"status", 429}, {"retry_after", "1"}});
  Reply throttled = f.call("POST", kWs + "w1/items", {{"displayName", "x"}, {"type", "Lakehouse"}});
  CHECK(throttled.status == 429);
  CHECK(throttled.header("Retry-After") == "1");
  CHECK(throttled.body["errorCode"] == "TooManyRequests");
  CHECK(f.call("POST", kWs + "w1/items", {{"displayName", "x"}, {"type", "Lakehouse"}}).status == 201);
}

TEST_CASE("fabric: seeds with unknown fields or missing ids are refused", "[fabric]") {
  sim::Sim s({json::object(), ""});
  sim::register_all(s);
  CHECK_THROWS_WITH(s.merge({{"fabric", {{"workspace", json::array()}}}}),
                    Catch::Contains("fabric: unknown field 'workspace'"));
  CHECK_THROWS_WITH(s.merge({{"fabric", {{"items", json::array({{{"id", "i"}, {"type", "Lakehouse"}}})}}}}),
                    Catch::Contains("fabric.items[0].workspaceId"));
  CHECK_THROWS_WITH(s.merge({{"fabric", {{"workspaces", json::array({{{"id", "w"}, {"displayName", 7}}})}}}}),
                    Catch::Contains("fabric.workspaces[0].displayName"));
  CHECK_THROWS_WITH(s.merge({{"fabric", {{"config", {{"start_delay_ms", -1}}}}}}),
                    Catch::Contains("fabric.config.start_delay_ms"));
  CHECK_THROWS_WITH(s.merge({{"fabric", {{"source_tables", {{"c", json::array({{{"schema", "s"}}})}}}}}}),
                    Catch::Contains("fabric.source_tables.c[0].table"));
}

TEST_CASE("fabric: created items and a running mirror survive a restart with --state", "[fabric]") {
  simtest::TempDir dir;
  json principal = {{"tenant", "t1"}, {"client_id", "c1"}, {"client_secret", "s"}};
  std::string seed_file = dir.write("seed.json", json({{"entra", {{"principals", json::array({principal})}}},
                                                       {"lro", {{"running_polls", 0}, {"retry_after_seconds", 0}}},
                                                       {"fabric", {{"config", {{"start_delay_ms", 0}}},
                                                                   {"workspaces", workspaces({"w1"})}}}})
                                                     .dump());
  std::string db;
  {
    simtest::SimProcess p({"--seed", seed_file, "--state", dir.file("state.json")});
    auto c = p.client();
    std::string token = simtest::secret_token(c, "t1", "c1", "s", "https://api.fabric.microsoft.com/.default");
    httplib::Headers h = {{"Authorization", "Bearer " + token}};
    auto r = c.Post((kWs + "w1/mirroredDatabases").c_str(), h,
                    json({{"displayName", "m"}, {"definition", mirroring("c1")}}).dump(), "application/json");
    REQUIRE(r);
    REQUIRE(r->status == 201);
    db = kWs + "w1/mirroredDatabases/" + json::parse(r->body)["id"].get<std::string>();
    REQUIRE(c.Post((db + "/startMirroring").c_str(), h, "", "application/json")->status == 200);
    CHECK(p.stop() == 0);
  }
  simtest::SimProcess p({"--seed", seed_file, "--state", dir.file("state.json")});
  auto c = p.client();
  std::string token = simtest::secret_token(c, "t1", "c1", "s", "https://api.fabric.microsoft.com/.default");
  httplib::Headers h = {{"Authorization", "Bearer " + token}};
  auto r = c.Post((db + "/getMirroringStatus").c_str(), h, "", "application/json");
  REQUIRE(r);
  CHECK(json::parse(r->body)["status"] == "Running");
}

TEST_CASE("tarn-sim: idle kept-alive connections do not hold back a new client", "[fabric][server]") {
  // httplib keeps a worker per open connection; with its default 8 workers the ninth client
  // waited for an idle connection to time out (5 s).
  simtest::SimProcess p;
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int i = 0; i < 16; ++i) {
    clients.push_back(std::make_unique<httplib::Client>("127.0.0.1", p.port));
    clients.back()->set_keep_alive(true);
    auto t0 = std::chrono::steady_clock::now();
    auto r = clients.back()->Get("/_sim/health");
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(r);
    INFO("client " << i << " waited " << s << " s");
    CHECK(s < 1.0);
  }
}
