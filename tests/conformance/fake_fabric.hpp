#pragma once
// A scripted Fabric API on loopback (cpp-httplib): each rule answers requests whose method
// and path match from its queue of replies (the last one repeats), everything is recorded,
// and Retry-After is always sent as 0 so a test does not sleep the spec's 30 seconds.
#include <httplib.h>

#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace conformance {

struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;  // JSON text
};

struct Seen {
  std::string method;
  std::string path;  // decoded, as httplib gives it
  std::multimap<std::string, std::string> query;
  std::string body;
  bool matched = false;  // a rule answered it
};

class FakeFabric {
 public:
  FakeFabric();
  ~FakeFabric();
  FakeFabric(const FakeFabric&) = delete;
  FakeFabric& operator=(const FakeFabric&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // path_regex is matched against the whole decoded path ("/fabric/v1/workspaces"). A rule
  // for next pages (continuation) answers only requests with ?continuationToken=, the
  // others only requests without it.
  void script(const std::string& method, const std::string& path_regex, std::vector<Reply> replies,
              bool continuation = false);
  void reset();  // rules and the record
  std::vector<Seen> requests();

 private:
  struct Rule {
    std::string method;
    std::regex path;
    std::vector<Reply> replies;
    bool continuation = false;
    std::size_t next = 0;
  };
  void handle(const httplib::Request& req, httplib::Response& res);
  httplib::Server svr_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Rule> rules_;
  std::vector<Seen> seen_;
};

}  // namespace conformance
