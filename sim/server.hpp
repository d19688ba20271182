#pragma once
// tarn-sim's shared core: the state store, route table, request log, fault injection and
// bearer-token checks that every service file (entra.cpp, fabric.cpp, ...) builds on.
//
// One Sim serves every listener (HTTP and HTTPS). httplib hands each request to
// Sim::handle(), which picks the service family from the first path segment, stamps the
// family's request-id header, applies an injected fault if one matches, runs the route and
// logs the exchange. Services register routes and state validators before serving starts.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sim {

using json = nlohmann::json;

// Which real service a path imitates; decides error-body shape and request-id header.
// The first path segment decides: /entra, /imds and /msi, /fabric, /arm, /keyvault, /dfs
// (ADLS Gen2), as the "local" cloud profile (docs/api/cloud.md) lays them out; else /_sim.
enum class Family { sim, entra, imds, fabric, arm, keyvault, adls };
Family family_for_path(std::string_view path);
std::string_view family_name(Family family);

std::string new_uuid();
// A UUID-shaped id derived from `seed` (SHA-256), stable across runs.
std::string uuid_from(std::string_view seed);
std::int64_t unix_now();
// "2024-05-06T07:08:09.123Z" (with_millis) or "2024-05-06T07:08:09Z".
std::string iso_time(std::chrono::system_clock::time_point t, bool with_millis = true);

// Shuts down every open connection to the listener on `local_port`, so that a stopping
// httplib server does not wait out idle keep-alive connections. Returns how many.
int shutdown_connections(int local_port);

// Checks for state validators: each throws std::invalid_argument("<where>: expected ...").
namespace shape {
void object(const json& v, const std::string& where);
void array(const json& v, const std::string& where);
// Rejects keys other than `known`, so a misspelt seed field is an error, not ignored.
void keys(const json& obj, const std::string& where, std::initializer_list<std::string_view> known);
void string_field(const json& obj, std::string_view key, const std::string& where, bool required);
void int_field(const json& obj, std::string_view key, const std::string& where, long long min);
}  // namespace shape

class Sim;

// One request being answered: what the handler reads and writes.
struct Exchange {
  Sim& sim;
  const httplib::Request& req;
  httplib::Response& res;
  Family family;
  std::string scheme;      // "http" or "https": the listener that took the request
  std::string request_id;  // also sent in the family's request-id header
  std::smatch match;       // the route's regex over req.path; arg(1) is the first capture

  // "http://127.0.0.1:PORT": scheme plus the Host the client used.
  std::string base_url() const;
  std::string arg(std::size_t i) const { return match[static_cast<int>(i)].str(); }
  // The raw query string as the client sent it (without '?'), "" when none.
  std::string raw_query() const;
  void reply(int status, const json& body);
};

using Handler = std::function<void(Exchange&)>;

// An injected fault (POST /_sim/faults). Matches method ("*" = any) and a regex searched in
// the path; answers `status`, drops the connection, or only delays the real handler.
struct Fault {
  int id = 0;
  std::string method = "*";
  std::string path;
  std::regex path_re;
  int status = 0;                        // 0: no status of its own (delay-only rule)
  std::optional<int> remaining = 1;      // nullopt: until removed
  json retry_after;                      // string or number, or null for no header
  std::optional<long long> retry_after_ms;
  json body;                             // replaces the family error body when not null
  json headers = json::object();         // extra response headers
  bool drop = false;
  int delay_ms = 0;
  int hits = 0;

  // Throws std::invalid_argument naming the bad field and what was expected.
  static Fault from_json(const json& spec);
  json to_json() const;
};

// Why a bearer token was refused; families.cpp renders it in each service's 401 shape.
struct AuthProblem {
  enum Kind { missing, malformed, bad_signature, expired, not_yet_valid, wrong_audience } kind;
  std::string detail;  // e.g. the audience that was found
  std::string audience;  // the one that was expected (the first, when several are accepted)
  std::int64_t expired_at = 0;
};

