#pragma once
// Running a command-line tool (az, azd) without a shell: the arguments go to the program as
// they are, so nothing in a scope or tenant can be read as shell syntax.
#include <string>
#include <vector>

namespace tarn::auth {

struct ProcessResult {
  bool started = false;    // false: the program was not found or could not be run
  std::string start_error;  // why, when not started
  bool timed_out = false;  // killed (with its process group) after the timeout
  int exit_code = -1;      // the exit status, or 128 + signal
  std::string out, err;
};

// Runs argv[0] (looked up on PATH) with stdin from /dev/null, capturing stdout and stderr,
// in its own process group. After timeout seconds the group is killed. Throws
// http::Interrupted on Ctrl-C (the child is killed first).
ProcessResult run_process(const std::vector<std::string>& argv, double timeout);

}  // namespace tarn::auth
