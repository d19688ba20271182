#pragma once
// What a token is for: a scope ("https://vault.azure.net/.default"), written by callers as a
// short name ("keyvault"), an audience ("https://vault.azure.net") or the scope itself.
#include <string>
#include <string_view>
#include <vector>

#include "bindings/cloud/cloud.hpp"

namespace tarn::auth {

// The short names scope() maps through the cloud profile, in the order messages show them.
const std::vector<std::string>& short_names();

// The .default scope `text` stands for. Throws std::invalid_argument naming the input and
// what was expected (an unknown short name, several scopes, a value that is not a URI).
std::string scope(std::string_view text, const cloud::Scopes& scopes);

// The resource (audience) of a scope: the scope without "/.default", as IMDS, App Service
// and the v1 endpoints take it.
std::string resource_of(std::string_view scope);

// The host of a URL ("https://vault.azure.net/x" -> "vault.azure.net"); "" when there is none.
std::string host_of(std::string_view url);

}  // namespace tarn::auth
