// Long-running operations (docs/api/fabric.md, "Long-running operations"; the Fabric LRO
// article): 202 → poll /operations/{id} at the Retry-After pace → /operations/{id}/result.
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "bindings/fabric/client.hpp"
#include "tarn/runtime.hpp"

namespace tarn::fabric {
namespace {

using nlohmann::json;

double monotonic() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

std::optional<double> seconds_header(const http::Headers& h) {
  auto v = http::header(h, "Retry-After");
  if (!v) return std::nullopt;
  char* end = nullptr;
  double s = std::strtod(v->c_str(), &end);
  if (end == v->c_str() || !std::isfinite(s)) return std::nullopt;
  return std::clamp(s, 0.0, 600.0);
}

bool is_result_url(std::string_view location) {
  while (!location.empty() && location.back() == '/') location.remove_suffix(1);
  auto q = location.find('?');
  if (q != std::string_view::npos) location = location.substr(0, q);
  return location.size() >= 7 && location.substr(location.size() - 7) == "/result";
}

// Calls progress.clear once the wait ends, however it ends.
struct StatusLine {
  const Progress& progress;
  bool shown = false;
  void show(const std::string& text) {
    if (progress.show) progress.show(text);
    shown = true;
  }
  ~StatusLine() {
    if (shown && progress.clear) progress.clear();
  }
};

}  // namespace

std::string operation_id_in(std::string_view location) {
  auto q = location.find('?');
  if (q != std::string_view::npos) location = location.substr(0, q);
  auto at = location.rfind("/operations/");
  if (at == std::string_view::npos) return {};
  std::string_view rest = location.substr(at + 12);
  auto slash = rest.find('/');
  std::string_view id = rest.substr(0, slash);
  if (id.empty()) return {};
  if (slash != std::string_view::npos && rest.substr(slash) != "/result" && rest.substr(slash) != "/result/") return {};
  return std::string(id);
}

Operation accepted(const http::Response& r, const std::string& base) {
  Operation op;
  op.headers = r.headers;
  std::string location = http::header(r.headers, "Location").value_or("");
  op.id = http::header(r.headers, "x-ms-operation-id").value_or("");
  if (op.id.empty()) op.id = operation_id_in(location);
  if (op.id.empty())
    throw ServiceError("fabric", "the Fabric API accepted the request (202) but named no operation to follow "
                                 "(no x-ms-operation-id header and no Location ending in /operations/{id})")
        .with("status", "202")
        .with("code", "no_operation")
        .with("url", r.url);
  // Polled under our base whatever host or path version the Location names: the spec's
  // examples write it without /v1, and a bearer token never goes to a host from a header.
  op.url = base + "/operations/" + escape(op.id);
  op.retry_after = seconds_header(r.headers).value_or(0);
  return op;
}

OperationState parse_state(const http::Response& r) {
  OperationState s;
  s.body = r.body;
  s.request_id = r.request_id;
  s.location = http::header(r.headers, "Location").value_or("");
  s.retry_after = seconds_header(r.headers);
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("status") || !j["status"].is_string())
    throw ServiceError("fabric", "the Fabric API answered an operation state without a status: " + r.url)
        .with("status", std::to_string(r.status))
        .with("code", "bad_operation_state")
        .with("url", r.url);
  s.status = j["status"].get<std::string>();
  if (auto p = j.find("percentComplete"); p != j.end() && p->is_number())
    s.percent = std::clamp(static_cast<int>(p->get<double>()), 0, 100);
  return s;
}

ServiceError operation_failed(const Operation& op, const OperationState& state) {
  auto j = json::parse(state.body, nullptr, false);
  json err = j.is_object() && j.contains("error") && j["error"].is_object() ? j["error"] : json::object();
  auto text = [&](const char* k) {
    auto it = err.find(k);
    return it != err.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string message = text("message");
  ServiceError e("fabric", op.label + " failed" + (message.empty() ? std::string() : ": " + message));
  std::string code = text("errorCode");
  e.with("code", code.empty() ? "OperationFailed" : code);
  std::string rid = text("requestId");
  if (rid.empty()) rid = state.request_id;
  if (!rid.empty()) e.with("request_id", rid);
  e.with("operation_id", op.id);
  if (auto m = err.find("moreDetails"); m != err.end() && m->is_array() && !m->empty())
    e.with("more_details", m->dump(-1, ' ', false, json::error_handler_t::replace));
  if (auto rr = err.find("relatedResource"); rr != err.end() && rr->is_object())
    e.with("related_resource", rr->dump(-1, ' ', false, json::error_handler_t::replace));
  if (auto ir = err.find("isRetriable"); ir != err.end() && ir->is_boolean())
    e.with("is_retriable", ir->get<bool>() ? "true" : "false");
  return e;
}

OperationState Client::state(const Operation& op) {
  Call c;
  c.path = op.url;
  return parse_state(send(c));
}

Result Client::wait(const Operation& op, const WaitOptions& options) {
  StatusLine line{progress_};
  double start = monotonic();
  double delay = op.retry_after;
  std::string last = "NotStarted";
  for (;;) {
    double remaining = options.timeout > 0 ? options.timeout - (monotonic() - start) : delay;
    if (options.timeout > 0 && remaining <= 0)
      throw ServiceError("fabric", op.label + ": still " + last + " after " +
                                       std::to_string(static_cast<long>(options.timeout)) + " s (operation " + op.id +
                                       "); allow longer with timeout = seconds, or look later with fabric.operation_state")
          .with("code", "timeout")
          .with("operation_id", op.id);
    double pause = std::min(delay, remaining);
    if (pause > 0 && !interrupt::sleep(pause)) {
      interrupt::clear();
      throw http::Interrupted();
    }
    OperationState s = state(op);
    last = s.status;
    std::string text = op.label + ": " + s.status;
    if (s.percent && s.status != "Succeeded" && s.status != "Failed") text += " " + std::to_string(*s.percent) + "%";
    line.show(text);
    if (s.status == "Succeeded") {
      Result out;
      out.status = 200;
      bool points_at_result = !s.location.empty() && is_result_url(s.location);
      bool fetch = points_at_result || (s.location.empty() && op.expect_result);
      if (!fetch) {
        out.status = 0;
        return out;
      }
      Call c;
      c.path = op.url + "/result";
      http::Response r = http_.send(request("GET", url(c), std::nullopt));
      if (!r.ok()) {
        ServiceError e = error_of(r, "GET");
        for (const auto& [k, v] : e.fields)
          if (k == "code" && v == "OperationHasNoResult") {
            out.status = 0;
            return out;
          }
        throw e;
      }
      out.status = r.status;
      out.body = std::move(r.body);
      return out;
    }
    if (s.status == "Failed") throw operation_failed(op, s);
    if (s.status == "Undefined")
      throw ServiceError("fabric", op.label + ": the operation is in an undefined state (operation " + op.id + ")")
          .with("code", "OperationUndefined")
          .with("operation_id", op.id);
    delay = s.retry_after.value_or(options.default_poll);
  }
}

}  // namespace tarn::fabric
