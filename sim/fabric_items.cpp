// Fabric items: the generic /items API (every type) and the routes every typed collection
// shares (/mirroredDatabases, /mirroredAzureDatabricksCatalogs): list with paging, get,
// update, delete, create with a definition or creationPayload, getDefinition (the stored parts
// plus .platform) and updateDefinition (base64 parts; .platform applied with updateMetadata).
#include "sim/fabric.hpp"
#include "sim/services.hpp"

namespace sim::fabric {
namespace {

bool valid_text(const json& body, const char* key, std::size_t max) {
  return !body.contains(key) || (body[key].is_string() && body[key].get<std::string>().size() <= max);
}

std::optional<Failure> check_create_request(const json& request) {
  if (!request.is_object()) return Failure{400, "InvalidInput", "Expected a JSON object"};
  if (!request.contains("displayName") || !request["displayName"].is_string() ||
      request["displayName"].get<std::string>().empty() || request["displayName"].get<std::string>().size() > 256)
    return Failure{400, "InvalidInput", "displayName: required, expected a string of 1 to 256 characters"};
  if (!valid_text(request, "description", 256))
    return Failure{400, "InvalidInput", "description: expected a string of at most 256 characters"};
  if (request.contains("folderId") && !request["folderId"].is_string())
    return Failure{400, "InvalidInput", "folderId: expected a folder id"};
  if (request.contains("definition") && request.contains("creationPayload"))
    return Failure{400, "InvalidInput", "definition and creationPayload cannot be used together; give one of them"};
  if (request.contains("creationPayload") && !request["creationPayload"].is_object())
    return Failure{400, "InvalidInput", "creationPayload: expected an object"};
  return std::nullopt;
}

std::string logical_id_of(const json& definition) {
  PartJson p = part_json(definition, ".platform");
  if (!p.value || !p.value->contains("config") || !(*p.value)["config"].is_object()) return "";
  std::string id = (*p.value)["config"].value("logicalId", "");
  return id == "00000000-0000-0000-0000-000000000000" ? "" : id;
}

}  // namespace

void create_item(Exchange& ex, const std::string& workspace, const json& request, const std::string& type, bool lro,
                 PayloadToDefinition creation_payload_definition) {
  if (auto f = check_create_request(request)) return f->send(ex);
  Failure failure;
  json definition = nullptr;
  if (request.contains("definition")) {
    if (auto f = check_definition_shape(request["definition"])) return f->send(ex);
    definition = request["definition"];
  } else if (request.contains("creationPayload") && creation_payload_definition) {
    auto d = creation_payload_definition(request["creationPayload"], failure);
    if (!d) return failure.send(ex);
    definition = *d;
  }
  Config cfg = config(ex.sim);
  std::int64_t now = now_ms();
  if (definition.is_object()) {
    if (auto f = check_type_definition(type, nullptr, definition, cfg, now)) return f->send(ex);
  } else if (type == "MirroredDatabase") {
    return fabric_error(ex, 400, "InvalidInput",
                        "definition: required; a mirrored database cannot be created without a definition");
  }

  std::string name = request["displayName"];
  json item = {{"id", new_uuid()}, {"workspaceId", workspace}, {"type", type}, {"displayName", name},
               {"description", request.value("description", "")}};
  if (request.contains("folderId")) item["folderId"] = request["folderId"];
  const json labels = request.value("sensitivityLabelSettings", json());
  if (labels.is_object() && labels.contains("labelId") && labels["labelId"].is_string())
    item["sensitivityLabel"] = {{"id", labels["labelId"]}};
  std::string logical = definition.is_object() ? logical_id_of(definition) : "";
  item["logicalId"] = logical.empty() ? new_uuid() : logical;
  if (definition.is_object()) {
    json stored = {{"parts", content_parts(definition)}};
    if (definition.contains("format") && definition["format"].is_string()) stored["format"] = definition["format"];
    item["definition"] = stored;
  }
  if (request.contains("creationPayload") && !creation_payload_definition)
    item["creationPayload"] = request["creationPayload"];
  init_type_state(item, cfg, now);

  std::optional<Failure> refused;
  ex.sim.write([&](json& s) {
    if (!find(list(s, "workspaces"), "id", workspace)) return void(refused = workspace_not_found(workspace));
    json& items = list(s, "items");
    for (const auto& other : items)
      if (other.value("workspaceId", "") == workspace && other.value("type", "") == type &&
          other.value("displayName", "") == name)
        return void(refused = Failure{400, "ItemDisplayNameAlreadyInUse",
                                      "The display name '" + name + "' is already used by a " + type +
                                          " in this workspace"});
    items.push_back(item);
  });
  if (refused) return refused->send(ex);
  if (lro) fabric_accepted(ex, {item_body(item), nullptr, -1});
  else ex.reply(201, item_body(item));
}

namespace {

// One collection's routes, bound to its type and renderers.
struct Collection {
  std::string type;  // "" for /items
  ItemBodyFn body;
  ItemPatchFn patch;

