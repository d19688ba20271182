// The transport: one curl multi handle drives every request (single ones are a batch of
// one), so its connection cache keeps connections alive per host across all of them.
#include "bindings/http/client.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bindings/http/trace.hpp"
#include "bindings/http/url.hpp"
#include "tarn/output.hpp"
#include "tarn/runtime.hpp"

namespace tarn::http {
namespace {

double monotonic() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " '" + path + "': " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string new_request_id() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("the system's random source failed (OpenSSL RAND_bytes)");
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

bool valid_method(const std::string& m) {
  return !m.empty() && m.size() <= 16 &&
         std::all_of(m.begin(), m.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool valid_header(const std::string& name, const std::string& value) {
  auto bad_name = [](char c) { return c <= ' ' || c == ':' || c == 127; };
  auto bad_value = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
  return !name.empty() && std::none_of(name.begin(), name.end(), bad_name) &&
         std::none_of(value.begin(), value.end(), bad_value);
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto& headers = *static_cast<Headers*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    headers.clear();  // a new response (after 100 Continue or a proxy's CONNECT reply)
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    auto [it, fresh] = headers.try_emplace(name, value);
    if (!fresh) (it->second += ", ") += value;
  }
  return size * n;
}

std::string request_id_of(const Headers& h) {
  for (const char* name : {"x-ms-request-id", "requestid", "request-id", "x-request-id"})
    if (auto v = header(h, name)) return *v;
  return {};
}

struct Classified {
  retry::Transport transport;
  std::string code;     // the error value's code
  std::string message;
};

Classified classify(CURL* easy, CURLcode code, const char* detail) {
  curl_off_t request_size = 0, pretransfer = 0;
  curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_size);
  curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
  bool sent = request_size > 0 || pretransfer > 0;
  std::string text = (detail != nullptr && *detail != '\0') ? detail : curl_easy_strerror(code);
  using retry::Transport;
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      return {Transport::not_sent, "connect", "could not connect: " + text};
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      // Not retried: an unknown name is far more often a wrong vault or account name than
      // a passing resolver failure, and waiting would only delay saying so.
      return {Transport::fatal, "dns", "cannot resolve host: " + text};
    case CURLE_OPERATION_TIMEDOUT:
      return {sent ? Transport::after_send : Transport::not_sent, "timeout",
              sent ? "timed out waiting for the response: " + text : "timed out connecting: " + text};
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return {sent ? Transport::after_send : Transport::not_sent, "connection_lost", "connection lost: " + text};
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
      return {Transport::fatal, "tls",
              "TLS verification failed: " + text +
                  " (a server certificate from a private CA needs --ca-file or TARN_CA_BUNDLE)"};
    default:
      return {Transport::fatal, "transport", text};
  }
}

// The debug/trace sinks of a runtime: plain lines on stderr, or JSON lines with --json.
void emit(bool json, std::string_view text) {
  if (!json) {
    output::write(stderr, text);
    return;
  }
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string msg(text);
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  nlohmann::json line = {{"time", ts}, {"level", "debug"}, {"message", msg}};
  output::write(stderr, line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace

ServiceError Response::error() const {
  std::string code, message, rid = request_id;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object()) {
    auto str = [](const nlohmann::json& o, const char* k) {
      auto it = o.find(k);
      return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (auto e = j.find("error"); e != j.end() && e->is_object()) {  // ARM, Key Vault, Storage
      code = str(*e, "code");
      message = str(*e, "message");
    } else if (e != j.end() && e->is_string()) {  // Entra / IMDS token endpoints
      code = e->get<std::string>();
      message = str(j, "error_description");
    } else {  // Fabric
      code = str(j, "errorCode");
      message = str(j, "message");
    }
    if (rid.empty()) rid = str(j, "requestId");
  }
  if (code.empty())
    for (const char* h : {"x-ms-error-code", "x-ms-public-api-error-code"})
      if (auto v = header(headers, h); v && code.empty()) code = *v;
  if (message.empty()) {
    message = "HTTP " + std::to_string(status);
    if (*reason_phrase(status) != '\0') message += std::string(" ") + reason_phrase(status);
  }
  ServiceError e("http", message);
  e.with("status", std::to_string(status));
  if (!code.empty()) e.with("code", code);
  if (!rid.empty()) e.with("request_id", rid);
  e.with("url", url);
  return e;
}

struct Client::Transfer {
  Request req;
  retry::Policy policy;
  std::string display_url;   // credential parameters masked
  std::string client_request_id;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  Response resp;
  int attempts = 0;
  bool reauthorized = false;
  bool running = false;
  bool done = false;
  double first_start = 0, attempt_start = 0, next_at = 0;
  std::optional<Result> result;
};

Client::Client(Config config) : config_(std::move(config)), rng_(std::random_device{}()) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (!config_.ca_file.empty()) {
    // CURLOPT_CAINFO would replace the system bundle; a blob of both adds the file to it.
    std::string extra = read_file(config_.ca_file, "the CA file (--ca-file / TARN_CA_BUNDLE)");
    if (extra.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      throw std::runtime_error("the CA file '" + config_.ca_file +
                               "' (--ca-file / TARN_CA_BUNDLE) holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
    std::string system_bundle;
    CURL* probe = curl_easy_init();
    char* def = nullptr;
    if (probe != nullptr && curl_easy_getinfo(probe, CURLINFO_CAINFO, &def) == CURLE_OK && def != nullptr) {
      std::ifstream in(def, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      system_bundle = ss.str();
    }
    if (probe != nullptr) curl_easy_cleanup(probe);
    ca_blob_ = system_bundle + "\n" + extra + "\n";
  }
  multi_ = curl_multi_init();
  share_ = curl_share_init();
  if (multi_ == nullptr || share_ == nullptr) throw std::runtime_error("cannot initialise libcurl");
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, 64L);
}

Client::~Client() {
  for (CURL* e : idle_) curl_easy_cleanup(e);
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
  if (share_ != nullptr) curl_share_cleanup(share_);
}

CURL* Client::take_handle() {
  if (!idle_.empty()) {
    CURL* e = idle_.back();
    idle_.pop_back();
    return e;
  }
  CURL* e = curl_easy_init();
  if (e == nullptr) throw std::bad_alloc();
  return e;
}

void Client::give_back(CURL* easy) {
  curl_easy_reset(easy);
  idle_.push_back(easy);
}

double Client::random01() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }

void Client::start(Transfer& t) {
  t.attempts++;
  t.resp.headers.clear();
  t.resp.body.clear();
  t.error[0] = '\0';
  if (t.req.auth) t.req.auth->authorize(t.req);
  for (const auto& [name, value] : t.req.headers)
    if (!valid_header(name, value))
      throw std::invalid_argument("invalid HTTP header '" + name + "': names are tokens, values have no line breaks");
  CURL* e = t.easy = take_handle();
  curl_easy_setopt(e, CURLOPT_URL, t.req.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca_blob_.empty()) {
    curl_blob blob{ca_blob_.data(), ca_blob_.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
  }
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_SHARE, share_);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout * 1000));
  double timeout = t.req.timeout > 0 ? t.req.timeout : config_.timeout;
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout * 1000));
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, config_.low_speed_time);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "tarn/" TARN_VERSION);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t.resp.body);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t.resp.headers);
  const std::string& m = t.req.method;
  if (m == "GET" && t.req.body.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (m == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.req.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.req.body.size()));
    if (m != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m.c_str());
  }
  // libcurl silently resends a request whose reused connection died without an answer:
  // right for a keep-alive connection the server had closed, but for a POST the server may
  // have received, a blind retry. A fresh connection leaves that decision to the policy.
  if (!retry::idempotent(m)) curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_slist_free_all(t.header_list);
  t.header_list = nullptr;
  auto add = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(t.header_list, line.c_str());
    if (next == nullptr) throw std::bad_alloc();
    t.header_list = next;
  };
  // No "Expect: 100-continue" round trip before bodies; the same client request id on every retry.
  add("Expect:");
  if (!header(t.req.headers, "x-ms-client-request-id")) add("x-ms-client-request-id: " + t.client_request_id);
  for (const auto& [name, value] : t.req.headers) add(value.empty() ? name + ";" : name + ": " + value);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.header_list);
  if (config_.trace) {
    Headers shown = t.req.headers;
    shown.try_emplace("x-ms-client-request-id", t.client_request_id);
    config_.trace(trace::request(m, t.req.url, shown, t.req.body.size(), t.attempts));
  }
  t.attempt_start = monotonic();
  if (t.attempts == 1) t.first_start = t.attempt_start;
  CURLMcode mc = curl_multi_add_handle(multi_, e);
  if (mc != CURLM_OK) throw std::runtime_error(std::string("libcurl: ") + curl_multi_strerror(mc));
  t.running = true;
}

