// The Azure CLI (`az account get-access-token`) and the Azure Developer CLI (`azd auth token`):
// the signed-in developer's identity, taken from the tool that holds it.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bindings/auth/credential.hpp"
#include "bindings/auth/process.hpp"
#include "tarn/redact.hpp"

namespace tarn::auth {
namespace {

std::string one_line(std::string s, std::size_t max = 300) {
  for (char& c : s)
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

std::vector<std::string> nonblank_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

// What a failed CLI said: its "ERROR: ..." line, else its last line (stderr before stdout).
std::string complaint(const ProcessResult& r) {
  auto err = nonblank_lines(r.err), out = nonblank_lines(r.out);
  for (const auto* lines : {&err, &out})
    for (const auto& line : *lines)
      if (line.find("ERROR") != std::string::npos) return one_line(line);
  if (!err.empty()) return one_line(err.back());
  if (!out.empty()) return one_line(out.back());
  return "no message";
}

// Digits, letters, '.' and '-' (tenant ids and domain names), not starting with '-'.
bool plain_tenant(const std::string& t) {
  if (t.empty() || t.front() == '-') return false;
  for (char c : t)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-')) return false;
  return true;
}

std::optional<double> posix_seconds(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && *end == '\0' && std::isfinite(v)) return v;
  }
  return std::nullopt;
}

// "2024-05-06 07:08:09.123456" in local time (what az's expiresOn holds).
std::optional<double> local_time(const std::string& s) {
  std::tm tm{};
  double frac = 0;
  int n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &n) != 6)
    return std::nullopt;
  if (s[static_cast<std::size_t>(n)] == '.') frac = std::strtod(s.c_str() + n, nullptr);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_isdst = -1;
  std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<double>(t) + frac;
}

// RFC 3339: "2024-05-06T07:08:09Z", "2024-05-06T07:08:09.1234567+02:00".
std::optional<double> rfc3339(const std::string& s) {
  std::tm tm{};
  int n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &n) != 6)
    return std::nullopt;
  std::size_t i = static_cast<std::size_t>(n);
  double frac = 0;
  if (i < s.size() && s[i] == '.') {
    char* end = nullptr;
    frac = std::strtod(s.c_str() + i, &end);
    i = static_cast<std::size_t>(end - s.c_str());
  }
  long offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int hh = 0, mm = 0;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &hh, &mm) != 2) return std::nullopt;
    offset = (s[i] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm) - offset) + frac;
}

nlohmann::json parse_object(std::string_view out, const char* tool) {
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (!j.is_object())
    throw std::runtime_error(std::string(tool) + " printed no JSON object (got '" + one_line(std::string(out), 80) + "')");
  return j;
}

std::string token_field(const nlohmann::json& j, const char* key, const char* tool) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    throw std::runtime_error(std::string(tool) + " printed JSON without " + key);
  redact::add(it->get_ref<const std::string&>());
  return it->get<std::string>();
}

class CliCredential : public Credential {
 public:
  CliCredential(Context& ctx, Method which) : ctx_(ctx), which_(which) {
    tenant_ = ctx_.env("AZURE_TENANT_ID").value_or("");
  }

  AccessToken get(const std::string& scope, const std::string& tenant) override {
    bool az = which_ == Method::azure_cli;
    const char* tool = az ? "az" : "azd";
    std::string t = tenant.empty() ? tenant_ : tenant;
    if (!t.empty() && !plain_tenant(t))
      throw ServiceError("auth", std::string(name_of(which_)) + ": tenant '" + t +
                                     "' is not a tenant id or domain (letters, digits, '.' and '-')")
          .with("method", std::string(name_of(which_)));
    std::vector<std::string> argv;
    if (az) argv = {"az", "account", "get-access-token", "--output", "json", "--scope", scope};
    else argv = {"azd", "auth", "token", "--output", "json", "--no-prompt", "--scope", scope};
    if (!t.empty()) {
      argv.emplace_back(az ? "--tenant" : "--tenant-id");
      argv.push_back(t);
    }
    std::string command = az ? "az account get-access-token" : "azd auth token";
    ProcessResult r = run_process(argv, ctx_.cli_timeout);
    if (!r.started) throw Unavailable(std::string(tool) + " is not installed (" + r.start_error + ")");
    if (r.timed_out) {
      char secs[16];
      std::snprintf(secs, sizeof secs, "%g", ctx_.cli_timeout);
      throw Unavailable(command + " did not finish within " + secs + " s");
    }
    if (r.exit_code != 0)
      throw Unavailable(command + " failed (exit " + std::to_string(r.exit_code) + "): " + complaint(r));
    try {
      return az ? parse_az_output(r.out, ctx_.clock()) : parse_azd_output(r.out, ctx_.clock());
    } catch (const std::runtime_error& e) {
      throw Unavailable(command + ": " + e.what());
    }
  }

  Method method() const override { return which_; }
  std::string kind() const override { return std::string(name_of(which_)); }
  std::string home_tenant() const override { return tenant_; }

 private:
  Context& ctx_;
  Method which_;
  std::string tenant_;
};

}  // namespace

AccessToken parse_az_output(std::string_view out, double now) {
  auto j = parse_object(out, "az");
  AccessToken t{token_field(j, "accessToken", "az"), 0, now};
  if (auto on = posix_seconds(j, "expires_on")) {
    t.expires_on = *on;
  } else if (auto it = j.find("expiresOn"); it != j.end() && it->is_string()) {
    auto local = local_time(it->get<std::string>());
    if (!local) throw std::runtime_error("az printed an expiresOn that is not a date: '" + it->get<std::string>() + "'");
    t.expires_on = *local;
  }
  return t;
}

AccessToken parse_azd_output(std::string_view out, double now) {
  auto j = parse_object(out, "azd");
  AccessToken t{token_field(j, "token", "azd"), 0, now};
  if (auto it = j.find("expiresOn"); it != j.end() && it->is_string()) {
    auto when = rfc3339(it->get<std::string>());
    if (!when) throw std::runtime_error("azd printed an expiresOn that is not an RFC 3339 time: '" + it->get<std::string>() + "'");
    t.expires_on = *when;
  }
  return t;
}

std::unique_ptr<Credential> make_cli_credential(Context& ctx, Method which) {
  return std::make_unique<CliCredential>(ctx, which);
}

}  // namespace tarn::auth
