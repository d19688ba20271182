#pragma once
// The Azure Resource Manager client: resource URLs and api-versions, ARM's error bodies, and
// long-running operations followed to their end.
//
//   tarn::arm::Client arm(http_client, profile.arm, tarn::auth::authorizer(L, "arm"));
//   tarn::arm::Call call{.method = "PUT", .target = id, .api_version = "2022-04-01", .body = json};
//   tarn::arm::Result r = arm.send(call);   // 2xx after any async operation, else throws arm::Error
//
// A write answered 201/202 with Azure-AsyncOperation is polled there until its status is
// Succeeded, Failed or Canceled, then the resource (PUT, PATCH) or the Location result (POST)
// is read; a 202 with only Location is polled at Location until it stops answering 202; a PUT
// or PATCH whose body has a non-terminal properties.provisioningState is re-read until it
// ends. Polls follow Retry-After (else Call::poll_interval), show a progress line, stop at
// Ctrl-C (http::Interrupted) and give up after Call::timeout. URLs the service hands back
// (nextLink, Location, Azure-AsyncOperation) are only followed under the ARM base, so the ARM
// token never goes elsewhere.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bindings/http/client.hpp"
#include "tarn/lua.hpp"

namespace tarn::arm {

inline constexpr double default_poll_interval = 10;  // seconds between polls without Retry-After
inline constexpr double default_timeout = 3600;      // seconds a long-running operation may take

struct Call {
  std::string method = "GET";
  // A resource id ("/subscriptions/..."; may carry "?query") or a URL under the ARM base (a
  // nextLink). Ids are percent-encoded here; URLs are sent as given.
  std::string target;
  std::string api_version;  // added as api-version= unless the target's query has one
  std::vector<std::pair<std::string, std::string>> query;  // more parameters ($filter=...), escaped here
  std::optional<std::string> body;  // JSON text
  bool wait = true;                 // follow a long-running operation to its end
  std::string what;                 // progress label; default "<METHOD> <type>/<name>"
  double timeout = default_timeout;
  double poll_interval = default_poll_interval;
};

struct Result {
  int status = 0;           // of the first response: 200, 201, 202 or 204
  std::string body;         // the resource, the operation's result, or "" for none
  std::string request_id;   // of the first response
  int polls = 0;            // status requests made while waiting
};

// An ARM failure: kind "arm" with fields status (the HTTP status; absent when an operation
// ended Failed or Canceled: then `operation` holds that status), code, request_id, url and
// target when the body has it. `details` is the error's details array as JSON text ("" when
// there is none); the Lua binding turns it into a table.
struct Error : ServiceError {
  std::string details;
  Error(const std::string& message) : ServiceError("arm", message) {}
};

// The error an ARM response stands for: {"error":{code,message,target,details}} (or those
// members at the top level, any case), else x-ms-error-code, else "HTTP <status>".
Error error_from(const http::Response& response);

struct Hooks {
  std::function<bool(double)> sleep;              // false: interrupted; default tarn::interrupt::sleep
  std::function<void(std::string_view)> status;   // default tarn::output::status
  std::function<void()> status_done;              // default tarn::output::status_clear
};

class Client {
 public:
  // base: the ARM endpoint of the cloud profile ("https://management.azure.com", or
  // "{sim}/arm" locally); auth may be null (no Authorization header).
  Client(http::Client& http, std::string base, std::shared_ptr<http::Authorizer> auth, Hooks hooks = {});

  // Sends the call and follows its long-running operation when call.wait. Returns 2xx
  // results; throws Error for ARM failures, ServiceError (kind "http") for transport ones,
  // ServiceError kind "timeout" when an operation outlasts call.timeout, http::Interrupted on
  // Ctrl-C, std::invalid_argument for a bad target or a missing api-version.
  Result send(const Call& call);

  // The URL call would be sent to. Throws std::invalid_argument.
  std::string url(const Call& call) const;
  const std::string& base() const { return base_; }

 private:
  struct Wait;
  http::Response exchange(const std::string& method, const std::string& url, const std::optional<std::string>& body);
  void check_followable(const std::string& url, const char* what) const;
  std::string poll_async(Wait& w, const std::string& url);
  std::optional<std::string> poll_location(Wait& w, const std::string& url);
  std::string poll_provisioning(Wait& w, const std::string& url, const http::Response& first);

  http::Client& http_;
  std::string base_;
  std::shared_ptr<http::Authorizer> auth_;
  Hooks hooks_;
};

}  // namespace tarn::arm
