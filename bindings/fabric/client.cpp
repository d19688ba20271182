// fabric::Client: URLs, sending, errors and paging. Long-running operations are in
// operations.cpp.
#include "bindings/fabric/client.hpp"

#include <curl/curl.h>

#include <memory>

#include <nlohmann/json.hpp>

#include "tarn/output.hpp"

namespace tarn::fabric {
namespace {

using nlohmann::json;

std::string str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "scheme://host[:port]" and the rest ("/path?query") of an absolute URL; nullopt otherwise.
std::optional<std::pair<std::string, std::string>> split_origin(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  auto slash = url.find('/', scheme + 3);
  if (slash == std::string_view::npos) return std::make_pair(std::string(url), std::string("/"));
  return std::make_pair(std::string(url.substr(0, slash)), std::string(url.substr(slash)));
}

}  // namespace

Progress terminal_progress() {
  return {[](std::string_view text) { output::status(text); }, [] { output::status_clear(); }};
}

std::string escape(std::string_view text) {
  // The handle argument of curl_easy_escape is unused since libcurl 7.82.
  std::unique_ptr<char, decltype(&curl_free)> e(curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())),
                                                curl_free);
  if (!e) throw std::bad_alloc();
  return e.get();
}

std::string with_query(const std::string& url, std::string_view name, std::string_view value) {
  // Tokens come URL-encoded (the spec's example token ends in %3D): a '%' is kept as it is.
  std::string v;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || value[i] == '%') {
      v += escape(value.substr(start, i - start));
      if (i < value.size()) v += '%';
      start = i + 1;
    }
  }
  std::string base = url;
  auto q = base.find('?');
  std::string query = q == std::string::npos ? "" : base.substr(q + 1);
  if (q != std::string::npos) base.resize(q);
  std::string kept;
  std::size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    auto amp = query.find('&', pos);
    std::string part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    std::string key = part.substr(0, part.find('='));
    if (!part.empty() && key != name) kept += (kept.empty() ? "" : "&") + part;
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  kept += (kept.empty() ? "" : "&") + std::string(name) + "=" + v;
  return base + "?" + kept;
}

ServiceError error_of(const http::Response& r, std::string_view method) {
  ServiceError generic = r.error();  // the message (or "HTTP 404 Not Found"), code, request id
  ServiceError e("fabric", generic.what());
  std::string code, rid;
  for (const auto& [k, v] : generic.fields) {
    if (k == "code") code = v;
    if (k == "request_id") rid = v;
  }
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_object() && !str(j, "requestId").empty()) rid = str(j, "requestId");  // the body's, as Fabric documents it
  if (auto h = http::header(r.headers, "x-ms-public-api-error-code"); h && code.empty()) code = *h;
  e.with("status", std::to_string(r.status));
  if (!code.empty()) e.with("code", code);
  if (!rid.empty()) e.with("request_id", rid);
  e.with("url", r.url);
  if (!method.empty()) e.with("method", std::string(method));
  if (j.is_object()) {
    if (auto m = j.find("moreDetails"); m != j.end() && m->is_array() && !m->empty())
      e.with("more_details", m->dump(-1, ' ', false, json::error_handler_t::replace));
    if (auto rr = j.find("relatedResource"); rr != j.end() && rr->is_object())
      e.with("related_resource", rr->dump(-1, ' ', false, json::error_handler_t::replace));
    if (auto ir = j.find("isRetriable"); ir != j.end() && ir->is_boolean())
      e.with("is_retriable", ir->get<bool>() ? "true" : "false");
  }
  return e;
}

std::optional<std::string> next_page(std::string_view body, const std::string& current_url, const std::string& base) {
  auto j = json::parse(body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  std::string uri = str(j, "continuationUri"), token = str(j, "continuationToken");
  // The token on the request we made first: its path is the one we know is right (the
  // spec's supportedConnectionTypes example names another path in its continuationUri).
  if (!token.empty()) return with_query(current_url, "continuationToken", token);
  if (!uri.empty()) {
    // Re-rooted onto our base: the path after the API version, so a page never leaves the
    // host (and cloud profile) the list started on.
    auto parts = split_origin(uri);
    auto base_parts = split_origin(base);
    if (parts && base_parts) {
      std::string rest = parts->second;
      const std::string& base_path = base_parts->second;  // "/v1" or "/fabric/v1"
      std::string version = base_path.substr(base_path.rfind('/'));
      auto at = rest.find(version + "/");
      if (at != std::string::npos) return base + rest.substr(at + version.size());
    }
  }
  return std::nullopt;
}

Client::Client(http::Client& http, std::string base, std::shared_ptr<http::Authorizer> auth, Progress progress)
    : http_(http), base_(std::move(base)), auth_(std::move(auth)), progress_(std::move(progress)) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
}

std::string Client::url(const Call& call) const {
  std::string u = call.path.rfind("http://", 0) == 0 || call.path.rfind("https://", 0) == 0 ? call.path
                                                                                              : base_ + call.path;
  char sep = u.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : call.query) {
    u += sep + escape(k) + "=" + escape(v);
    sep = '&';
  }
  return u;
}

http::Request Client::request(const std::string& method, const std::string& url,
                              const std::optional<std::string>& body) const {
  http::Request req;
  req.method = method;
  req.url = url;
  req.auth = auth_;
  req.headers["Accept"] = "application/json";
  if (body) {
    req.body = *body;
    req.headers["Content-Type"] = "application/json";
  }
  return req;
}

http::Response Client::send(const Call& call) {
  http::Response r = http_.send(request(call.method, url(call), call.body));
  if (!r.ok()) throw error_of(r, call.method);
  return r;
}

Result Client::call(const Call& call, bool wait, const WaitOptions& options) {
  http::Response r = send(call);
  Result out;
  out.headers = r.headers;
  if (r.status != 202) {
    out.status = r.status;
    out.body = std::move(r.body);
    return out;
  }
  Operation op = accepted(r, base_);
  op.label = call.label.empty() ? call.method + " " + call.path : call.label;
  op.expect_result = call.expect_result;
  if (!wait) {
    out.status = 202;
    out.pending = std::move(op);
    return out;
  }
  Result done = this->wait(op, options);
  done.headers = std::move(out.headers);
  return done;
}

Page Client::page(const Call& call, const std::string& cursor) {
  Call c = call;
  if (!cursor.empty()) {
    c.path = cursor;
    c.query.clear();
  }
  std::string u = url(c);
  http::Response r = http_.send(request(c.method, u, c.body));
  if (!r.ok()) throw error_of(r, c.method);
  Page p;
  p.next = next_page(r.body, u, base_);
  if (p.next && *p.next == u)  // a service that hands back the same page forever
    throw ServiceError("fabric", "the Fabric API sent a next page that is the page itself: " + r.url)
        .with("code", "paging_loop")
        .with("url", r.url);
  p.body = std::move(r.body);
  return p;
}

}  // namespace tarn::fabric
