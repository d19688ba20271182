#include "bindings/keyvault/client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "tarn/runtime.hpp"

namespace tarn::keyvault {
namespace {

using json = nlohmann::json;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string seconds_text(double s) {
  std::ostringstream out;
  out << s << " s";
  return out.str();
}

// Bodies that carried a secret value are overwritten before their memory is freed.
void wipe(std::string& s) {
  if (!s.empty()) std::memset(s.data(), 0, s.size());
  s.clear();
}

std::optional<std::int64_t> seconds_of(const json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  if (it->is_number()) return it->get<std::int64_t>();
  if (it->is_string()) {  // the C++ SDK accepts them as strings too
    const auto& s = it->get_ref<const std::string&>();
    if (!s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
      return std::stoll(s);
  }
  return std::nullopt;
}

std::string string_of(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// {vault}/secrets/{name}[/{version}] -> name, version.
void split_id(const std::string& id, std::string& name, std::string& version) {
  auto at = id.rfind("/secrets/");
  if (at == std::string::npos) return;
  std::string rest = id.substr(at + 9);
  auto slash = rest.find('/');
  name = rest.substr(0, slash);
  version = slash == std::string::npos ? "" : rest.substr(slash + 1);
}

Properties properties_from(const json& j) {
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string())
    throw std::runtime_error("Key Vault answered without a secret id (not a SecretBundle)");
  Properties p;
  p.id = j["id"].get<std::string>();
  split_id(p.id, p.name, p.version);
  p.content_type = string_of(j, "contentType");
  if (auto t = j.find("tags"); t != j.end() && t->is_object())
    for (const auto& [k, v] : t->items())
      if (v.is_string()) p.tags[k] = v.get<std::string>();
  if (auto a = j.find("attributes"); a != j.end() && a->is_object()) {
    if (auto e = a->find("enabled"); e != a->end() && e->is_boolean()) p.enabled = e->get<bool>();
    p.created = seconds_of(*a, "created");
    p.updated = seconds_of(*a, "updated");
    p.not_before = seconds_of(*a, "nbf");
    p.expires = seconds_of(*a, "exp");
    p.recovery_level = string_of(*a, "recoveryLevel");
  }
  p.recovery_id = string_of(j, "recoveryId");
  p.deleted_on = seconds_of(j, "deletedDate");
  p.scheduled_purge_on = seconds_of(j, "scheduledPurgeDate");
  return p;
}

json parse_object(const http::Response& r) {
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object())
    throw ServiceError("keyvault", "Key Vault answered HTTP " + std::to_string(r.status) + " with a body that is not a JSON object")
        .with("status", std::to_string(r.status))
        .with("request_id", r.request_id)
        .with("url", r.url);
  return j;
}

json changes_json(const Changes& c) {
  json body = json::object();
  if (c.content_type) body["contentType"] = *c.content_type;
  if (c.tags) body["tags"] = *c.tags;
  json attributes = json::object();
  if (c.enabled) attributes["enabled"] = *c.enabled;
  if (c.not_before) attributes["nbf"] = *c.not_before;
  if (c.expires) attributes["exp"] = *c.expires;
  if (!attributes.empty()) body["attributes"] = attributes;
  return body;
}

// scheme://host:port, lower-case, with the scheme's default port made explicit: Key Vault's
// nextLinks name :443 where the vault URL does not.
std::string origin(const std::string& url) {
  auto colon = url.find("://");
  if (colon == std::string::npos) return {};
  std::string scheme = url.substr(0, colon);
  std::string authority = url.substr(colon + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  authority = authority.substr(authority.find('@') == std::string::npos ? 0 : authority.find('@') + 1);
  auto port_at = authority.rfind(':');
  bool has_port = port_at != std::string::npos && authority.find(']', port_at) == std::string::npos;
  std::string host = has_port ? authority.substr(0, port_at) : authority;
  std::string port = has_port ? authority.substr(port_at + 1) : (scheme == "https" ? "443" : "80");
  std::string out = scheme + "://" + host + ":" + port;
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::string vault_url(const cloud::Profile& profile, std::string_view vault) {
  if (vault.find("://") == std::string_view::npos) return profile.keyvault_url(vault);
  std::string url(vault);
  bool scheme = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
  std::string host = scheme ? url.substr(url.find("://") + 3) : "";
  host = host.substr(0, host.find('/'));
  bool clean = std::none_of(url.begin(), url.end(), [](unsigned char c) {
    return c == '?' || c == '#' || std::isspace(c) != 0 || std::iscntrl(c) != 0;
  });
  if (!scheme || host.empty() || !clean)
    throw std::invalid_argument("invalid Key Vault URL '" + url +
                                "': expected https://{name}.vault.azure.net (no query or fragment) or a vault name");
  while (url.back() == '/') url.pop_back();
  return url;
}

void check_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 127 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-';
  });
  if (!ok)
    throw std::invalid_argument("invalid secret name '" + std::string(name) +
                                "': expected 1-127 letters, digits and hyphens");
}

void check_version(std::string_view version) {
  if (version.size() != 32 || !std::all_of(version.begin(), version.end(), is_hex))
    throw std::invalid_argument("invalid secret version '" + std::string(version) +
                                "': expected 32 hexadecimal digits (the last segment of a secret id)");
}

Properties parse_properties(std::string_view json_text) {
  json j = json::parse(json_text, nullptr, false);
  return properties_from(j);
}

ServiceError error_of(const http::Response& r) {
  ServiceError base = r.error();  // status, the outer code and message from the body or headers, request id, url
  std::string outer, inner;
  for (const auto& [k, v] : base.fields)
    if (k == "code") outer = v;
  json j = json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    // innererror may nest; the innermost code is the most specific.
    const json* e = &j["error"];
    while (e->contains("innererror") && (*e)["innererror"].is_object()) {
      e = &(*e)["innererror"];
      if (auto c = string_of(*e, "code"); !c.empty()) inner = c;
    }
  }
  ServiceError out("keyvault", base.what());
  for (const auto& [k, v] : base.fields) {
    if (k == "code") {
      out.with("code", inner.empty() ? v : inner);
      if (!inner.empty() && inner != v) out.with("outer_code", v);
    } else {
      out.with(k, v);
    }
  }
  if (outer.empty() && !inner.empty()) out.with("code", inner);
  return out;
}

