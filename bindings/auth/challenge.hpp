#pragma once
// WWW-Authenticate challenges (RFC 7235) and what a Bearer challenge asks the client for.
//
// Key Vault answers a request without a usable token with
//   Bearer authorization="https://login.microsoftonline.com/{tenant}", resource="https://vault.azure.net"
// and Storage with
//   Bearer authorization_uri=https://login.microsoftonline.com/{tenant}/oauth2/authorize resource_id=https://storage.azure.com
// (unquoted, without commas); Fabric and ARM name only authorization_uri and an error.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tarn::auth {

struct Challenge {
  std::string scheme;                         // as sent ("Bearer")
  std::map<std::string, std::string> params;  // names lower-case, values unquoted
};

// Every challenge in a header value; tolerant of the comma-less form Storage sends.
std::vector<Challenge> parse_challenges(std::string_view header);

// What a Bearer challenge names. `tenant` is the first path segment of `authorization` or
// `authorization_uri` after the authority (`authority` is the cloud profile's, so the
// simulator's {sim}/entra/{tenant} reads the same as login.microsoftonline.com/{tenant});
// `scope` is the `scope` parameter, else `resource` or `resource_id` plus /.default.
struct ChallengeTarget {
  std::string tenant;  // "" when the challenge names none
  std::string scope;   // "" when the challenge names none
  std::string error;   // the error parameter ("invalid_token", "insufficient_claims"), if any
};
std::optional<ChallengeTarget> bearer_target(std::string_view header, std::string_view authority);

// Whether a challenge's scope may be used for a request to request_url: the request's host
// is the scope's host or under it (vault.azure.net for myvault.vault.azure.net), as the
// Key Vault SDKs check, or the request goes to the simulator (`sim`, the local profile's
// base URL, which serves every service on one host). Guards against a server asking for a
// token to some other service.
bool scope_fits_request(std::string_view scope, std::string_view request_url, std::string_view sim);

}  // namespace tarn::auth
