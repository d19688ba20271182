// Fabric Git integration over an in-memory remote: connect / disconnect, connection,
// myGitCredentials, initializeConnection, status, commitToGit and updateFromGit (the last four
// are long-running operations, as in the service). A remote is fabric.git_remotes[key], key =
// provider, owner or organization/project, repository, branch and directory, so two workspaces
// connected to the same branch and folder share commits. A commit holds item snapshots
// {logicalId, type, displayName, description, definition}; items match by logicalId.
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "sim/fabric.hpp"
#include "sim/services.hpp"

namespace sim::fabric {
namespace {

Failure not_connected() { return {400, "WorkspaceNotConnectedToGit", "The workspace is not connected to Git"}; }

std::string sha1_hex(const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), md, &n, EVP_sha1(), nullptr);
  std::string out;
  char buf[3];
  for (unsigned int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    out += buf;
  }
  return out;
}

std::string remote_key(const json& d) {
  std::string owner = d.value("gitProviderType", "") == "GitHub"
                          ? d.value("customDomainName", "github.com") + "/" + d.value("ownerName", "")
                          : d.value("organizationName", "") + "/" + d.value("projectName", "");
  return d.value("gitProviderType", "") + ":" + owner + "/" + d.value("repositoryName", "") + "@" +
         d.value("branchName", "") + ":" + d.value("directoryName", "");
}

std::optional<Failure> check_provider(const json& d) {
  auto bad = [](const std::string& m) { return Failure{400, "InvalidInput", "gitProviderDetails." + m}; };
  if (!d.is_object()) return Failure{400, "InvalidInput", "gitProviderDetails: required, expected an object"};
  std::string type = d.value("gitProviderType", "");
  std::vector<std::pair<const char*, std::size_t>> need;
  if (type == "AzureDevOps") need = {{"organizationName", 100}, {"projectName", 100}};
  else if (type == "GitHub") need = {{"ownerName", 100}};
  else return bad("gitProviderType: expected AzureDevOps or GitHub");
  need.insert(need.end(), {{"repositoryName", 128}, {"branchName", 250}});
  for (auto [k, max] : need)
    if (!d.contains(k) || !d[k].is_string() || d[k].get<std::string>().empty() || d[k].get<std::string>().size() > max)
      return bad(std::string(k) + ": required, expected a string of at most " + std::to_string(max) + " characters");
  if (d.contains("directoryName") && (!d["directoryName"].is_string() || d["directoryName"].get<std::string>().size() > 256))
    return bad("directoryName: expected a string of at most 256 characters");
  return std::nullopt;
}

std::optional<Failure> check_credentials(const json& c, bool github) {
  if (c.is_null()) {
    if (github) return Failure{400, "InvalidInput", "myGitCredentials: required for GitHub"};
    return std::nullopt;
  }
  std::string source = c.is_object() ? c.value("source", "") : "";
  if (source != "ConfiguredConnection" && source != "Automatic" && source != "None")
    return Failure{400, "InvalidInput", "myGitCredentials.source: expected ConfiguredConnection, Automatic or None"};
  if (source == "ConfiguredConnection" && (!c.contains("connectionId") || !c["connectionId"].is_string()))
    return Failure{400, "InvalidInput", "myGitCredentials.connectionId: required with ConfiguredConnection"};
  if (source == "Automatic" && github)
    return Failure{400, "InvalidInput", "myGitCredentials.source: Automatic is not available for GitHub"};
  return std::nullopt;
}

json snapshot(const json& item) {
  return {{"logicalId", item.value("logicalId", uuid_from("tarn-sim logical " + item.value("id", "")))},
          {"type", item["type"]},
          {"displayName", item.value("displayName", "")},
          {"description", item.value("description", "")},
          {"definition", item.value("definition", json::object())}};
}

bool same(const json& a, const json& b) {
  return a["displayName"] == b["displayName"] && a["description"] == b["description"] && a["definition"] == b["definition"];
}

// The hash of a branch with no commits, and the head of a workspace that never synced: Git's
// empty tree, so workspaceHead and remoteCommitHash are always hashes.
constexpr const char* kEmptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

// The remote a connected workspace uses: git.remote, set at connect from the provider details.
std::string key_of(const json& git) { return git.value("remote", remote_key(git.value("gitProviderDetails", json::object()))); }

