#pragma once
// Where the REPL's lines come from: readline on a terminal (prompts, history, completion,
// Ctrl-C discarding the line being typed), or plain lines from a pipe or file.
#include <memory>
#include <string>

namespace tarn {
class Runtime;
}

namespace tarn::repl {

enum class Read {
  line,       // a line was read (without its newline)
  eof,        // end of input (Ctrl-D on an empty line)
  cancelled,  // Ctrl-C while reading: drop what was typed so far
};

class Input {
 public:
  virtual ~Input() = default;
  // Reads one line; `continuation` selects the second prompt (an unfinished statement).
  virtual Read read(bool continuation, std::string& line) = 0;
  // Records a complete entry (possibly several lines) in the history.
  virtual void remember(const std::string& entry) = 0;
  // True when prompts, colours and the banner belong on the output.
  virtual bool interactive() const = 0;
};

// readline on the terminal; history in $XDG_STATE_HOME/tarn/history. One at a time.
std::unique_ptr<Input> terminal_input(Runtime& rt);
// Lines from standard input as they are, no prompts.
std::unique_ptr<Input> stream_input();

// The history file: $XDG_STATE_HOME/tarn/history, or ~/.local/state/tarn/history.
// Empty when neither XDG_STATE_HOME nor HOME is set.
std::string history_path();

}  // namespace tarn::repl
