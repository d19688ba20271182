// The core every service builds on: dispatch, state store, faults, request log, tokens.
#include "sim/server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "sim/families.hpp"
#include "sim/jwt.hpp"

namespace sim {
namespace {

constexpr const char* kDefaultTenant = "00000000-0000-4000-8000-000000000001";
constexpr const char* kStateFormat = "tarn-sim-state";

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("the system's random source failed (OpenSSL RAND_bytes)");
  return out;
}

std::string format_uuid(const unsigned char* b) {
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string uuid_of(std::string bytes) {
  auto* b = reinterpret_cast<unsigned char*>(bytes.data());
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return format_uuid(b);
}

int port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return -1;
}

// Calls `fn(fd)` for each connected TCP socket of this process whose local port and peer
// port match (peer_port -1: any); httplib hands handlers no socket, so they are found here.
template <class F>
int for_each_connection(int local_port, int peer_port, F fn) {
  int n = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = -1;
    try {
      fd = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    if (port_of(local) != local_port || (peer_port != -1 && port_of(peer) != peer_port)) continue;
    fn(fd);
    ++n;
  }
  return n;
}

// httplib cannot close a connection without answering. The request's socket is shut down
// instead; httplib's own write of the response then fails and it closes the socket, so the
// client sees the connection end with no response bytes.
bool drop_connection(const httplib::Request& req) {
  return for_each_connection(req.local_port, req.remote_port, [](int fd) { ::shutdown(fd, SHUT_RDWR); }) > 0;
}

}  // namespace

int shutdown_connections(int local_port) {
  return for_each_connection(local_port, -1, [](int fd) { ::shutdown(fd, SHUT_RDWR); });
}