Client::Client(http::Client& http, std::shared_ptr<Vault> vault) : http_(http), vault_(std::move(vault)) {}

std::string Client::url(const std::string& path, const std::string& query) const {
  return vault_->url + path + "?api-version=" + api_version + (query.empty() ? "" : "&" + query);
}

http::Response Client::send(const std::string& method, const std::string& url, std::string body) {
  http::Request req;
  req.method = method;
  req.url = url;
  req.headers["Accept"] = "application/json";
  if (method != "GET" && method != "DELETE") req.headers["Content-Type"] = "application/json";
  if (vault_->auth && !vault_->challenged) {
    // As the Azure SDKs do: the first request to a vault carries no token and no body, so
    // the vault's 401 names the tenant and resource to sign in for before anything is sent.
    http::Request probe = req;
    const auto& debug = http_.config().debug;
    if (debug) debug("keyvault: first request to " + vault_->url + " without a token, for the vault's challenge\n");
    http::Response r = http_.send(std::move(probe));
    vault_->challenged = true;
    if (r.status == 401) {
      vault_->auth->refresh(r);
    } else if (body.empty()) {
      return r;  // answered without a token: the request was complete, do not send it twice
    }
  }
  req.body = std::move(body);
  req.auth = vault_->auth;
  return http_.send(std::move(req));
}

Secret Client::get(const std::string& name, const std::string& version) {
  check_name(name);
  if (!version.empty()) check_version(version);
  http::Response r = send("GET", url("/secrets/" + name + (version.empty() ? "" : "/" + version)));
  if (!r.ok()) throw error_of(r);
  json j = parse_object(r);
  wipe(r.body);
  Secret s;
  if (auto v = j.find("value"); v != j.end() && v->is_string()) s.value = v->get<std::string>();
  else throw std::runtime_error("Key Vault answered the secret '" + name + "' without a value");
  auto& held = j["value"].get_ref<std::string&>();
  s.properties = properties_from(j);
  wipe(held);
  return s;
}

bool Client::exists(const std::string& name) {
  check_name(name);
  http::Response r = send("GET", url("/secrets/" + name));
  if (r.ok()) {
    wipe(r.body);  // the value is not wanted here
    return true;
  }
  ServiceError e = error_of(r);
  for (const auto& [k, v] : e.fields)
    if (k == "code" && (v == "SecretNotFound" || v == "SecretDisabled")) return v == "SecretDisabled";
  throw e;
}

