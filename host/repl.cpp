// Placeholder REPL loop, replaced by the readline REPL (history, completion, pretty-printer).
#include <iostream>
#include <string>

#include "tarn/runtime.hpp"

namespace tarn {
int Runtime::repl() {
  std::string line;
  while (std::getline(std::cin, line)) run_chunk(line, "=repl");
  return exit_ok;
}
}  // namespace tarn