json& remote_of(json& state, const json& git) { return object(state, "git_remotes")[key_of(git)]; }

json commits_of(const json& state, const json& git) {
  const json& remotes = object(state, "git_remotes");
  std::string key = key_of(git);
  return remotes.contains(key) ? remotes[key].value("commits", json::array()) : json::array();
}

json remote_head_hash(const json& commits) { return commits.empty() ? json(kEmptyTree) : commits.back()["hash"]; }

// Snapshots by logicalId at commit `hash` (none for null or unknown).
std::map<std::string, json> items_at(const json& commits, const json& hash) {
  std::map<std::string, json> out;
  if (!hash.is_string()) return out;
  for (const auto& c : commits)
    if (c["hash"] == hash)
      for (const auto& i : c["items"]) out[i["logicalId"]] = i;
  return out;
}

std::map<std::string, json> workspace_items(const json& state, const std::string& ws) {
  std::map<std::string, json> out;
  for (const auto& i : list(state, "items"))
    if (i.value("workspaceId", "") == ws) {
      json snap = snapshot(i);
      snap["objectId"] = i["id"];
      out[snap["logicalId"]] = snap;
    }
  return out;
}

struct Change {
  std::string logical;
  json ws_item, remote_item, base_item;  // null when absent
  std::string ws_change, remote_change, conflict = "None";
};

const char* diff(const json& before, const json& after) {
  if (before.is_null()) return after.is_null() ? "" : "Added";
  if (after.is_null()) return "Deleted";
  return same(before, after) ? "" : "Modified";
}

std::vector<Change> changes(const json& state, const std::string& ws, const json& git) {
  json commits = commits_of(state, git);
  auto base = items_at(commits, git.value("head", json()));
  auto remote = items_at(commits, remote_head_hash(commits));
  auto mine = workspace_items(state, ws);
  std::map<std::string, int> all;
  for (auto* m : {&base, &remote, &mine})
    for (const auto& [k, v] : *m) all[k] = 0;
  std::vector<Change> out;
  for (const auto& [k, _] : all) {
    Change c;
    c.logical = k;
    c.ws_item = mine.count(k) ? mine[k] : json();
    c.remote_item = remote.count(k) ? remote[k] : json();
    c.base_item = base.count(k) ? base[k] : json();
    c.ws_change = diff(c.base_item, c.ws_item);
    c.remote_change = diff(c.base_item, c.remote_item);
    if (c.ws_change.empty() && c.remote_change.empty()) continue;
    if (!c.ws_change.empty() && !c.remote_change.empty()) {
      bool both_gone = c.ws_item.is_null() && c.remote_item.is_null();
      c.conflict = both_gone || (!c.ws_item.is_null() && !c.remote_item.is_null() && same(c.ws_item, c.remote_item))
                       ? "SameChanges"
                       : "Conflict";
    }
    out.push_back(c);
  }
  return out;
}

// The workspace's git object (copy), or a Failure.
std::optional<json> git_of(const json& state, const std::string& ws, std::optional<Failure>& failure) {
  const json* w = find(list(state, "workspaces"), "id", ws);
  if (!w) return failure = workspace_not_found(ws), std::nullopt;
  if (!w->contains("git") || !(*w)["git"].is_object()) return failure = not_connected(), std::nullopt;
  return (*w)["git"];
}

void connect(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidInput", "Expected a JSON object");
  const json details = body->value("gitProviderDetails", json());
  if (auto f = check_provider(details)) return f->send(ex);
  const json creds = body->value("myGitCredentials", json());
  if (auto f = check_credentials(creds, details["gitProviderType"] == "GitHub")) return f->send(ex);
  std::string ws = ex.arg(1);
  std::optional<Failure> failure;
  ex.sim.write([&](json& s) {
    json* w = find(list(s, "workspaces"), "id", ws);
    if (!w) return void(failure = workspace_not_found(ws));
    if (w->contains("git"))
      return void(failure = Failure{409, "WorkspaceAlreadyConnectedToGit", "The workspace is already connected to Git"});
    json d = details;
    if (!d.contains("directoryName")) d["directoryName"] = "";
    (*w)["git"] = {{"gitProviderDetails", d},
                   {"credentials", creds.is_null() ? json{{"source", "Automatic"}} : creds},
                   {"state", "Connected"},
                   {"head", nullptr},
                   {"remote", remote_key(d)}};
  });
  if (failure) return failure->send(ex);
  ex.res.status = 200;
}