  json render(const Exchange& ex, const json& item, const Config& cfg, std::int64_t now) const {
    return body ? body(ex, item, cfg, now) : item_body(item, ex.req.get_param_value("include") == "DefaultIdentity");
  }
};

void list_items(Exchange& ex, const Collection& c) {
  if (!authorize(ex)) return;
  std::string ws = ex.arg(1);
  if (!workspace_or_404(ex, ws)) return;
  std::string type = c.type.empty() ? ex.req.get_param_value("type") : c.type;
  std::string root = ex.req.get_param_value("rootFolderId");
  Config cfg = config(ex.sim);
  std::int64_t now = now_ms();
  json out = json::array();
  ex.sim.read([&](const json& s) {
    for (const auto& item : list(s, "items")) {
      if (item.value("workspaceId", "") != ws) continue;
      if (!type.empty() && item.value("type", "") != type) continue;
      if (!root.empty() && item.value("folderId", "") != root) continue;
      out.push_back(c.render(ex, item, cfg, now));
    }
    return 0;
  });
  fabric_list(ex, out, cfg.page_size);
}

void get_item(Exchange& ex, const Collection& c) {
  if (!authorize(ex)) return;
  auto item = item_or_404(ex, ex.arg(1), ex.arg(2), c.type);
  if (item) ex.reply(200, c.render(ex, *item, config(ex.sim), now_ms()));
}

void update_item(Exchange& ex, const Collection& c) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidRequest", "Expected a JSON object");
  if (body->contains("displayName") && (!(*body)["displayName"].is_string() ||
                                        (*body)["displayName"].get<std::string>().empty() ||
                                        (*body)["displayName"].get<std::string>().size() > 256))
    return fabric_error(ex, 400, "InvalidRequest", "displayName: expected a string of 1 to 256 characters");
  if (!valid_text(*body, "description", 256))
    return fabric_error(ex, 400, "InvalidRequest", "description: expected a string of at most 256 characters");
  std::string ws = ex.arg(1), id = ex.arg(2);
  if (!item_or_404(ex, ws, id, c.type)) return;
  std::optional<Failure> failure;
  json updated = ex.sim.write([&](json& s) -> json {
    json* item = find_item(s, ws, id);
    if (!item) return failure = item_not_found(id), nullptr;
    if (body->contains("displayName"))
      for (const auto& other : list(s, "items"))
        if (other.value("workspaceId", "") == ws && other.value("id", "") != id &&
            other.value("type", "") == item->value("type", "") && other.value("displayName", "") == (*body)["displayName"])
          return failure = Failure{400, "ItemDisplayNameAlreadyInUse",
                                   "The display name '" + (*body)["displayName"].get<std::string>() +
                                       "' is already used in this workspace"},
                 nullptr;
    json copy = *item;
    if (c.patch) {
      if (auto f = c.patch(copy, *body)) return failure = *f, nullptr;
    }
    for (const char* k : {"displayName", "description"})
      if (body->contains(k)) copy[k] = (*body)[k];
    *item = copy;
    return copy;
  });
  if (failure) return failure->send(ex);
  ex.reply(200, c.render(ex, updated, config(ex.sim), now_ms()));
}

void delete_item(Exchange& ex, const Collection& c) {
  if (!authorize(ex)) return;
  std::string ws = ex.arg(1), id = ex.arg(2);
  if (!item_or_404(ex, ws, id, c.type)) return;
  ex.sim.write([&](json& s) {
    json& items = list(s, "items");
    items.erase(std::remove_if(items.begin(), items.end(),
                               [&](const json& i) { return i.value("id", "") == id && i.value("workspaceId", "") == ws; }),
                items.end());
  });
  ex.res.status = 200;
}

void get_definition(Exchange& ex, const Collection& c) {
  if (!authorize(ex)) return;
  auto item = item_or_404(ex, ex.arg(1), ex.arg(2), c.type);
  if (!item) return;
  fabric_accepted(ex, {{{"definition", definition_with_platform(*item)}}, nullptr, -1});
}

void update_definition(Exchange& ex, const Collection& c) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object() || !body->contains("definition"))
    return fabric_error(ex, 400, "InvalidInput", "definition: required, expected {parts: [...]}");
  const json& def = (*body)["definition"];
  if (auto f = check_definition_shape(def)) return f->send(ex);
  bool update_metadata = ex.req.get_param_value("updateMetadata") == "true";
  std::optional<json> metadata;
  if (update_metadata) {
    PartJson p = part_json(def, ".platform");
    if (p.failure) return p.failure->send(ex);
    metadata = platform_metadata(def);
  }
  std::string ws = ex.arg(1), id = ex.arg(2);
  if (!item_or_404(ex, ws, id, c.type)) return;
  Config cfg = config(ex.sim);
  std::int64_t now = now_ms();
  std::optional<Failure> failure;
  ex.sim.write([&](json& s) {
    json* item = find_item(s, ws, id);
    if (!item) return void(failure = item_not_found(id));
    if (auto f = check_type_definition(item->value("type", ""), *item, def, cfg, now)) return void(failure = *f);
    json stored = {{"parts", content_parts(def)}};
    if (def.contains("format") && def["format"].is_string()) stored["format"] = def["format"];
    (*item)["definition"] = stored;
    if (metadata)
      for (const auto& [k, v] : metadata->items()) (*item)[k] = v;
  });
  if (failure) return failure->send(ex);
  fabric_accepted(ex, {nullptr, nullptr, -1});
}

