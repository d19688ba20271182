// Service-family conventions: error bodies, 401 challenges, paging, long-running operations.
#include "sim/families.hpp"

#include <charconv>

#include "sim/jwt.hpp"

namespace sim {
namespace {

// Entra writes its timestamps as "2023-05-06 06:03:00Z".
std::string entra_timestamp() {
  std::string t = iso_time(std::chrono::system_clock::now(), false);
  t[10] = ' ';
  return t;
}

std::string authority(const Exchange& ex) { return ex.base_url() + "/entra/" + ex.sim.default_tenant(); }

std::string time_text(std::int64_t unix_seconds) {
  return iso_time(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)), false);
}

std::optional<std::size_t> parse_offset(std::string_view digits) {
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::string_view request_id_header(Family family) {
  return family == Family::fabric ? "RequestId" : "x-ms-request-id";
}

// ---- Error bodies ------------------------------------------------------------------------

void fabric_error(Exchange& ex, int status, const FabricError& error) {
  json body = {{"requestId", ex.request_id}, {"errorCode", error.code}, {"message", error.message}};
  if (!error.more_details.is_null()) body["moreDetails"] = error.more_details;
  if (!error.related_resource.is_null()) body["relatedResource"] = error.related_resource;
  if (error.is_retriable) body["isRetriable"] = *error.is_retriable;
  ex.res.set_header("x-ms-public-api-error-code", error.code);
  ex.reply(status, body);
}

void fabric_error(Exchange& ex, int status, std::string code, std::string message) {
  FabricError e;
  e.code = std::move(code);
  e.message = std::move(message);
  fabric_error(ex, status, e);
}

void arm_error(Exchange& ex, int status, std::string_view code, std::string_view message) {
  ex.reply(status, {{"error", {{"code", code}, {"message", message}}}});
}

void keyvault_error(Exchange& ex, int status, std::string_view code, std::string_view message,
                    std::string_view inner_code) {
  json error = {{"code", code}, {"message", message}};
  if (!inner_code.empty()) error["innererror"] = {{"code", inner_code}};
  ex.reply(status, {{"error", error}});
}

void adls_error(Exchange& ex, int status, std::string_view code, std::string_view message) {
  ex.res.set_header("x-ms-error-code", std::string(code));
  ex.reply(status, {{"error", {{"code", code}, {"message", message}}}});
}

void entra_error(Exchange& ex, int status, std::string_view error, int aadsts, std::string_view message) {
  std::string timestamp = entra_timestamp();
  std::string correlation = ex.req.get_header_value("client-request-id");
  if (correlation.empty()) correlation = new_uuid();
  else ex.res.set_header("client-request-id", correlation);
  std::string code = std::to_string(aadsts);
  std::string description = "AADSTS" + code + ": " + std::string(message) + "\r\nTrace ID: " + ex.request_id +
                            "\r\nCorrelation ID: " + correlation + "\r\nTimestamp: " + timestamp;
  ex.res.set_header("Cache-Control", "no-store, no-cache");
  ex.reply(status, {{"error", error},
                    {"error_description", description},
                    {"error_codes", json::array({aadsts})},
                    {"timestamp", timestamp},
                    {"trace_id", ex.request_id},
                    {"correlation_id", correlation},
                    {"error_uri", ex.base_url() + "/entra/error?code=" + code}});
}

void imds_error(Exchange& ex, int status, std::string_view error, std::string_view description) {
  ex.reply(status, {{"error", error}, {"error_description", description}});
}

std::string status_code_name(Family family, int status) {
  switch (status) {
    case 400:
      return family == Family::keyvault ? "BadParameter"
             : family == Family::adls   ? "InvalidInput"
             : family == Family::entra || family == Family::imds ? "invalid_request"
                                                                 : "BadRequest";
    case 401:
      return family == Family::arm    ? "AuthenticationFailed"
             : family == Family::adls ? "InvalidAuthenticationInfo"
             : family == Family::entra ? "invalid_client"
                                       : "Unauthorized";
    case 403:
      return family == Family::arm    ? "AuthorizationFailed"
             : family == Family::adls ? "AuthorizationFailure"
             : family == Family::entra ? "unauthorized_client"
                                       : "Forbidden";
    case 404:
      return family == Family::fabric ? "EntityNotFound"
             : family == Family::adls ? "ResourceNotFound"
             : family == Family::entra || family == Family::imds ? "not_found"
                                                                 : "NotFound";
    case 405: return family == Family::adls ? "UnsupportedHttpVerb" : "MethodNotAllowed";
    case 408: return "RequestTimeout";
    case 409: return "Conflict";
    case 412: return family == Family::adls ? "ConditionNotMet" : "PreconditionFailed";
    case 429:
      return family == Family::keyvault ? "Throttled"
             : family == Family::entra || family == Family::imds ? "temporarily_unavailable"
                                                                 : "TooManyRequests";
    case 500:
      return family == Family::adls || family == Family::keyvault ? "InternalError"
             : family == Family::entra || family == Family::imds ? "server_error"
                                                                 : "InternalServerError";
    case 502: return "BadGateway";
    case 503:
      return family == Family::adls ? "ServerBusy"
             : family == Family::entra || family == Family::imds ? "temporarily_unavailable"
                                                                 : "ServiceUnavailable";
    case 504: return family == Family::adls ? "OperationTimedOut" : "GatewayTimeout";
    default: return "HttpStatus" + std::to_string(status);
  }
}

void send_error(Exchange& ex, int status, std::string_view code, std::string_view message) {
  switch (ex.family) {
    case Family::fabric: fabric_error(ex, status, std::string(code), std::string(message)); return;
    case Family::arm: arm_error(ex, status, code, message); return;
    case Family::keyvault: keyvault_error(ex, status, code, message); return;
    case Family::adls: adls_error(ex, status, code, message); return;
    case Family::entra:
      // AADSTS90033 "a transient error has occurred"; AADSTS50000 "error issuing a token".
      entra_error(ex, status, code, status == 429 || status >= 500 ? 90033 : 50000, message);
      return;
    case Family::imds: imds_error(ex, status, code, message); return;
    case Family::sim: ex.reply(status, {{"error", {{"code", code}, {"message", message}}}}); return;
  }
}

std::optional<json> json_body(Exchange& ex) {
  json body = json::parse(ex.req.body, nullptr, false);
  if (!body.is_discarded()) return body;
  std::string code = ex.family == Family::fabric     ? "InvalidInput"
                     : ex.family == Family::arm      ? "InvalidRequestContent"
                     : ex.family == Family::keyvault ? "BadParameter"
                     : ex.family == Family::adls     ? "InvalidInput"
                                                     : status_code_name(ex.family, 400);
  send_error(ex, 400, code,
             ex.req.body.empty() ? "The request body is empty; expected JSON." : "The request body is not valid JSON.");
  return std::nullopt;
}

// ---- 401 ---------------------------------------------------------------------------------

void send_unauthorized(Exchange& ex, const AuthProblem& p) {
  using K = AuthProblem;
  switch (ex.family) {
    case Family::fabric: {
      // fabric-cicd refreshes its token on 401 with x-ms-public-api-error-code TokenExpired.
      std::string code = p.kind == K::expired ? "TokenExpired" : "Unauthorized";
      std::string message = p.kind == K::expired   ? "Access token has expired, resubmit with a new access token"
                            : p.kind == K::missing ? "The request has no bearer token"
                            : p.kind == K::wrong_audience
                                ? "The access token audience '" + p.detail + "' is not '" + p.audience + "'"
                                : "The access token is invalid";
      std::string challenge = "Bearer authorization_uri=\"" + authority(ex) + "/oauth2/authorize\"";
      if (p.kind != K::missing) challenge += ", error=\"invalid_token\"";
      ex.res.set_header("WWW-Authenticate", challenge);
      fabric_error(ex, 401, code, message);
      return;
    }
    case Family::arm: {
      std::string code = "InvalidAuthenticationToken", message = "The access token is invalid.";
      if (p.kind == K::missing) {
        code = "AuthenticationFailed";
        message = "Authentication failed. The 'Authorization' header is missing.";
      } else if (p.kind == K::expired) {
        code = "ExpiredAuthenticationToken";
        message = "The access token expiry UTC time '" + time_text(p.expired_at) +
                  "' is earlier than current UTC time '" + time_text(unix_now()) + "'.";
      } else if (p.kind == K::wrong_audience) {
        code = "InvalidAuthenticationTokenAudience";
        message = "The access token has been obtained for wrong audience or resource '" + p.detail +
                  "'. It should exactly match with one of the allowed audiences '" + p.audience + "/'.";
      }
      std::string challenge = "Bearer authorization_uri=\"" + authority(ex) + "\", error=\"invalid_token\"" +
                              ", error_description=\"" + message + "\"";
      if (p.kind == K::missing) challenge = "Bearer authorization_uri=\"" + authority(ex) + "\"";
      ex.res.set_header("WWW-Authenticate", challenge);
      ex.res.set_header("x-ms-failure-cause", "gateway");
      arm_error(ex, 401, code, message);
      return;
    }
    case Family::keyvault: {
      // SDKs send the first request without a token on purpose and read this challenge.
      ex.res.set_header("WWW-Authenticate",
                        "Bearer authorization=\"" + authority(ex) + "\", resource=\"" + p.audience + "\"");
      std::string message = p.kind == K::missing   ? "AKV10000: Request is missing a Bearer or PoP token."
                            : p.kind == K::expired ? "AKV10022: The access token is expired."
                            : p.kind == K::wrong_audience
                                ? "AKV10022: Invalid audience. Expected " + p.audience + ", found: " + p.detail + "."
                                : "AKV10022: The access token is invalid.";
      keyvault_error(ex, 401, "Unauthorized", message);
      return;
    }
    case Family::adls: {
      ex.res.set_header("WWW-Authenticate", "Bearer authorization_uri=" + authority(ex) +
                                                "/oauth2/authorize resource_id=" + p.audience);
      std::string message =
          "Server failed to authenticate the request. Please refer to the information in the www-authenticate "
          "header.\nRequestId:" + ex.request_id + "\nTime:" + iso_time(std::chrono::system_clock::now());
      adls_error(ex, 401, p.kind == K::missing ? "NoAuthenticationInformation" : "InvalidAuthenticationInfo",
                 message);
      return;
    }
    case Family::entra:
    case Family::imds:
    case Family::sim:
      send_error(ex, 401, status_code_name(ex.family, 401), "The access token is missing or invalid.");
      return;
  }
}

// ---- Paging ------------------------------------------------------------------------------

std::string encode_continuation(std::size_t offset) {
  return jwt::b64url_encode("tarn-sim:" + std::to_string(offset));
}

std::optional<std::size_t> decode_continuation(std::string_view token) {
  auto text = jwt::b64url_decode(token);
  std::string_view prefix = "tarn-sim:";
  if (!text || text->compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  return parse_offset(std::string_view(*text).substr(prefix.size()));
}

Page page_of(const json& items, std::size_t offset, std::size_t page_size) {
  Page page;
  if (!items.is_array() || page_size == 0) return page;
  for (std::size_t i = offset; i < items.size() && i < offset + page_size; ++i) page.items.push_back(items[i]);
  if (offset + page_size < items.size()) page.next_offset = offset + page_size;
  return page;
}

std::string url_with_param(const Exchange& ex, std::string_view param, std::string_view value) {
  std::string target = ex.req.target;
  std::size_t q = target.find('?');
  std::string url = ex.base_url() + target.substr(0, q);
  std::string query;
  std::string raw = ex.raw_query();
  std::size_t start = 0;
  while (start <= raw.size() && !raw.empty()) {
    std::size_t amp = raw.find('&', start);
    std::string part = raw.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    std::string key = httplib::detail::decode_url(part.substr(0, part.find('=')), true);
    if (!part.empty() && key != param) query += (query.empty() ? "" : "&") + part;
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  query += (query.empty() ? "" : "&") + std::string(param) + "=" + std::string(value);
  return url + "?" + query;
}

void fabric_list(Exchange& ex, const json& items, std::size_t page_size, std::string_view key) {
  std::size_t offset = 0;
  if (ex.req.has_param("continuationToken")) {
    auto o = decode_continuation(ex.req.get_param_value("continuationToken"));
    if (!o) {
      fabric_error(ex, 400, "InvalidContinuationToken", "The continuation token is not valid");
      return;
    }
    offset = *o;
  }
  Page page = page_of(items, offset, page_size);
  json body = {{std::string(key), page.items}};
  if (page.next_offset) {
    std::string token = encode_continuation(*page.next_offset);
    body["continuationToken"] = token;
    body["continuationUri"] = url_with_param(ex, "continuationToken", token);
  }
  ex.reply(200, body);
}

void nextlink_list(Exchange& ex, const json& items, std::size_t page_size) {
  std::size_t offset = 0;
  if (ex.req.has_param("$skiptoken")) {
    auto o = decode_continuation(ex.req.get_param_value("$skiptoken"));
    if (!o) {
      send_error(ex, 400, status_code_name(ex.family, 400), "The $skiptoken is not valid.");
      return;
    }
    offset = *o;
  }
  Page page = page_of(items, offset, page_size);
  json body = {{"value", page.items}};
  if (page.next_offset) body["nextLink"] = url_with_param(ex, "$skiptoken", encode_continuation(*page.next_offset));
  ex.reply(200, body);
}

std::size_t page_size(const Sim& sim, std::size_t fallback) {
  json v = sim.setting("/paging/page_size", fallback);
  return v.is_number_unsigned() && v.get<std::size_t>() > 0 ? v.get<std::size_t>() : fallback;
}

// ---- Long-running operations -------------------------------------------------------------

namespace {

constexpr const char* kArmOps = "/arm/providers/Tarn.Sim/locations/local";
constexpr const char* kArmApiVersion = "?api-version=2023-01-01";

std::string retry_after(const Sim& sim) {
  json v = sim.setting("/lro/retry_after_seconds", 1);
  return v.is_number() ? v.dump() : "1";
}

std::string store_operation(Exchange& ex, const Operation& op, Family family) {
  int running = op.running_polls;
  if (running < 0) {
    json v = ex.sim.setting("/lro/running_polls", 1);
    running = v.is_number_integer() && v.get<int>() >= 0 ? v.get<int>() : 1;
  }
  std::string id = new_uuid();
  std::string now = iso_time(std::chrono::system_clock::now());
  json record = {{"family", family_name(family)}, {"status", "Running"}, {"createdTimeUtc", now},
                 {"lastUpdatedTimeUtc", now},     {"polls", 0},         {"running_polls", running},
                 {"result", op.result},           {"error", op.error}};
  ex.sim.write([&](json& state) {
    if (!state.contains("operations") || !state["operations"].is_object()) state["operations"] = json::object();
    state["operations"][id] = record;
  });
  return id;
}

// Counts a poll (when `count`) and returns the operation, or nullopt for an unknown id.
std::optional<json> poll(Sim& sim, const std::string& id, Family family, bool count) {
  return sim.write([&](json& state) -> std::optional<json> {
    if (!state.contains("operations") || !state["operations"].contains(id)) return std::nullopt;
    json& op = state["operations"][id];
    if (op.value("family", "") != family_name(family)) return std::nullopt;
    if (count && op["status"] == "Running") {
      int polls = op["polls"].get<int>() + 1;
      op["polls"] = polls;
      op["lastUpdatedTimeUtc"] = iso_time(std::chrono::system_clock::now());
      if (polls > op["running_polls"].get<int>()) op["status"] = op["error"].is_null() ? "Succeeded" : "Failed";
    }
    return op;
  });
}

json fabric_operation_error(const json& error) {
  if (error.is_null()) return nullptr;
  return {{"errorCode", error.value("code", "OperationFailed")}, {"message", error.value("message", "")}};
}

void fabric_operation_state(Exchange& ex) {
  if (!ex.sim.check_bearer(ex, fabric_audience)) return;
  std::string id = ex.arg(1);
  auto op = poll(ex.sim, id, Family::fabric, true);
  if (!op) {
    fabric_error(ex, 404, "OperationNotFound", "The operation '" + id + "' was not found");
    return;
  }
  std::string status = (*op)["status"];
  std::string url = ex.base_url() + "/fabric/v1/operations/" + id;
  int polls = (*op)["polls"], running = (*op)["running_polls"];
  ex.res.set_header("x-ms-operation-id", id);
  if (status == "Running") {
    ex.res.set_header("Location", url);
    ex.res.set_header("Retry-After", retry_after(ex.sim));
  } else if (status == "Succeeded" && !(*op)["result"].is_null()) {
    ex.res.set_header("Location", url + "/result");
  }
  int percent = status == "Running" ? 100 * polls / (running + 1) : 100;
  ex.reply(200, {{"status", status},
                 {"createdTimeUtc", (*op)["createdTimeUtc"]},
                 {"lastUpdatedTimeUtc", (*op)["lastUpdatedTimeUtc"]},
                 {"percentComplete", percent},
                 {"error", fabric_operation_error((*op)["error"])}});
}

void fabric_operation_result(Exchange& ex) {
  if (!ex.sim.check_bearer(ex, fabric_audience)) return;
  std::string id = ex.arg(1);
  auto op = poll(ex.sim, id, Family::fabric, false);
  if (!op) {
    fabric_error(ex, 404, "OperationNotFound", "The operation '" + id + "' was not found");
    return;
  }
  std::string status = (*op)["status"];
  if (status == "Failed") {
    json e = fabric_operation_error((*op)["error"]);
    fabric_error(ex, 400, e["errorCode"].get<std::string>(), e["message"].get<std::string>());
  } else if (status != "Succeeded") {
    fabric_error(ex, 400, "OperationNotCompleted", "The operation '" + id + "' has not completed yet");
  } else if ((*op)["result"].is_null()) {
    fabric_error(ex, 400, "OperationHasNoResult", "The operation '" + id + "' has no result");
  } else {
    ex.res.set_header("x-ms-operation-id", id);
    ex.reply(200, (*op)["result"]);
  }
}

std::string arm_status_path(const std::string& id) { return std::string(kArmOps) + "/operationStatuses/" + id; }
std::string arm_result_path(const std::string& id) { return std::string(kArmOps) + "/operationResults/" + id; }

void arm_operation_status(Exchange& ex) {
  if (!ex.sim.check_bearer(ex, {arm_audience, arm_audience_classic})) return;
  std::string id = ex.arg(1);
  auto op = poll(ex.sim, id, Family::arm, true);
  if (!op) {
    arm_error(ex, 404, "OperationNotFound", "The operation '" + id + "' was not found.");
    return;
  }
  std::string status = (*op)["status"] == "Running" ? "InProgress" : (*op)["status"].get<std::string>();
  json body = {{"id", arm_status_path(id).substr(4)}, {"name", id}, {"status", status},
               {"startTime", (*op)["createdTimeUtc"]}};
  if (status == "InProgress") ex.res.set_header("Retry-After", retry_after(ex.sim));
  else body["endTime"] = (*op)["lastUpdatedTimeUtc"];
  if (status == "Failed") {
    const json& e = (*op)["error"];
    body["error"] = {{"code", e.value("code", "OperationFailed")}, {"message", e.value("message", "")}};
  }
  ex.reply(200, body);
}

void arm_operation_result(Exchange& ex) {
  if (!ex.sim.check_bearer(ex, {arm_audience, arm_audience_classic})) return;
  std::string id = ex.arg(1);
  auto op = poll(ex.sim, id, Family::arm, true);
  if (!op) {
    arm_error(ex, 404, "OperationNotFound", "The operation '" + id + "' was not found.");
    return;
  }
  std::string status = (*op)["status"];
  if (status == "Running") {
    ex.res.status = 202;
    ex.res.set_header("Location", ex.base_url() + arm_result_path(id) + kArmApiVersion);
    ex.res.set_header("Retry-After", retry_after(ex.sim));
  } else if (status == "Failed") {
    const json& e = (*op)["error"];
    arm_error(ex, e.value("status", 400), e.value("code", "OperationFailed"), e.value("message", ""));
  } else if ((*op)["result"].is_null()) {
    ex.res.status = 204;
  } else {
    ex.reply(200, (*op)["result"]);
  }
}

}  // namespace

std::string fabric_accepted(Exchange& ex, Operation op) {
  std::string id = store_operation(ex, op, Family::fabric);
  ex.res.status = 202;
  ex.res.set_header("Location", ex.base_url() + "/fabric/v1/operations/" + id);
  ex.res.set_header("x-ms-operation-id", id);
  ex.res.set_header("Retry-After", retry_after(ex.sim));
  return id;
}

std::string arm_accepted(Exchange& ex, Operation op, int status, const json& body) {
  std::string id = store_operation(ex, op, Family::arm);
  ex.res.set_header("Azure-AsyncOperation", ex.base_url() + arm_status_path(id) + kArmApiVersion);
  ex.res.set_header("Location", ex.base_url() + arm_result_path(id) + kArmApiVersion);
  ex.res.set_header("Retry-After", retry_after(ex.sim));
  if (body.is_null()) ex.res.status = status;
  else ex.reply(status, body);
  return id;
}

void register_operations(Sim& sim) {
  const std::string id = "([0-9a-fA-F-]{36})";
  sim.route("GET", "/fabric/v1/operations/" + id, fabric_operation_state);
  sim.route("GET", "/fabric/v1/operations/" + id + "/result", fabric_operation_result);
  sim.route("GET", std::string(kArmOps) + "/operationStatuses/" + id, arm_operation_status);
  sim.route("GET", std::string(kArmOps) + "/operationResults/" + id, arm_operation_result);
}

}  // namespace sim
