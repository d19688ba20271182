// The fabric Lua module in a tarn::Runtime against an in-process Fabric stand-in that records
// request bodies: what the module sends (secrets revealed only there, Databricks definitions
// written back in the spelling they came in) and how it reads what it gets.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "bindings/fabric/definition.hpp"
#include "tarn/runtime.hpp"

using nlohmann::json;

namespace {

struct Seen {
  std::string method, path, query, body;
};

struct Fake {
  httplib::Server svr;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::vector<Seen> seen;
  std::map<std::string, std::function<void(const httplib::Request&, httplib::Response&)>> routes;

  Fake() {
    auto any = [this](const httplib::Request& req, httplib::Response& res) {
      std::function<void(const httplib::Request&, httplib::Response&)> h;
      {
        std::lock_guard lock(mu);
        std::string q;
        for (const auto& [k, v] : req.params) q += (q.empty() ? "" : "&") + k + "=" + v;
        seen.push_back({req.method, req.path, q, req.body});
        auto it = routes.find(req.method + " " + req.path);
        if (it != routes.end()) h = it->second;
      }
      if (h) return h(req, res);
      res.status = 404;
      res.set_content(R"({"errorCode":"EntityNotFound","message":"no route"})", "application/json");
    };
    svr.Get(".*", any);
    svr.Post(".*", any);
    svr.Patch(".*", any);
    svr.Delete(".*", any);
    svr.set_keep_alive_max_count(1);
    port = svr.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { svr.listen_after_bind(); });
    while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Fake() {
    svr.stop();
    thread.join();
  }
  void on(const std::string& key, int status, const json& body) {
    std::lock_guard lock(mu);
    routes[key] = [status, body](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      if (!body.is_null()) res.set_content(body.dump(), "application/json");
    };
  }
  std::vector<Seen> requests(const std::string& method, const std::string& path) {
    std::lock_guard lock(mu);
    std::vector<Seen> out;
    for (const auto& s : seen)
      if (s.method == method && s.path == path) out.push_back(s);
    return out;
  }
};

// A runtime on the local cloud, pointed at the fake, signed in with a fixed token.
struct Env {
  Fake fake;
  std::unique_ptr<tarn::Runtime> rt;
  Env() {
    ::setenv("TARN_SIM_URL", ("http://127.0.0.1:" + std::to_string(fake.port)).c_str(), 1);
    ::setenv("TARN_ACCESS_TOKEN", "unit-test-token", 1);
    tarn::Options o;
    o.settings["cloud"] = "local";
    o.settings["auth"] = "token";
    rt = std::make_unique<tarn::Runtime>(o);
  }
  ~Env() {
    rt.reset();
    ::unsetenv("TARN_SIM_URL");
    ::unsetenv("TARN_ACCESS_TOKEN");
  }
  // Runs code returning a string; a failure returns "error: <message>".
  std::string run(const std::string& code) {
    lua_State* L = rt->lua();
    REQUIRE(luaL_loadstring(L, code.c_str()) == LUA_OK);
    if (!rt->pcall(0, 1)) return "error: " + rt->last_error();
    std::string out = lua_isstring(L, -1) ? lua_tostring(L, -1) : "(not a string)";
    lua_pop(L, 1);
    return out;
  }
};

const char* const WS = "/fabric/v1/workspaces/w1";

}  // namespace

TEST_CASE("fabric: a connection's password is revealed in the request body and nowhere else", "[fabric][lua]") {
  Env env;
  const std::string password = R"(Pa55"word\with-quote)";  // JSON escaping of the revealed value matters
  env.fake.on("POST /fabric/v1/connections", 201, {{"id", "c1"}, {"displayName", "pg"}});
  std::string code = R"(
    local pw = secret.new([==[)" + password + R"(]==])
    local c = fabric.connections.create{ display_name = "pg", type = "AzurePostgreSQL",
      creation_method = "AzurePostgreSQL.Database", parameters = { server = "pg1", database = "shop" },
      credential = { username = "u", password = pw }, encryption = "Encrypted" }
    return c.id .. " " .. tostring(pw))";
  CHECK(env.run(code) == "c1 ***");
  auto sent = env.fake.requests("POST", "/fabric/v1/connections");
  REQUIRE(sent.size() == 1);
  json body = json::parse(sent[0].body);
  const json& cred = body["credentialDetails"]["credentials"];
  CHECK(cred["password"] == password);
  CHECK(cred["credentialType"] == "Basic");
  CHECK(cred["username"] == "u");
  CHECK(body["connectionDetails"]["parameters"] ==
        json::parse(R"([{"dataType":"Text","name":"database","value":"shop"},{"dataType":"Text","name":"server","value":"pg1"}])"));
  CHECK(body["credentialDetails"]["connectionEncryption"] == "Encrypted");
  CHECK(body["connectivityType"] == "ShareableCloud");
}

