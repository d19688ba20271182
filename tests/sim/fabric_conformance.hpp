#pragma once
// The Fabric conformance test's examples and fixtures (fabric_conformance_test.cpp): a fixture
// per served operationId seeds a state in which the example's request can succeed.
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "fabric_support.hpp"

namespace fabricconf {

using fabrictest::json;

struct Example {
  std::string name;      // the example file, relative to the specs folder
  std::string op_id;
  std::string method;    // upper case
  std::string path;      // the swagger path without its query part
  std::string fixed_query;  // "beta=true" when the swagger path carries it
  json op;               // the swagger operation
  std::filesystem::path file;
  json data;             // the example file: {parameters, responses}, read when the operation is served
};


// The connection the fixtures' definitions name.
inline const std::string kConn = "c0c0c0c0-0000-4000-8000-00000000c0c0";

// Each fixture fills `f` (the state's "fabric" key) and may set keys of the whole state
// (`root`, e.g. "operations" for the core's operation routes).
using Fixture = std::function<void(const Example&, json& f, json& root)>;
std::map<std::string, Fixture> fixtures();

// The example's body parameter: by the swagger's name, else (some examples name it differently,
// e.g. initializeConnectionRequest for gitInitializeConnectionRequest) the one example
// parameter the operation declares nowhere else.
json body_param(const Example& e);
// A definition.json content for a Databricks catalog, from an item's `properties`.
json catalog_content(const json& props = json::object());

}  // namespace fabricconf
