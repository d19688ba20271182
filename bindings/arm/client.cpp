// Resource Manager requests: URL building, ARM error bodies, long-running operations.
#include "bindings/arm/client.hpp"

#include <curl/curl.h>
#include <nlohmann/json.hpp>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <stdexcept>

#include "bindings/http/retry.hpp"
#include "tarn/output.hpp"
#include "tarn/runtime.hpp"

namespace tarn::arm {
namespace {

using json = nlohmann::json;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string escape(std::string_view s) {
  // The handle argument of curl_easy_escape is unused since libcurl 7.82.
  std::unique_ptr<char, decltype(&curl_free)> e(curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size())),
                                                curl_free);
  if (!e) throw std::runtime_error("arm: could not escape a URL part");
  return e.get();
}

// A query parameter name: OData's "$filter" keeps its '$' (ARM reads the name literally).
std::string escape_name(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) out += s[i] == '$' ? std::string("$") : escape(s.substr(i, 1));
  return out;
}

// A resource id as a URL path: characters a path segment may hold stay, others (space, '%',
// '#', '?', non-ASCII) are percent-encoded.
std::string encode_path(std::string_view path) {
  static const std::string_view keep = "-._~!$&'()*+,;=:@/";
  std::string out;
  for (char c : path) {
    bool plain = std::isalnum(static_cast<unsigned char>(c)) || keep.find(c) != std::string_view::npos;
    out += plain ? std::string(1, c) : escape(std::string_view(&c, 1));
  }
  return out;
}

bool query_has(std::string_view query, std::string_view name) {
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    std::size_t amp = query.find('&', start);
    std::string_view part = query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (iequals(part.substr(0, part.find('=')), name)) return true;
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return false;
}

struct Origin {
  std::string scheme, host, port, path;
};

std::optional<Origin> origin_of(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
  Origin o;
  auto part = [&](CURLUPart p, unsigned flags, std::string& out) {
    char* v = nullptr;
    if (curl_url_get(u.get(), p, &v, flags) != CURLUE_OK) return false;
    out = v;
    curl_free(v);
    return true;
  };
  if (!part(CURLUPART_SCHEME, 0, o.scheme) || !part(CURLUPART_HOST, 0, o.host) ||
      !part(CURLUPART_PORT, CURLU_DEFAULT_PORT, o.port) || !part(CURLUPART_PATH, 0, o.path))
    return std::nullopt;
  return o;
}

// True when url is base or below it: same scheme, host and port, and base's path a prefix of
// url's at a segment boundary.
bool under(const std::string& url, const std::string& base) {
  auto u = origin_of(url), b = origin_of(base);
  if (!u || !b) return false;
  if (!iequals(u->scheme, b->scheme) || !iequals(u->host, b->host) || u->port != b->port) return false;
  std::string prefix = b->path;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (prefix.empty()) return true;
  if (u->path.size() < prefix.size() || !iequals(std::string_view(u->path).substr(0, prefix.size()), prefix)) return false;
  return u->path.size() == prefix.size() || u->path[prefix.size()] == '/';
}

// The member `key` of an object compared without case (ARM bodies use "code" and "Code").
const json* member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (iequals(it.key(), key)) return &it.value();
  return nullptr;
}

