#include "tests/conformance/fake_fabric.hpp"

#include <strings.h>

#include <chrono>

namespace conformance {

FakeFabric::FakeFabric() {
  auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  svr_.Get(".*", h);
  svr_.Post(".*", h);
  svr_.Put(".*", h);
  svr_.Patch(".*", h);
  svr_.Delete(".*", h);
  // One request per connection: tarn opens a fresh connection for every POST and PATCH, and
  // idle keep-alive connections would hold httplib's few worker threads for seconds.
  svr_.set_keep_alive_max_count(1);
  port_ = svr_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { svr_.listen_after_bind(); });
  while (!svr_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeFabric::~FakeFabric() {
  svr_.stop();
  thread_.join();
}

void FakeFabric::script(const std::string& method, const std::string& path_regex, std::vector<Reply> replies,
                        bool continuation) {
  std::lock_guard lock(mu_);
  rules_.push_back({method, std::regex(path_regex), std::move(replies), continuation, 0});
}

void FakeFabric::reset() {
  std::lock_guard lock(mu_);
  rules_.clear();
  seen_.clear();
}

std::vector<Seen> FakeFabric::requests() {
  std::lock_guard lock(mu_);
  return seen_;
}

void FakeFabric::handle(const httplib::Request& req, httplib::Response& res) {
  std::lock_guard lock(mu_);
  Seen s{req.method, req.path, {req.params.begin(), req.params.end()}, req.body, false};
  for (auto& rule : rules_) {
    if (rule.method != req.method || !std::regex_match(req.path, rule.path) || rule.replies.empty()) continue;
    if (rule.continuation != req.has_param("continuationToken")) continue;
    const Reply& r = rule.replies[std::min(rule.next, rule.replies.size() - 1)];
    ++rule.next;
    s.matched = true;
    res.status = r.status;
    for (const auto& [name, value] : r.headers)
      res.set_header(name, ::strcasecmp(name.c_str(), "Retry-After") == 0 ? "0" : value);
    if (r.body) res.set_content(*r.body, "application/json");
    seen_.push_back(std::move(s));
    return;
  }
  seen_.push_back(std::move(s));
  res.status = 404;
  res.set_header("x-ms-public-api-error-code", "EntityNotFound");
  res.set_content(R"({"errorCode":"EntityNotFound","message":"the conformance fake has no reply for )" + req.method +
                      " " + req.path + "\"}",
                  "application/json");
}

}  // namespace conformance
