// Azure Key Vault secrets (data plane) under {base}/keyvault/{vault}/..., as
// {vault}.vault.azure.net answers them: versions, enable/disable, soft delete, recover, purge,
// nextLink paging, the 401 challenge and Key Vault's error bodies. The state's "keyvault" key
// holds the vaults (docs/simulator.md, "Key Vault").
#include <algorithm>
#include <cctype>
#include <regex>

#include "sim/families.hpp"
#include "sim/services.hpp"

namespace sim {
namespace {

constexpr std::int64_t kRecoverableDays = 90;
constexpr const char* kRecoveryLevel = "Recoverable+Purgeable";
constexpr std::size_t kMaxResults = 25;  // the service's page size and maxresults limit

// ---- Names and the seed's shorthand ------------------------------------------------------

// 3-24 letters, digits and single hyphens, starting with a letter, not ending with a hyphen.
bool valid_vault(const std::string& n) {
  static const std::regex re("^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*[A-Za-z0-9]$");
  return n.size() >= 3 && n.size() <= 24 && std::regex_match(n, re);
}

// The secrets API's path pattern: 1-127 letters, digits and hyphens.
bool valid_secret_name(const std::string& n) {
  static const std::regex re("^[0-9A-Za-z-]{1,127}$");
  return std::regex_match(n, re);
}

std::string new_version() {
  std::string id = new_uuid();
  id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
  return id;
}

std::string derived_version(const std::string& vault, const std::string& name, std::size_t index) {
  std::string id = uuid_from("tarn-sim keyvault " + vault + "/" + name + "/" + std::to_string(index));
  id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
  return id;
}

bool has_vault(const json& state, const std::string& vault) {
  return state.contains("keyvault") && state["keyvault"].is_object() && state["keyvault"].contains("vaults") &&
         state["keyvault"]["vaults"].is_object() && state["keyvault"]["vaults"].contains(vault);
}

// The vault's object in the state; an empty one when it is gone (a reset since the request came in).
const json& vault_view(const json& state, const std::string& vault) {
  static const json none = json::object();
  return has_vault(state, vault) ? state["keyvault"]["vaults"][vault] : none;
}

const std::initializer_list<std::string_view> kVersionKeys = {"value", "contentType", "tags",    "enabled",
                                                              "nbf",   "exp",         "id",      "created",
                                                              "updated"};

void validate_version(const json& v, const std::string& where) {
  shape::object(v, where);
  shape::keys(v, where, kVersionKeys);
  if (!v.contains("value") || !v["value"].is_string()) throw std::invalid_argument(where + ".value: required, expected a string");
  shape::string_field(v, "contentType", where, false);
  shape::string_field(v, "id", where, false);
  if (v.contains("id") && !std::regex_match(v["id"].get<std::string>(), std::regex("^[0-9a-f]{32}$")))
    throw std::invalid_argument(where + ".id: expected 32 lowercase hexadecimal digits");
  if (v.contains("enabled") && !v["enabled"].is_boolean()) throw std::invalid_argument(where + ".enabled: expected true or false");
  for (const char* k : {"nbf", "exp", "created", "updated"}) shape::int_field(v, k, where, 0);
  if (v.contains("tags")) {
    shape::object(v["tags"], where + ".tags");
    for (const auto& t : v["tags"].items())
      if (!t.value().is_string()) throw std::invalid_argument(where + ".tags." + t.key() + ": expected a string");
  }
}

// A live secret: "value" (one version), {value, contentType, ...} (one version) or
// {"versions": [{value, ...}, ...]} (oldest first).
void validate_secret(const json& s, const std::string& where) {
  if (s.is_string()) return;
  shape::object(s, where);
  if (!s.contains("versions")) return validate_version(s, where);
  shape::keys(s, where, {"versions"});
  shape::array(s["versions"], where + ".versions");
  if (s["versions"].empty()) throw std::invalid_argument(where + ".versions: expected at least one version");
  for (std::size_t i = 0; i < s["versions"].size(); ++i)
    validate_version(s["versions"][i], where + ".versions[" + std::to_string(i) + "]");
}

void validate_deleted(const json& s, const std::string& where) {
  shape::object(s, where);
  shape::keys(s, where, {"versions", "deletedDate", "scheduledPurgeDate"});
  if (!s.contains("versions")) throw std::invalid_argument(where + ".versions: required, expected an array");
  validate_secret(json{{"versions", s["versions"]}}, where);
  shape::int_field(s, "deletedDate", where, 0);
  shape::int_field(s, "scheduledPurgeDate", where, 0);
}

void validate(const json& state) {
  if (!state.contains("keyvault")) return;
  const json& kv = state["keyvault"];
  shape::object(kv, "keyvault");
  shape::keys(kv, "keyvault", {"vaults", "page_size"});
  shape::int_field(kv, "page_size", "keyvault", 1);
  if (!kv.contains("vaults")) return;
  shape::object(kv["vaults"], "keyvault.vaults");
  for (const auto& [vault, v] : kv["vaults"].items()) {
    std::string where = "keyvault.vaults." + vault;
    if (!valid_vault(vault))
      throw std::invalid_argument(where + ": expected a vault name of 3-24 letters, digits and single hyphens, starting with a letter");
    shape::object(v, where);
    shape::keys(v, where, {"secrets", "deleted"});
    for (const char* part : {"secrets", "deleted"}) {
      if (!v.contains(part)) continue;
      shape::object(v[part], where + "." + part);
      for (const auto& [name, s] : v[part].items()) {
        std::string at = where + "." + part + "." + name;
        if (!valid_secret_name(name)) throw std::invalid_argument(at + ": expected a secret name of 1-127 letters, digits and hyphens");
        if (std::string(part) == "secrets") validate_secret(s, at);
        else validate_deleted(s, at);
      }
    }
  }
}

// The full form of a secret's versions: every version with id, enabled, created, updated.
json full_versions(const json& s, const std::string& vault, const std::string& name, std::int64_t now) {
  json versions = s.is_string()              ? json::array({{{"value", s}}})
                  : s.contains("versions") ? s["versions"]
                                             : json::array({s});
  for (std::size_t i = 0; i < versions.size(); ++i) {
    json& v = versions[i];
    if (!v.contains("id")) v["id"] = derived_version(vault, name, i);
    if (!v.contains("enabled")) v["enabled"] = true;
    if (!v.contains("created")) v["created"] = now;
    if (!v.contains("updated")) v["updated"] = v["created"];
  }
  return versions;
}

bool is_full(const json& s) {
  if (!s.is_object() || !s.contains("versions")) return false;
  for (const auto& v : s["versions"])
    if (!v.contains("id") || !v.contains("enabled") || !v.contains("created") || !v.contains("updated")) return false;
  return true;
}

// Rewrites seeded shorthand in the vault's entries to the full form, once, so that version
// ids and creation times stay the same from one request to the next.
void normalise(Sim& sim, const std::string& vault) {
  auto needed = sim.read([&](const json& state) {
    const json& v = vault_view(state, vault);
    for (const char* part : {"secrets", "deleted"})
      if (v.contains(part))
        for (const auto& item : v[part].items())
          if (!is_full(item.value()) || (std::string(part) == "deleted" && !item.value().contains("deletedDate")))
            return true;
    return false;
  });
  if (!needed) return;
  std::int64_t now = unix_now();
  sim.write([&](json& state) {
    if (!has_vault(state, vault)) return;
    json& v = state["keyvault"]["vaults"][vault];
    for (const char* part : {"secrets", "deleted"}) {
      if (!v.contains(part)) continue;
      for (auto& item : v[part].items()) {
        json& s = item.value();
        json full = {{"versions", full_versions(s, vault, item.key(), now)}};
        if (std::string(part) == "deleted") {
          full["deletedDate"] = s.value("deletedDate", now);
          full["scheduledPurgeDate"] = s.value("scheduledPurgeDate", full["deletedDate"].get<std::int64_t>() +
                                                                         kRecoverableDays * 86400);
        }
        s = std::move(full);
      }
    }
  });
}

// ---- Bodies ------------------------------------------------------------------------------

std::string vault_url(const Exchange& ex, const std::string& vault) { return ex.base_url() + "/keyvault/" + vault; }

json attributes(const json& v) {
  json a = {{"enabled", v["enabled"]},
            {"created", v["created"]},
            {"updated", v["updated"]},
            {"recoveryLevel", kRecoveryLevel},
            {"recoverableDays", kRecoverableDays}};
  if (v.contains("nbf")) a["nbf"] = v["nbf"];
  if (v.contains("exp")) a["exp"] = v["exp"];
  return a;
}

// A SecretBundle (with_value) or the properties the list and update routes answer.
json bundle(const std::string& vault_base, const std::string& name, const json& v, bool with_value) {
  json b = json::object();
  if (with_value) b["value"] = v["value"];
  b["id"] = vault_base + "/secrets/" + name + "/" + v["id"].get<std::string>();
  if (v.contains("contentType")) b["contentType"] = v["contentType"];
  if (v.contains("tags")) b["tags"] = v["tags"];
  b["attributes"] = attributes(v);
  return b;
}

json deleted_bundle(const std::string& vault_base, const std::string& name, const json& entry) {
  json b = bundle(vault_base, name, entry["versions"].back(), false);
  b["recoveryId"] = vault_base + "/deletedsecrets/" + name;
  b["deletedDate"] = entry["deletedDate"];
  b["scheduledPurgeDate"] = entry["scheduledPurgeDate"];
  return b;
}

// What a route answers, decided under the state lock and sent after it.
struct Answer {
  int status = 200;
  json body;
  std::string code, message, inner;  // an error when code is set
  static Answer error(int status, std::string code, std::string message, std::string inner = {}) {
    Answer a;
    a.status = status;
    a.code = std::move(code);
    a.message = std::move(message);
    a.inner = std::move(inner);
    return a;
  }
};

void send(Exchange& ex, const Answer& a) {
  if (!a.code.empty()) return keyvault_error(ex, a.status, a.code, a.message, a.inner);
  if (a.status == 204) {
    ex.res.status = 204;
    return;
  }
  ex.reply(a.status, a.body);
}

Answer not_found(const std::string& what) {
  return Answer::error(404, "SecretNotFound",
                       "A secret with (name/id) " + what +
                           " was not found in this key vault. If you recently deleted this secret you may be able to "
                           "recover it using the correct recovery command. For help resolving this issue, please see "
                           "https://go.microsoft.com/fwlink/?linkid=2125182");
}

Answer deleted_not_found() { return Answer::error(404, "SecretNotFound", "Deleted Secret not found"); }

Answer disabled() {
  return Answer::error(403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled");
}

// ---- The checks every route makes --------------------------------------------------------

// The vault exists, the bearer token is Key Vault's and from the vault's tenant, and the
// api-version is a 7.x one. Otherwise answers and returns false.
bool admit(Exchange& ex, const std::string& vault) {
  bool known = ex.sim.read([&](const json& state) { return has_vault(state, vault); });
  if (!known) {
    // A real vault name that does not exist fails in DNS; the simulator can only say so.
    keyvault_error(ex, 404, "VaultNotFound",
                   "tarn-sim has no vault '" + vault + "' (seed it as keyvault.vaults." + vault +
                       "); with a real vault name that does not exist, the host name would not resolve.");
    return false;
  }
  auto claims = ex.sim.check_bearer(ex, keyvault_audience);
  if (!claims) return false;
  std::string tenant = ex.sim.default_tenant(), tid = claims->value("tid", "");
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  if (lower(tid) != lower(tenant)) {
    ex.res.set_header("WWW-Authenticate", "Bearer authorization=\"" + ex.base_url() + "/entra/" + tenant +
                                              "\", resource=\"" + std::string(keyvault_audience) + "\"");
    keyvault_error(ex, 401, "Unauthorized",
                   "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/" + tenant +
                       "/, found https://sts.windows.net/" + tid + "/.");
    return false;
  }
  static const std::regex version_re("^7\\.[0-9]+(-preview(\\.[0-9]+)?)?$");
  std::string api = ex.req.get_param_value("api-version");
  if (!std::regex_match(api, version_re)) {
    keyvault_error(ex, 400, "BadParameter",
                   api.empty() ? "The request has no api-version query parameter; expected one such as 7.5."
                               : "The api-version '" + api + "' is not supported; expected one such as 7.5.");
    return false;
  }
  normalise(ex.sim, vault);
  return true;
}

Answer vault_gone(const std::string& vault) {
  return Answer::error(404, "VaultNotFound", "tarn-sim has no vault '" + vault + "' any more (the state was reset).");
}

const json* find(const json& vault, const char* part, const std::string& name) {
  if (!vault.contains(part) || !vault[part].contains(name)) return nullptr;
  return &vault[part][name];
}

// Reads {contentType, tags, attributes{enabled, nbf, exp}} from a set or update body into v.
// Returns an error message, or "" when the body is acceptable.
std::string apply_properties(const json& body, json& v) {
  if (body.contains("contentType")) {
    if (!body["contentType"].is_string()) return "Property contentType must be a string.";
    v["contentType"] = body["contentType"];
  }
  if (body.contains("tags")) {
    if (!body["tags"].is_object()) return "Property tags must be an object of strings.";
    for (const auto& t : body["tags"].items())
      if (!t.value().is_string()) return "Tag '" + t.key() + "' must have a string value.";
    v["tags"] = body["tags"];
  }
  if (body.contains("attributes")) {
    const json& a = body["attributes"];
    if (!a.is_object()) return "Property attributes must be an object.";
    if (a.contains("enabled")) {
      if (!a["enabled"].is_boolean()) return "Property attributes.enabled must be true or false.";
      v["enabled"] = a["enabled"];
    }
    for (const char* k : {"nbf", "exp"}) {
      if (!a.contains(k)) continue;
      if (!a[k].is_number_integer()) return std::string("Property attributes.") + k + " must be Unix seconds.";
      v[k] = a[k];
    }
  }
  return {};
}

// ---- Routes ------------------------------------------------------------------------------

void set_secret(Exchange& ex) {
  std::string vault = ex.arg(1), name = ex.arg(2);
  if (!admit(ex, vault)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!valid_secret_name(name))
    return keyvault_error(ex, 400, "BadParameter",
                          "The secret name '" + name + "' is invalid: expected 1-127 letters, digits and hyphens.");
  if (!body->is_object() || !body->contains("value") || !(*body)["value"].is_string())
    return keyvault_error(ex, 400, "BadParameter", "Property value is required and must be a string.");
  std::int64_t now = unix_now();
  json v = {{"value", (*body)["value"]}, {"id", new_version()}, {"enabled", true}, {"created", now}, {"updated", now}};
  if (std::string problem = apply_properties(*body, v); !problem.empty())
    return keyvault_error(ex, 400, "BadParameter", problem);
  std::string base = vault_url(ex, vault);
  send(ex, ex.sim.write([&](json& state) {
    if (!has_vault(state, vault)) return vault_gone(vault);
    json& kv = state["keyvault"]["vaults"][vault];
    if (find(kv, "deleted", name))
      return Answer::error(409, "Conflict",
                           "Secret " + name +
                               " is currently in a deleted but recoverable state, and its name cannot be reused; in "
                               "this state, the secret can only be recovered or purged.",
                           "ObjectIsDeletedButRecoverable");
    json& versions = kv["secrets"][name]["versions"];
    if (versions.is_null()) versions = json::array();
    versions.push_back(v);
    Answer a;
    a.body = bundle(base, name, v, true);
    return a;
  }));
}

void get_secret(Exchange& ex) {
  std::string vault = ex.arg(1), name = ex.arg(2), version = ex.match.size() > 3 ? ex.arg(3) : "";
  if (!admit(ex, vault)) return;
  std::string base = vault_url(ex, vault);
  send(ex, ex.sim.read([&](const json& state) {
    const json* s = find(vault_view(state, vault), "secrets", name);
    if (!s) return not_found(version.empty() ? name : name + "/" + version);
    const json* v = &(*s)["versions"].back();
    if (!version.empty()) {
      v = nullptr;
      for (const auto& candidate : (*s)["versions"])
        if (candidate["id"] == version) v = &candidate;
      if (!v) return not_found(name + "/" + version);
    }
    if (!(*v)["enabled"].get<bool>()) return disabled();
    Answer a;
    a.body = bundle(base, name, *v, true);
    return a;
  }));
}

std::optional<std::size_t> page_size_of(Exchange& ex) {
  std::size_t size = ex.sim.setting("/keyvault/page_size", kMaxResults).get<std::size_t>();
  if (!ex.req.has_param("maxresults")) return size;
  std::string text = ex.req.get_param_value("maxresults");
  std::size_t n = 0;
  bool digits = !text.empty() && text.size() < 4 && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isdigit(c) != 0;
  });
  if (digits) n = std::stoul(text);
  if (!digits || n < 1 || n > kMaxResults) {
    keyvault_error(ex, 400, "BadParameter", "The value '" + text + "' of maxresults is invalid: expected 1 to 25.");
    return std::nullopt;
  }
  return std::min(size, n);
}

// Every version's properties, oldest first; an unknown name has none (an empty list).
void list_versions(Exchange& ex) {
  std::string vault = ex.arg(1), name = ex.arg(2);
  if (!admit(ex, vault)) return;
  auto size = page_size_of(ex);
  if (!size) return;
  std::string base = vault_url(ex, vault);
  json items = ex.sim.read([&](const json& state) {
    json out = json::array();
    if (const json* s = find(vault_view(state, vault), "secrets", name))
      for (const auto& v : (*s)["versions"]) out.push_back(bundle(base, name, v, false));
    return out;
  });
  nextlink_list(ex, items, *size);
}

// The latest version's properties of every live secret, by name; ids without a version.
void list_secrets(Exchange& ex) {
  std::string vault = ex.arg(1);
  if (!admit(ex, vault)) return;
  auto size = page_size_of(ex);
  if (!size) return;
  std::string base = vault_url(ex, vault);
  json items = ex.sim.read([&](const json& state) {
    json out = json::array();
    const json& kv = vault_view(state, vault);
    if (kv.contains("secrets"))
      for (const auto& [name, s] : kv["secrets"].items()) {
        json b = bundle(base, name, s["versions"].back(), false);
        b["id"] = base + "/secrets/" + name;
        out.push_back(std::move(b));
      }
    return out;
  });
  nextlink_list(ex, items, *size);
}

void update_secret(Exchange& ex) {
  std::string vault = ex.arg(1), name = ex.arg(2), version = ex.match.size() > 3 ? ex.arg(3) : "";
  if (!admit(ex, vault)) return;
  auto body = json_body(ex);
  if (!body) return;
  if (!body->is_object()) return keyvault_error(ex, 400, "BadParameter", "The request body must be a JSON object.");
  std::string base = vault_url(ex, vault);
  send(ex, ex.sim.write([&](json& state) {
    if (!has_vault(state, vault)) return vault_gone(vault);
    json& kv = state["keyvault"]["vaults"][vault];
    if (!find(kv, "secrets", name)) return not_found(version.empty() ? name : name + "/" + version);
    json& versions = kv["secrets"][name]["versions"];
    json* v = &versions.back();
    if (!version.empty()) {
      v = nullptr;
      for (auto& candidate : versions)
        if (candidate["id"] == version) v = &candidate;
      if (!v) return not_found(name + "/" + version);
    }
    json changed = *v;
    if (std::string problem = apply_properties(*body, changed); !problem.empty())
      return Answer::error(400, "BadParameter", problem);
    changed["updated"] = unix_now();
    *v = std::move(changed);
    Answer a;
    a.body = bundle(base, name, *v, false);
    return a;
  }));
}

void delete_secret(Exchange& ex) {
  std::string vault = ex.arg(1), name = ex.arg(2);
  if (!admit(ex, vault)) return;
  std::string base = vault_url(ex, vault);
  send(ex, ex.sim.write([&](json& state) {
    if (!has_vault(state, vault)) return vault_gone(vault);
    json& kv = state["keyvault"]["vaults"][vault];
    if (!find(kv, "secrets", name)) return not_found(name);
    std::int64_t now = unix_now();
    json entry = {{"versions", kv["secrets"][name]["versions"]},
                  {"deletedDate", now},
                  {"scheduledPurgeDate", now + kRecoverableDays * 86400}};
    kv["secrets"].erase(name);
    kv["deleted"][name] = entry;
    Answer a;
    a.body = deleted_bundle(base, name, entry);
    return a;
  }));
}

void get_deleted(Exchange& ex) {
  std::string vault = ex.arg(1), name = ex.arg(2);
  if (!admit(ex, vault)) return;
  std::string base = vault_url(ex, vault);
  send(ex, ex.sim.read([&](const json& state) {
    const json* d = find(vault_view(state, vault), "deleted", name);
    if (!d) return deleted_not_found();
    Answer a;
    a.body = deleted_bundle(base, name, *d);
    return a;
  }));
}

void recover_deleted(Exchange& ex) {
  std::string vault = ex.arg(1), name = ex.arg(2);
  if (!admit(ex, vault)) return;
  std::string base = vault_url(ex, vault);
  send(ex, ex.sim.write([&](json& state) {
    if (!has_vault(state, vault)) return vault_gone(vault);
    json& kv = state["keyvault"]["vaults"][vault];
    if (!find(kv, "deleted", name)) return deleted_not_found();
    json versions = kv["deleted"][name]["versions"];
    kv["deleted"].erase(name);
    kv["secrets"][name] = {{"versions", versions}};
    Answer a;
    a.body = bundle(base, name, versions.back(), false);
    return a;
  }));
}

void purge_deleted(Exchange& ex) {
  std::string vault = ex.arg(1), name = ex.arg(2);
  if (!admit(ex, vault)) return;
  send(ex, ex.sim.write([&](json& state) {
    if (!has_vault(state, vault)) return vault_gone(vault);
    json& kv = state["keyvault"]["vaults"][vault];
    if (!find(kv, "deleted", name)) return deleted_not_found();
    kv["deleted"].erase(name);
    Answer a;
    a.status = 204;
    return a;
  }));
}

}  // namespace

void register_keyvault(Sim& sim) {
  sim.add_validator(validate);
  const std::string v = "/keyvault/([^/]+)";
  // Earlier routes win: .../versions and .../recover before the version and name patterns.
  sim.route("GET", v + "/secrets/?", list_secrets);
  sim.route("GET", v + "/secrets/([^/]+)/versions/?", list_versions);
  sim.route("GET", v + "/secrets/([^/]+)/?", get_secret);
  sim.route("PUT", v + "/secrets/([^/]+)/?", set_secret);
  sim.route("PATCH", v + "/secrets/([^/]+)/?", update_secret);
  sim.route("DELETE", v + "/secrets/([^/]+)/?", delete_secret);
  sim.route("GET", v + "/secrets/([^/]+)/([^/]+)/?", get_secret);
  sim.route("PATCH", v + "/secrets/([^/]+)/([^/]+)/?", update_secret);
  sim.route("POST", v + "/deletedsecrets/([^/]+)/recover/?", recover_deleted);
  sim.route("GET", v + "/deletedsecrets/([^/]+)/?", get_deleted);
  sim.route("DELETE", v + "/deletedsecrets/([^/]+)/?", purge_deleted);
}

}  // namespace sim
