#pragma once
// Item definitions travel as parts whose payloads are base64 ("InlineBase64"); Lua sees and
// writes the decoded text. These are the two conversions, with errors that name the part.
#include <optional>
#include <string>
#include <string_view>

namespace tarn::fabric {

// Standard base64 with padding (what Fabric sends and accepts).
std::string base64_encode(std::string_view bytes);
// Standard alphabet, padding optional, no other characters; nullopt when text is not base64.
std::optional<std::string> base64_decode(std::string_view text);

// The decoded payload of one part the service sent; throws ServiceError (kind "fabric", code
// "bad_definition") naming the part when the payload type is not InlineBase64 or the payload
// is not base64.
std::string decode_part(std::string_view path, std::string_view payload, std::string_view payload_type);

}  // namespace tarn::fabric