std::string text_member(const json& obj, std::string_view key) {
  const json* v = member(obj, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

void add_body_fields(Error& e, const json& error) {
  if (auto t = text_member(error, "target"); !t.empty()) e.with("target", t);
  if (const json* d = member(error, "details"); d != nullptr && d->is_array() && !d->empty()) e.details = d->dump();
}

bool terminal(std::string_view state) {
  return iequals(state, "Succeeded") || iequals(state, "Failed") || iequals(state, "Canceled");
}

std::string provisioning_state(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  const json* props = member(j, "properties");
  return props != nullptr ? text_member(*props, "provisioningState") : std::string();
}

// "PUT roleAssignments/1f2e..." from the last two segments of the target's path.
std::string default_label(const Call& call) {
  std::string path = call.target.substr(0, call.target.find('?'));
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::size_t last = path.rfind('/');
  std::size_t before = last == std::string::npos || last == 0 ? std::string::npos : path.rfind('/', last - 1);
  return call.method + " " + (before == std::string::npos ? path : path.substr(before + 1));
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Error error_from(const http::Response& r) {
  json j = json::parse(r.body, nullptr, false);
  const json* error = member(j, "error");
  if (error == nullptr || !error->is_object()) error = j.is_object() ? &j : nullptr;
  std::string code, message;
  if (error != nullptr) {
    code = text_member(*error, "code");
    message = text_member(*error, "message");
  }
  if (code.empty())
    if (auto h = http::header(r.headers, "x-ms-error-code")) code = *h;
  if (message.empty()) message = r.error().what();  // "HTTP 404 Not Found"
  Error e(message);
  e.with("status", std::to_string(r.status));
  if (!code.empty()) e.with("code", code);
  if (!r.request_id.empty()) e.with("request_id", r.request_id);
  if (auto c = http::header(r.headers, "x-ms-correlation-request-id")) e.with("correlation_id", *c);
  e.with("url", r.url);
  if (error != nullptr) add_body_fields(e, *error);
  return e;
}

struct Client::Wait {
  const Call& call;
  Hooks& hooks;
  std::string label;
  double start = now_seconds();
  int polls = 0;
  bool shown = false;

  ~Wait() {
    if (shown && hooks.status_done) hooks.status_done();
  }

  // Waits before the next poll as `last` asks (Retry-After), showing `state`.
  void pause(const http::Response& last, const std::string& state) {
    double delay = http::retry::delay_from_headers(last.headers, std::time(nullptr)).value_or(call.poll_interval);
    delay = std::clamp(delay, 0.0, 120.0);
    double elapsed = now_seconds() - start;
    if (elapsed + delay > call.timeout) {
      ServiceError e("timeout", label + ": gave up after " + std::to_string(static_cast<long>(elapsed)) +
                                    "s, the operation still " + state);
      e.with("url", last.url);
      throw e;
    }
    if (hooks.status) {
      hooks.status(label + ": " + state + " (" + std::to_string(static_cast<long>(std::lround(elapsed))) + "s)");
      shown = true;
    }
    if (!hooks.sleep(delay)) throw http::Interrupted();
  }
};

Client::Client(http::Client& http, std::string base, std::shared_ptr<http::Authorizer> auth, Hooks hooks)
    : http_(http), base_(std::move(base)), auth_(std::move(auth)), hooks_(std::move(hooks)) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  if (!hooks_.sleep) hooks_.sleep = [](double s) { return interrupt::sleep(s); };
  if (!hooks_.status) hooks_.status = [](std::string_view t) { output::status(t); };
  if (!hooks_.status_done) hooks_.status_done = [] { output::status_clear(); };
}

std::string Client::url(const Call& call) const {
  const std::string& t = call.target;
  std::size_t q = t.find('?');
  std::string query = q == std::string::npos ? std::string() : t.substr(q + 1);
  std::string head;
  if (starts_with(t, "https://") || starts_with(t, "http://")) {
    if (!under(t, base_))
      throw std::invalid_argument("the URL '" + t + "' is not under the Resource Manager endpoint " + base_);
    head = t.substr(0, q);
  } else if (!t.empty() && t.front() == '/') {
    head = base_ + encode_path(t.substr(0, q));
  } else {
    throw std::invalid_argument("'" + t + "' is not a resource id (expected /subscriptions/...) or a URL under " + base_);
  }
  if (!query_has(query, "api-version")) {
    if (call.api_version.empty())
      throw std::invalid_argument("an api-version is required for " + t + " (e.g. api_version = \"2022-04-01\")");
    query += (query.empty() ? "" : "&") + std::string("api-version=") + escape(call.api_version);
  }
  for (const auto& [k, v] : call.query) query += "&" + escape_name(k) + "=" + escape(v);
  return head + "?" + query;
}

void Client::check_followable(const std::string& url, const char* what) const {
  if (under(url, base_)) return;
  Error e(std::string("the service sent a ") + what + " URL outside the Resource Manager endpoint " + base_ +
          "; it is not followed with an ARM token");
  e.with("code", "UntrustedUrl");
  e.with("url", url);
  throw e;
}

http::Response Client::exchange(const std::string& method, const std::string& url,
                                const std::optional<std::string>& body) {
  http::Request req;
  req.method = method;
  req.url = url;
  req.headers["Accept"] = "application/json";
  if (body) {
    req.body = *body;
    req.headers["Content-Type"] = "application/json";
  }
  req.auth = auth_;
  return http_.send(std::move(req));
}

std::string Client::poll_async(Wait& w, const std::string& url) {
  check_followable(url, "Azure-AsyncOperation");
  while (true) {
    http::Response r = exchange("GET", url, std::nullopt);
    ++w.polls;
    if (!r.ok()) throw error_from(r);
    json j = json::parse(r.body, nullptr, false);
    std::string status = text_member(j, "status");
    if (iequals(status, "Succeeded")) return status;
    if (iequals(status, "Failed") || iequals(status, "Canceled")) {
      const json* error = member(j, "error");
      std::string message = error != nullptr ? text_member(*error, "message") : std::string();
      Error e(w.label + ": the operation ended " + status + (message.empty() ? "" : ": " + message));
      std::string code = error != nullptr ? text_member(*error, "code") : std::string();
      e.with("code", code.empty() ? status : code);
      e.with("operation", status);
      if (!r.request_id.empty()) e.with("request_id", r.request_id);
      e.with("url", r.url);
      if (error != nullptr) add_body_fields(e, *error);
      throw e;
    }
    w.pause(r, status.empty() ? "InProgress" : status);
  }
}

std::optional<std::string> Client::poll_location(Wait& w, const std::string& url) {
  std::string next = url;
  while (true) {
    check_followable(next, "Location");
    http::Response r = exchange("GET", next, std::nullopt);
    ++w.polls;
    if (r.status == 202) {
      if (auto l = http::header(r.headers, "Location"); l && !l->empty()) next = *l;
      w.pause(r, "Accepted");
      continue;
    }
    if (!r.ok()) throw error_from(r);
    if (r.status == 204 || r.body.empty()) return std::nullopt;
    return r.body;
  }
}

std::string Client::poll_provisioning(Wait& w, const std::string& url, const http::Response& first) {
  std::string state = provisioning_state(first.body);
  const http::Response* last = &first;
  http::Response r;
  while (true) {
    w.pause(*last, state);
    r = exchange("GET", url, std::nullopt);
    ++w.polls;
    if (!r.ok()) throw error_from(r);
    state = provisioning_state(r.body);
    if (state.empty() || iequals(state, "Succeeded")) return r.body;
    if (terminal(state)) {
      Error e(w.label + ": the resource's provisioningState is " + state);
      e.with("status", std::to_string(r.status));
      e.with("code", state);
      e.with("operation", state);
      if (!r.request_id.empty()) e.with("request_id", r.request_id);
      e.with("url", r.url);
      throw e;
    }
    last = &r;
  }
}

Result Client::send(const Call& call) {
  std::string u = url(call);
  http::Response first = exchange(call.method, u, call.body);
  if (!first.ok()) throw error_from(first);
  Result result{first.status, first.body, first.request_id, 0};
  if (!call.wait || call.method == "GET" || call.method == "HEAD") return result;
  bool write = call.method == "PUT" || call.method == "PATCH";
  auto async = http::header(first.headers, "Azure-AsyncOperation");
  auto location = http::header(first.headers, "Location");
  Wait w{call, hooks_, call.what.empty() ? default_label(call) : call.what};
  auto read_back = [&] {
    http::Response r = exchange("GET", u, std::nullopt);
    if (!r.ok()) throw error_from(r);
    return r.body;
  };
  if (async && !async->empty()) {
    poll_async(w, *async);
    if (write) result.body = read_back();
    else if (call.method == "POST" && location && !location->empty()) result.body = poll_location(w, *location).value_or("");
    else result.body.clear();
  } else if (first.status == 202 && location && !location->empty()) {
    auto body = poll_location(w, *location);
    result.body = write ? read_back() : body.value_or("");
  } else if (write) {
    std::string state = provisioning_state(first.body);
    if (!state.empty() && !terminal(state)) result.body = poll_provisioning(w, u, first);
  }
  result.polls = w.polls;
  return result;
}

}  // namespace tarn::arm
