#pragma once
// What each service family does the same way on every route, so a route only says what is
// specific to it: error bodies, 401 challenges, paging and long-running operations.
// docs/simulator.md ("Family helpers") shows which helper to use where.
#include "sim/server.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sim {

// Token audiences of the real services (a token's aud is its scope without "/.default").
inline constexpr std::string_view fabric_audience = "https://api.fabric.microsoft.com";
inline constexpr std::string_view arm_audience = "https://management.azure.com";
inline constexpr std::string_view arm_audience_classic = "https://management.core.windows.net";
inline constexpr std::string_view keyvault_audience = "https://vault.azure.net";
inline constexpr std::string_view storage_audience = "https://storage.azure.com";

// "RequestId" (Fabric), "x-ms-request-id" (everything else).
std::string_view request_id_header(Family family);

// ---- Error bodies ------------------------------------------------------------------------

// Fabric: {requestId, errorCode, message, moreDetails?, relatedResource?, isRetriable?}
// plus header x-ms-public-api-error-code.
struct FabricError {
  std::string code;
  std::string message;
  json more_details = nullptr;      // [{errorCode, message, relatedResource?}]
  json related_resource = nullptr;  // {resourceId, resourceType}
  std::optional<bool> is_retriable;
};
void fabric_error(Exchange& ex, int status, const FabricError& error);
void fabric_error(Exchange& ex, int status, std::string code, std::string message);
// ARM: {"error":{"code","message"}}.
void arm_error(Exchange& ex, int status, std::string_view code, std::string_view message);
// Key Vault: {"error":{"code","message","innererror":{"code"}}}; innererror only when given.
void keyvault_error(Exchange& ex, int status, std::string_view code, std::string_view message,
                    std::string_view inner_code = {});
// ADLS Gen2: {"error":{"code","message"}} plus x-ms-error-code (the only carrier on HEAD).
void adls_error(Exchange& ex, int status, std::string_view code, std::string_view message);
// Entra: {error, error_description "AADSTS<n>: ...\r\nTrace ID: ...", error_codes [n],
// timestamp, trace_id, correlation_id, error_uri}. correlation_id echoes client-request-id.
void entra_error(Exchange& ex, int status, std::string_view error, int aadsts, std::string_view message);
// IMDS and App Service managed identity: {error, error_description}.
void imds_error(Exchange& ex, int status, std::string_view error, std::string_view description);

// The shape of ex.family with a generic code: unknown routes, faults, bad bodies.
void send_error(Exchange& ex, int status, std::string_view code, std::string_view message);
// The code a family uses for a bare HTTP status ("TooManyRequests", "EntityNotFound", ...).
std::string status_code_name(Family family, int status);

// The request body as JSON; otherwise answers 400 in the family's shape and returns nullopt.
std::optional<json> json_body(Exchange& ex);

// 401 in the family's shape, with its WWW-Authenticate challenge (Sim::check_bearer uses it).
void send_unauthorized(Exchange& ex, const AuthProblem& problem);

// ---- Paging ------------------------------------------------------------------------------

// Opaque continuation tokens (base64url, safe in a URL unescaped) for an offset in a list.
std::string encode_continuation(std::size_t offset);
std::optional<std::size_t> decode_continuation(std::string_view token);

struct Page {
  json items = json::array();
  std::optional<std::size_t> next_offset;  // nullopt on the last page
};
Page page_of(const json& items, std::size_t offset, std::size_t page_size);

// The URL of this request with query parameter `param` set to `value`; the other
// parameters are kept exactly as the client sent them.
std::string url_with_param(const Exchange& ex, std::string_view param, std::string_view value);

// Fabric list: 200 {<key>: [...], continuationToken, continuationUri} (both absent on the
// last page) for the page named by ?continuationToken=. A bad token answers 400
// InvalidContinuationToken. `key` is "value" except for a few APIs ("data").
void fabric_list(Exchange& ex, const json& items, std::size_t page_size, std::string_view key = "value");
// ARM and Key Vault list: 200 {value: [...], nextLink} (nextLink absent on the last page),
// next page by ?$skiptoken=. A bad token answers 400 in the family's shape.
void nextlink_list(Exchange& ex, const json& items, std::size_t page_size);
// The page size a list route should use: the state's paging.page_size, else `fallback`.
std::size_t page_size(const Sim& sim, std::size_t fallback = 100);

// ---- Long-running operations -------------------------------------------------------------

struct Operation {
  json result = nullptr;   // what the result URL returns; null: the operation has none
  json error = nullptr;    // {code, message[, status]}: the operation ends Failed with it
  int running_polls = -1;  // status polls answered "Running" first; -1: state lro.running_polls (default 1)
};

// Fabric: stores the operation and answers 202 (empty body) with Location
// {base}/fabric/v1/operations/{id}, x-ms-operation-id and Retry-After. Returns the id.
std::string fabric_accepted(Exchange& ex, Operation op);
// ARM: stores the operation and answers `status` (202, or 201 for a PUT that creates) with
// Azure-AsyncOperation (status URL), Location (result URL) and Retry-After; `body` is the
// response body (null: none). Returns the id.
std::string arm_accepted(Exchange& ex, Operation op, int status = 202, const json& body = nullptr);

// GET /fabric/v1/operations/{id}, GET /fabric/v1/operations/{id}/result and ARM's
// GET /arm/providers/Tarn.Sim/locations/local/operationStatuses/{id} and .../operationResults/{id}.
void register_operations(Sim& sim);

}  // namespace sim
