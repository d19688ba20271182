// Deterministic role assignment names and built-in role resolution (bindings/arm/names.hpp).
// Expected UUIDs were computed independently with Python's uuid.uuid5.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "bindings/arm/names.hpp"

using namespace tarn;

TEST_CASE("arm names: uuid_v5 matches RFC 9562 name-based UUIDs", "[arm][names]") {
  // Python's documented example: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
  CHECK(arm::uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  // The namespace of ARM's template guid(): guid('a', 'b', 'c') hashes "a-b-c".
  CHECK(arm::uuid_v5(arm::template_guid_namespace, "a-b-c") == "a98fa280-e03f-5afa-8d8e-92d0a9c201e8");
  CHECK(arm::uuid_v5(arm::template_guid_namespace, "") == "e655a85f-3ab2-5e4a-9666-569aa72a5a10");
  // The namespace may be written in upper case.
  CHECK(arm::uuid_v5("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  CHECK_THROWS_WITH(arm::uuid_v5("not-a-uuid", "x"), "uuid_v5: the namespace 'not-a-uuid' is not a UUID");
}

TEST_CASE("arm names: the assignment name depends on scope, role and principal only, not on case", "[arm][names]") {
  const std::string scope =
      "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct";
  const std::string principal = "9d0f1c2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f";
  const std::string reader = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
  // uuid5(ns, lower(scope) + "-" + principal + "-" + role)
  CHECK(arm::assignment_name(scope, reader, principal) == "0710b446-f8d7-513d-b848-58e7c4a582ac");
  std::string upper = scope;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(arm::assignment_name(upper + "/", "2A2B9908-6EA1-4AE2-8E65-A410DF84E7D1", "9D0F1C2E-3B4A-4C5D-8E6F-7A8B9C0D1E2F") ==
        "0710b446-f8d7-513d-b848-58e7c4a582ac");
  CHECK(arm::assignment_name(scope, "db58b8e5-c6ad-4a2a-8342-4190687cbf4a", principal) !=
        arm::assignment_name(scope, reader, principal));
  CHECK(arm::assignment_name(scope + "2", reader, principal) != arm::assignment_name(scope, reader, principal));
  CHECK(arm::assignment_name(scope, reader, "9d0f1c2e-3b4a-4c5d-8e6f-7a8b9c0d1e20") !=
        arm::assignment_name(scope, reader, principal));
}

TEST_CASE("arm names: assignment_name refuses what is not a scope, role GUID or object id", "[arm][names]") {
  CHECK_THROWS_WITH(arm::assignment_name("subscriptions/x", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
                                         "9d0f1c2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f"),
                    "the scope 'subscriptions/x' is not a resource id (expected /subscriptions/...)");
  CHECK_THROWS_WITH(arm::assignment_name("/subscriptions/x", "Reader", "9d0f1c2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f"),
                    "the role 'Reader' is not a role definition GUID");
  CHECK_THROWS_WITH(arm::assignment_name("/subscriptions/x", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", "app-name"),
                    "the principal id 'app-name' is not a GUID (expected an object id)");
}

TEST_CASE("arm names: built-in role names resolve to their definition GUIDs", "[arm][names]") {
  CHECK(arm::role_guid("Storage Blob Data Reader") == "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1");
  CHECK(arm::role_guid("Storage Blob Delegator") == "db58b8e5-c6ad-4a2a-8342-4190687cbf4a");
  CHECK(arm::role_guid("Storage Blob Data Contributor") == "ba92f5b4-2d11-453d-a403-e96b0029c9fe");
  CHECK(arm::role_guid("Storage Blob Data Owner") == "b7e6dc6d-f1e8-4753-8033-0f276bb0955b");
  CHECK(arm::role_guid("Contributor") == "b24988ac-6180-42a0-ab88-20f7382dd24c");
  CHECK(arm::role_guid("Owner") == "8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
  CHECK(arm::role_guid("Reader") == "acdd72a7-3385-48ef-bd42-f606fba81ae7");
  // Case, spaces, '-' and '_' do not matter.
  CHECK(arm::role_guid("storage blob data reader") == "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1");
  CHECK(arm::role_guid("StorageBlobDataReader") == "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1");
  CHECK(arm::role_guid("  Storage  Blob_Delegator ") == "db58b8e5-c6ad-4a2a-8342-4190687cbf4a");
  // A GUID (any role, built-in or custom) and role definition ids are taken as they are.
  CHECK(arm::role_guid("B24988AC-6180-42A0-AB88-20F7382DD24C") == "b24988ac-6180-42a0-ab88-20f7382dd24c");
  CHECK(arm::role_guid("11111111-2222-4333-8444-555555555555") == "11111111-2222-4333-8444-555555555555");
  CHECK(arm::role_guid("/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/"
                       "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1") == "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1");
  CHECK(arm::role_guid("/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7") ==
        "acdd72a7-3385-48ef-bd42-f606fba81ae7");
}

TEST_CASE("arm names: unknown roles and malformed ids resolve to nothing", "[arm][names]") {
  CHECK_FALSE(arm::role_guid("Storage Blob Data Readers").has_value());
  CHECK_FALSE(arm::role_guid("Key Vault Secrets User").has_value());
  CHECK_FALSE(arm::role_guid("").has_value());
  CHECK_FALSE(arm::role_guid("2a2b9908-6ea1-4ae2-8e65-a410df84e7d").has_value());
  CHECK_FALSE(arm::role_guid("/subscriptions/s/providers/Microsoft.Storage/x/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1").has_value());
  CHECK_FALSE(arm::role_guid("/providers/Microsoft.Authorization/roleDefinitions/Reader").has_value());
}

TEST_CASE("arm names: role_name is the inverse for built-in roles", "[arm][names]") {
  for (const auto& r : arm::builtin_roles()) {
    CHECK(arm::role_guid(r.name) == std::string(r.guid));
    CHECK(arm::role_name(r.guid) == std::string(r.name));
  }
  CHECK(arm::role_name("2A2B9908-6EA1-4AE2-8E65-A410DF84E7D1") == "Storage Blob Data Reader");
  CHECK_FALSE(arm::role_name("11111111-2222-4333-8444-555555555555").has_value());
  CHECK(arm::builtin_roles().size() == 7);
}
