#pragma once
// Azure sign-in for the service clients (fabric, keyvault, arm, adls, pg):
//
//   auto auth = tarn::auth::authorizer(L, "fabric");   // or an audience, or a .default scope
//   tarn::http::Request req{.url = fabric_base + "/workspaces"};
//   req.auth = auth;                                   // Authorization: Bearer <token>
//   auto r = tarn::http::Client::of(L).send(req);      // a 401 signs in again and resends once
//
// Which identity signs in is decided by the credential chain (bindings/auth/chain.hpp,
// docs/api/auth.md) the first time a token is needed, not before; tokens are cached per
// (tenant, scope) for the runtime's life and renewed five minutes before they expire.
#include <lua.hpp>

#include <memory>
#include <string>

#include "bindings/http/client.hpp"

namespace tarn::auth {

// An Authorizer for scope of the runtime that owns L: a short name (fabric, arm, keyvault,
// storage, postgres, mapped through the cloud profile), an audience
// ("https://vault.azure.net") or a .default scope. Throws std::invalid_argument for a bad
// scope. It fetches nothing until its first request.
//
// After a 401, refresh() drops the rejected token and, when the response carries a Bearer
// challenge that names a resource (Key Vault: authorization="{authority}/{tenant}",
// resource="https://vault.azure.net"; Storage: authorization_uri=... resource_id=...),
// re-targets the authorizer as the Azure SDKs do: the scope becomes the challenge's
// resource + "/.default" when the request's host is that resource's host or under it,
// and the tenant becomes the challenge's tenant when the credential may sign in there
// (one without a tenant of its own, or a tenant in AZURE_ADDITIONALLY_ALLOWED_TENANTS).
// Challenges that name no resource (Fabric, ARM) only cause a fresh token.
std::shared_ptr<http::Authorizer> authorizer(lua_State* L, const std::string& scope);

// A token for scope now, for clients that pass it elsewhere than an Authorization header
// (a PostgreSQL password). Throws ServiceError (kind "auth") when no method can sign in.
std::string token(lua_State* L, const std::string& scope);

}  // namespace tarn::auth
