#pragma once
// Lua sources (stdlib/, recipes/) compiled into the runtime by cmake/embed.cmake.
namespace tarn {
struct EmbeddedFile {
  const char* path;  // relative to the source tree, e.g. "stdlib/tarn.lua"
  const char* text;
};
// Null-terminated array: the last entry has path == nullptr.
const EmbeddedFile* embedded_files();
}  // namespace tarn
