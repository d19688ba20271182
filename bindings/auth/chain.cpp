#include "bindings/auth/chain.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace tarn::auth {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string time_text(double t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string joined_names() {
  std::string out;
  for (const auto& n : method_names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::string_view name_of(Method m) {
  switch (m) {
    case Method::token: return "token";
    case Method::env: return "env";
    case Method::managed_identity: return "managed-identity";
    case Method::azure_cli: return "azure-cli";
    case Method::azd: return "azd";
  }
  return "?";
}

const std::vector<std::string>& method_names() {
  static const std::vector<std::string> names = {"token", "env", "managed-identity", "azure-cli", "azd"};
  return names;
}

Method parse_method(std::string_view name, std::string_view source) {
  for (Method m : {Method::token, Method::env, Method::managed_identity, Method::azure_cli, Method::azd})
    if (name == name_of(m)) return m;
  std::string from = source.empty() ? "" : " (from " + std::string(source) + ")";
  throw std::invalid_argument("unknown sign-in method '" + std::string(name) + "'" + from + ": known methods are " +
                              joined_names());
}

std::vector<Candidate> plan(const Env& env, const std::string& forced, const std::string& forced_source) {
  std::vector<Candidate> all;
  all.push_back({Method::token, "token", env("TARN_ACCESS_TOKEN") ? "" : "TARN_ACCESS_TOKEN is not set"});
  EnvConfig e = env_config(env);
  all.push_back({Method::env, e.kind, e.why_not});
  ManagedIdentityConfig mi = managed_identity_config(env);
  all.push_back({Method::managed_identity, mi.kind, mi.why_not});
  all.push_back({Method::azure_cli, "azure-cli", ""});
  all.push_back({Method::azd, "azd", ""});
  if (forced.empty()) return all;
  Method m = parse_method(forced, forced_source);
  for (const auto& c : all)
    if (c.method == m) return {c};
  return {};
}

bool tenant_allowed(const Credential& c, const std::string& tenant, const Env& env) {
  if (!c.switches_tenant()) return false;
  std::string home = c.home_tenant();
  if (home.empty() || iequals(home, tenant)) return true;
  std::string list = env("AZURE_ADDITIONALLY_ALLOWED_TENANTS").value_or("");
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find_first_of(";,", start);
    if (end == std::string::npos) end = list.size();
    std::string item = list.substr(start, end - start);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.erase(item.begin());
    if (item == "*" || (!item.empty() && iequals(item, tenant))) return true;
    start = end + 1;
  }
  return false;
}

Chain::Chain(Context ctx, std::string forced, std::string forced_source)
    : ctx_(std::move(ctx)), forced_(std::move(forced)), forced_source_(std::move(forced_source)), cache_(ctx_.clock) {}

void Chain::debug(const std::string& line) const {
  if (ctx_.debug) ctx_.debug(line + "\n");
}

std::unique_ptr<Credential> Chain::make(const Candidate& c) {
  switch (c.method) {
    case Method::token: return make_static_token(ctx_);
    case Method::env: return make_env_credential(ctx_);
    case Method::managed_identity: return make_managed_identity(ctx_);
    case Method::azure_cli:
    case Method::azd: return make_cli_credential(ctx_, c.method);
  }
  throw std::logic_error("unknown sign-in method");
}

AccessToken Chain::token(const std::string& scope, const std::string& tenant) {
  if (auto cached = cache_.find(tenant, scope)) return *cached;
  std::string in_tenant = tenant.empty() ? "" : " in tenant " + tenant;
  AccessToken t;
  if (current_) {
    std::string name(name_of(current_->method()));
    try {
      t = current_->get(scope, tenant);
    } catch (const Unavailable& e) {
      throw ServiceError("auth", name + ": " + e.what()).with("code", "unavailable").with("method", name);
    }
  } else {
    std::vector<Candidate> steps;
    try {
      steps = plan(ctx_.env, forced_, forced_source_);
    } catch (const std::invalid_argument& e) {
      throw ServiceError("auth", e.what()).with("code", "unknown_method");
    }
    std::vector<std::string> said;
    for (const auto& c : steps) {
      std::string name(name_of(c.method));
      std::string reason = c.skip;
      if (reason.empty()) {
        try {
          auto credential = make(c);
          t = credential->get(scope, tenant);
          current_ = std::move(credential);
          break;
        } catch (const Unavailable& e) {
          reason = e.what();
        }
      }
      debug("auth: " + name + " cannot sign in here: " + reason);
      said.push_back(name + ": " + reason);
    }
    if (!current_) {
      if (!forced_.empty())
        throw ServiceError("auth", "cannot sign in with " + forced_ + " (chosen by " + forced_source_ + "): " +
                                       (said.empty() ? std::string("no reason given") : said.front().substr(forced_.size() + 2)))
            .with("code", "unavailable")
            .with("method", forced_);
      std::string lines;
      for (const auto& s : said) lines += "\n  " + s;
      throw ServiceError("auth", "no sign-in method worked for " + scope + in_tenant + "; each said:" + lines +
                                     "\n(choose one with --auth METHOD or TARN_AUTH; see docs/api/auth.md)")
          .with("code", "no_credential");
    }
    debug("auth: signed in with " + std::string(name_of(current_->method())) + " (" + current_->kind() + ")");
  }
  debug("auth: new token for " + scope + in_tenant +
        (t.expires_on > 0 ? ", expires " + time_text(t.expires_on) : ", expiry unknown"));
  cache_.put(tenant, scope, t);
  return t;
}

void Chain::drop(const std::string& scope, const std::string& tenant) { cache_.drop(tenant, scope); }

bool Chain::allows_tenant(const std::string& tenant) const {
  return current_ && tenant_allowed(*current_, tenant, ctx_.env);
}

}  // namespace tarn::auth