void Client::finish(Transfer& t, CURLcode code) {
  double now = monotonic();
  CURL* e = t.easy;
  curl_multi_remove_handle(multi_, e);
  t.running = false;
  t.easy = nullptr;
  retry::Attempt a;
  a.method = t.req.method;
  a.attempts = t.attempts;
  a.elapsed = now - t.first_start;
  Classified failure{retry::Transport::none, "", ""};
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    a.status = t.resp.status = static_cast<int>(status);
    a.headers = &t.resp.headers;
    t.resp.request_id = request_id_of(t.resp.headers);
    if (config_.trace)
      config_.trace(trace::response(a.status, now - t.attempt_start, t.resp.request_id, t.resp.headers));
  } else {
    failure = classify(e, code, t.error);
    a.transport = failure.transport;
    a.error = failure.message;
    if (config_.trace) config_.trace(trace::failure(now - t.attempt_start, failure.message));
  }
  give_back(e);

  if (code == CURLE_OK && t.resp.status == 401 && t.req.auth && !t.reauthorized) {
    t.reauthorized = true;
    t.resp.url = t.display_url;  // the authorizer checks a challenge against the request's host
    if (t.req.auth->refresh(t.resp)) {
      if (config_.debug) config_.debug("http: " + t.req.method + " " + t.display_url + ": HTTP 401; signing in again and resending\n");
      t.next_at = now;
      t.attempts--;  // the re-authorized resend is not a retry of the policy's
      return;
    }
  }
  retry::Decision d = retry::decide(t.policy, a, random01(), std::time(nullptr));
  if (d.retry) {
    if (config_.debug)
      config_.debug("http: " + t.req.method + " " + t.display_url + ": " + d.reason + "; retrying in " +
                    seconds_text(d.delay) + " (attempt " + std::to_string(t.attempts + 1) + " of " +
                    std::to_string(t.policy.max_attempts) + ")\n");
    t.next_at = now + d.delay;
    return;
  }
  t.done = true;
  bool noteworthy = (t.attempts > 1 && d.reason.find("giving up") != std::string::npos) ||
                    d.reason.find("not retried") != std::string::npos;
  if (config_.debug && noteworthy)
    config_.debug("http: " + t.req.method + " " + t.display_url + ": " + d.reason + "\n");
  if (code == CURLE_OK) {
    t.resp.url = t.display_url;
    t.resp.duration = now - t.first_start;
    t.resp.attempts = t.attempts;
    t.result.emplace(std::in_place_index<0>, std::move(t.resp));
    return;
  }
  std::string msg = t.req.method + " " + t.display_url + ": " + failure.message;
  if (t.attempts > 1) msg += " (after " + std::to_string(t.attempts) + " attempts)";
  ServiceError err("http", msg);
  err.with("code", failure.code).with("url", t.display_url);
  t.result.emplace(std::in_place_index<1>, std::move(err));
}