namespace {

std::string strip_slash(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

// ---- small shared helpers ----------------------------------------------------------------

Family family_for_path(std::string_view path) {
  auto first = [&](std::string_view seg) {
    return path.substr(0, seg.size()) == seg && (path.size() == seg.size() || path[seg.size()] == '/');
  };
  if (first("/entra")) return Family::entra;
  if (first("/imds") || first("/msi")) return Family::imds;
  if (first("/fabric")) return Family::fabric;
  if (first("/arm")) return Family::arm;
  if (first("/keyvault")) return Family::keyvault;
  if (first("/dfs")) return Family::adls;
  return Family::sim;
}

std::string_view family_name(Family family) {
  switch (family) {
    case Family::entra: return "entra";
    case Family::imds: return "imds";
    case Family::fabric: return "fabric";
    case Family::arm: return "arm";
    case Family::keyvault: return "keyvault";
    case Family::adls: return "adls";
    case Family::sim: break;
  }
  return "sim";
}

std::string new_uuid() { return uuid_of(random_bytes(16)); }

std::string uuid_from(std::string_view seed) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(seed.data(), seed.size(), md, &n, EVP_sha256(), nullptr);
  return uuid_of(std::string(reinterpret_cast<const char*>(md), 16));
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string iso_time(std::chrono::system_clock::time_point t, bool with_millis) {
  auto since = t.time_since_epoch();
  std::time_t secs = static_cast<std::time_t>(std::chrono::duration_cast<std::chrono::seconds>(since).count());
  long ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(since).count() % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (with_millis) std::snprintf(buf + n, sizeof buf - n, ".%03ldZ", ms);
  else std::snprintf(buf + n, sizeof buf - n, "Z");
  return buf;
}

// ---- shape checks ------------------------------------------------------------------------

namespace shape {

void object(const json& v, const std::string& where) {
  if (!v.is_object()) throw std::invalid_argument(where + ": expected an object, got " + v.type_name());
}

void array(const json& v, const std::string& where) {
  if (!v.is_array()) throw std::invalid_argument(where + ": expected an array, got " + v.type_name());
}

void keys(const json& obj, const std::string& where, std::initializer_list<std::string_view> known) {
  for (const auto& item : obj.items()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || item.key() == k;
    if (ok) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    throw std::invalid_argument(where + ": unknown field '" + item.key() + "'; expected one of " + list);
  }
}

void string_field(const json& obj, std::string_view key, const std::string& where, bool required) {
  std::string k(key);
  if (!obj.contains(k)) {
    if (required) throw std::invalid_argument(where + "." + k + ": required, expected a string");
    return;
  }
  if (!obj[k].is_string() || (required && obj[k].get_ref<const std::string&>().empty()))
    throw std::invalid_argument(where + "." + k + ": expected a non-empty string");
}

void int_field(const json& obj, std::string_view key, const std::string& where, long long min) {
  std::string k(key);
  if (!obj.contains(k)) return;
  if (!obj[k].is_number_integer() || obj[k].get<long long>() < min)
    throw std::invalid_argument(where + "." + k + ": expected an integer >= " + std::to_string(min));
}

}  // namespace shape

// ---- Exchange ----------------------------------------------------------------------------

std::string Exchange::base_url() const {
  std::string host = req.get_header_value("Host");
  if (host.empty()) {
    bool v6 = req.local_addr.find(':') != std::string::npos;
    host = (v6 ? "[" + req.local_addr + "]" : req.local_addr) + ":" + std::to_string(req.local_port);
  }
  return scheme + "://" + host;
}

std::string Exchange::raw_query() const {
  std::size_t q = req.target.find('?');
  return q == std::string::npos ? std::string() : req.target.substr(q + 1);
}

void Exchange::reply(int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json; charset=utf-8");
}

// ---- Sim: construction and state ---------------------------------------------------------

Sim::Sim(Options options) : seed_(std::move(options.seed)), state_file_(std::move(options.state_file)) {
  if (!seed_.is_object()) throw std::runtime_error("the seed must be a JSON object");
  state_ = seed_;
  token_key_ = random_bytes(32);
  load_state_file();
}

void Sim::load_state_file() {
  if (state_file_.empty()) return;
  std::ifstream in(state_file_, std::ios::binary);
  if (!in) {
    if (std::filesystem::exists(state_file_)) throw std::runtime_error("--state " + state_file_ + ": cannot be read");
    return;  // first run: the file appears on the first save
  }
  std::stringstream text;
  text << in.rdbuf();
  json doc;
  try {
    doc = json::parse(text.str());
  } catch (const json::parse_error& e) {
    throw std::runtime_error("--state " + state_file_ + ": not valid JSON (" + e.what() + ")");
  }
  std::optional<std::string> key;
  if (doc.is_object() && doc.value("format", "") == kStateFormat && doc.contains("state") && doc["state"].is_object() &&
      doc.contains("token_key") && doc["token_key"].is_string())
    key = jwt::b64url_decode(doc["token_key"].get<std::string>());
  if (!key || key->size() < 32)
    throw std::runtime_error("--state " + state_file_ +
                             ": not a tarn-sim state file (expected {\"format\":\"tarn-sim-state\",\"token_key\":...,"
                             "\"state\":{...}}); move it away or name another file");
  state_ = std::move(doc["state"]);
  token_key_ = std::move(*key);
}

void Sim::write_state_file() const {
  json doc = {{"format", kStateFormat}, {"version", 1}, {"token_key", jwt::b64url_encode(token_key_)}, {"state", state_}};
  std::string text = doc.dump(2) + "\n";
  std::string tmp = state_file_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);  // it holds seeded secrets
  if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      throw std::runtime_error("cannot write " + tmp + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (std::rename(tmp.c_str(), state_file_.c_str()) != 0)
    throw std::runtime_error("cannot replace " + state_file_ + ": " + std::strerror(errno));
}

void Sim::persist_locked() const {
  if (state_file_.empty()) return;
  try {
    write_state_file();
  } catch (const std::exception& e) {
    std::cerr << "tarn-sim: could not save state: " << e.what() << std::endl;
  }
}

void Sim::save() const {
  if (state_file_.empty()) throw std::runtime_error("tarn-sim was started without --state, so there is nowhere to save");
  std::lock_guard lock(state_mu_);
  write_state_file();
}

json Sim::setting(const std::string& pointer, json fallback) const {
  json::json_pointer ptr(pointer);
  std::lock_guard lock(state_mu_);
  if (!state_.contains(ptr) || state_[ptr].is_null()) return fallback;
  return state_[ptr];
}

json Sim::state() const {
  std::lock_guard lock(state_mu_);
  return state_;
}

void Sim::reset() {
  std::lock_guard lock(state_mu_);
  state_ = seed_;
  persist_locked();
}

void Sim::merge(const json& patch) {
  if (!patch.is_object()) throw std::invalid_argument("expected a JSON object to merge into the state");
  std::lock_guard lock(state_mu_);
  json candidate = state_;
  candidate.merge_patch(patch);
  for (const auto& v : validators_) v(candidate);
  state_ = std::move(candidate);
  persist_locked();
}

void Sim::add_validator(std::function<void(const json&)> validator) { validators_.push_back(std::move(validator)); }

void Sim::validate() const {
  std::lock_guard lock(state_mu_);
  for (const auto& v : validators_) {
    try {
      v(seed_);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("seed: ") + e.what());
    }
    try {
      v(state_);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("state: ") + e.what());
    }
  }
}

