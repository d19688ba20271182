// OneLake shortcuts of an item: create (with shortcutConflictPolicy), list (paged), get and
// delete. A shortcut is {path, name, target: {type, <kind>: {...}}, transform?}, kept on the
// item; the target kind names its type (oneLake -> OneLake, adlsGen2 -> AdlsGen2, ...).
#include <algorithm>

#include "sim/fabric.hpp"
#include "sim/services.hpp"

namespace sim::fabric {
namespace {

struct Kind {
  const char* key;
  const char* type;
  std::vector<const char*> required;
};

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> k = {
      {"oneLake", "OneLake", {"workspaceId", "itemId", "path"}},
      {"adlsGen2", "AdlsGen2", {"location", "subpath", "connectionId"}},
      {"amazonS3", "AmazonS3", {"location", "connectionId"}},
      {"googleCloudStorage", "GoogleCloudStorage", {"location", "subpath", "connectionId"}},
      {"s3Compatible", "S3Compatible", {"location", "bucket", "subpath", "connectionId"}},
      {"azureBlobStorage", "AzureBlobStorage", {"location", "subpath", "connectionId"}},
      {"oneDriveSharePoint", "OneDriveSharePoint", {"location", "subpath", "connectionId"}},
      {"dataverse", "Dataverse", {"environmentDomain", "tableName", "deltaLakeFolder", "connectionId"}},
      {"externalDataShare", "ExternalDataShare", {"connectionId"}},
  };
  return k;
}

// The stored target {type, <kind>: {...}} of a create request, or a Failure.
std::optional<json> target_of(const json& t, Failure& failure) {
  if (!t.is_object()) return failure = Failure{400, "InvalidInput", "target: required, expected an object"}, std::nullopt;
  const Kind* found = nullptr;
  for (const auto& k : kinds())
    if (t.contains(k.key)) {
      if (found)
        return failure = Failure{400, "InvalidInput", "target: give exactly one target kind"}, std::nullopt;
      found = &k;
    }
  if (!found) return failure = Failure{400, "InvalidInput", "target: expected one of oneLake, adlsGen2, amazonS3, "
                                                            "googleCloudStorage, s3Compatible, azureBlobStorage, "
                                                            "oneDriveSharePoint, dataverse"},
                     std::nullopt;
  const json& v = t[found->key];
  if (!v.is_object()) return failure = Failure{400, "InvalidInput", std::string("target.") + found->key + ": expected an object"}, std::nullopt;
  for (const char* r : found->required)
    if (!v.contains(r) || !v[r].is_string())
      return failure = Failure{400, "InvalidInput", std::string("target.") + found->key + "." + r + ": required"}, std::nullopt;
  return json{{"type", found->type}, {found->key, v}};
}

std::string url_of(const Exchange& ex, const json& sc) {
  return ex.base_url() + "/fabric/v1/workspaces/" + ex.arg(1) + "/items/" + ex.arg(2) + "/shortcuts/" +
         sc["path"].get<std::string>() + "/" + sc["name"].get<std::string>();
}

json* shortcut(json& item, const std::string& path, const std::string& name) {
  if (!item.contains("shortcuts")) return nullptr;
  for (auto& sc : item["shortcuts"])
    if (sc.value("path", "") == path && sc.value("name", "") == name) return &sc;
  return nullptr;
}

void create_shortcut(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidInput", "Expected a JSON object");
  std::string path = body->value("path", ""), name = body->value("name", "");
  if (path != "Files" && path != "Tables" && path.rfind("Files/", 0) != 0 && path.rfind("Tables/", 0) != 0)
    return fabric_error(ex, 400, "InvalidInput", "path: required, expected a folder under Files or Tables");
  if (name.empty() || name.find('/') != std::string::npos)
    return fabric_error(ex, 400, "InvalidInput", "name: required, expected a name without '/'");
  Failure failure;
  auto target = target_of(body->value("target", json()), failure);
  if (!target) return failure.send(ex);
  std::string policy = ex.req.has_param("shortcutConflictPolicy") ? ex.req.get_param_value("shortcutConflictPolicy") : "Abort";
  if (policy != "Abort" && policy != "GenerateUniqueName" && policy != "CreateOrOverwrite" && policy != "OverwriteOnly")
    return fabric_error(ex, 400, "InvalidParameter",
                        "shortcutConflictPolicy: expected Abort, GenerateUniqueName, CreateOrOverwrite or OverwriteOnly");
  std::string ws = ex.arg(1), id = ex.arg(2);
  if (!item_or_404(ex, ws, id)) return;
  json sc = {{"path", path}, {"name", name}, {"target", *target}};
  if (body->contains("transform")) sc["transform"] = (*body)["transform"];
  std::optional<Failure> refused;
  int status = 201;
  ex.sim.write([&](json& s) {
    json* item = find_item(s, ws, id);
    if (!item) return void(refused = item_not_found(id));
    if (!item->contains("shortcuts")) (*item)["shortcuts"] = json::array();
    json* existing = shortcut(*item, path, name);
    if (existing && policy == "Abort")
      return void(refused = Failure{409, "ShortcutAlreadyExists",
                                    "A shortcut named '" + name + "' already exists in " + path});
    if (!existing && policy == "OverwriteOnly")
      return void(refused = Failure{404, "EntityNotFound", "There is no shortcut '" + name + "' in " + path + " to overwrite"});
    if (existing && policy == "GenerateUniqueName") {
      int n = 1;
      while (shortcut(*item, path, name + "_" + std::to_string(n))) ++n;
      sc["name"] = name + "_" + std::to_string(n);
      existing = nullptr;
    }
    if (existing) {
      *existing = sc;
      status = 200;
    } else {
      (*item)["shortcuts"].push_back(sc);
    }
  });
  if (refused) return refused->send(ex);
  ex.res.set_header("Location", url_of(ex, sc));
  ex.reply(status, sc);
}

void list_shortcuts(Exchange& ex) {
  if (!authorize(ex)) return;
  auto item = item_or_404(ex, ex.arg(1), ex.arg(2));
  if (!item) return;
  fabric_list(ex, item->value("shortcuts", json::array()), config(ex.sim).page_size);
}

Failure no_shortcut(const std::string& path, const std::string& name) {
  return {404, "EntityNotFound", "There is no shortcut '" + name + "' in " + path};
}

void get_shortcut(Exchange& ex) {
  if (!authorize(ex)) return;
  auto item = item_or_404(ex, ex.arg(1), ex.arg(2));
  if (!item) return;
  json* sc = shortcut(*item, ex.arg(3), ex.arg(4));
  if (!sc) return no_shortcut(ex.arg(3), ex.arg(4)).send(ex);
  ex.reply(200, *sc);
}

void delete_shortcut(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string ws = ex.arg(1), id = ex.arg(2), path = ex.arg(3), name = ex.arg(4);
  if (!item_or_404(ex, ws, id)) return;
  bool found = ex.sim.write([&](json& s) {
    json* item = find_item(s, ws, id);
    if (!item || !shortcut(*item, path, name)) return false;
    json& all = (*item)["shortcuts"];
    all.erase(std::remove_if(all.begin(), all.end(),
                             [&](const json& sc) { return sc.value("path", "") == path && sc.value("name", "") == name; }),
              all.end());
    return true;
  });
  if (!found) return no_shortcut(path, name).send(ex);
  ex.res.status = 200;
}

}  // namespace
}  // namespace sim::fabric

namespace sim {

void register_fabric_shortcuts(Sim& sim) {
  const std::string base = "/fabric/v1/workspaces/([^/]+)/items/([^/]+)/shortcuts";
  sim.route("GET", base, fabric::list_shortcuts);
  sim.route("POST", base, fabric::create_shortcut);
  sim.route("GET", base + "/(.+)/([^/]+)", fabric::get_shortcut);
  sim.route("DELETE", base + "/(.+)/([^/]+)", fabric::delete_shortcut);
}

}  // namespace sim
