#pragma once
// The Fabric REST API specs (../shared/specs/fabric, Swagger 2.0) as the conformance tests
// use them: operations by operationId with their examples, every example file on disk, and
// request-body checks against the schemas ($ref across files, allOf, discriminators).
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace conformance {

using nlohmann::json;
namespace fs = std::filesystem;

struct Parameter {
  std::string name;
  std::string in;  // path, query, body, header
  bool required = false;
  json schema;     // the body's schema (a $ref), or the parameter itself
};

struct Operation {
  std::string id;
  std::string method;       // upper case
  std::string path;         // "/workspaces/{workspaceId}/items"
  fs::path swagger;         // the file it is declared in
  std::vector<Parameter> parameters;
  std::vector<fs::path> examples;          // x-ms-examples, resolved (may not exist)
  bool long_running = false;               // x-ms-fabric-sdk-long-running-operation
  const Parameter* body() const;
};

class SpecIndex {
 public:
  // Reads every */swagger.json under root; throws std::runtime_error when root holds none.
  explicit SpecIndex(const fs::path& root);

  const std::map<std::string, Operation>& operations() const { return ops_; }
  const Operation* find(const std::string& id) const;
  // Every *.json under an examples/ folder, sorted.
  const std::vector<fs::path>& example_files() const { return example_files_; }
  // The operations whose x-ms-examples name this file.
  std::vector<std::string> operations_of(const fs::path& example) const;

  // Problems of a request body against the operation's body schema: required properties
  // missing, unknown or read-only properties, wrong JSON types, values outside an enum.
  // Each names the JSON path ("$.credentialDetails.credentials.username").
  std::vector<std::string> check_body(const Operation& op, const json& body) const;

  const json& file(const fs::path& path) const;  // parsed JSON, cached; case-insensitive fallback

 private:
  struct Node {
    fs::path file;
    const json* schema;
    std::string name;  // the definition's name, when reached through a $ref
  };
  Node resolve(const fs::path& from, const json& schema) const;
  void check(const Node& node, const json& value, const std::string& where, std::vector<std::string>& out,
             int depth) const;
  void collect(const Node& node, std::vector<Node>& all, int depth) const;  // node + allOf chain
  std::optional<Node> subtype(const Node& base, const std::string& name, const std::string& value) const;

  fs::path root_;
  std::map<std::string, Operation> ops_;
  std::vector<fs::path> example_files_;
  std::map<fs::path, std::set<std::string>> by_example_;
  mutable std::map<fs::path, json> files_;
};

// A path template with the example's parameter values put in ("/workspaces/{workspaceId}" ->
// "/workspaces/cfaf…"); nullopt when the example lacks one of them.
std::optional<std::string> fill_path(const std::string& path_template, const json& parameters);

}  // namespace conformance
