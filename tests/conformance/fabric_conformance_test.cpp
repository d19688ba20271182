// Client-side conformance of the fabric module to the Fabric REST API specs
// (TARN_SHARED_DIR/specs/fabric, Swagger 2.0 with examples): table-driven over the example
// files, not a hand-picked few.
//
// For every operation tarn wraps (tests/conformance/operations.lua) and every example of it
// (its x-ms-examples, plus the stored example files no swagger names that belong to it),
// and for every success status of the example (201 and 202 are two runs), a fake Fabric API
// on loopback answers the call with the example's status, headers and body — a 202 is then
// followed through the spec's own operation-state examples to /result — and the tarn
// function must return what the example says. The request tarn sent must be the operation's
// (method, path with the example's ids, the example's query parameters) and its body must
// satisfy the operation's request schema (required properties, types, enums, no unknown or
// read-only properties). A wrapped operation without examples, an example file the tables
// do not place, or a mapping docs/api/fabric.md does not show, fails the suite.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tarn/runtime.hpp"
#include "tests/conformance/fake_fabric.hpp"
#include "tests/conformance/spec_index.hpp"

using namespace conformance;

namespace {

fs::path shared_dir() {
  const char* env = std::getenv("TARN_SHARED_DIR");
  return env != nullptr && *env != '\0' ? fs::path(env) : fs::path(TARN_SHARED_DIR_DEFAULT);
}
fs::path specs_dir() { return shared_dir() / "specs" / "fabric"; }
fs::path conformance_dir() { return fs::path(TARN_SOURCE_DIR) / "tests" / "conformance"; }

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

std::string regex_escape(const std::string& s) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(s, special, R"(\$&)");
}

// Everything the tests share, made once per process.
struct World {
  SpecIndex index;
  FakeFabric fake;
  tarn::Runtime rt;
  std::map<std::string, std::string> mapping;        // wrapped operationId -> tarn function
  std::map<fs::path, std::string> extra;             // unreferenced example -> operationId ("-": none)

  static tarn::Options options(const FakeFabric& fake) {
    ::setenv("TARN_SIM_URL", fake.url().c_str(), 1);
    ::setenv("TARN_ACCESS_TOKEN", "conformance-token", 1);
    tarn::Options o;
    o.settings["cloud"] = "local";
    o.settings["auth"] = "token";
    return o;
  }

  World() : index(specs_dir()), rt(options(fake)) {
    std::string code = "conformance = assert(loadfile(...))(select(2, ...)) return true";
    lua_State* L = rt.lua();
    std::string harness = (conformance_dir() / "harness.lua").string();
    std::string dir = conformance_dir().string();
    if (luaL_loadstring(L, code.c_str()) != LUA_OK) throw std::runtime_error(lua_tostring(L, -1));
    lua_pushstring(L, harness.c_str());
    lua_pushstring(L, dir.c_str());
    if (!rt.pcall(2, 1)) throw std::runtime_error("harness.lua: " + rt.last_error());
    lua_pop(L, 1);
    for (const auto& l : lines(call("mapping"))) mapping[l.substr(0, l.find('\t'))] = l.substr(l.find('\t') + 1);
    for (const auto& l : lines(call("extra_examples")))
      extra[(specs_dir() / l.substr(0, l.find('\t'))).lexically_normal()] = l.substr(l.find('\t') + 1);
  }

  // conformance.<fn>(args...) -> its string result ("" for nil); throws on a Lua error.
  std::string call(const std::string& fn, const std::vector<std::string>& args = {}) {
    lua_State* L = rt.lua();
    lua_getglobal(L, "conformance");
    lua_getfield(L, -1, fn.c_str());
    lua_remove(L, -2);
    for (const auto& a : args) lua_pushlstring(L, a.data(), a.size());
    if (!rt.pcall(static_cast<int>(args.size()), 1)) throw std::runtime_error("conformance." + fn + ": " + rt.last_error());
    std::string out = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
    lua_pop(L, 1);
    return out;
  }

  // The examples of a wrapped operation: its x-ms-examples and the extra files placed with it.
  std::vector<fs::path> examples_of(const std::string& op) const {
    std::vector<fs::path> out = index.find(op)->examples;
    for (const auto& [file, owner] : extra)
      if (owner == op) out.push_back(file);
    return out;
  }
};

World& world() {
  REQUIRE(fs::is_directory(specs_dir()));  // the specs are part of the test: missing is a failure
  static World w;
  return w;
}

// The example's response of one status: its body (the one stored example that drops the
// "body" wrapper is read as harness.lua reads it) and headers.
Reply reply_of(const json& resp, int status = 200) {
  Reply r;
  r.status = status;
  if (resp.contains("headers"))
    for (const auto& [k, v] : resp["headers"].items()) r.headers.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
  if (resp.contains("body")) {
    r.body = resp["body"].dump();
  } else {
    json rest = json::object();
    for (const auto& [k, v] : resp.items())
      if (k != "headers" && k != "description") rest[k] = v;
    if (!rest.empty()) r.body = rest.dump();
  }
  return r;
}