void create_generic(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidInput", "Expected a JSON object");
  if (!body->contains("type") || !(*body)["type"].is_string() || !known_item_type((*body)["type"].get<std::string>()))
    return fabric_error(ex, 400, "InvalidItemType",
                        "type: '" + (body->contains("type") ? (*body)["type"].dump() : std::string("(missing)")) +
                            "' is not a Fabric item type");
  std::string type = (*body)["type"];
  if (!workspace_or_404(ex, ex.arg(1))) return;
  // Creating with content runs as a long-running operation; an empty item is created at once.
  bool lro = body->contains("definition") || body->contains("creationPayload");
  create_item(ex, ex.arg(1), *body, type, lro, nullptr);
}

}  // namespace

void register_item_routes(Sim& sim, const std::string& collection, const std::string& type, ItemBodyFn body,
                          ItemPatchFn patch) {
  auto c = std::make_shared<Collection>(Collection{type, body, patch});
  const std::string base = "/fabric/v1/workspaces/([^/]+)/" + collection;
  const std::string one = base + "/([^/]+)";
  sim.route("GET", base, [c](Exchange& ex) { list_items(ex, *c); });
  sim.route("GET", one, [c](Exchange& ex) { get_item(ex, *c); });
  sim.route("PATCH", one, [c](Exchange& ex) { update_item(ex, *c); });
  sim.route("DELETE", one, [c](Exchange& ex) { delete_item(ex, *c); });
  sim.route("POST", one + "/getDefinition", [c](Exchange& ex) { get_definition(ex, *c); });
  sim.route("POST", one + "/updateDefinition", [c](Exchange& ex) { update_definition(ex, *c); });
}

}  // namespace sim::fabric

namespace sim {

void register_fabric_items(Sim& sim) {
  sim.route("POST", "/fabric/v1/workspaces/([^/]+)/items", fabric::create_generic);
  fabric::register_item_routes(sim, "items", "", nullptr, nullptr);
}

}  // namespace sim
