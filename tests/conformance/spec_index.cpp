#include "tests/conformance/spec_index.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace conformance {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The file as named, else the one whose path matches it ignoring case: the deployment
// pipelines definitions name "../../Common/definitions.json" for common/definitions.json.
fs::path existing(const fs::path& p) {
  if (fs::exists(p)) return p;
  fs::path out;
  for (const auto& part : p.lexically_normal()) {
    fs::path next = out / part;
    if (!out.empty() && !fs::exists(next) && fs::is_directory(out)) {
      for (const auto& e : fs::directory_iterator(out))
        if (lower(e.path().filename().string()) == lower(part.string())) next = e.path();
    }
    out = next;
  }
  return out;
}

std::string type_of(const json& v) {
  if (v.is_object()) return "object";
  if (v.is_array()) return "array";
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number()) return "number";
  return "null";
}

bool type_matches(const std::string& want, const json& v) {
  std::string got = type_of(v);
  return want == got || (want == "number" && got == "integer");
}

}  // namespace

const Parameter* Operation::body() const {
  for (const auto& p : parameters)
    if (p.in == "body") return &p;
  return nullptr;
}

SpecIndex::SpecIndex(const fs::path& root) : root_(root) {
  if (!fs::is_directory(root)) throw std::runtime_error("no Fabric specs folder at " + root.string());
  std::vector<fs::path> swaggers;
  for (const auto& e : fs::directory_iterator(root))
    if (fs::exists(e.path() / "swagger.json")) swaggers.push_back(e.path() / "swagger.json");
  if (swaggers.empty()) throw std::runtime_error("no */swagger.json under " + root.string());
  std::sort(swaggers.begin(), swaggers.end());
  for (const auto& sw : swaggers) {
    const json& doc = file(sw);
    for (const auto& [path, methods] : doc.at("paths").items()) {
      for (const auto& [method, o] : methods.items()) {
        if (!o.is_object() || !o.contains("operationId")) continue;
        Operation op;
        op.id = o["operationId"].get<std::string>();
        op.method = method;
        std::transform(op.method.begin(), op.method.end(), op.method.begin(), ::toupper);
        op.path = path.substr(0, path.find('?'));  // a few beta paths carry "?beta=true"
        op.swagger = sw;
        op.long_running = o.value("x-ms-fabric-sdk-long-running-operation", false);
        const json params = o.value("parameters", json::array());  // a named copy: items() of a temporary dangles
        for (const auto& p : params) {
          Parameter par;
          par.name = p.value("name", "");
          par.in = p.value("in", "");
          par.required = p.value("required", false);
          par.schema = p.contains("schema") ? p["schema"] : p;
          op.parameters.push_back(par);
        }
        const json examples = o.value("x-ms-examples", json::object());
        for (const auto& [name, ex] : examples.items()) {
          fs::path f = (sw.parent_path() / ex.at("$ref").get<std::string>()).lexically_normal();
          op.examples.push_back(f);
          by_example_[f].insert(op.id);
        }
        ops_[op.id] = std::move(op);
      }
    }
  }
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    std::string rel = e.path().lexically_relative(root).string();
    if (rel.find("/examples/") != std::string::npos) example_files_.push_back(e.path().lexically_normal());
  }
  std::sort(example_files_.begin(), example_files_.end());
}

const Operation* SpecIndex::find(const std::string& id) const {
  auto it = ops_.find(id);
  return it == ops_.end() ? nullptr : &it->second;
}