struct Scenario {
  std::string op;
  fs::path example;
  std::string status;
  std::string problem;        // from harness.lua: what tarn returned against the example
  std::vector<Seen> seen;     // what tarn sent
};

std::string describe(const Scenario& s) {
  return s.op + " / " + s.example.lexically_relative(specs_dir()).string() + " / " + s.status;
}

// Runs every example of every wrapped operation once; both test cases below read the runs.
const std::vector<Scenario>& scenarios() {
  static std::vector<Scenario> all;
  static bool done = false;
  if (done) return all;
  done = true;
  World& w = world();
  fs::path state_dir = specs_dir() / "platform" / "examples" / "platform";
  json running = json::parse(read(state_dir / "GetLongRunningOperationStateRunning.json"))["responses"]["200"];
  json completed = json::parse(read(state_dir / "GetLongRunningOperationStateCompleted.json"))["responses"]["200"];
  for (const auto& [op_id, fn] : w.mapping) {
    const Operation* op = w.index.find(op_id);
    if (op == nullptr) continue;  // reported by its own test
    for (const auto& file : w.examples_of(op_id)) {
      if (!fs::exists(file)) continue;  // reported by its own test
      std::string text = read(file);
      json ex = json::parse(text);
      for (const auto& [status, resp] : ex["responses"].items()) {
        if (status.size() != 3 || status[0] != '2') continue;
        Scenario s{op_id, file, status, "", {}};
        w.fake.reset();
        auto path = fill_path(op->path, ex["parameters"]);
        if (!path) {
          s.problem = "the example lacks a path parameter of " + op->path;
          all.push_back(s);
          continue;
        }
        std::string op_path = "/fabric/v1" + *path;
        w.fake.script(op->method, regex_escape(op_path), {reply_of(resp, std::stoi(status))});
        // A list's next page (the example named one) is empty.
        json first = resp.contains("body") ? resp["body"] : json::object();
        std::string key = first.contains("data") ? "data" : "value";
        w.fake.script(op->method, regex_escape(op_path), {Reply{200, {}, json{{key, json::array()}}.dump()}}, true);
        // A 202 goes on through the spec's own operation-state examples, then to the result.
        w.fake.script("GET", "/fabric/v1/operations/[^/]+", {reply_of(running), reply_of(completed)});
        json result = nullptr;
        for (const char* st : {"200", "201"})
          if (ex["responses"].contains(st) && result.is_null()) {
            Reply r = reply_of(ex["responses"][st]);
            if (r.body) result = json::parse(*r.body);
          }
        w.fake.script("GET", "/fabric/v1/operations/[^/]+/result",
                      {result.is_null() ? Reply{400, {}, R"({"errorCode":"OperationHasNoResult","message":"The operation has no result"})"}
                                        : Reply{200, {}, result.dump()}});
        std::string op_param = ex["parameters"].value("operationId", "00000000-0000-4000-8000-0000000000aa");
        w.fake.script("POST", "/fabric/v1/_conformance/accept", {Reply{202, {{"x-ms-operation-id", op_param}}, std::nullopt}});
        s.problem = w.call("run", {op_id, text, status});
        s.seen = w.fake.requests();
        all.push_back(s);
      }
    }
  }
  return all;
}

std::string query_value(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

}  // namespace

TEST_CASE("conformance: the Fabric specs are where TARN_SHARED_DIR says", "[conformance]") {
  INFO("specs folder: " << specs_dir() << " (set TARN_SHARED_DIR, or the CMake cache variable of that name)");
  REQUIRE(fs::is_directory(specs_dir()));
  CHECK(world().index.operations().size() > 100);
  CHECK(world().index.example_files().size() > 300);
}

TEST_CASE("conformance: every wrapped operation is in the specs and has examples on disk", "[conformance]") {
  World& w = world();
  REQUIRE(w.mapping.size() >= 50);
  for (const auto& [op_id, fn] : w.mapping) {
    INFO(op_id << " -> " << fn);
    const Operation* op = w.index.find(op_id);
    CHECK(op != nullptr);
    if (op == nullptr) continue;
    auto examples = w.examples_of(op_id);
    CHECK_FALSE(examples.empty());
    for (const auto& e : examples) {
      INFO("example " << e);
      CHECK(fs::exists(e));
    }
  }
  CHECK(w.call("missing_functions").empty());
}