void disconnect(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string ws = ex.arg(1);
  std::optional<Failure> failure;
  ex.sim.write([&](json& s) {
    if (!git_of(s, ws, failure)) return;
    find(list(s, "workspaces"), "id", ws)->erase("git");
  });
  if (failure) return failure->send(ex);
  ex.res.status = 200;
}

void get_connection(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string ws = ex.arg(1);
  std::optional<Failure> failure;
  auto git = ex.sim.read([&](const json& s) { return git_of(s, ws, failure); });
  if (failure && failure->code != "WorkspaceNotConnectedToGit") return failure->send(ex);
  if (!git)
    return ex.reply(200, {{"gitProviderDetails", nullptr}, {"gitSyncDetails", nullptr}, {"gitConnectionState", "NotConnected"}});
  json sync = (*git)["head"].is_string()
                  ? json{{"head", (*git)["head"]}, {"lastSyncTime", git->value("lastSyncTime", "")}}
                  : json();
  ex.reply(200, {{"gitProviderDetails", (*git)["gitProviderDetails"]},
                 {"gitSyncDetails", sync},
                 {"gitConnectionState", git->value("state", "Connected")},
                 {"gitConnectionType", "Full"}});
}

void get_credentials(Exchange& ex) {
  if (!authorize(ex)) return;
  std::optional<Failure> failure;
  auto git = ex.sim.read([&](const json& s) { return git_of(s, ex.arg(1), failure); });
  if (failure) return failure->send(ex);
  ex.reply(200, (*git)["credentials"]);
}

void update_credentials(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  std::string ws = ex.arg(1);
  std::optional<Failure> failure;
  ex.sim.write([&](json& s) {
    auto git = git_of(s, ws, failure);
    if (!git) return;
    if (auto f = check_credentials(*body, (*git)["gitProviderDetails"]["gitProviderType"] == "GitHub"))
      return void(failure = *f);
    json c = {{"source", (*body)["source"]}};
    if (body->contains("connectionId") && (*body)["source"] == "ConfiguredConnection") c["connectionId"] = (*body)["connectionId"];
    (*find(list(s, "workspaces"), "id", ws))["git"]["credentials"] = c;
  });
  if (failure) return failure->send(ex);
  ex.reply(200, (*body)["source"] == "ConfiguredConnection"
                    ? json{{"source", "ConfiguredConnection"}, {"connectionId", (*body)["connectionId"]}}
                    : json{{"source", (*body)["source"]}});
}

void initialize_connection(Exchange& ex) {
  if (!authorize(ex)) return;
  json body = ex.req.body.empty() ? json::object() : json::parse(ex.req.body, nullptr, false);
  if (!body.is_object()) return fabric_error(ex, 400, "InvalidInput", "The request body is not a JSON object");
  std::string strategy = body.value("initializationStrategy", "None");
  if (strategy != "None" && strategy != "PreferRemote" && strategy != "PreferWorkspace")
    return fabric_error(ex, 400, "InvalidInput", "initializationStrategy: expected None, PreferRemote or PreferWorkspace");
  std::string ws = ex.arg(1);
  std::optional<Failure> failure;
  json result = ex.sim.write([&](json& s) -> json {
    auto git = git_of(s, ws, failure);
    if (!git) return nullptr;
    json commits = commits_of(s, *git);
    json remote_hash = remote_head_hash(commits);
    bool remote_has = !items_at(commits, remote_hash).empty();
    bool ws_has = !workspace_items(s, ws).empty();
    std::string action = "None";
    if (remote_has && ws_has) {
      if (strategy == "None")
        return failure = Failure{400, "MissingInitializationPolicy",
                                 "Both the workspace and the Git folder have content; choose an initializationStrategy"},
               nullptr;
      action = strategy == "PreferRemote" ? "UpdateFromGit" : "CommitToGit";
    } else if (remote_has) {
      action = "UpdateFromGit";
    } else if (ws_has) {
      action = "CommitToGit";
    }
    json& g = (*find(list(s, "workspaces"), "id", ws))["git"];
    g["state"] = "ConnectedAndInitialized";
    g["head"] = action == "UpdateFromGit" ? json(kEmptyTree) : remote_hash;
    return {{"requiredAction", action}, {"workspaceHead", g["head"]}, {"remoteCommitHash", remote_hash}};
  });
  if (failure) return failure->send(ex);
  fabric_accepted(ex, {result, nullptr, -1});
}

