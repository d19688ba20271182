#include "tarn/output.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

#include "tarn/redact.hpp"

namespace tarn::output {
namespace {
std::recursive_mutex mutex;
std::string status_text;  // the live status line on a terminal stderr, if any

void raw(std::FILE* f, std::string_view s) {
  std::fwrite(s.data(), 1, s.size(), f);
  std::fflush(f);
}

std::string timestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace

bool is_terminal(std::FILE* stream) { return isatty(fileno(stream)) == 1; }

bool use_color(std::FILE* stream) {
  const char* nc = std::getenv("NO_COLOR");
  return (nc == nullptr || *nc == '\0') && is_terminal(stream);
}

void write(std::FILE* stream, std::string_view text) {
  std::string clean = redact::scrub(text);
  std::lock_guard lock(mutex);
  bool live = !status_text.empty() && is_terminal(stderr);
  if (live) raw(stderr, "\r\x1b[K");
  raw(stream, clean);
  if (live) raw(stderr, status_text);
}

void status(std::string_view text) {
  std::string clean = redact::scrub(text);
  std::lock_guard lock(mutex);
  if (is_terminal(stderr)) {
    // Keep the line within the terminal so \r returns to its start.
    std::size_t cols = 100;
    if (const char* c = std::getenv("COLUMNS")) cols = std::max<std::size_t>(20, std::strtoul(c, nullptr, 10));
    if (clean.size() >= cols) clean.resize(cols - 1);
    status_text = clean;
    raw(stderr, "\r\x1b[K" + status_text);
  } else {
    raw(stderr, timestamp() + " " + clean + "\n");
  }
}

void status_clear() {
  std::lock_guard lock(mutex);
  if (!status_text.empty() && is_terminal(stderr)) raw(stderr, "\r\x1b[K");
  status_text.clear();
}
}  // namespace tarn::output