std::vector<std::string> SpecIndex::operations_of(const fs::path& example) const {
  auto it = by_example_.find(example.lexically_normal());
  if (it == by_example_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

const json& SpecIndex::file(const fs::path& path) const {
  fs::path p = existing(path.lexically_normal());
  auto it = files_.find(p);
  if (it != files_.end()) return it->second;
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return files_[p] = json::parse(ss.str());
}

SpecIndex::Node SpecIndex::resolve(const fs::path& from, const json& schema) const {
  Node n{from, &schema, ""};
  for (int i = 0; i < 32 && n.schema->is_object() && n.schema->contains("$ref"); ++i) {
    std::string ref = (*n.schema)["$ref"].get<std::string>();
    auto hash = ref.find('#');
    std::string file_part = ref.substr(0, hash), pointer = hash == std::string::npos ? "" : ref.substr(hash + 1);
    fs::path target = file_part.empty() ? n.file : existing((n.file.parent_path() / file_part).lexically_normal());
    const json& doc = file(target);
    n.file = existing(target.lexically_normal());
    n.schema = &doc.at(json::json_pointer(pointer));
    n.name = pointer.substr(pointer.rfind('/') + 1);
  }
  return n;
}

void SpecIndex::collect(const Node& node, std::vector<Node>& all, int depth) const {
  if (depth > 16) return;
  all.push_back(node);
  if (node.schema->contains("allOf"))
    for (const auto& part : (*node.schema)["allOf"]) collect(resolve(node.file, part), all, depth + 1);
}

std::optional<SpecIndex::Node> SpecIndex::subtype(const Node& base, const std::string& name, const std::string& value) const {
  const json& doc = file(base.file);
  if (!doc.contains("definitions")) return std::nullopt;
  for (const auto& [def_name, def] : doc["definitions"].items()) {
    if (def.value("x-ms-discriminator-value", "") != value || !def.contains("allOf")) continue;
    for (const auto& part : def["allOf"])
      if (part.value("$ref", "") == "#/definitions/" + name) return Node{base.file, &def, def_name};
  }
  return std::nullopt;
}

void SpecIndex::check(const Node& start, const json& value, const std::string& where, std::vector<std::string>& out,
                      int depth) const {
  if (depth > 64) return;
  std::vector<Node> all;
  collect(resolve(start.file, *start.schema), all, 0);
  // A discriminated base: the subtype the value names adds its own requirements.
  for (std::size_t i = 0; i < all.size(); ++i) {
    const json& s = *all[i].schema;
    if (!s.contains("discriminator") || !value.is_object()) continue;
    std::string prop = s["discriminator"].get<std::string>();
    if (!value.contains(prop) || !value[prop].is_string()) continue;
    if (auto sub = subtype(all[i], all[i].name, value[prop].get<std::string>())) {
      std::vector<Node> more;
      collect(*sub, more, 0);
      for (const auto& m : more)
        if (std::none_of(all.begin(), all.end(), [&](const Node& a) { return a.schema == m.schema; })) all.push_back(m);
    } else {
      out.push_back(where + "." + prop + ": no subtype of " + all[i].name + " for '" + value[prop].get<std::string>() + "'");
    }
  }
  for (const auto& n : all) {
    const json& s = *n.schema;
    if (s.contains("type") && s["type"].is_string() && !type_matches(s["type"].get<std::string>(), value)) {
      out.push_back(where + ": expected " + s["type"].get<std::string>() + ", got " + type_of(value));
      return;
    }
    if (s.contains("enum") && (value.is_string() || value.is_number()) &&
        std::find(s["enum"].begin(), s["enum"].end(), value) == s["enum"].end())
      out.push_back(where + ": " + value.dump() + " is not one of " + s["enum"].dump());
  }
  if (value.is_object()) {
    std::map<std::string, Node> props;
    bool open = false, has_props = false;
    for (const auto& n : all) {
      const json& s = *n.schema;
      const json required = s.value("required", json::array());
      for (const auto& r : required)
        if (!value.contains(r.get<std::string>()) || value[r.get<std::string>()].is_null())
          out.push_back(where + ": required property '" + r.get<std::string>() + "' is missing" +
                        (n.name.empty() ? "" : " (" + n.name + ")"));
      if (s.contains("additionalProperties")) open = true;
      if (s.contains("properties")) {
        has_props = true;
        for (const auto& [k, p] : s["properties"].items()) props.emplace(k, Node{n.file, &p, ""});
      }
    }
    for (const auto& [k, v] : value.items()) {
      auto it = props.find(k);
      if (it == props.end()) {
        if (has_props && !open) out.push_back(where + "." + k + ": not a property of the schema");
        continue;
      }
      if (it->second.schema->value("readOnly", false)) out.push_back(where + "." + k + ": a read-only property was sent");
      check(it->second, v, where + "." + k, out, depth + 1);
    }
  }
  if (value.is_array()) {
    for (const auto& n : all) {
      if (!n.schema->contains("items")) continue;
      Node items{n.file, &(*n.schema)["items"], ""};
      for (std::size_t i = 0; i < value.size(); ++i)
        check(items, value[i], where + "[" + std::to_string(i) + "]", out, depth + 1);
      break;
    }
  }
}

std::vector<std::string> SpecIndex::check_body(const Operation& op, const json& body) const {
  std::vector<std::string> out;
  const Parameter* p = op.body();
  if (p == nullptr) {
    out.push_back(op.id + " takes no body, but one was sent");
    return out;
  }
  check(Node{op.swagger, &p->schema, ""}, body, "$", out, 0);
  return out;
}

std::optional<std::string> fill_path(const std::string& tpl, const json& parameters) {
  std::string out;
  for (std::size_t i = 0; i < tpl.size();) {
    if (tpl[i] != '{') {
      out += tpl[i++];
      continue;
    }
    auto close = tpl.find('}', i);
    std::string name = tpl.substr(i + 1, close - i - 1);
    if (!parameters.contains(name)) return std::nullopt;
    const json& v = parameters[name];
    out += v.is_string() ? v.get<std::string>() : v.dump();
    i = close + 1;
  }
  return out;
}

}  // namespace conformance