json identifier(const Change& c) {
  json id = json::object();
  if (!c.ws_item.is_null()) id["objectId"] = c.ws_item["objectId"];
  if (!c.base_item.is_null() || !c.remote_item.is_null()) id["logicalId"] = c.logical;
  return id;
}

void status(Exchange& ex) {
  if (!authorize(ex)) return;
  std::string ws = ex.arg(1);
  std::optional<Failure> failure;
  json result = ex.sim.read([&](const json& s) -> json {
    auto git = git_of(s, ws, failure);
    if (!git) return nullptr;
    json list_out = json::array();
    for (const auto& c : changes(s, ws, *git)) {
      const json& shown = !c.ws_item.is_null() ? c.ws_item : !c.remote_item.is_null() ? c.remote_item : c.base_item;
      json e = {{"itemMetadata", {{"itemIdentifier", identifier(c)}, {"itemType", shown["type"]}, {"displayName", shown["displayName"]}}},
                {"conflictType", c.conflict}};
      if (!c.ws_change.empty()) e["workspaceChange"] = c.ws_change;
      if (!c.remote_change.empty()) e["remoteChange"] = c.remote_change;
      list_out.push_back(e);
    }
    return {{"workspaceHead", git->value("head", json())},
            {"remoteCommitHash", remote_head_hash(commits_of(s, *git))},
            {"changes", list_out}};
  });
  if (failure) return failure->send(ex);
  fabric_accepted(ex, {result, nullptr, -1});
}

std::optional<Failure> check_head(const json& body, const json& git) {
  if (body.contains("workspaceHead") && !body["workspaceHead"].is_null() && body["workspaceHead"] != git.value("head", json()))
    return Failure{400, "WorkspaceHeadMismatch", "workspaceHead does not match the workspace's current head"};
  return std::nullopt;
}

void commit(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return fabric_error(ex, 400, "InvalidInput", "Expected a JSON object");
  std::string mode = body->value("mode", "");
  if (mode != "All" && mode != "Selective") return fabric_error(ex, 400, "InvalidInput", "mode: required, expected All or Selective");
  if (body->contains("comment") && (!(*body)["comment"].is_string() || (*body)["comment"].get<std::string>().size() > 300))
    return fabric_error(ex, 400, "InvalidInput", "comment: expected a string of at most 300 characters");
  std::string ws = ex.arg(1);
  std::optional<Failure> failure;
  ex.sim.write([&](json& s) {
    auto git = git_of(s, ws, failure);
    if (!git) return;
    if (auto f = check_head(*body, *git)) return void(failure = *f);
    json commits = commits_of(s, *git);
    auto tree = items_at(commits, remote_head_hash(commits));
    auto selected = [&](const Change& c) {
      if (mode == "All") return true;
      for (const auto& i : body->value("items", json::array()))
        if ((i.contains("logicalId") && i["logicalId"] == c.logical) ||
            (i.contains("objectId") && !c.ws_item.is_null() && i["objectId"] == c.ws_item["objectId"]))
          return true;
      return false;
    };
    for (const auto& c : changes(s, ws, *git)) {
      if (c.ws_change.empty() || !selected(c)) continue;
      if (c.ws_item.is_null()) tree.erase(c.logical);
      else {
        json snap = c.ws_item;
        snap.erase("objectId");
        tree[c.logical] = snap;
      }
    }
    json items = json::array();
    for (const auto& [k, v] : tree) items.push_back(v);
    std::string now = time_text(now_ms());
    json parent = remote_head_hash(commits);
    std::string hash = sha1_hex(items.dump() + parent.dump() + now + new_uuid());
    json& remote = remote_of(s, *git);
    if (!remote.contains("commits")) remote["commits"] = json::array();
    remote["commits"].push_back({{"hash", hash}, {"parent", parent}, {"comment", body->value("comment", "")},
                                 {"time", now}, {"items", items}});
    json& g = (*find(list(s, "workspaces"), "id", ws))["git"];
    g["head"] = hash;
    g["lastSyncTime"] = now;
  });
  if (failure) return failure->send(ex);
  fabric_accepted(ex, {nullptr, nullptr, -1});
}

