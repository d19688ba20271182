// The REPL's input: GNU readline through its callback interface on a terminal, plain reads
// otherwise.
//
// Ctrl-C: the runtime's SIGINT handler (host/interrupt.cpp) stays in charge the whole time
// and readline is told not to install its own (rl_catch_signals = 0). While a line is being
// typed SIGINT is blocked except inside ppoll(), so a Ctrl-C either arrives during the wait
// (EINTR) or is seen pending right before it; either way the line is dropped and a fresh
// prompt shown. While a statement runs the terminal is back in its normal mode and the same
// handler raises "interrupted" inside Lua.
#include "host/repl_input.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "host/repl_complete.hpp"
#include "tarn/output.hpp"
#include "tarn/redact.hpp"
#include "tarn/runtime.hpp"

namespace tarn::repl {
namespace {

constexpr int history_limit = 1000;

// ---- completion ----------------------------------------------------------------------

Runtime* completing_for = nullptr;
std::vector<std::string> matches;

char* next_match(const char*, int state) {
  static std::size_t i = 0;
  if (state == 0) i = 0;
  return i < matches.size() ? strdup(matches[i++].c_str()) : nullptr;
}

const char* const commands[] = {":help", ":quit"};

char** attempt_completion(const char* text, int start, int) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  rl_completion_append_character = '\0';
  matches.clear();
  std::string_view word(text);
  if (start == 0 && word.starts_with(":")) {
    for (const char* c : commands)
      if (std::string_view(c).starts_with(word)) matches.emplace_back(c);
  } else if (completing_for != nullptr) {
    matches = completions(*completing_for, word);
  }
  if (matches.empty()) return nullptr;
  return rl_completion_matches(text, next_match);
}

// ---- SIGWINCH: readline's own handler is off with the others, so resize by hand ---------

volatile std::sig_atomic_t resized = 0;
void on_sigwinch(int) { resized = 1; }

// ---- the terminal --------------------------------------------------------------------

bool line_ready = false;
char* ready_line = nullptr;

void on_line(char* line) {
  // Called by readline when Enter (or Ctrl-D on an empty line: nullptr) ends the line.
  line_ready = true;
  ready_line = line;
  rl_callback_handler_remove();
}

class TerminalInput final : public Input {
 public:
  explicit TerminalInput(Runtime& rt) {
    completing_for = &rt;
    rl_readline_name = "tarn";
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_attempted_completion_function = attempt_completion;
    // '.' and ':' are not word breaks: `json.de` and `conn:qu` complete as one word.
    rl_completer_word_break_characters = " \t\n\"'`@$><=;|&{}()[],+-*/%^#~";
    struct sigaction sa {};
    sa.sa_handler = on_sigwinch;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, &old_winch_);

    using_history();
    stifle_history(history_limit);
    // Entries of several lines stay one entry: each is written after a "#<time>" line.
    history_comment_char = '#';
    history_write_timestamps = 1;
    history_multiline_entries = 1;
    path_ = history_path();
    if (!path_.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
      // Owner-only: the history holds whatever was typed.
      int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (fd >= 0) {
        ::close(fd);
        read_history(path_.c_str());
      } else {
        output::write(stderr, "tarn: history not kept: cannot open " + path_ + ": " + std::strerror(errno) + "\n");
        path_.clear();
      }
    }
    bool color = output::use_color(stdout);
    // \001 and \002 tell readline the escape codes take no room on the screen.
    prompt_ = color ? "\001\x1b[1;32m\002>\001\x1b[0m\002 " : "> ";
    continuation_ = color ? "\001\x1b[1;32m\002>>\001\x1b[0m\002 " : ">> ";
  }

  ~TerminalInput() override {
    if (!path_.empty()) history_truncate_file(path_.c_str(), history_limit);
    clear_history();
    sigaction(SIGWINCH, &old_winch_, nullptr);
    completing_for = nullptr;
  }

  bool interactive() const override { return true; }

  Read read(bool continuation, std::string& line) override {
    sigset_t block, old, unblocked;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGWINCH);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    unblocked = old;
    sigdelset(&unblocked, SIGINT);
    sigdelset(&unblocked, SIGWINCH);
    line_ready = false;
    ready_line = nullptr;
    rl_callback_handler_install(continuation ? continuation_.c_str() : prompt_.c_str(), on_line);
    Read result = Read::line;
    while (!line_ready) {
      if (interrupt::pending()) {
        interrupt::clear();
        rl_free_line_state();
        rl_callback_sigcleanup();
        rl_callback_handler_remove();
        std::fputs("\n", rl_outstream);
        std::fflush(rl_outstream);
        result = Read::cancelled;
        break;
      }
      if (resized) {
        resized = 0;
        rl_resize_terminal();
      }
      struct pollfd p {fileno(rl_instream), POLLIN, 0};
      int n = ppoll(&p, 1, nullptr, &unblocked);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || (p.revents & (POLLERR | POLLNVAL)) != 0) {
        rl_callback_handler_remove();
        line_ready = true;  // treat as end of input
        break;
      }
      // A Ctrl-C that came with the keys is still pending (ppoll reports ready input and
      // leaves the signal blocked): let it in first, since the terminal already dropped
      // whatever was typed before it; what is left was typed after it.
      sigset_t waiting;
      if (sigpending(&waiting) == 0 && sigismember(&waiting, SIGINT)) {
        pthread_sigmask(SIG_SETMASK, &unblocked, nullptr);  // the handler runs here
        pthread_sigmask(SIG_BLOCK, &block, nullptr);
        continue;
      }
      rl_callback_read_char();
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (result == Read::cancelled) return result;
    if (ready_line == nullptr) return Read::eof;  // readline has ended the line already
    line = ready_line;
    std::free(ready_line);
    ready_line = nullptr;
    return Read::line;
  }

  void remember(const std::string& entry) override {
    // Scrubbed: a secret typed as a literal (secret("...")) is registered by now.
    std::string text = redact::scrub(entry);
    if (text.find_first_not_of(" \t\n") == std::string::npos) return;
    HIST_ENTRY* last = history_length > 0 ? history_get(history_base + history_length - 1) : nullptr;
    if (last != nullptr && text == last->line) return;
    add_history(text.c_str());
    // Appended at once, so a session that is killed keeps its history and parallel
    // sessions do not overwrite each other's.
    if (!path_.empty()) append_history(1, path_.c_str());
  }

 private:
  std::string path_, prompt_, continuation_;
  struct sigaction old_winch_ {};
};

// ---- pipes and files -------------------------------------------------------------------

class StreamInput final : public Input {
 public:
  bool interactive() const override { return false; }

  Read read(bool, std::string& line) override {
    line.clear();
    for (;;) {
      std::size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return Read::line;
      }
      if (eof_) {
        if (buffer_.empty()) return Read::eof;
        line.swap(buffer_);
        buffer_.clear();
        return Read::line;
      }
      char chunk[4096];
      ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) {
        if (interrupt::pending()) {
          interrupt::clear();
          buffer_.clear();
          return Read::cancelled;
        }
        continue;
      }
      if (n <= 0) eof_ = true;
      else buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  void remember(const std::string&) override {}

 private:
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace

std::string history_path() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state != nullptr && *state == '/') return std::string(state) + "/tarn/history";
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') return std::string(home) + "/.local/state/tarn/history";
  return {};
}

std::unique_ptr<Input> terminal_input(Runtime& rt) { return std::make_unique<TerminalInput>(rt); }
std::unique_ptr<Input> stream_input() { return std::make_unique<StreamInput>(); }

}  // namespace tarn::repl