Properties Client::set(const std::string& name, const std::string& value, const Changes& changes) {
  check_name(name);
  json body = changes_json(changes);
  body["value"] = value;
  std::string text = body.dump();
  wipe(body["value"].get_ref<std::string&>());
  http::Response r = send("PUT", url("/secrets/" + name), std::move(text));
  if (!r.ok()) throw error_of(r);
  json j = parse_object(r);
  wipe(r.body);
  if (auto v = j.find("value"); v != j.end() && v->is_string()) wipe(v->get_ref<std::string&>());
  return properties_from(j);
}

Properties Client::update(const std::string& name, const std::string& version, const Changes& changes) {
  check_name(name);
  if (!version.empty()) check_version(version);
  // PATCH /secrets/{name}/{version}; without a version the latest, as the SDKs send it.
  http::Response r = send("PATCH", url("/secrets/" + name + "/" + version), changes_json(changes).dump());
  if (!r.ok()) throw error_of(r);
  return properties_from(parse_object(r));
}

std::vector<Properties> Client::collect(std::string next) {
  std::vector<Properties> out;
  while (!next.empty()) {
    http::Response r = send("GET", next);
    if (!r.ok()) throw error_of(r);
    json j = parse_object(r);
    if (auto v = j.find("value"); v != j.end() && v->is_array())
      for (const auto& item : *v) out.push_back(properties_from(item));
    next = string_of(j, "nextLink");
    // A nextLink is followed only to the vault's own host, so its token never goes elsewhere.
    if (!next.empty() && origin(next) != origin(vault_->url))
      throw ServiceError("keyvault", "Key Vault's nextLink leads away from the vault's host: " + next).with("url", r.url);
  }
  return out;
}

std::vector<Properties> Client::list_versions(const std::string& name, int page_size) {
  check_name(name);
  auto out = collect(url("/secrets/" + name + "/versions", page_size > 0 ? "maxresults=" + std::to_string(page_size) : ""));
  // The service lists versions in no particular order; oldest first reads best.
  std::stable_sort(out.begin(), out.end(), [](const Properties& a, const Properties& b) {
    return a.created.value_or(0) < b.created.value_or(0);
  });
  return out;
}

std::vector<Properties> Client::list(int page_size) {
  auto out = collect(url("/secrets", page_size > 0 ? "maxresults=" + std::to_string(page_size) : ""));
  std::stable_sort(out.begin(), out.end(), [](const Properties& a, const Properties& b) { return a.name < b.name; });
  return out;
}

void Client::wait_for(const std::string& target, const Wait& wait, const std::string& what) {
  if (wait.timeout <= 0) return;
  double deadline = now_seconds() + wait.timeout;
  for (;;) {
    http::Response r = send("GET", target);
    if (r.ok() || r.status == 403) {  // 403: there, but this identity may not read it (or disabled)
      wipe(r.body);
      return;
    }
    if (r.status != 404) throw error_of(r);
    if (now_seconds() + wait.interval > deadline)
      throw ServiceError("keyvault", what + " did not finish within " + seconds_text(wait.timeout) +
                                         " (Key Vault still answers 404 for " + r.url + ")")
          .with("code", "Timeout")
          .with("url", r.url);
    if (!interrupt::sleep(wait.interval)) throw http::Interrupted();
  }
}

Properties Client::remove(const std::string& name, const Wait& wait) {
  check_name(name);
  http::Response r = send("DELETE", url("/secrets/" + name));
  if (!r.ok()) throw error_of(r);
  Properties p = properties_from(parse_object(r));
  wait_for(url("/deletedsecrets/" + name), wait, "deleting the secret '" + name + "'");
  return p;
}

std::optional<Properties> Client::deleted(const std::string& name) {
  check_name(name);
  http::Response r = send("GET", url("/deletedsecrets/" + name));
  if (r.status == 404) {
    ServiceError e = error_of(r);
    for (const auto& [k, v] : e.fields)
      if (k == "code" && v == "SecretNotFound") return std::nullopt;
    throw e;
  }
  if (!r.ok()) throw error_of(r);
  return properties_from(parse_object(r));
}

Properties Client::recover(const std::string& name, const Wait& wait) {
  check_name(name);
  http::Response r = send("POST", url("/deletedsecrets/" + name + "/recover"));
  if (!r.ok()) throw error_of(r);
  Properties p = properties_from(parse_object(r));
  wait_for(url("/secrets/" + name), wait, "recovering the secret '" + name + "'");
  return p;
}

void Client::purge(const std::string& name) {
  check_name(name);
  http::Response r = send("DELETE", url("/deletedsecrets/" + name));
  if (!r.ok()) throw error_of(r);
}

}  // namespace tarn::keyvault
