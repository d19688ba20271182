#include "bindings/fabric/definition.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "tarn/lua.hpp"

namespace tarn::fabric {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string in(text);
  // EVP_DecodeBlock wants whole quads; the spec's own examples drop the padding at times.
  if (in.size() % 4 == 1) return std::nullopt;
  while (in.size() % 4 != 0) in += '=';
  if (in.empty()) return std::string();
  std::size_t pad = 0;
  for (std::size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) ++pad;
  if (pad > 2) return std::nullopt;
  for (std::size_t i = 0; i < in.size() - pad; ++i) {
    char c = in[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!ok) return std::nullopt;  // EVP_DecodeBlock would skip some whitespace; a payload has none
  }
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);  // EVP_DecodeBlock counts the padding as zero bytes
  return out;
}

std::string decode_part(std::string_view path, std::string_view payload, std::string_view payload_type) {
  if (!payload_type.empty() && payload_type != "InlineBase64")
    throw ServiceError("fabric", "definition part '" + std::string(path) + "' has payloadType '" +
                                     std::string(payload_type) + "'; tarn reads InlineBase64 parts only")
        .with("code", "bad_definition");
  auto text = base64_decode(payload);
  if (!text)
    throw ServiceError("fabric", "definition part '" + std::string(path) +
                                     "': the payload is not valid base64 (the Fabric API sent " +
                                     std::to_string(payload.size()) + " characters that do not decode)")
        .with("code", "bad_definition");
  return *text;
}

}  // namespace tarn::fabric
