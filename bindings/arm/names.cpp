// Deterministic role assignment names (UUID v5 with OpenSSL's SHA-1) and built-in role ids.
#include "bindings/arm/names.hpp"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <memory>
#include <stdexcept>

namespace tarn::arm {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::array<unsigned char, 16> guid_bytes(std::string_view text) {
  std::string digits;
  for (char c : text)
    if (c != '-') digits += c;
  std::array<unsigned char, 16> out{};
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<unsigned char>(hex_value(digits[2 * i]) * 16 + hex_value(digits[2 * i + 1]));
  return out;
}

// Built-in role definition ids: docs "Azure built-in roles"; the storage ones are also in
// ../shared/reference/azure_rest.md §2.2.
const std::vector<BuiltinRole> kRoles = {
    {"Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"},
    {"Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"},
    {"Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"},
    {"Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"},
    {"Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"},
    {"Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"},
    {"Storage Blob Delegator", "db58b8e5-c6ad-4a2a-8342-4190687cbf4a"},
};

// Lower case, spaces, '-' and '_' dropped: "storage blob data reader" and
// "StorageBlobDataReader" name the same role.
std::string role_key(std::string_view name) {
  std::string out;
  for (char c : name)
    if (!std::isspace(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool is_guid(std::string_view t) {
  if (t.size() != 36) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? t[i] != '-' : hex_value(t[i]) < 0) return false;
  }
  return true;
}

std::string uuid_v5(std::string_view ns, std::string_view name) {
  if (!is_guid(ns)) throw std::invalid_argument("uuid_v5: the namespace '" + std::string(ns) + "' is not a UUID");
  auto ns_bytes = guid_bytes(ns);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), ns_bytes.data(), ns_bytes.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), name.data(), name.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1)
    throw std::runtime_error("uuid_v5: SHA-1 failed in OpenSSL");
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);  // RFC 9562 variant
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0f];
  }
  return out;
}

std::string assignment_name(std::string_view scope, std::string_view role, std::string_view principal) {
  if (scope.empty() || scope.front() != '/')
    throw std::invalid_argument("the scope '" + std::string(scope) + "' is not a resource id (expected /subscriptions/...)");
  if (!is_guid(role)) throw std::invalid_argument("the role '" + std::string(role) + "' is not a role definition GUID");
  if (!is_guid(principal))
    throw std::invalid_argument("the principal id '" + std::string(principal) + "' is not a GUID (expected an object id)");
  std::string s = lower(scope);
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return uuid_v5(template_guid_namespace, s + "-" + lower(principal) + "-" + lower(role));
}

const std::vector<BuiltinRole>& builtin_roles() { return kRoles; }

std::optional<std::string> role_guid(std::string_view role) {
  std::string_view tail = role;
  if (auto slash = role.rfind('/'); slash != std::string_view::npos) {
    std::string_view head = role.substr(0, slash);
    std::string_view marker = "/providers/microsoft.authorization/roledefinitions";
    if (head.size() < marker.size() || lower(head.substr(head.size() - marker.size())) != marker) return std::nullopt;
    tail = role.substr(slash + 1);
  }
  if (is_guid(tail)) return lower(tail);
  if (tail.size() != role.size()) return std::nullopt;
  std::string key = role_key(role);
  for (const auto& r : kRoles)
    if (role_key(r.name) == key) return std::string(r.guid);
  return std::nullopt;
}

std::optional<std::string> role_name(std::string_view guid) {
  std::string g = lower(guid);
  for (const auto& r : kRoles)
    if (r.guid == g) return std::string(r.name);
  return std::nullopt;
}

}  // namespace tarn::arm