TEST_CASE("fabric: a password given as a string becomes a secret before it goes anywhere", "[fabric][lua]") {
  Env env;
  env.fake.on("POST /fabric/v1/connections", 400,
              {{"errorCode", "IncorrectCredentials"}, {"message", "wrong password plain-Pw-0042xyz"}});
  std::string out = env.run(R"(
    local ok, e = pcall(fabric.connections.create, { display_name = "pg", type = "PostgreSQL", creation_method = "PostgreSql",
      parameters = { server = "h", database = "d" }, credential = { username = "u", password = "plain-Pw-0042xyz" } })
    return e.code .. ": " .. e.message .. " | " .. tostring(e))");
  // (The redactor is process-wide: other tests' secrets may mask other words of the message.)
  INFO(out);
  CHECK(out.rfind("IncorrectCredentials: ", 0) == 0);
  CHECK(out.find("password *** | fabric error: ") != std::string::npos);
  CHECK(out.find("plain-Pw-0042xyz") == std::string::npos);
  auto sent = env.fake.requests("POST", "/fabric/v1/connections");
  REQUIRE(sent.size() == 1);
  CHECK(json::parse(sent[0].body)["credentialDetails"]["credentials"]["password"] == "plain-Pw-0042xyz");
}

TEST_CASE("fabric: Databricks settings are read and written back in the definition's own spelling", "[fabric][lua]") {
  // The definition article's part name, its typo'd key and a boolean autoSync (reference §8.3).
  json article = {{"name", "sales"}, {"databrickWorkspaceConnectionId", "conn-1"}, {"autoSync", true}, {"mirroringMode", "Full"}};
  Env env;
  std::string item = std::string(WS) + "/mirroredAzureDatabricksCatalogs/m1";
  env.fake.on("POST " + item + "/getDefinition", 200,
              {{"definition", {{"parts", json::array({
                  {{"path", "mirroringAzureDatabricksCatalog.json"}, {"payload", tarn::fabric::base64_encode(article.dump())}, {"payloadType", "InlineBase64"}},
                  {{"path", ".platform"}, {"payload", tarn::fabric::base64_encode("{}")}, {"payloadType", "InlineBase64"}}})}}}});
  env.fake.on("POST " + item + "/updateDefinition", 200, nullptr);
  CHECK(env.run(R"(
    local parts, format, s = fabric.databricks.get_definition("w1", "m1")
    return table.concat({ s.part, s.catalog_name, s.connection_id, s.auto_sync, s.mirroring_mode }, " "))") ==
        "mirroringAzureDatabricksCatalog.json sales conn-1 Enabled Full");
  CHECK(env.run(R"(
    local s = fabric.databricks.update_settings("w1", "m1", { auto_sync = "Disabled", mirroring_mode = "Partial" })
    return s.auto_sync .. " " .. s.mirroring_mode)") == "Disabled Partial");
  auto sent = env.fake.requests("POST", item + "/updateDefinition");
  REQUIRE(sent.size() == 1);
  json parts = json::parse(sent[0].body)["definition"]["parts"];
  REQUIRE(parts.size() == 1);  // .platform only goes back with updateMetadata
  CHECK(parts[0]["path"] == "mirroringAzureDatabricksCatalog.json");
  json written = json::parse(*tarn::fabric::base64_decode(parts[0]["payload"].get<std::string>()));
  CHECK(written == json({{"name", "sales"}, {"databrickWorkspaceConnectionId", "conn-1"}, {"autoSync", false}, {"mirroringMode", "Partial"}}));
}

TEST_CASE("fabric: the spec's Databricks part and spellings round-trip too", "[fabric][lua]") {
  json spec_doc = {{"catalogName", "sales"}, {"databricksWorkspaceConnectionId", "conn-1"}, {"autoSync", "Enabled"}, {"mirroringMode", "Full"}};
  Env env;
  std::string item = std::string(WS) + "/mirroredAzureDatabricksCatalogs/m2";
  env.fake.on("POST " + item + "/getDefinition", 200,
              {{"definition", {{"parts", json::array({{{"path", "definition.json"},
                                                       {"payload", tarn::fabric::base64_encode(spec_doc.dump())},
                                                       {"payloadType", "InlineBase64"}}})}}}});
  env.fake.on("POST " + item + "/updateDefinition", 200, nullptr);
  CHECK(env.run(R"(return fabric.databricks.update_settings("w1", "m2", { catalog_name = "sales2", storage_connection_id = "st-1" }).part)") ==
        "definition.json");
  auto sent = env.fake.requests("POST", item + "/updateDefinition");
  REQUIRE(sent.size() == 1);
  json parts = json::parse(sent[0].body)["definition"]["parts"];
  json written = json::parse(*tarn::fabric::base64_decode(parts[0]["payload"].get<std::string>()));
  CHECK(written == json({{"catalogName", "sales2"}, {"databricksWorkspaceConnectionId", "conn-1"}, {"autoSync", "Enabled"},
                         {"mirroringMode", "Full"}, {"storageConnectionId", "st-1"}}));
}

TEST_CASE("fabric: adding a role a principal already has returns its assignment unchanged", "[fabric][lua]") {
  Env env;
  std::string ra = std::string(WS) + "/roleAssignments";
  env.fake.on("POST " + ra, 409, {{"errorCode", "PrincipalAlreadyHasWorkspaceRolePermissions"}, {"message", "already"}});
  env.fake.on("GET " + ra, 200,
              {{"value", json::array({{{"id", "ra-1"}, {"principal", {{"id", "p-1"}, {"type", "ServicePrincipal"}}}, {"role", "Viewer"}},
                                      {{"id", "ra-2"}, {"principal", {{"id", "p-2"}, {"type", "User"}}}, {"role", "Admin"}}})}});
  CHECK(env.run(R"(
    local a, changed = fabric.workspaces.add_role_assignment("w1", { principal_id = "p-1", principal_type = "ServicePrincipal", role = "Contributor" })
    return a.id .. " " .. a.role .. " " .. tostring(changed))") == "ra-1 Viewer false");
  json body = json::parse(env.fake.requests("POST", ra).at(0).body);
  CHECK(body == json({{"principal", {{"id", "p-1"}, {"type", "ServicePrincipal"}}}, {"role", "Contributor"}}));
  // Another failure stays an error.
  env.fake.on("POST " + ra, 403, {{"errorCode", "InsufficientPrivileges"}, {"message", "no"}});
  CHECK(env.run(R"(
    local ok, e = pcall(fabric.workspaces.add_role_assignment, "w1", { principal_id = "p-9", principal_type = "User", role = "Viewer" })
    return e.code)") == "InsufficientPrivileges");
}

TEST_CASE("fabric: connections are found by server and database in connectionDetails.path", "[fabric][lua]") {
  Env env;
  env.fake.on("GET /fabric/v1/connections", 200,
              {{"value", json::array({
                   {{"id", "a"}, {"connectionDetails", {{"type", "SQL"}, {"path", "pg1.postgres.database.azure.com;shop"}}}},
                   {{"id", "b"}, {"connectionDetails", {{"type", "AzurePostgreSQL"}, {"path", "PG1.postgres.database.azure.com:5432;shop"}}}},
                   {{"id", "c"}, {"connectionDetails", {{"type", "AzurePostgreSQL"}, {"path", "pg1.postgres.database.azure.com;other"}}}},
                   {{"id", "d"}, {"connectionDetails", {{"type", "AzurePostgreSQL"}, {"path", "pg1.postgres.database.azure.com:6432;shop"}}}}})}});
  CHECK(env.run(R"(
    local first, all = fabric.connections.find{ server = "pg1.postgres.database.azure.com", database = "shop" }
    local ids = {}
    for _, c in ipairs(all) do ids[#ids + 1] = c.id end
    return first.id .. " " .. table.concat(ids, ","))") == "a a,b,d");
  CHECK(env.run(R"(return fabric.connections.find{ server = "pg1.postgres.database.azure.com:5432", database = "shop", type = "azurepostgresql" }.id)") ==
        "b");
  CHECK(env.run(R"(return tostring(fabric.connections.find{ server = "pg2", database = "shop" }))") == "nil");
}

TEST_CASE("fabric: deploy sends the selected items and returns the deployment id", "[fabric][lua]") {
  Env env;
  env.fake.on("POST /fabric/v1/deploymentPipelines/p1/deploy", 200, {{"id", "dep-9"}, {"status", "Succeeded"}});
  CHECK(env.run(R"(
    local result, id = fabric.deployment_pipelines.deploy("p1", { source_stage_id = "s0", target_stage_id = "s1",
      items = { { id = "i1", type = "MirroredDatabase" } }, note = "release", allow_cross_region = false })
    return result.status .. " " .. id)") == "Succeeded dep-9");
  json body = json::parse(env.fake.requests("POST", "/fabric/v1/deploymentPipelines/p1/deploy").at(0).body);
  CHECK(body == json({{"sourceStageId", "s0"}, {"targetStageId", "s1"}, {"note", "release"},
                      {"items", json::array({{{"sourceItemId", "i1"}, {"itemType", "MirroredDatabase"}}})},
                      {"options", {{"allowCrossRegionDeployment", false}}}}));
}
