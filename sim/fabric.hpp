#pragma once
// What the Fabric route files (fabric_*.cpp) share: the "fabric" state key and its settings,
// lookups that answer Fabric's 404s, the public shapes of stored workspaces and items,
// definitions (base64 parts, .platform) and the per-type rules for item definitions.
//
// State layout (docs/simulator.md, "Fabric"): fabric.workspaces[], fabric.items[] (each with
// workspaceId), fabric.connections[], fabric.deploymentPipelines[], fabric.unity_catalog{},
// fabric.source_tables{}, fabric.git_remotes{} and fabric.config{}. Stored objects keep the
// API's field names; fields the API never returns (definition, mirroring, logicalId, ...) are
// the simulator's own and are left out of every response by the *_body functions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/families.hpp"

namespace sim::fabric {

// fabric.config, with defaults for what is not set.
struct Config {
  std::size_t page_size = 100;           // lists (else paging.page_size, else 100)
  std::int64_t provision_delay_ms = 0;   // mirrored database: Initializing -> Initialized
  std::int64_t start_delay_ms = 2000;    // Starting -> Running
  std::int64_t stop_delay_ms = 500;      // Stopping -> Stopped
  std::int64_t table_progress_ms = 3000; // a table's snapshot; then replication batches this often
};
Config config(const Sim& sim);

std::int64_t now_ms();
// "2024-05-06T07:08:09.123Z" for a Unix time in milliseconds.
std::string time_text(std::int64_t ms);

// An error to answer later, once the state lock is released.
struct Failure {
  int status = 400;
  std::string code;
  std::string message;
  void send(Exchange& ex) const { fabric_error(ex, status, code, message); }
};

// The Fabric bearer check every route starts with: claims, or nullopt after a 401.
std::optional<json> authorize(Exchange& ex);

// fabric.<key> as an array (empty when absent), and the same for writing (created).
const json& list(const json& state, const char* key);
json& list(json& state, const char* key);
// fabric.<key> as an object.
const json& object(const json& state, const char* key);
json& object(json& state, const char* key);

// The element of `array` whose `key` equals `value`, or nullptr.
const json* find(const json& array, std::string_view key, std::string_view value);
json* find(json& array, std::string_view key, std::string_view value);
json* find_item(json& state, std::string_view workspace, std::string_view id);
const json* find_item(const json& state, std::string_view workspace, std::string_view id);

// Failures the service answers when a path names something that is not there.
Failure workspace_not_found(std::string_view id);
Failure item_not_found(std::string_view id);

// Copies of a stored workspace or item, or nullopt after answering 404. `type` ("" = any)
// must match the item's: /mirroredDatabases/{id} does not find a Lakehouse.
std::optional<json> workspace_or_404(Exchange& ex, const std::string& id);
std::optional<json> item_or_404(Exchange& ex, const std::string& workspace, const std::string& id,
                                std::string_view type = {});

// Public shapes: the Workspace of lists, the WorkspaceInfo of GET, the Item.
json workspace_body(const Exchange& ex, const json& ws, bool info);
json item_body(const json& item, bool with_identity = false);
// The caller's role in a workspace: the role of its oid's assignment; a workspace with no
// assignments at all is the caller's own (Admin), so plain seeds need no role assignments.
std::string caller_role(const json& ws, const json& claims);

// ---- Definitions ---------------------------------------------------------------------------

std::string b64_encode(std::string_view data);
// Standard alphabet; missing padding is accepted. nullopt for anything else.
std::optional<std::string> b64_decode(std::string_view text);

// Checks {format?, parts:[{path, payload, payloadType: InlineBase64}]} (unique paths,
// decodable payloads); nullopt when it is well formed.
std::optional<Failure> check_definition_shape(const json& definition);
// The decoded JSON of part `path`, nullopt when absent; a Failure (CorruptedPayload) when it
// is there but not JSON.
struct PartJson {
  std::optional<json> value;
  std::optional<Failure> failure;
};
PartJson part_json(const json& definition, std::string_view path);
// The stored definition with a .platform part made from the item's metadata.
json definition_with_platform(const json& item);
// Parts other than .platform, in order.
json content_parts(const json& definition);
// From a .platform part (when present and valid): {displayName?, description?}.
std::optional<json> platform_metadata(const json& definition);

// ---- Per-type rules (fabric_mirroring.cpp, fabric_databricks.cpp) ---------------------------

// Whether `definition` may be stored on `item` (null on create); a Failure otherwise.
std::optional<Failure> check_type_definition(const std::string& type, const json& item, const json& definition,
                                             const Config& cfg, std::int64_t now);
// Sets up the simulator's own fields of a new item (mirroring state, sync details, ...).
void init_type_state(json& item, const Config& cfg, std::int64_t now);

std::optional<Failure> check_mirroring_definition(const json& item, const json& definition, const Config& cfg,
                                                  std::int64_t now);
void init_mirroring_state(json& item, const Config& cfg, std::int64_t now);
std::optional<Failure> check_databricks_definition(const json& definition);
void init_databricks_state(json& item, std::int64_t now);

// The item types the generic items API accepts (common/definitions.json ItemType).
bool known_item_type(std::string_view type);

// Creates an item in `workspace` from a create request (displayName, description, folderId,
// definition or creationPayload, sensitivityLabelSettings) and answers: 201 with the Item, or
// a long-running operation whose result is the Item when `lro`. Shared by POST .../items,
// .../mirroredDatabases and .../mirroredAzureDatabricksCatalogs. `creation_payload_definition`
// turns a creationPayload into a definition (nullptr: the type takes none).
using PayloadToDefinition = std::optional<json> (*)(const json& payload, Failure& failure);
void create_item(Exchange& ex, const std::string& workspace, const json& request, const std::string& type, bool lro,
                 PayloadToDefinition creation_payload_definition);

// The routes every item collection has: list, get, update, delete, getDefinition and
// updateDefinition under /fabric/v1/workspaces/{ws}/{collection}, for items of `type` ("" for
// the generic /items, which serves every type). `body` renders an item (null: item_body);
// `patch` applies a PATCH body's type-specific fields (null: displayName and description only).
using ItemBodyFn = json (*)(const Exchange& ex, const json& item, const Config& cfg, std::int64_t now);
using ItemPatchFn = std::optional<Failure> (*)(json& item, const json& body);
void register_item_routes(Sim& sim, const std::string& collection, const std::string& type, ItemBodyFn body,
                          ItemPatchFn patch);

}  // namespace sim::fabric