// ---- Sim: tokens -------------------------------------------------------------------------

std::string Sim::sign_token(const json& claims) const { return jwt::sign_hs256(claims, token_key_); }

std::optional<json> Sim::check_bearer(Exchange& ex, std::initializer_list<std::string_view> audiences) {
  AuthProblem problem{AuthProblem::missing, "", audiences.size() ? std::string(*audiences.begin()) : std::string()};
  auto refuse = [&](AuthProblem::Kind kind) -> std::optional<json> {
    problem.kind = kind;
    send_unauthorized(ex, problem);
    return std::nullopt;
  };
  std::string auth = ex.req.get_header_value("Authorization");
  if (auth.size() < 7 || strncasecmp(auth.c_str(), "Bearer ", 7) != 0) return refuse(AuthProblem::missing);
  std::string_view text(auth);
  text.remove_prefix(7);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  auto token = jwt::parse(text);
  if (!token) return refuse(AuthProblem::malformed);
  if (!jwt::verify_hs256(*token, token_key_)) return refuse(AuthProblem::bad_signature);
  const json& claims = token->payload;
  if (!claims.contains("exp") || !claims["exp"].is_number() || !claims.contains("aud") || !claims["aud"].is_string())
    return refuse(AuthProblem::malformed);
  std::int64_t now = unix_now();
  problem.expired_at = claims["exp"].get<std::int64_t>();
  if (now >= problem.expired_at) return refuse(AuthProblem::expired);
  if (claims.contains("nbf") && claims["nbf"].is_number() && claims["nbf"].get<std::int64_t>() > now)
    return refuse(AuthProblem::not_yet_valid);
  problem.detail = claims["aud"].get<std::string>();
  bool audience_ok = false;
  for (std::string_view a : audiences) audience_ok = audience_ok || strip_slash(problem.detail) == strip_slash(a);
  if (!audience_ok) return refuse(AuthProblem::wrong_audience);
  return claims;
}

std::string Sim::default_tenant() const {
  std::lock_guard lock(state_mu_);
  const json* entra = state_.contains("entra") ? &state_["entra"] : nullptr;
  if (entra && entra->is_object()) {
    if (entra->contains("default_tenant") && (*entra)["default_tenant"].is_string())
      return (*entra)["default_tenant"].get<std::string>();
    if (entra->contains("principals") && (*entra)["principals"].is_array() && !(*entra)["principals"].empty() &&
        (*entra)["principals"][0].is_object() && (*entra)["principals"][0].value("tenant", "") != "")
      return (*entra)["principals"][0]["tenant"].get<std::string>();
  }
  return kDefaultTenant;
}