Response Client::send(Request request) {
  std::vector<Request> one;
  one.push_back(std::move(request));
  auto results = send_all(std::move(one), 1);
  if (auto* err = std::get_if<ServiceError>(&results[0])) throw *err;
  return std::move(std::get<Response>(results[0]));
}

std::vector<Client::Result> Client::send_all(std::vector<Request> requests, std::size_t max_in_flight) {
  if (max_in_flight == 0) max_in_flight = config_.max_in_flight;
  std::vector<Transfer> ts(requests.size());
  // Whatever happens (Ctrl-C, an exception from an authorizer), no handle stays in the multi.
  struct Cleanup {
    Client& c;
    std::vector<Transfer>& ts;
    ~Cleanup() {
      for (auto& t : ts) {
        if (t.easy != nullptr) {
          curl_multi_remove_handle(c.multi_, t.easy);  // harmless when it was never added
          c.give_back(t.easy);
        }
        curl_slist_free_all(t.header_list);
      }
    }
  } cleanup{*this, ts};
  std::size_t pending = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    Transfer& t = ts[i];
    t.req = std::move(requests[i]);
    if (!valid_method(t.req.method))
      throw std::invalid_argument("invalid HTTP method '" + t.req.method + "' (expected GET, POST, PUT, PATCH, DELETE, ...)");
    t.policy = config_.policy;
    if (t.req.max_attempts) t.policy.max_attempts = *t.req.max_attempts;
    if (t.req.time_budget) t.policy.time_budget = *t.req.time_budget;
    t.display_url = redact_url(t.req.url);
    t.client_request_id = new_request_id();
    try {
      check_url(t.req.url);
      ++pending;
    } catch (const ServiceError& e) {
      t.done = true;
      t.result.emplace(std::in_place_index<1>, e);
    }
  }
  std::size_t in_flight = 0;
  auto interrupted = [] {
    interrupt::clear();
    return Interrupted();
  };
  while (pending > 0) {
    if (interrupt::pending()) throw interrupted();
    double now = monotonic();
    double next_wake = -1;
    for (auto& t : ts) {
      if (t.done || t.running) continue;
      if (t.next_at <= now && in_flight < max_in_flight) {
        try {
          start(t);
          ++in_flight;
        } catch (const ServiceError& e) {  // the authorizer could not get a token
          t.done = true;
          t.result.emplace(std::in_place_index<1>, e);
          --pending;
        }
      } else if (t.next_at > now && (next_wake < 0 || t.next_at < next_wake)) {
        next_wake = t.next_at;
      }
    }
    if (in_flight == 0) {
      if (pending > 0 && next_wake > now && !interrupt::sleep(next_wake - now)) throw interrupted();
      continue;
    }
    int running = 0;
    CURLMcode mc = curl_multi_perform(multi_, &running);
    if (mc != CURLM_OK) throw std::runtime_error(std::string("libcurl: ") + curl_multi_strerror(mc));
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      CURLcode result = msg->data.result;
      finish(*t, result);
      --in_flight;
      if (t->done) --pending;
    }
    if (in_flight > 0) {
      // Short slices, so Ctrl-C and retry timers are noticed promptly.
      int wait_ms = 50;
      if (next_wake > 0) wait_ms = std::clamp(static_cast<int>((next_wake - monotonic()) * 1000), 0, 50);
      curl_multi_poll(multi_, nullptr, 0, wait_ms, nullptr);
    }
  }
  std::vector<Result> out;
  out.reserve(ts.size());
  for (auto& t : ts) out.push_back(std::move(*t.result));
  return out;
}

