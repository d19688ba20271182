// Fault injection (POST /_sim/faults) and the request log (GET /_sim/requests).
#include "sim/server.hpp"

#include <cctype>
#include <stdexcept>

#include "sim/families.hpp"

namespace sim {
namespace {

const char* const kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

}  // namespace

// ---- Fault -------------------------------------------------------------------------------

Fault Fault::from_json(const json& spec) {
  if (!spec.is_object()) throw std::invalid_argument("a fault must be a JSON object");
  static const char* const known[] = {"method", "path", "status", "count", "retry_after", "retry_after_ms",
                                      "body", "headers", "drop", "delay_ms"};
  for (const auto& [key, value] : spec.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok)
      throw std::invalid_argument("unknown field '" + key +
                                  "'; expected method, path, status, count, retry_after, retry_after_ms, "
                                  "body, headers, drop or delay_ms");
  }
  auto integer = [&](const char* key, long long lo, long long hi) -> std::optional<long long> {
    if (!spec.contains(key) || spec[key].is_null()) return std::nullopt;
    const json& v = spec[key];
    if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi)
      throw std::invalid_argument(std::string(key) + ": expected an integer from " + std::to_string(lo) + " to " +
                                  std::to_string(hi));
    return v.get<long long>();
  };
  Fault f;
  if (spec.contains("method")) {
    if (!spec["method"].is_string()) throw std::invalid_argument("method: expected a string such as \"GET\" or \"*\"");
    f.method = spec["method"].get<std::string>();
    for (char& c : f.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    bool ok = f.method == "*";
    for (const char* m : kMethods) ok = ok || f.method == m;
    if (!ok) throw std::invalid_argument("method: expected \"*\" or an HTTP method (GET, POST, ...), got \"" + f.method + "\"");
  }
  if (!spec.contains("path") || !spec["path"].is_string())
    throw std::invalid_argument("path: expected a regular expression over the request path, e.g. \"^/fabric/v1/workspaces$\"");
  f.path = spec["path"].get<std::string>();
  try {
    f.path_re = std::regex(f.path);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument("path: not a valid regular expression (" + std::string(e.what()) + ")");
  }
  f.status = static_cast<int>(integer("status", 100, 599).value_or(0));
  if (spec.contains("count")) f.remaining = spec["count"].is_null() ? std::nullopt : integer("count", 1, 1000000);
  if (spec.contains("retry_after") && !spec["retry_after"].is_null()) {
    const json& v = spec["retry_after"];
    if (!v.is_string() && !(v.is_number() && v.get<double>() >= 0))
      throw std::invalid_argument("retry_after: expected a string (seconds or HTTP date), a number of seconds or null");
    f.retry_after = v;
  }
  f.retry_after_ms = integer("retry_after_ms", 0, 86400000);
  if (spec.contains("body")) f.body = spec["body"];
  if (spec.contains("headers")) {
    if (!spec["headers"].is_object()) throw std::invalid_argument("headers: expected an object of header names to strings");
    for (const auto& [k, v] : spec["headers"].items())
      if (!v.is_string()) throw std::invalid_argument("headers." + k + ": expected a string");
    f.headers = spec["headers"];
  }
  if (spec.contains("drop")) {
    if (!spec["drop"].is_boolean()) throw std::invalid_argument("drop: expected true or false");
    f.drop = spec["drop"].get<bool>();
  }
  f.delay_ms = static_cast<int>(integer("delay_ms", 0, 600000).value_or(0));
  if (f.drop && f.status != 0) throw std::invalid_argument("drop and status exclude each other: a dropped connection has no status");
  if (!f.drop && f.status == 0 && f.delay_ms == 0)
    throw std::invalid_argument("a fault needs status, drop or delay_ms");
  return f;
}

json Fault::to_json() const {
  return {{"id", id},
          {"method", method},
          {"path", path},
          {"status", status == 0 ? json(nullptr) : json(status)},
          {"remaining", remaining ? json(*remaining) : json(nullptr)},
          {"retry_after", retry_after},
          {"retry_after_ms", retry_after_ms ? json(*retry_after_ms) : json(nullptr)},
          {"body", body},
          {"headers", headers},
          {"drop", drop},
          {"delay_ms", delay_ms},
          {"hits", hits}};
}

// ---- Sim: faults and log -----------------------------------------------------------------

json Sim::add_fault(const json& spec) {
  Fault f = Fault::from_json(spec);
  std::lock_guard lock(faults_mu_);
  f.id = next_fault_id_++;
  faults_.push_back(f);
  return f.to_json();
}

json Sim::faults() const {
  std::lock_guard lock(faults_mu_);
  json out = json::array();
  for (const auto& f : faults_) out.push_back(f.to_json());
  return out;
}

void Sim::clear_faults() {
  std::lock_guard lock(faults_mu_);
  faults_.clear();
}

std::optional<Fault> Sim::take_fault(const std::string& method, const std::string& path) {
  std::lock_guard lock(faults_mu_);
  for (auto& f : faults_) {
    if (f.method != "*" && f.method != method) continue;
    if (f.remaining && *f.remaining <= 0) continue;
    if (!std::regex_search(path, f.path_re)) continue;
    if (f.remaining) --*f.remaining;
    ++f.hits;
    return f;
  }
  return std::nullopt;
}

json Sim::requests(const std::string& method, const std::string& path_regex) const {
  std::optional<std::regex> re;
  if (!path_regex.empty()) {
    try {
      re.emplace(path_regex);
    } catch (const std::regex_error& e) {
      throw std::invalid_argument("path: not a valid regular expression (" + std::string(e.what()) + ")");
    }
  }
  std::lock_guard lock(log_mu_);
  json out = json::array();
  for (const auto& e : log_) {
    if (!method.empty() && e["method"] != method) continue;
    if (re && !std::regex_search(e["path"].get_ref<const std::string&>(), *re)) continue;
    out.push_back(e);
  }
  return out;
}

void Sim::clear_requests() {
  std::lock_guard lock(log_mu_);
  log_.clear();
}

void Sim::answer_fault(Exchange& ex, const Fault& fault) {
  if (fault.retry_after.is_string()) ex.res.set_header("Retry-After", fault.retry_after.get<std::string>());
  else if (fault.retry_after.is_number()) ex.res.set_header("Retry-After", fault.retry_after.dump());
  if (fault.retry_after_ms) {
    ex.res.set_header("retry-after-ms", std::to_string(*fault.retry_after_ms));
    ex.res.set_header("x-ms-retry-after-ms", std::to_string(*fault.retry_after_ms));
  }
  for (const auto& [k, v] : fault.headers.items()) ex.res.set_header(k, v.get<std::string>());
  if (!fault.body.is_null()) {
    ex.reply(fault.status, fault.body);
    return;
  }
  std::string message = "tarn-sim injected HTTP " + std::to_string(fault.status) + " for " + ex.req.method + " " +
                        ex.req.path + " (fault " + std::to_string(fault.id) + ")";
  if (fault.status == 429) {
    message = "The service rate limit was exceeded.";
    if (!fault.retry_after.is_null()) {
      std::string s = fault.retry_after.is_string() ? fault.retry_after.get<std::string>() : fault.retry_after.dump();
      message += " Retry after " + s + " seconds.";
    }
  }
  if (fault.status >= 400) send_error(ex, fault.status, status_code_name(ex.family, fault.status), message);
  else ex.res.status = fault.status;
}

}  // namespace sim
