// Fabric deployment pipelines: list, create, get, update, delete; stages (get, update,
// assignWorkspace, unassignWorkspace) and their items; deploy, a long-running operation that
// copies the selected items (or all) from the source stage's workspace into the target stage's,
// creating or updating them (a deployed mirrored database is not started, as in the service);
// and the history of deploy operations.
#include <algorithm>

#include "sim/fabric.hpp"
#include "sim/services.hpp"

namespace sim::fabric {
namespace {

constexpr std::size_t kMaxItems = 300;
constexpr std::size_t kHistory = 20;

Failure pipeline_not_found(const std::string& id) {
  return {404, "EntityNotFound", "The deployment pipeline '" + id + "' was not found"};
}
Failure stage_not_found(const std::string& id) {
  return {404, "EntityNotFound", "The deployment pipeline stage '" + id + "' was not found"};
}

json stage_body(const json& state, const json& st) {
  json b = {{"id", st["id"]}, {"order", st.value("order", 0)}, {"displayName", st.value("displayName", "")},
            {"description", st.value("description", "")}, {"isPublic", st.value("isPublic", false)}};
  if (st.contains("workspaceId") && st["workspaceId"].is_string()) {
    b["workspaceId"] = st["workspaceId"];
    if (const json* ws = find(list(state, "workspaces"), "id", st["workspaceId"].get<std::string>()))
      b["workspaceName"] = ws->value("displayName", "");
  }
  return b;
}

json pipeline_body(const json& state, const json& p, bool extended) {
  json b = {{"id", p["id"]}, {"displayName", p.value("displayName", "")}, {"description", p.value("description", "")}};
  if (!extended) return b;
  b["stages"] = json::array();
  for (const auto& st : p.value("stages", json::array())) b["stages"].push_back(stage_body(state, st));
  return b;
}

std::optional<Failure> check_text(const json& b, const char* key, std::size_t max, bool required) {
  if (!b.contains(key)) {
    if (required) return Failure{400, "InvalidInput", std::string(key) + ": required"};
    return std::nullopt;
  }
  if (!b[key].is_string() || b[key].get<std::string>().size() > max || (required && b[key].get<std::string>().empty()))
    return Failure{400, "InvalidInput", std::string(key) + ": expected a string of at most " + std::to_string(max) + " characters"};
  return std::nullopt;
}

// Runs `f(state, pipeline)` under the lock; a missing pipeline answers 404.
template <bool Writing, class F>
std::optional<json> with_pipeline(Exchange& ex, F f) {
  std::string id = ex.arg(1);
  std::optional<Failure> failure;
  auto body = [&](auto& s) -> json {
    auto* p = find(list(s, "deploymentPipelines"), "id", id);
    if (!p) return failure = pipeline_not_found(id), nullptr;
    std::optional<Failure> f_failure;
    json out = f(s, *p, f_failure);
    if (f_failure) failure = f_failure;
    return out;
  };
  json out;
  if constexpr (Writing) out = ex.sim.write([&](json& s) { return body(s); });
  else out = ex.sim.read([&](const json& s) { return body(s); });
  if (failure) {
    failure->send(ex);
    return std::nullopt;
  }
  return out;
}

void list_pipelines(Exchange& ex) {
  if (!authorize(ex)) return;
  json out = json::array();
  ex.sim.read([&](const json& s) {
    for (const auto& p : list(s, "deploymentPipelines")) out.push_back(pipeline_body(s, p, false));
    return 0;
  });
  fabric_list(ex, out, config(ex.sim).page_size);
}

void create_pipeline(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidInput", "Expected a JSON object");
  if (auto f = check_text(*body, "displayName", 256, true)) return f->send(ex);
  if (auto f = check_text(*body, "description", 1024, false)) return f->send(ex);
  if (!body->contains("stages") || !(*body)["stages"].is_array() || (*body)["stages"].size() < 2 ||
      (*body)["stages"].size() > 10)
    return fabric_error(ex, 400, "InvalidInput", "stages: required, expected 2 to 10 stages");
  json p = {{"id", new_uuid()}, {"displayName", (*body)["displayName"]}, {"description", body->value("description", "")},
            {"stages", json::array()}};
  for (std::size_t i = 0; i < (*body)["stages"].size(); ++i) {
    const json& st = (*body)["stages"][i];
    if (!st.is_object()) return fabric_error(ex, 400, "InvalidInput", "stages[" + std::to_string(i) + "]: expected an object");
    if (auto f = check_text(st, "displayName", 256, true)) {
      f->message = "stages[" + std::to_string(i) + "]." + f->message;
      return f->send(ex);
    }
    p["stages"].push_back({{"id", new_uuid()}, {"order", i}, {"displayName", st["displayName"]},
                           {"description", st.value("description", "")}, {"isPublic", st.value("isPublic", false)}});
  }
  json out = ex.sim.write([&](json& s) {
    list(s, "deploymentPipelines").push_back(p);
    return pipeline_body(s, p, true);
  });
  ex.reply(201, out);
}

void get_pipeline(Exchange& ex) {
  if (!authorize(ex)) return;
  auto out = with_pipeline<false>(ex, [](const json& s, const json& p, auto&) { return pipeline_body(s, p, true); });
  if (out) ex.reply(200, *out);
}

void update_pipeline(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidInput", "Expected a JSON object");
  if (auto f = check_text(*body, "displayName", 256, false)) return f->send(ex);
  if (auto f = check_text(*body, "description", 1024, false)) return f->send(ex);
  auto out = with_pipeline<true>(ex, [&](json& s, json& p, auto&) {
    for (const char* k : {"displayName", "description"})
      if (body->contains(k)) p[k] = (*body)[k];
    return pipeline_body(s, p, true);
  });
  if (out) ex.reply(200, *out);
}

void delete_pipeline(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string id = ex.arg(1);
  bool found = ex.sim.write([&](json& s) {
    json& all = list(s, "deploymentPipelines");
    auto before = all.size();
    all.erase(std::remove_if(all.begin(), all.end(), [&](const json& p) { return p.value("id", "") == id; }), all.end());
    return all.size() != before;
  });
  if (!found) return pipeline_not_found(id).send(ex);
  ex.res.status = 200;
}

void list_stages(Exchange& ex) {
  if (!authorize(ex)) return;
  auto out = with_pipeline<false>(ex, [](const json& s, const json& p, auto&) {
    json stages = json::array();
    for (const auto& st : p.value("stages", json::array())) stages.push_back(stage_body(s, st));
    return stages;
  });
  if (out) fabric_list(ex, *out, config(ex.sim).page_size);
}

// Runs `f(state, pipeline, stage)`; a missing stage answers 404.
template <bool Writing, class F>
std::optional<json> with_stage(Exchange& ex, F f) {
  std::string stage = ex.arg(2);
  return with_pipeline<Writing>(ex, [&](auto& s, auto& p, std::optional<Failure>& failure) -> json {
    if (!p.contains("stages")) return failure = stage_not_found(stage), nullptr;
    auto* st = find(p["stages"], "id", stage);
    if (!st) return failure = stage_not_found(stage), nullptr;
    return f(s, p, *st, failure);
  });
}

void get_stage(Exchange& ex) {
  if (!authorize(ex)) return;
  auto out = with_stage<false>(ex, [](const json& s, const json&, const json& st, auto&) { return stage_body(s, st); });
  if (out) ex.reply(200, *out);
}

void update_stage(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidInput", "Expected a JSON object");
  if (auto f = check_text(*body, "displayName", 256, false)) return f->send(ex);
  if (auto f = check_text(*body, "description", 1024, false)) return f->send(ex);
  if (body->contains("isPublic") && !(*body)["isPublic"].is_boolean())
    return fabric_error(ex, 400, "InvalidInput", "isPublic: expected true or false");
  auto out = with_stage<true>(ex, [&](json& s, json&, json& st, auto&) {
    for (const char* k : {"displayName", "description", "isPublic"})
      if (body->contains(k)) st[k] = (*body)[k];
    return stage_body(s, st);
  });
  if (out) ex.reply(200, *out);
}

void assign_workspace(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object() || !body->contains("workspaceId") || !(*body)["workspaceId"].is_string())
    return fabric_error(ex, 400, "InvalidInput", "workspaceId: required, expected a workspace id");
  std::string ws = (*body)["workspaceId"];
  auto out = with_stage<true>(ex, [&](json& s, json&, json& st, std::optional<Failure>& failure) -> json {
    if (!find(list(s, "workspaces"), "id", ws)) return failure = workspace_not_found(ws), nullptr;
    st["workspaceId"] = ws;
    return true;
  });
  if (out) ex.res.status = 200;
}

void unassign_workspace(Exchange& ex) {
  if (!authorize(ex)) return;
  auto out = with_stage<true>(ex, [&](json&, json&, json& st, auto&) -> json {
    st.erase("workspaceId");
    return true;
  });
  if (out) ex.res.status = 200;
}

void stage_items(Exchange& ex) {
  if (!authorize(ex)) return;
  auto out = with_stage<false>(ex, [](const json& s, const json& p, const json& st, auto&) {
    json items = json::array();
    if (!st.contains("workspaceId")) return items;
    json links = p.value("links", json::array());
    for (const auto& item : list(s, "items")) {
      if (item.value("workspaceId", "") != st["workspaceId"]) continue;
      json e = {{"itemId", item["id"]}, {"itemDisplayName", item.value("displayName", "")}, {"itemType", item["type"]}};
      for (const auto& l : links) {
        if (l["targetItemId"] == item["id"]) {
          e["sourceItemId"] = l["sourceItemId"];
          e["lastDeploymentTime"] = l["time"];
        }
        if (l["sourceItemId"] == item["id"]) e["targetItemId"] = l["targetItemId"];
      }
      items.push_back(e);
    }
    return items;
  });
  if (out) fabric_list(ex, *out, config(ex.sim).page_size);
}

// ---- Deploy --------------------------------------------------------------------------------

bool same_content(const json& a, const json& b) {
  return a.value("displayName", "") == b.value("displayName", "") &&
         a.value("description", "") == b.value("description", "") &&
         a.value("definition", json::object()) == b.value("definition", json::object());
}

struct DeployPlan {
  std::string source_ws, target_ws;
  json items;  // the source items, in order
};

void deploy(Exchange& ex) {
  auto claims = authorize(ex);
  if (!claims) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidInput", "Expected a JSON object");
  for (const char* k : {"sourceStageId", "targetStageId"})
    if (!body->contains(k) || !(*body)[k].is_string())
      return fabric_error(ex, 400, "InvalidInput", std::string(k) + ": required, expected a stage id");
  if (auto f = check_text(*body, "note", 1024, false)) return f->send(ex);
  if (body->contains("items") && (!(*body)["items"].is_array() || (*body)["items"].size() > kMaxItems))
    return fabric_error(ex, 400, "InvalidInput", "items: expected an array of at most 300 {sourceItemId, itemType}");
  std::string source_id = (*body)["sourceStageId"], target_id = (*body)["targetStageId"];
  if (source_id == target_id) return fabric_error(ex, 400, "InvalidInput", "targetStageId: must differ from sourceStageId");

  Config cfg = config(ex.sim);
  std::int64_t now = now_ms();
  std::string now_text = time_text(now);
  std::string op_id = new_uuid();
  auto out = with_pipeline<true>(ex, [&](json& s, json& p, std::optional<Failure>& failure) -> json {
    json* src = p.contains("stages") ? find(p["stages"], "id", source_id) : nullptr;
    json* dst = p.contains("stages") ? find(p["stages"], "id", target_id) : nullptr;
    if (!src) return failure = stage_not_found(source_id), nullptr;
    if (!dst) return failure = stage_not_found(target_id), nullptr;
    if (!src->contains("workspaceId"))
      return failure = Failure{400, "InvalidInput", "The source stage has no workspace assigned"}, nullptr;
    std::string source_ws = (*src)["workspaceId"];
    if (!dst->contains("workspaceId")) {
      const json details = body->value("createdWorkspaceDetails", json());
      if (!details.is_object() || !details.contains("name") || !details["name"].is_string())
        return failure = Failure{400, "InvalidInput",
                                 "createdWorkspaceDetails.name: required when the target stage has no workspace"},
               nullptr;
      json ws = {{"id", new_uuid()}, {"displayName", details["name"]}, {"description", ""}, {"type", "Workspace"}};
      if (details.contains("capacityId")) ws["capacityId"] = details["capacityId"];
      list(s, "workspaces").push_back(ws);
      (*dst)["workspaceId"] = ws["id"];
    }
    std::string target_ws = (*dst)["workspaceId"];
    json& items = list(s, "items");
    bool backward = dst->value("order", 0) < src->value("order", 0);
    if (backward)
      for (const auto& i : items)
        if (i.value("workspaceId", "") == target_ws)
          return failure = Failure{400, "InvalidInput",
                                   "Deploying to an earlier stage is allowed only when its workspace is empty"},
                 nullptr;
    // The source items, as selected (each must exist with its type) or all of them.
    std::vector<std::string> chosen;
    if (body->contains("items")) {
      for (const auto& sel : (*body)["items"]) {
        std::string id = sel.is_object() ? sel.value("sourceItemId", "") : "";
        const json* i = find_item(s, source_ws, id);
        if (!i || i->value("type", "") != sel.value("itemType", ""))
          return failure = Failure{400, "ItemNotFound",
                                   "items: the source stage has no " + sel.value("itemType", "item") + " '" + id + "'"},
                 nullptr;
        chosen.push_back(id);
      }
    } else {
      for (const auto& i : items)
        if (i.value("workspaceId", "") == source_ws) chosen.push_back(i["id"]);
    }
    if (!p.contains("links")) p["links"] = json::array();
    json steps = json::array();
    int fresh = 0, different = 0, same = 0;
    for (const std::string& id : chosen) {
      json source = *find_item(s, source_ws, id);
      json* target = nullptr;
      for (const auto& l : p["links"])
        if (l["sourceItemId"] == id && l.value("targetStageId", "") == target_id)
          if ((target = find_item(s, target_ws, l["targetItemId"].get<std::string>()))) break;
      if (!target)
        for (auto& i : items)
          if (i.value("workspaceId", "") == target_ws && i["type"] == source["type"] &&
              i.value("displayName", "") == source.value("displayName", ""))
            target = &i;
      std::string diff = !target ? "New" : same_content(source, *target) ? "NoDifference" : "Different";
      (diff == "New" ? fresh : diff == "Different" ? different : same)++;
      std::string target_id_str;
      if (!target) {
        json copy = {{"id", new_uuid()}, {"workspaceId", target_ws}, {"type", source["type"]},
                     {"displayName", source.value("displayName", "")}, {"description", source.value("description", "")},
                     {"logicalId", new_uuid()}};
        if (source.contains("definition")) copy["definition"] = source["definition"];
        init_type_state(copy, cfg, now);
        items.push_back(copy);
        target_id_str = copy["id"];
      } else {
        for (const char* k : {"displayName", "description", "definition"})
          if (source.contains(k)) (*target)[k] = source[k];
        target_id_str = (*target)["id"];
      }
      json& links = p["links"];
      links.erase(std::remove_if(links.begin(), links.end(), [&](const json& l) { return l["targetItemId"] == target_id_str; }),
                  links.end());
      links.push_back({{"sourceItemId", id}, {"targetItemId", target_id_str}, {"sourceStageId", source_id},
                       {"targetStageId", target_id}, {"time", now_text}});
      steps.push_back({{"index", steps.size()},
                       {"description", source["type"].get<std::string>() + "Deployment"},
                       {"status", "Succeeded"},
                       {"preDeploymentDiffState", diff},
                       {"sourceAndTarget",
                        {{"sourceItemId", id},
                         {"sourceItemDisplayName", source.value("displayName", "")},
                         {"targetItemId", target_id_str},
                         {"targetItemDisplayName", source.value("displayName", "")},
                         {"itemType", source["type"]}}}});
    }
    json op = {{"id", op_id},
               {"type", "Deploy"},
               {"status", "Succeeded"},
               {"lastUpdatedTime", now_text},
               {"executionStartTime", now_text},
               {"executionEndTime", now_text},
               {"sourceStageId", source_id},
               {"targetStageId", target_id},
               {"performedBy", {{"id", claims->value("oid", "")}, {"type", "ServicePrincipal"}}},
               {"preDeploymentDiffInformation",
                {{"newItemsCount", fresh}, {"differentItemsCount", different}, {"noDifferenceItemsCount", same}}},
               {"executionPlan", {{"steps", steps}}}};
    if (body->contains("note")) op["note"] = {{"content", (*body)["note"]}, {"isTruncated", false}};
    if (!p.contains("operations")) p["operations"] = json::array();
    p["operations"].insert(p["operations"].begin(), op);
    if (p["operations"].size() > kHistory) p["operations"].erase(p["operations"].begin() + kHistory, p["operations"].end());
    return op;
  });
  if (!out) return;
  ex.res.set_header("deployment-id", op_id);
  fabric_accepted(ex, {*out, nullptr, -1});
}

void list_operations(Exchange& ex) {
  if (!authorize(ex)) return;
  auto out = with_pipeline<false>(ex, [](const json&, const json& p, auto&) {
    json ops = json::array();
    for (json op : p.value("operations", json::array())) {
      op.erase("executionPlan");
      ops.push_back(op);
    }
    return ops;
  });
  if (out) fabric_list(ex, *out, config(ex.sim).page_size);
}

void get_operation(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string id = ex.arg(2);
  auto out = with_pipeline<false>(ex, [&](const json&, const json& p, std::optional<Failure>& failure) -> json {
    json ops = p.value("operations", json::array());
    const json* op = find(ops, "id", id);
    if (!op) return failure = Failure{404, "EntityNotFound", "The deployment operation '" + id + "' was not found"}, nullptr;
    return *op;
  });
  if (out) ex.reply(200, *out);
}

}  // namespace
}  // namespace sim::fabric

namespace sim {

void register_fabric_pipelines(Sim& sim) {
  const std::string p = "/fabric/v1/deploymentPipelines";
  const std::string one = p + "/([^/]+)";
  const std::string stage = one + "/stages/([^/]+)";
  sim.route("GET", p, fabric::list_pipelines);
  sim.route("POST", p, fabric::create_pipeline);
  sim.route("GET", one, fabric::get_pipeline);
  sim.route("PATCH", one, fabric::update_pipeline);
  sim.route("DELETE", one, fabric::delete_pipeline);
  sim.route("GET", one + "/stages", fabric::list_stages);
  sim.route("GET", stage, fabric::get_stage);
  sim.route("PATCH", stage, fabric::update_stage);
  sim.route("GET", stage + "/items", fabric::stage_items);
  sim.route("POST", stage + "/assignWorkspace", fabric::assign_workspace);
  sim.route("POST", stage + "/unassignWorkspace", fabric::unassign_workspace);
  sim.route("POST", one + "/deploy", fabric::deploy);
  sim.route("GET", one + "/operations", fabric::list_operations);
  sim.route("GET", one + "/operations/([^/]+)", fabric::get_operation);
}

}  // namespace sim