class Sim {
 public:
  struct Options {
    json seed = json::object();  // the state at start (unless --state has one) and after reset
    std::string state_file;      // "" = memory only
  };
  // Loads `state_file` if it exists. Throws std::runtime_error naming the file and the fault.
  explicit Sim(Options options);

  // Routes: `pattern` must match the whole decoded path. Register before serving.
  void route(std::string method, const std::string& pattern, Handler handler);
  // Sends every request `server` receives to handle(); `scheme` names the listener.
  void attach(httplib::Server& server, const std::string& scheme);
  // The entry point for every request on every listener.
  void handle(const httplib::Request& req, httplib::Response& res, const std::string& scheme);

  // State: one JSON document; each service owns a top-level key ("entra", "fabric", ...).
  // write() saves the document to --state after `f` returns.
  template <class F>
  auto read(F&& f) const {
    std::lock_guard lock(state_mu_);
    return f(static_cast<const json&>(state_));
  }
  template <class F>
  auto write(F&& f) {
    std::lock_guard lock(state_mu_);
    if constexpr (std::is_void_v<decltype(f(state_))>) {
      f(state_);
      persist_locked();
    } else {
      auto r = f(state_);
      persist_locked();
      return r;
    }
  }
  // The value at `pointer` in the state, or `fallback` when absent or null.
  json setting(const std::string& pointer, json fallback) const;
  json state() const;
  // Back to the seed (operations and service data dropped), saved.
  void reset();
  // RFC 7386 merge of `patch` into the state; validated first, so a bad patch changes
  // nothing. Throws std::invalid_argument with the validator's message.
  void merge(const json& patch);
  // Writes --state now. Throws std::runtime_error when there is no --state or writing fails.
  void save() const;
  const std::string& state_file() const { return state_file_; }

  // A validator throws std::invalid_argument("entra.principals[0].tenant: expected ...").
  void add_validator(std::function<void(const json& state)> validator);
  // Runs every validator over the seed and the current state; throws std::invalid_argument.
  void validate() const;

  // Tokens: HS256 with a per-state random key (kept in --state, so tokens outlive restarts).
  std::string sign_token(const json& claims) const;
  // Validates signature, expiry and audience (one of `audiences`, trailing '/' ignored). On
  // failure answers 401 in the shape of ex.family's service (see send_unauthorized) and
  // returns nullopt; on success returns the token's claims (tid, appid, oid, ...).
  std::optional<json> check_bearer(Exchange& ex, std::initializer_list<std::string_view> audiences);
  std::optional<json> check_bearer(Exchange& ex, std::string_view audience) { return check_bearer(ex, {audience}); }
  // The tenant Key Vault challenges and managed identity default to: entra.default_tenant,
  // else the first principal's tenant, else a fixed GUID (docs/simulator.md).
  std::string default_tenant() const;

  // Faults.
  json add_fault(const json& spec);  // returns the stored rule with its id
  json faults() const;
  void clear_faults();

  // Request log (control paths under /_sim are not logged).
  json requests(const std::string& method, const std::string& path_regex) const;
  void clear_requests();

  static constexpr std::size_t max_log_entries = 10000;

 private:
  struct Route {
    std::string method;
    std::regex pattern;
    Handler handler;
  };
  void dispatch(Exchange& ex);
  std::optional<Fault> take_fault(const std::string& method, const std::string& path);
  void answer_fault(Exchange& ex, const Fault& fault);
  void persist_locked() const;
  void write_state_file() const;
  void load_state_file();

  std::vector<Route> routes_;
  std::vector<std::function<void(const json&)>> validators_;

  mutable std::mutex state_mu_;
  json seed_;
  json state_;
  std::string token_key_;
  std::string state_file_;

  mutable std::mutex faults_mu_;
  std::vector<Fault> faults_;
  int next_fault_id_ = 1;

  mutable std::mutex log_mu_;
  std::deque<json> log_;
};

}  // namespace sim
