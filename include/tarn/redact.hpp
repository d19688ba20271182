#pragma once
// One process-wide redactor: every secret value is registered the moment it enters the
// process, and every byte tarn writes (stdout, stderr, logs, errors, traces) passes through
// scrub(), so a secret that reached output through a path that forgot to wrap it is still
// removed.
#include <string>
#include <string_view>

namespace tarn::redact {
constexpr std::string_view mask = "***";
// Values shorter than this are not scrubbed from text (they would mangle ordinary output);
// they are still masked wherever they travel as a secret.
constexpr std::size_t min_length = 4;
void add(std::string_view value);
std::string scrub(std::string_view text);
std::size_t count();
}  // namespace tarn::redact
