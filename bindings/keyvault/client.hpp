#pragma once
// Azure Key Vault secrets, data plane (api-version 7.5), on the runtime's HTTP client:
//
//   auto vault = std::make_shared<tarn::keyvault::Vault>();
//   vault->url = tarn::keyvault::vault_url(tarn::cloud::current(L), "kv1");
//   vault->auth = tarn::auth::authorizer(L, "keyvault");
//   tarn::keyvault::Client kv(tarn::http::Client::of(L), vault);
//   kv.set("db-password", value, {.content_type = "text/plain"});
//   tarn::keyvault::Secret s = kv.get("db-password");         // s.value: plain text, handle with care
//
// The first request to a vault goes without a token (and without its body), as the Azure
// SDKs send it: the vault answers 401 with a challenge naming its tenant and resource, the
// authorizer is re-targeted from it (tarn::auth, bindings/auth/authorizer.cpp) and the real
// request follows with a token. Vault remembers that for the runtime's life.
//
// Failures are ServiceError of kind "keyvault" with status, code (the innermost Key Vault
// code: SecretNotFound, SecretDisabled, ObjectIsDeletedButRecoverable, ...), outer_code when
// it differs (Forbidden, Conflict), request_id and url; transport failures keep kind "http".
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bindings/cloud/cloud.hpp"
#include "bindings/http/client.hpp"

namespace tarn::keyvault {

inline constexpr const char* api_version = "7.5";

// The vault's base URL from its name (through the cloud profile: https://{name}.vault.azure.net,
// or {sim}/keyvault/{name} in the local cloud) or from a URL (https://..., a trailing slash
// dropped). Throws std::invalid_argument naming the input and what was expected.
std::string vault_url(const cloud::Profile& profile, std::string_view vault);
// Secret names: 1-127 letters, digits and hyphens. Versions: 32 hexadecimal digits.
// Each throws std::invalid_argument naming the input and what was expected.
void check_name(std::string_view name);
void check_version(std::string_view version);

// A secret's properties, as every operation returns them (never its value).
struct Properties {
  std::string id;            // {vault}/secrets/{name}/{version}
  std::string name;
  std::string version;       // "" in a list of secrets (ids without a version)
  std::string content_type;  // "" when none was set
  std::map<std::string, std::string> tags;
  bool enabled = true;
  std::optional<std::int64_t> created, updated, not_before, expires;  // Unix seconds
  std::string recovery_level;
  // Deleted secrets only.
  std::string recovery_id;   // {vault}/deletedsecrets/{name}
  std::optional<std::int64_t> deleted_on, scheduled_purge_on;
};

// Parses a SecretBundle, DeletedSecretBundle or list item. Throws std::runtime_error when
// the text is not a JSON object with an id.
Properties parse_properties(std::string_view json_text);

struct Secret {
  std::string value;
  Properties properties;
};

// For set() and update(); what is left unset is not sent.
struct Changes {
  std::optional<std::string> content_type = {};
  std::optional<std::map<std::string, std::string>> tags = {};
  std::optional<bool> enabled = {};
  std::optional<std::int64_t> not_before = {}, expires = {};  // Unix seconds
};

// How delete() and recover() wait for the vault to finish (both complete asynchronously in
// Key Vault): poll every `interval` seconds up to `timeout`; timeout 0 does not wait.
struct Wait {
  double timeout = 60;
  double interval = 1;
};

// One vault as a runtime knows it: where it is, who signs in to it, and whether its 401
// challenge has been read already (the SDKs' per-vault challenge cache).
struct Vault {
  std::string url;
  std::shared_ptr<http::Authorizer> auth;  // null: requests go without a token, and no probe
  bool challenged = false;
};

// The error a failed Key Vault response stands for (see the top of this file).
ServiceError error_of(const http::Response& response);

class Client {
 public:
  Client(http::Client& http, std::shared_ptr<Vault> vault);

  // The latest version (version "") or the given one.
  Secret get(const std::string& name, const std::string& version = "");
  // Whether the secret exists: false on SecretNotFound (also when it is deleted), true when
  // it exists though disabled; other failures throw.
  bool exists(const std::string& name);
  // A new version with this value; returns its properties.
  Properties set(const std::string& name, const std::string& value, const Changes& changes = {});
  // Changes the properties of a version (version "": the latest); the value cannot change.
  Properties update(const std::string& name, const std::string& version, const Changes& changes);
  // Every version's properties (every page), oldest first; an unknown name has none.
  std::vector<Properties> list_versions(const std::string& name, int page_size = 0);
  // The latest version's properties of every secret (every page), by name.
  std::vector<Properties> list(int page_size = 0);
  // Soft delete; waits until the deleted secret can be read (and so recovered or purged).
  Properties remove(const std::string& name, const Wait& wait = {});
  // The deleted secret's properties, or nullopt when no deleted secret has this name.
  std::optional<Properties> deleted(const std::string& name);
  // Undoes a soft delete; waits until the secret can be read again.
  Properties recover(const std::string& name, const Wait& wait = {});
  // Deletes a deleted secret for good.
  void purge(const std::string& name);

  const Vault& vault() const { return *vault_; }

 private:
  http::Response send(const std::string& method, const std::string& url, std::string body = {});
  std::string url(const std::string& path, const std::string& query = "") const;
  std::vector<Properties> collect(std::string url);
  // Polls GET url until it answers 200 (or 403: present, but not readable by us).
  void wait_for(const std::string& url, const Wait& wait, const std::string& what);

  http::Client& http_;
  std::shared_ptr<Vault> vault_;
};

}  // namespace tarn::keyvault