Client& Client::of(lua_State* L) {
  static const char* const key = "tarn.http.Client";
  const Runtime& rt = Runtime::of(L);
  Client* client = nullptr;
  if (lua_getfield(L, LUA_REGISTRYINDEX, key) == LUA_TUSERDATA) {
    client = *static_cast<Client**>(lua_touserdata(L, -1));
    lua_pop(L, 1);
  } else {
    lua_pop(L, 1);
    Config config;
    config.policy = retry::policy_from_env();
    const auto& settings = rt.options().settings;
    if (auto it = settings.find("ca_file"); it != settings.end() && !it->second.empty())
      config.ca_file = it->second;
    else if (const char* env = std::getenv("TARN_CA_BUNDLE"); env != nullptr && *env != '\0')
      config.ca_file = env;
    auto** box = static_cast<Client**>(lua_newuserdatauv(L, sizeof(Client*), 0));
    *box = nullptr;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, [](lua_State* S) -> int {
      auto** b = static_cast<Client**>(lua_touserdata(S, 1));
      delete *b;
      *b = nullptr;
      return 0;
    });
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    *box = client = new Client(std::move(config));
    lua_setfield(L, LUA_REGISTRYINDEX, key);
  }
  // Follow the log level (log.set_level may change it) and --debug on every use.
  lua_getfield(L, LUA_REGISTRYINDEX, "tarn.log.level");
  bool debug = lua_isinteger(L, -1) ? lua_tointeger(L, -1) >= 3 : rt.options().verbosity >= 1;
  lua_pop(L, 1);
  bool json = rt.options().json;
  if (debug)
    client->config_.debug = [json](std::string_view text) {
      if (json) emit(true, text);
      else emit(false, "debug: " + std::string(text));
    };
  else
    client->config_.debug = nullptr;
  if (rt.options().verbosity >= 2)
    client->config_.trace = [json](std::string_view text) { emit(json, text); };
  else
    client->config_.trace = nullptr;
  return *client;
}

}  // namespace tarn::http
