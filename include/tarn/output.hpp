#pragma once
// Every write to the terminal goes through here: secrets are scrubbed, and a live status
// line on stderr is cleared before other text and redrawn after it.
#include <cstdio>
#include <string_view>

namespace tarn::output {
void write(std::FILE* stream, std::string_view text);
// One status line updated in place on a terminal; on anything else a timestamped line.
void status(std::string_view text);
void status_clear();
bool is_terminal(std::FILE* stream);
bool use_color(std::FILE* stream);  // a terminal and NO_COLOR unset
}  // namespace tarn::output
