---@meta auth
-- LuaLS stubs for `auth` (bindings/auth/auth_lua.cpp over the credential chain).

---Azure sign-in: Entra access tokens from the first method that works, in the order
---token (TARN_ACCESS_TOKEN), env (AZURE_* client secret, certificate or federated token),
---managed-identity, azure-cli, azd; --auth METHOD or TARN_AUTH forces one. Tokens are cached
---per (tenant, scope) and renewed five minutes before they expire. See docs/api/auth.md.
---@class authlib
auth = {}

---@alias auth.scope string fabric, arm, keyvault, storage, postgres, an audience (https://vault.azure.net) or a .default scope

---@class auth.whoami
---@field method "token"|"env"|"managed-identity"|"azure-cli"|"azd" the method that signed in
---@field credential string its form: client-secret, client-certificate, workload-identity, app-service, imds, azure-cli, azd, token
---@field tenant? string the tid claim (else AZURE_TENANT_ID)
---@field client_id? string the appid (else azp) claim
---@field object_id? string the oid claim
---@field user? string upn, preferred_username or unique_name (user tokens)
---@field expires_on? integer Unix seconds when the token expires
---@field scope string the scope the token is for

---@class http.Authorizer
---An authorizer for http.request{auth = ...}: a bearer token before each attempt; after a
---401 a fresh token (following a Key Vault or Storage challenge) and one resend.

---The access token for a scope, as a secret (cached; renewed five minutes before expiry).
---@param scope auth.scope
---@return secret
function auth.token(scope) end

---Who the token for scope (default "fabric") speaks for: method, tenant, client and object ids, expiry.
---@param scope? auth.scope
---@return auth.whoami
function auth.whoami(scope) end

---An authorizer for scope to pass as http.request{auth = ...}; signs in on its first request, not before.
---@param scope auth.scope
---@return http.Authorizer
function auth.authorizer(scope) end

---The sign-in method names, in chain order (the values --auth and TARN_AUTH take).
---@return string[]
function auth.methods() end

return auth
