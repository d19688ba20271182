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
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "fabric_conformance.hpp"
#include "fabric_support.hpp"

namespace fs = std::filesystem;
using namespace fabricconf;
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
