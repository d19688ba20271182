#pragma once
// Names the arm helpers derive rather than fetch: the deterministic name of a role
// assignment and the ids of Azure's built-in roles.
//
//   tarn::arm::assignment_name(scope, "2a2b9908-...", principal)  // the same GUID every run
//   tarn::arm::role_guid("Storage Blob Data Reader")              // "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tarn::arm {

// The namespace of ARM's template function guid(): a name-based UUID over it is what
// guid('a', 'b') gives in a template (arguments joined with '-').
inline constexpr std::string_view template_guid_namespace = "11fb06fb-712d-4ddd-98c7-e71bbd588830";

// A name-based UUID, version 5 (RFC 9562 §5.5: SHA-1 over the namespace's 16 bytes and then
// the name's bytes), lower-case. Throws std::invalid_argument when ns is not a UUID.
std::string uuid_v5(std::string_view ns, std::string_view name);

// True for the 8-4-4-4-12 hexadecimal form (either case, no braces).
bool is_guid(std::string_view text);

// The name of the role assignment of role (a GUID) to principal at scope, the same on every
// run and machine: uuid_v5(template_guid_namespace, scope + "-" + principal + "-" + role),
// with scope lower-cased and stripped of trailing '/', principal and role lower-cased. It is
// what guid(toLower(scope), toLower(principalId), roleGuid) gives in an ARM template.
// Throws std::invalid_argument when role or principal is not a GUID or scope does not start
// with '/'.
std::string assignment_name(std::string_view scope, std::string_view role, std::string_view principal);

struct BuiltinRole {
  std::string_view name;
  std::string_view guid;
};
// The built-in roles tarn knows by name, in the order shown in messages.
const std::vector<BuiltinRole>& builtin_roles();

// The role definition GUID (lower-case) for a built-in role name (case and runs of spaces
// ignored), a GUID, or a role definition id ".../roleDefinitions/{guid}". nullopt for a
// name tarn does not know.
std::optional<std::string> role_guid(std::string_view role);

// "Storage Blob Data Reader" for its GUID (any case); nullopt for other GUIDs.
std::optional<std::string> role_name(std::string_view guid);

}  // namespace tarn::arm
