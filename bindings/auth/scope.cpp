#include "bindings/auth/scope.hpp"

#include <cctype>
#include <stdexcept>

namespace tarn::auth {
namespace {

constexpr std::string_view default_suffix = "/.default";

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

const std::vector<std::string>& short_names() {
  static const std::vector<std::string> names = {"fabric", "arm", "keyvault", "storage", "postgres"};
  return names;
}

std::string scope(std::string_view text, const cloud::Scopes& scopes) {
  if (text == "fabric") return scopes.fabric;
  if (text == "arm") return scopes.arm;
  if (text == "keyvault") return scopes.keyvault;
  if (text == "storage") return scopes.storage;
  if (text == "postgres") return scopes.postgres;
  std::string names;
  for (const auto& n : short_names()) names += (names.empty() ? "" : ", ") + n;
  std::string shown(text);
  if (text.empty()) throw std::invalid_argument("empty scope: expected " + names + ", an audience or a .default scope");
  for (char c : text)
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
      throw std::invalid_argument("scope '" + shown + "' holds spaces: ask for one resource at a time");
  auto colon = text.find(':');
  bool uri = colon != std::string_view::npos && colon > 0 && text.front() != '-';
  for (std::size_t i = 0; uri && i < colon; ++i) {
    char c = text[i];
    uri = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  }
  if (!uri)
    throw std::invalid_argument("unknown scope '" + shown + "': expected " + names +
                                ", an audience (https://vault.azure.net) or a scope ending in /.default");
  if (ends_with(text, default_suffix)) return shown;
  std::string s = shown;
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s + std::string(default_suffix);
}

std::string resource_of(std::string_view scope) {
  std::string_view s = scope;
  if (ends_with(s, default_suffix)) s.remove_suffix(default_suffix.size());
  return std::string(s);
}

std::string host_of(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    return std::string(rest.substr(0, close == std::string_view::npos ? rest.size() : close + 1));
  }
  rest = rest.substr(0, rest.find(':'));
  std::string host(rest);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

}  // namespace tarn::auth