TEST_CASE("conformance: every example file is either named by a swagger or placed by hand", "[conformance]") {
  World& w = world();
  std::set<fs::path> on_disk(w.index.example_files().begin(), w.index.example_files().end());
  for (const auto& file : on_disk) {
    bool named = !w.index.operations_of(file).empty();
    bool placed = w.extra.count(file) > 0;
    INFO(file.lexically_relative(specs_dir()).string()
         << ": a new example no x-ms-examples names; place it in extra_examples of tests/conformance/operations.lua");
    CHECK((named || placed));
    INFO("and it is named by a swagger now: drop it from extra_examples");
    CHECK_FALSE((named && placed));
  }
  for (const auto& [file, op] : w.extra) {
    INFO(file << " is in extra_examples");
    CHECK(on_disk.count(file) == 1);
    if (op != "-") CHECK(w.mapping.count(op) == 1);
  }
}

TEST_CASE("conformance: tarn decodes every example response of every wrapped operation", "[conformance]") {
  const auto& runs = scenarios();
  std::set<std::string> ops, files;
  for (const auto& s : runs) {
    ops.insert(s.op);
    files.insert(s.example.string());
    std::string sent;
    for (const auto& r : s.seen) sent += "\n  " + r.method + " " + r.path + (r.matched ? "" : " (no reply scripted)");
    INFO(describe(s) << "; tarn sent:" << sent);
    CHECK(s.problem == "");
  }
  // Every example of every wrapped operation was run (each of its success statuses).
  World& w = world();
  for (const auto& [op_id, fn] : w.mapping) {
    INFO(op_id);
    CHECK(ops.count(op_id) == 1);
    if (w.index.find(op_id) == nullptr) continue;
    for (const auto& e : w.examples_of(op_id)) CHECK(files.count(e.string()) == 1);
  }
  WARN(runs.size() << " runs over " << files.size() << " example files of " << ops.size() << " operations");
}

TEST_CASE("conformance: every request tarn sends is the operation's, its body what the schema requires", "[conformance]") {
  World& w = world();
  for (const auto& s : scenarios()) {
    INFO(describe(s));
    const Operation& op = *w.index.find(s.op);
    json ex = json::parse(read(s.example));
    std::string want_path = "/fabric/v1" + fill_path(op.path, ex["parameters"]).value_or("?");
    bool sent = false;
    for (const auto& seen : s.seen) {
      INFO("request " << seen.method << " " << seen.path);
      CHECK(seen.matched);  // nothing outside the operation (and its operation state) was called
      if (seen.method != op.method || seen.path != want_path) continue;
      bool first = !sent;  // the driver's own call; later ones are helpers' (workspaces.identity) or next pages
      sent = true;
      if (!first) continue;
      std::set<std::string> declared;
      for (const auto& p : op.parameters)
        if (p.in == "query") declared.insert(p.name);
      for (const auto& [name, value] : seen.query) {
        INFO("query parameter " << name);
        CHECK(declared.count(name) == 1);
      }
      for (const auto& p : op.parameters) {
        if (p.in != "query" || !ex["parameters"].contains(p.name) || p.name == "beta") continue;
        INFO("query parameter " << p.name << " of the example");
        auto it = seen.query.find(p.name);
        if (it == seen.query.end()) {
          FAIL_CHECK("not sent");
          continue;
        }
        CHECK(it->second == query_value(ex["parameters"][p.name]));
      }
      const Parameter* body = op.body();
      if (seen.body.empty()) {
        if (body != nullptr) CHECK_FALSE(body->required);
        continue;
      }
      json sent_body = json::parse(seen.body, nullptr, false);
      CHECK_FALSE(sent_body.is_discarded());
      if (sent_body.is_discarded()) continue;
      for (const auto& problem : w.index.check_body(op, sent_body)) FAIL_CHECK(problem);
    }
    CHECK(sent);
    // A page that names a next one was followed.
    json first = json::object();
    if (ex["responses"].contains(s.status) && ex["responses"][s.status].contains("body"))
      first = ex["responses"][s.status]["body"];
    bool more = (first.contains("continuationToken") && !first["continuationToken"].is_null()) ||
                (first.contains("continuationUri") && !first["continuationUri"].is_null());
    if (more) {
      bool followed = false;
      for (const auto& seen : s.seen) followed = followed || (seen.path == want_path && seen.query.count("continuationToken") > 0);
      CHECK(followed);
    }
  }
}

TEST_CASE("conformance: docs/api/fabric.md maps exactly the wrapped operations", "[conformance]") {
  World& w = world();
  std::string doc = read(fs::path(TARN_SOURCE_DIR) / "docs" / "api" / "fabric.md");
  REQUIRE_FALSE(doc.empty());
  static const std::regex row(R"(\|\s*`([A-Za-z_()]+)`\s*\|\s*`(fabric\.[a-z_.]+)`)");
  std::map<std::string, std::string> documented;
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), row); it != std::sregex_iterator(); ++it)
    documented[(*it)[1]] = (*it)[2];
  CHECK(documented == w.mapping);
}