// ---- Sim: routing ------------------------------------------------------------------------

void Sim::route(std::string method, const std::string& pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), std::regex(pattern), std::move(handler)});
}

void Sim::attach(httplib::Server& server, const std::string& scheme) {
  auto h = [this, scheme](const httplib::Request& req, httplib::Response& res) { handle(req, res, scheme); };
  server.Get(".*", h);  // httplib routes HEAD through its GET handlers
  server.Post(".*", h);
  server.Put(".*", h);
  server.Patch(".*", h);
  server.Delete(".*", h);
  server.Options(".*", h);
}

void Sim::handle(const httplib::Request& req, httplib::Response& res, const std::string& scheme) {
  auto started = std::chrono::steady_clock::now();
  auto received = std::chrono::system_clock::now();
  Exchange ex{*this, req, res, family_for_path(req.path), scheme, new_uuid(), {}};
  res.set_header(std::string(request_id_header(ex.family)), ex.request_id);
  bool control = ex.family == Family::sim;
  std::optional<Fault> fault = control ? std::nullopt : take_fault(req.method, req.path);
  const char* fault_kind = nullptr;
  // Logged before the client can see the outcome (httplib writes the response after this
  // returns; a drop happens after logging), so the log is complete once a client has its answer.
  auto log = [&](json status) {
    if (control) return;
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    json entry = {{"id", ex.request_id},
                  {"method", req.method},
                  {"path", req.path},
                  {"query", ex.raw_query()},
                  {"status", std::move(status)},
                  {"time", iso_time(received)},
                  {"duration_ms", std::round(ms * 1000) / 1000},
                  {"family", family_name(ex.family)},
                  {"scheme", scheme},
                  {"fault", fault_kind ? json(fault_kind) : json(nullptr)}};
    std::lock_guard lock(log_mu_);
    log_.push_back(std::move(entry));
    if (log_.size() > max_log_entries) log_.pop_front();
  };
  try {
    if (fault && fault->delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
      fault_kind = "delay";
    }
    if (fault && fault->drop) {
      fault_kind = "drop";
      log(nullptr);
      if (!drop_connection(req)) send_error(ex, 500, "InternalError", "tarn-sim could not find the connection to drop");
      return;
    }
    if (fault && fault->status != 0) {
      fault_kind = "status";
      answer_fault(ex, *fault);
    } else {
      dispatch(ex);
    }
  } catch (const std::exception& e) {
    std::cerr << "tarn-sim: " << req.method << " " << req.path << ": " << e.what() << std::endl;
    send_error(ex, 500, status_code_name(ex.family, 500), std::string("tarn-sim failed: ") + e.what());
  }
  log(res.status);
}

void Sim::dispatch(Exchange& ex) {
  const Route* chosen = nullptr;
  const Route* head_fallback = nullptr;
  std::smatch head_match;
  bool path_known = false;
  for (const auto& r : routes_) {
    std::smatch m;
    if (!std::regex_match(ex.req.path, m, r.pattern)) continue;
    path_known = true;
    if (r.method == ex.req.method) {
      chosen = &r;
      ex.match = std::move(m);
      break;
    }
    if (ex.req.method == "HEAD" && r.method == "GET" && !head_fallback) {
      head_fallback = &r;
      head_match = std::move(m);
    }
  }
  if (!chosen && head_fallback) {
    chosen = head_fallback;
    ex.match = std::move(head_match);
  }
  if (chosen) {
    chosen->handler(ex);
    return;
  }
  if (path_known)
    send_error(ex, 405, status_code_name(ex.family, 405),
               "tarn-sim: " + ex.req.method + " is not supported on " + ex.req.path);
  else
    send_error(ex, 404, status_code_name(ex.family, 404),
               "tarn-sim has no route for " + ex.req.method + " " + ex.req.path);
}

}  // namespace sim