void update_from_git(Exchange& ex) {
  if (!authorize(ex)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object() || !body->contains("remoteCommitHash") || !(*body)["remoteCommitHash"].is_string())
    return fabric_error(ex, 400, "InvalidInput", "remoteCommitHash: required, expected the hash from git/status");
  const json resolution = body->value("conflictResolution", json());
  std::string policy = resolution.is_object() ? resolution.value("conflictResolutionPolicy", "") : "";
  bool override_items = body->value("options", json::object()).value("allowOverrideItems", false);
  std::string ws = ex.arg(1);
  Config cfg = config(ex.sim);
  std::int64_t now = now_ms();
  std::optional<Failure> failure;
  ex.sim.write([&](json& s) {
    auto git = git_of(s, ws, failure);
    if (!git) return;
    if (auto f = check_head(*body, *git)) return void(failure = *f);
    json commits = commits_of(s, *git);
    json remote_hash = remote_head_hash(commits);
    if ((*body)["remoteCommitHash"] != remote_hash)
      return void(failure = Failure{400, "InvalidInput", "remoteCommitHash is not the remote's head; get git/status again"});
    auto pending = changes(s, ws, *git);
    for (const auto& c : pending) {
      if (c.conflict == "Conflict" && policy.empty())
        return void(failure = Failure{400, "WorkspaceHasConflicts",
                                      "Items changed on both sides; give a conflictResolution"});
      // An incoming item that would replace an uncommitted one of the same name and type.
      if (c.remote_change == "Added" && c.ws_change == "Added" && !override_items)
        return void(failure = Failure{400, "PotentialDuplicateDisplayNameAndType",
                                      "'" + c.remote_item["displayName"].get<std::string>() +
                                          "' exists in the workspace; set options.allowOverrideItems"});
    }
    json& items = list(s, "items");
    for (const auto& c : pending) {
      if (c.remote_change.empty()) continue;
      if (c.conflict == "Conflict" && policy == "PreferWorkspace") continue;
      if (c.remote_item.is_null()) {
        std::string oid = c.ws_item.is_null() ? "" : c.ws_item["objectId"].get<std::string>();
        items.erase(std::remove_if(items.begin(), items.end(), [&](const json& i) { return i.value("id", "") == oid; }),
                    items.end());
        continue;
      }
      json* target = c.ws_item.is_null() ? nullptr : find_item(s, ws, c.ws_item["objectId"].get<std::string>());
      if (!target) {
        json item = {{"id", new_uuid()}, {"workspaceId", ws}, {"type", c.remote_item["type"]}, {"logicalId", c.logical}};
        init_type_state(item, cfg, now);
        items.push_back(item);
        target = &items.back();
      }
      for (const char* k : {"displayName", "description", "definition"}) (*target)[k] = c.remote_item[k];
    }
    json& g = (*find(list(s, "workspaces"), "id", ws))["git"];
    g["head"] = remote_hash;
    g["lastSyncTime"] = time_text(now);
  });
  if (failure) return failure->send(ex);
  fabric_accepted(ex, {nullptr, nullptr, -1});
}

}  // namespace
}  // namespace sim::fabric

namespace sim {

void register_fabric_git(Sim& sim) {
  const std::string git = "/fabric/v1/workspaces/([^/]+)/git";
  sim.route("POST", git + "/connect", fabric::connect);
  sim.route("POST", git + "/disconnect", fabric::disconnect);
  sim.route("GET", git + "/connection", fabric::get_connection);
  sim.route("GET", git + "/myGitCredentials", fabric::get_credentials);
  sim.route("PATCH", git + "/myGitCredentials", fabric::update_credentials);
  sim.route("POST", git + "/initializeConnection", fabric::initialize_connection);
  sim.route("GET", git + "/status", fabric::status);
  sim.route("POST", git + "/commitToGit", fabric::commit);
  sim.route("POST", git + "/updateFromGit", fabric::update_from_git);
}

}  // namespace sim
