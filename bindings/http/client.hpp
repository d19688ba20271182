#pragma once
// tarn's one HTTP transport, on libcurl. Every service client (fabric, keyvault, arm, adls,
// auth) and the Lua `http` module send through the Client of their runtime:
//
//   auto& client = tarn::http::Client::of(L);
//   tarn::http::Request req{.method = "GET", .url = fabric_base + "/workspaces"};
//   req.auth = my_authorizer;                      // adds Authorization; refreshed once on 401
//   tarn::http::Response r = client.send(req);     // retried per bindings/http/retry.hpp
//   if (!r.ok()) throw r.error();                  // ServiceError with status, code, request id
//
// Connections are kept alive and reused per host (one curl multi handle owns the
// connection cache; HTTP/2 is used where the server offers it), TLS is always verified,
// and send_all() runs many requests at once with a bounded number in flight.
#include <curl/curl.h>

#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "bindings/http/headers.hpp"
#include "bindings/http/retry.hpp"
#include "tarn/lua.hpp"

namespace tarn::http {

struct Request;
struct Response;

// The hook the auth module plugs in. authorize() runs before every attempt (so a retried
// request carries a fresh token); after a 401, refresh() gets the response (its
// WWW-Authenticate challenge, say), drops cached credentials and returns true to have the
// request re-authorized and sent once more.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual void authorize(Request& request) = 0;
  virtual bool refresh(const Response& unauthorized) = 0;
};

// An Authorizer as a Lua value: a full userdata with this metatable holding a
// std::shared_ptr<Authorizer>. The auth module makes them (auth.authorizer(scope));
// http.request{auth = a} sends with one.
inline constexpr const char* authorizer_mt = "http.Authorizer";

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  double timeout = 0;                      // seconds for one attempt; 0: the client's default
  std::optional<int> max_attempts;         // overrides the policy's
  std::optional<double> time_budget;       // overrides the policy's (seconds)
  std::shared_ptr<Authorizer> auth;        // optional
};

struct Response {
  int status = 0;
  Headers headers;          // names compare case-insensitively
  std::string body;
  std::string request_id;   // x-ms-request-id, RequestId or request-id, when the service sent one
  std::string url;          // the URL requested, credential parameters masked
  double duration = 0;      // seconds, every attempt and wait included
  int attempts = 0;
  bool ok() const { return status >= 200 && status < 300; }
  // The failure this response stands for: kind "http", status, code and message taken
  // from the body (Fabric's errorCode/message, Azure's error.code/error.message) or the
  // x-ms-error-code / x-ms-public-api-error-code headers, request_id and url.
  ServiceError error() const;
};

// Ctrl-C arrived during a request or a wait between retries.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

struct Config {
  retry::Policy policy;           // from TARN_HTTP_MAX_ATTEMPTS / TARN_HTTP_TIME_BUDGET by default
  std::string ca_file;            // extra CA certificates added to the system's (PEM)
  double connect_timeout = 15;    // seconds
  double timeout = 100;           // seconds for one attempt
  long low_speed_time = 60;       // abort an attempt that moves under 1 byte/s this long
  std::size_t max_in_flight = 8;  // default for send_all
  // Where debug lines (retries) and --debug traces go; both get text that is already redacted.
  std::function<void(std::string_view)> debug;  // null: retries are not logged
  std::function<void(std::string_view)> trace;  // null: no exchange trace
};

class Client {
 public:
  explicit Client(Config config);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One request, retried per the policy. Returns every HTTP response (2xx or not, once
  // retries are spent); throws ServiceError for transport failures (DNS, connect, TLS,
  // timeout, refused URL) and Interrupted on Ctrl-C.
  Response send(Request request);

  // Many requests, at most max_in_flight (0: the config's) at once, each with the same
  // retry policy. Results come back in order: a Response or the ServiceError it failed
  // with. Throws only Interrupted.
  using Result = std::variant<Response, ServiceError>;
  std::vector<Result> send_all(std::vector<Request> requests, std::size_t max_in_flight = 0);

  Config& config() { return config_; }

  // The client of the runtime that owns L, created on first use from its options
  // (--ca-file / TARN_CA_BUNDLE, verbosity, --json); its log settings follow the log level.
  static Client& of(lua_State* L);

 private:
  struct Transfer;
  CURL* take_handle();
  void give_back(CURL* easy);
  void start(Transfer& t);
  void finish(Transfer& t, CURLcode code);
  double random01();

  Config config_;
  CURLM* multi_ = nullptr;
  CURLSH* share_ = nullptr;
  std::vector<CURL*> idle_;
  std::string ca_blob_;  // system bundle + ca_file, when ca_file is set
  std::mt19937_64 rng_;
};

}  // namespace tarn::http
