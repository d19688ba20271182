#pragma once
// The Microsoft Fabric REST client: what every Fabric endpoint does the same way, once.
//
//   fabric::Client client(http::Client::of(L), cloud::current(L).fabric, auth::authorizer(L, "fabric"));
//   fabric::Call call{.method = "POST", .path = "/workspaces/" + ws + "/items", .body = json_text};
//   fabric::Result r = client.call(call);     // 201 inline, or 202 followed to the end
//   fabric::Page p = client.page(list_call);  // one page; p.next is the next page's URL
//
// - URLs: paths are under the API base of the cloud profile (…/v1); a next-page or operation
//   URL the service sends is re-rooted onto that base, so a token never goes to another host.
// - Long-running operations (202): the operation id (x-ms-operation-id, else the Location
//   path, which may or may not carry /v1) is polled at {base}/operations/{id} at the
//   Retry-After pace, the progress shown as a status line; a Succeeded operation's result
//   comes from /operations/{id}/result (OperationHasNoResult there means "no result"); a
//   Failed one throws its error.
// - Paging: continuationToken on the first request, else continuationUri, until neither is sent.
// - Errors: any non-2xx answer throws error_of(response): a ServiceError of kind "fabric".
// - Retries (429 with Retry-After, 5xx, connection failures) are http::Client's.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bindings/http/client.hpp"

namespace tarn::fabric {

// One request to the Fabric API.
struct Call {
  std::string method = "GET";
  // Under the API base ("/workspaces/…", segments already escaped) or, for the next page of
  // a list, an absolute URL that Client::page produced.
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;  // values unescaped
  std::optional<std::string> body;                           // JSON text
  std::string label;  // what the call does, for progress lines and errors ("create item 'x'")
  // Only for a long-running operation: whether it produces a result worth fetching from
  // /operations/{id}/result when the final state does not point there itself.
  bool expect_result = true;
};

// A long-running operation the service accepted with 202.
struct Operation {
  std::string id;
  std::string url;          // its state: {base}/operations/{id}
  double retry_after = 0;   // seconds before the first poll, as the 202 asked
  std::string label;
  bool expect_result = true;
  http::Headers headers;    // the 202's headers (deployment-id, Location, ...)
};

// One answer of GET /operations/{id}.
struct OperationState {
  std::string status;              // NotStarted, Running, Succeeded, Failed, Undefined, ...
  std::optional<int> percent;      // percentComplete
  std::optional<double> retry_after;
  std::string location;            // the Location header, when sent
  std::string body;                // the state as JSON text
  std::string request_id;
};

// What a call came back with.
struct Result {
  int status = 0;                    // the status of the answer that carried the result
  std::string body;                  // JSON text; empty when there is none
  http::Headers headers;             // of the first answer (a 202's deployment-id, a 201's Location)
  std::optional<Operation> pending;  // set when the service answered 202 and the caller did not wait
};

// One page of a list.
struct Page {
  std::string body;                 // the page as JSON text
  std::optional<std::string> next;  // absolute URL of the next page; nullopt on the last one
};

struct WaitOptions {
  double timeout = 3600;    // seconds from the start of the wait; 0 = no limit
  double default_poll = 2;  // seconds between polls when the service sends no Retry-After
};

// Where progress goes: the status line of tarn::output by default.
struct Progress {
  std::function<void(std::string_view)> show;
  std::function<void()> clear;
};
Progress terminal_progress();

class Client {
 public:
  Client(http::Client& http, std::string base, std::shared_ptr<http::Authorizer> auth,
         Progress progress = terminal_progress());

  // Sends once (http::Client retries per its policy); throws error_of() for a non-2xx answer.
  http::Response send(const Call& call);

  // A call that may be long-running: 200/201 carry the result; 202 is waited for (wait =
  // true) or handed back in Result::pending.
  Result call(const Call& call, bool wait = true, const WaitOptions& options = {});

  // The operation's state now (one GET); throws error_of() for a non-2xx answer.
  OperationState state(const Operation& op);
  // Polls until the operation ends; returns its result (status 200, or 0 and no body when it
  // has none). Throws the operation's error when it Failed, a ServiceError with code
  // "timeout" past options.timeout, and http::Interrupted on Ctrl-C.
  Result wait(const Operation& op, const WaitOptions& options = {});

  // One page of a list: the first (cursor empty) or the one at cursor (a Page::next).
  Page page(const Call& call, const std::string& cursor = "");

  // The absolute URL of a call.
  std::string url(const Call& call) const;
  const std::string& base() const { return base_; }

 private:
  http::Request request(const std::string& method, const std::string& url, const std::optional<std::string>& body) const;
  http::Client& http_;
  std::string base_;
  std::shared_ptr<http::Authorizer> auth_;
  Progress progress_;
};

// ---- Pure helpers (the parts of the protocol that need no network) -----------------------

// The ServiceError (kind "fabric") a non-2xx answer stands for: message and fields status,
// code (errorCode, else the x-ms-public-api-error-code header), request_id (requestId, else
// the RequestId header), more_details and related_resource (JSON text), is_retriable
// ("true"/"false"), url and method.
ServiceError error_of(const http::Response& response, std::string_view method = "");

// The error of a Failed operation state: its error's errorCode, message and requestId.
ServiceError operation_failed(const Operation& op, const OperationState& state);

// The operation a 202 answer announces, polled under base. Throws ServiceError when the
// answer names no operation (neither x-ms-operation-id nor a Location with /operations/{id}).
Operation accepted(const http::Response& response, const std::string& base);

// The operation id in a Location URL (…[/v1]/operations/{id}[/result]); empty when none.
std::string operation_id_in(std::string_view location);

// Parses a GET /operations/{id} answer (200).
OperationState parse_state(const http::Response& response);

// The next page's URL after a page body, under base: current_url with continuationToken
// set, else continuationUri re-rooted onto base (the part after its "/v1"); nullopt when the
// body names no next page (absent or null).
std::optional<std::string> next_page(std::string_view body, const std::string& current_url, const std::string& base);

// url with query parameter name set to value (replaced when present; value escaped except '%'
// since continuation tokens arrive URL-encoded).
std::string with_query(const std::string& url, std::string_view name, std::string_view value);

// Percent-encodes one path segment or query value (RFC 3986 unreserved characters stay).
std::string escape(std::string_view text);

}  // namespace tarn::fabric
